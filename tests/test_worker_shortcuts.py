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


# --- the Markdown of a plain text column (ingest/parse/html.py: _plain_markdown) --------------------------------
_PIECES = [" ", "  ", "\t", "\n", "\r\n", " \n ", "\xa0", "\u2009", "*", "_", "**", "Wort", "Straße", "ä", "#", "-",
           "1.", ">", "|", "\\", "[x](y)", "<", "&", "»Zitat«", "…"]


def _text(rng) -> str | None:
    return None if rng.random() < 0.2 else "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 6)))


def _inline_children(rng, parent, depth: int) -> None:
    from lxml import etree

    for _ in range(rng.choice([0, 0, 1, 2, 3])):
        tag = rng.choice(["em", "strong", "b", "i", "a", "a", "em", "a", "strong", "br", "span", "comment"])
        if tag == "comment":
            child = etree.Comment("x")
            parent.append(child)
        else:
            child = etree.SubElement(parent, tag)
            child.text = _text(rng)
            if tag == "a":
                for name in ("href", "title"):
                    if rng.random() < 0.7:
                        child.set(name, rng.choice(["https://www.jungewelt.de/x", "", "Wort", "a \"b\"", "x_y"]))
            if depth < 2 and rng.random() < 0.3:
                _inline_children(rng, child, depth + 1)
        child.tail = _text(rng) if rng.random() < 0.5 else rng.choice([None, " ", "\n", "\r", "\t", " \xa0"])


def _column(rng, depth: int = 0):
    from lxml import etree

    column = etree.Element(rng.choice(["div", "div", "article", "section", "span"]))
    column.text = _text(rng) if rng.random() < 0.1 else rng.choice([None, "\n  ", " "])
    for _ in range(rng.randint(0, 5)):
        tag = rng.choice(["p", "p", "p", "p", "h2", "h3", "h1", "h6", "div", "blockquote", "column"])
        if tag == "column" and depth < 2:
            block = _column(rng, depth + 1)
            column.append(block)
        else:
            block = etree.SubElement(column, "p" if tag == "column" else tag)
            block.text = _text(rng)
            if rng.random() < 0.6:
                _inline_children(rng, block, 0)
        block.tail = _text(rng) if rng.random() < 0.1 else rng.choice([None, "\n", " \n\t", "\xa0"])
    return column


def test_plain_column_is_written_as_markdownify_writes_it():
    import random

    from ingest.parse import html

    rng, taken = random.Random(11), 0
    for _ in range(5000):
        column = _column(rng)
        fast = html._plain_markdown(column)
        if fast is not None:
            taken += 1
            assert fast == html._MARKDOWN.convert_soup(html._soup(column)), html._html(column)
    assert taken > 300  # (the shortcut was taken often enough to be tested)


def test_plain_column_shortcut_takes_the_usual_column_and_leaves_markup():
    from lxml import etree

    from ingest.parse import html

    page = etree.fromstring(b"<html><body><div class='text'>\n <p>Erster  Absatz\n mit *Stern*.</p>\n"
                            b" <h3>Zwischen_titel</h3>\n <p>Zweiter.</p>\n</div></body></html>", html._PARSER)
    column = page.find(".//div")
    assert html._plain_markdown(column) == "Erster Absatz\nmit \\*Stern\\*.\n\n### Zwischen\\_titel\n\nZweiter."
    column[0].append(etree.fromstring("<em> betont</em>"))
    column[0][0].tail = "."
    assert html._plain_markdown(column).startswith("Erster Absatz\nmit \\*Stern\\*. *betont*.\n\n###")
    column[0].append(etree.fromstring("<br/>"))
    assert html._plain_markdown(column) is None
    # a column in a column is stripped as a block of its own (a no-break space at its start goes)
    nested = etree.fromstring("<div><p>eins</p><div> <p>\xa0zwei</p></div><p>\xa0drei</p></div>")
    assert html._plain_markdown(nested) == html._MARKDOWN.convert_soup(html._soup(nested)) == "eins\n\nzwei\n\n\xa0drei"


def test_bylines_are_read_only_when_they_could_make_a_listing():
    items = ["Titel eins", "Von Anna Beispiel", "Titel zwei", "Von Bernd Muster", "Titel drei", "Von Carla Probe"]
    assert listing.listing_reason(items, None) == "listing page: 3 bylines, 0 date headings, 0 comment counters"
    assert listing.listing_reason(items[:4], None) is None
    dated = ["01.02.2024", *items[:4], "02.02.2024"]
    assert listing.listing_reason(dated, None) == "listing page: 2 bylines, 2 date headings, 0 comment counters"


def test_first_letter_is_the_first_of_the_written_text():
    import random

    from ingest.parse import html

    rng = random.Random(5)
    for _ in range(3000):
        column = _column(rng)
        for el in column.iter():
            if isinstance(el.tag, str):
                text = html._text(el)
                assert html._first_letter(el) == (text[0] if text else None), html._html(el)


def test_furniture_initials_are_the_furniture_lines_first_letters():
    from ingest.parse import html

    alternatives = html._FURNITURE.pattern.removeprefix("^(?:").removesuffix(")").split("|")
    assert set(html._FURNITURE_INITIALS) == {alternative[0] for alternative in alternatives}


# --- a line that starts with a label (html._line_starting): asked of the strings only where the text holds it -------
_LABEL_PIECES = ["Themen:", "Themen", ":", "The", "men:", "Foto:", "Fotos:", "Fo", "to: ", "Erschienen in der ",
                 "Erschienen", " in der", "Ausgabe vom 1.2.2025", " ", "\n", "\xa0", "\u2009", "Wort", "T", "E"]
_LABEL_STARTS = [("Themen:",), ("Foto:", "Fotos:"), ("Erschienen in der Ausgabe",)]


def _label_text(rng) -> str | None:
    return None if rng.random() < 0.3 else "".join(rng.choice(_LABEL_PIECES) for _ in range(rng.randint(1, 4)))


def _labelled(rng, depth: int = 0):
    from lxml import etree

    el = etree.Element(rng.choice(["div", "p", "li", "ul", "strong", "a", "span", "em"]))
    el.text = _label_text(rng)
    for _ in range(rng.choice([0, 1, 2, 3]) if depth < 3 else 0):
        if rng.random() < 0.1:
            child = etree.Comment(rng.choice(["Themen:", "x"]))
            el.append(child)
        else:
            child = _labelled(rng, depth + 1)
            el.append(child)
        child.tail = _label_text(rng)
    return el


def test_line_starting_is_found_as_the_strings_find_it():
    import random

    from ingest.parse import html

    rng, found = random.Random(7), 0
    for _ in range(4000):
        tree = _labelled(rng)
        for root in tree.iter():
            if not isinstance(root.tag, str):
                continue
            for starts in _LABEL_STARTS:
                line = html._line_starting(root, *starts)
                assert line is html._line_starting_among_strings(root, starts), html._html(root)
                found += line is not None
    assert found > 500  # (labels were found often enough to be tested)


_PAYWALL_PIECES = ["Artikel-Länge:", "Artikel-", "Länge:", " 1.234 Zeichen", "4711", " Zeichen",
                   "Sie benötigen ein ", "Online-Abo", "Online-", "Abo", "Dieser Beitrag ist gesperrt", "gesperrt", " ", "\n", "\xa0", "Wort",
                   "Artikel-Länge:12 Zeichen", "Artikel-Länge:\xa03.000\nZeichen", "Sie benötigen\xa0ein Online-Abo"]


def test_paywall_text_is_left_out_only_where_it_holds_no_marker():
    import random

    from lxml import etree

    from ingest.parse import common, html

    def tree(rng, depth=0):
        el = etree.Element(rng.choice(["div", "p", "span", "strong", "section"]))
        el.text = "".join(rng.choice(_PAYWALL_PIECES) for _ in range(rng.randint(0, 3)))
        for _ in range(rng.choice([0, 1, 2, 3]) if depth < 3 else 0):
            child = tree(rng, depth + 1)
            el.append(child)
            child.tail = "".join(rng.choice(_PAYWALL_PIECES) for _ in range(rng.randint(0, 2)))
        return el

    rng, marked = random.Random(13), 0
    for _ in range(5000):
        root = tree(rng)
        full = html._text(root)
        says = bool(common.ARTICLE_LENGTH.search(full)) or any(o in full for o in common.PAYWALL_OPENINGS)
        marked += says
        assert html._paywall_text(root) in ((full,) if says else (full, "")), html._html(root)
    assert marked > 500
