"""Listing pages (edition index, section, column, letters, dossier …): recognised, never stored as articles."""
from __future__ import annotations

import re

from ingest.parse import common as c

_LISTING_URL = re.compile(
    r"/(?:\d{4}/\d{2}-\d{2}/index\.php|aktuell/rubrik/|kolumne/|kultur/\w+\.php|bibliothek/|beilage/beilage/|aktion/|blogs/[^/]+/?(?:\?|$))"
)
_LISTING_MARKERS = (
    (re.compile(r"^Zitat des Tages vom \d"), "quote of the day listing"),
    (re.compile(r"^Leserbrief zum Artikel "), "letters listing"),
    (re.compile(r"^Beilage der Tageszeitung junge Welt vom \d"), "supplement index"),
    (re.compile(r"^Zuletzt aktualisiert: \d"), "dossier listing"),
    (re.compile(r"^(Kurz notiert|Aktuelle Meldungen)$"), "edition index"),
)
_DATE_HEADING = re.compile(r"^\d{2}\.\d{2}\.\d{4}$")
_COUNTER = re.compile(r"\b\d+ (Leserbriefe?|Kommentare?)$")


def listing_reason(lines: list[str], url: str | None) -> str | None:
    """Why this page is a listing, or None for an article page."""
    if url and _LISTING_URL.search(url):
        return f"listing page ({url})"
    for line in lines:
        for pattern, what in _LISTING_MARKERS:
            if pattern.match(line):
                return f"listing page: {what} (`{line[:40]}`)"
    bylines = sum(1 for line in lines if line.startswith("Von ") and c.parse_byline(line, require_von=True))
    date_headings = sum(1 for line in lines if _DATE_HEADING.match(line))
    counters = sum(1 for line in lines if _COUNTER.search(line))
    if bylines >= 3 or date_headings >= 2 or counters >= 2:
        return f"listing page: {bylines} bylines, {date_headings} date headings, {counters} comment counters"
    return None
