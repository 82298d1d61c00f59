"""The shortcuts a build's workers take on every page (issue 11: CPU per page) give what the plain rule gives."""
import re

import pytest

from ingest.parse import listing

# a line of every listing marker, and lines that look like one but are not
MARKER_LINES = ["Zitat des Tages vom 3. Mai", "Leserbrief zum Artikel Krieg vom 01.02.2024:",
                "Beilage der Tageszeitung junge Welt vom 12.3.2025", "Zuletzt aktualisiert: 4.5.2025",
                "Kurz notiert", "Aktuelle Meldungen"]
NOT_MARKERS = ["Zitat des Tages vom Montag", "Kurz notiert:", "Aktuelle Meldungen aus Berlin", "Leserbrief",
               " Kurz notiert", "Zuletzt aktualisiert: gestern"]


def test_every_listing_marker_begins_as_the_shortcut_expects():
    for pattern, _ in listing._LISTING_MARKERS:
        assert any(pattern.match(line) for line in MARKER_LINES), pattern.pattern  # an example of every marker
    for line in MARKER_LINES + NOT_MARKERS:
        matched = any(pattern.match(line) for pattern, _ in listing._LISTING_MARKERS)
        assert not matched or line.startswith(listing._MARKER_STARTS), line
        assert bool(listing.listing_reason([line], None)) == matched
    # the shortcut's prefixes are the markers' literal openings (a marker added must add its opening)
    literal = [re.match(r"\^\(?([^\\()|$]+)", pattern.pattern)[1] for pattern, _ in listing._LISTING_MARKERS]
    assert all(opening.startswith(listing._MARKER_STARTS) for opening in literal)


COUNTER_LINES = ["12 Kommentare", "Krieg 1 Kommentar", "Text 3 Leserbriefe", "Text 1 Leserbrief",
                 "3 Kommentare\n", "x3 Kommentare", "3 Kommentaren", "3  Kommentare", "Kommentare", "٣ Kommentare",
                 "Ein langer Absatz mit 1990 und 2010 Zahlen. " * 20, "12 Kommentare x", "A 7 Leserbriefe\n\n"]


@pytest.mark.parametrize("line", COUNTER_LINES)
def test_counter_shortcut_is_the_search(line):
    assert bool(line.endswith(listing._COUNTER_ENDS) and listing._COUNTER.search(line)) == bool(
        listing._COUNTER.search(line))


def test_counters_still_make_a_listing():
    lines = ["Titel eins", "Erster Text 2 Kommentare", "Titel zwei", "Zweiter Text 1 Leserbrief"]
    assert listing.listing_reason(lines, None) == "listing page: 0 bylines, 0 date headings, 2 comment counters"
    assert listing.listing_reason(lines[:2], None) is None
