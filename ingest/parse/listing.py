"""Listing pages (edition index, section, column, letters, dossier …): recognised, never stored as articles."""
from __future__ import annotations

import re
from urllib.parse import urljoin

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
# how the markers begin: one test of every line of every page, the markers' own patterns only where it passes
_MARKER_STARTS = ("Zitat des Tages vom ", "Leserbrief zum Artikel ", "Beilage der Tageszeitung junge Welt vom ",
                  "Zuletzt aktualisiert: ", "Kurz notiert", "Aktuelle Meldungen")
_DATE_HEADING = re.compile(r"^\d{2}\.\d{2}\.\d{4}$")
_COUNTER = re.compile(r"\b\d+ (Leserbriefe?|Kommentare?)$")
# how a counter line ends ($ also before a final line break): a search of _COUNTER tries every digit of a long
# paragraph, which cost an eighth of parsing a text dump
_COUNTER_ENDS = tuple(word + end for word in ("Leserbrief", "Leserbriefe", "Kommentar", "Kommentare")
                      for end in ("", "\n"))


def listing_reason(lines: list[str], url: str | None) -> str | None:
    """Why this page is a listing, or None for an article page."""
    if url and _LISTING_URL.search(url):
        return f"listing page ({url})"
    for line in lines:
        if line.startswith(_MARKER_STARTS):
            for pattern, what in _LISTING_MARKERS:
                if pattern.match(line):
                    return f"listing page: {what} (`{line[:40]}`)"
    date_headings = sum(1 for line in lines if _DATE_HEADING.match(line))
    counters = sum(1 for line in lines if line.endswith(_COUNTER_ENDS) and _COUNTER.search(line))
    signed = [line for line in lines if line.startswith("Von ")]
    if len(signed) < 3 and date_headings < 2 and counters < 2:
        return None  # too few lines to be three bylines: none need be read (an article's own byline is one)
    bylines = sum(1 for line in signed if c.parse_byline(line, require_von=True))
    if bylines >= 3 or date_headings >= 2 or counters >= 2:
        return f"listing page: {bylines} bylines, {date_headings} date headings, {counters} comment counters"
    return None


# --- the items of a listing page (format guide §12) ----------------------------------------------
# An item is what a listing says about one article: title, kicker, teaser, byline, date, link.
# Items are cut out of the flat line sequence by the markers that bound them: a byline ends an
# item; a date heading, a truncated caption, an `Online extra` label, a kicker with a counter or a
# `City:` kicker starts one. Blank lines are no help: dumps put them between every line.
_EDITION_URL = re.compile(r"/(\d{4})/(\d{2})-(\d{2})/index\.php")
_PAGE_DATE = re.compile(r"^(?:Ausgabe vom|Beilage der Tageszeitung junge Welt vom) (\d{1,2})\.(\d{1,2})\.(\d{4})\b")
_DATE_LINE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_LETTER = re.compile(r"^Leserbrief zum Artikel (.+) vom (\d{1,2})\.(\d{1,2})\.(\d{4}):?$")
_COUNTER_SUFFIX = re.compile(r"\s*\b\d+ (?:Leserbriefe?|Kommentare?)$")
_SHORT_NEWS = re.compile(r"^(?:Kurz notiert|Aktuelle Meldungen)$")
_PAGE_HEADINGS = re.compile(r"^(?:Dossier: .+|Zuletzt aktualisiert: .+|Zitat des Tages vom .+|Leserbriefe|"
                            r".*\bPDF\b.*(?:herunterladen|[Dd]ownload).*|.*(?:herunterladen|[Dd]ownload).*\bPDF\b.*)$")
_MARKDOWN_LINK = re.compile(r"^\[([^\]]+)\]\((\S+?)(?:\s+\"[^\"]*\")?\)$")
_URL_ONLY = re.compile(r"^(?:URL:\s*|Quelle:\s*)?https?://\S+$")
_QUOTE_OPEN, _QUOTE_CLOSE = ("»", "„", "\"", "“"), ("«", "“", "\"", "”", "«.", "“.")
_SITE = "https://www.jungewelt.de/"


def listing_items(lines: list[str], url: str | None, links: list[tuple[str, str]] | None = None) -> list[dict]:
    """The articles a listing page names, in page order: one dict per item (keys as `_item`).

    `links` are the page's anchors as (text, href); an item gets the href of the anchor whose text
    is its title. A field the page does not state stays None (authors: empty list).
    """
    links = list(links or [])
    page: list[str] = []
    for raw in lines:
        line = " ".join(raw.split())
        if m := _MARKDOWN_LINK.match(line):
            links.append((m[1], m[2]))
            line = m[1]
        if line and not _URL_ONLY.match(line):
            page.append(line)
    page = _drop_masthead(page)
    form = _form(page, url)
    if form == "quote":
        return []  # a quote with its attribution names no article
    if form == "letters":
        items = _letter_items(page)
    else:
        items = _Items(form, _page_date(page, url)).read(page)
    unique: list[dict] = []
    for item in items:
        item["link"] = _link(item["title"], links, url)
        if item not in unique:
            unique.append(item)
    return unique


def _item(title, kicker=None, teaser=None, authors=None, author_place=None, date=None) -> dict:
    return {"title": title, "kicker": kicker, "teaser": teaser, "authors": authors or [],
            "author_place": author_place, "date": date, "link": None}


def _drop_masthead(lines: list[str]) -> list[str]:
    """Masthead, members line and campaign banners (§1) are page furniture wherever they stand."""
    banners = set()
    for i, line in enumerate(lines[:4]):
        if c.MASTHEAD.match(line):
            banners = set(lines[:i])
            break
    return [line for line in lines
            if not (c.MASTHEAD.match(line) or c.MEMBERS.match(line) or line in banners
                    or any(line == f"{b} {b}" for b in banners) or any(p.match(line) for p in c.PROMO_LINES))]


def _form(lines: list[str], url: str | None) -> str:
    path = url or ""
    quote = any(line.startswith("Zitat des Tages vom ") for line in lines)
    if "/bibliothek/zitat" in path or (quote and not any(line.startswith(("Von ", "Interview:")) for line in lines)):
        return "quote"
    if "leserbriefe" in path or any(_LETTER.match(line) for line in lines):
        return "letters"
    if "/bibliothek/dossier" in path or any(line.startswith("Zuletzt aktualisiert: ") for line in lines):
        return "dossier"
    # a column listing puts each item's caption above its date; a section listing the date first
    if "/kolumne/" in path or any(_is_caption(a) and _DATE_LINE.match(b) for a, b in zip(lines, lines[1:])):
        return "column"
    return "listing"


def _page_date(lines: list[str], url: str | None) -> str | None:
    """The date every item of the page shares: an edition's or a supplement's (never the masthead's)."""
    if url and (m := _EDITION_URL.search(url)):
        return c.iso_date(m[3], m[2], m[1])
    for line in lines:
        if m := _PAGE_DATE.match(line):
            return c.iso_date(*m.groups())
    return None


def _letter_items(lines: list[str]) -> list[dict]:
    """Letters name the article they answer: `Leserbrief zum Artikel <title> vom DD.MM.YYYY:`."""
    return [_item(m[1].strip(), date=c.iso_date(m[2], m[3], m[4])) for line in lines if (m := _LETTER.match(line))]


def _is_caption(line: str) -> bool:
    return line.endswith(("...", "…"))


def _byline(line: str, form: str) -> dict | None:
    if line.startswith(("Von ", "Interview:")):
        return c.parse_byline(line)
    if form == "dossier":  # dossier items end with the author's bare name (§12)
        return c.split_byline_line(line)
    return None


def _city_kicker(line: str) -> bool:
    return line.endswith(":") and c.is_place_name(line[:-1])


def _is_quote(line: str) -> bool:
    return line.startswith(_QUOTE_OPEN) and line.endswith(_QUOTE_CLOSE)


def _is_attribution(line: str) -> bool:
    """`Anna Beispiel, Historikerin`: who said the quote above it."""
    return len(line) <= 100 and c.is_person_name(line.split(",")[0]) and not line.endswith((".", "!", "?"))


def _is_sentence(line: str) -> bool:
    return line.endswith((".", "!", "?")) and len(line.split()) >= 6


def _kicker_like(line: str) -> bool:
    return (len(line) <= 30 and len(line.split()) <= 2 and not line.endswith((".", "!", "?", ":"))
            and not line.startswith(_QUOTE_OPEN))


class _Items:
    """Reads the generic listing forms: edition index, section, column, culture, dossier, supplement."""

    def __init__(self, form: str, page_date: str | None):
        self.form, self.date = form, page_date
        self.items: list[dict] = []
        self.buffer: list[str] = []
        self.kicked = False  # the buffer opens with a line marked as kicker (a counter, `City:`)
        self.started = False  # lines before the first marker are the page's own heading
        self.short_news = False

    def read(self, lines: list[str]) -> list[dict]:
        for i, line in enumerate(lines):
            following = lines[i + 1] if i + 1 < len(lines) else ""
            if line.startswith(c.PAYWALL_OPENINGS + c.FOOTER_OPENINGS):
                break
            if m := _PAGE_DATE.match(line):
                self.date = self.date or c.iso_date(*m.groups())
                self._boundary()
            elif m := _DATE_LINE.match(line):
                self._boundary()
                self.date = c.iso_date(*m.groups())
            elif _SHORT_NEWS.match(line):
                self._boundary()
                self.short_news = True
            elif _PAGE_HEADINGS.match(line) or c.IMAGE_FILE.match(line):
                self._boundary()
            elif c.ONLINE_EXTRA.match(line):
                self._boundary()
            elif _is_caption(line) and not (self.buffer and _byline(following, self.form)):
                self._boundary()  # a truncated image caption opens an item; a truncated teaser ends one
            elif byline := _byline(line, self.form):
                self._flush(byline)
            elif self.form != "dossier" and self.buffer and _is_quote(self.buffer[-1]) and _is_attribution(line):
                self.buffer, self.kicked = [], False  # a quote of the day between the items (§12)
            elif _COUNTER_SUFFIX.search(line) or _city_kicker(line):
                self._boundary()
                kicker = _COUNTER_SUFFIX.sub("", line).removesuffix(":").strip()
                if kicker:
                    self.buffer, self.kicked = [kicker], True
            elif self.short_news and not _is_sentence(line) and len(line.split()) >= 2:
                self._boundary()  # each headline of the short news opens an item
                self.buffer.append(line)
            else:
                self.buffer.append(line)
        if self.short_news:
            self._boundary()
        return self.items

    def _boundary(self) -> None:
        """A marker that opens the next item: what is buffered is an item without a byline."""
        quote = len(self.buffer) == 2 and _is_quote(self.buffer[0]) and _is_attribution(self.buffer[1])
        if self.started and 1 <= len(self.buffer) <= 3 and not quote:
            self._flush(None)
        self.buffer, self.kicked = [], False
        self.started = True

    def _flush(self, byline: dict | None) -> None:
        lines, kicked = self.buffer, self.kicked
        self.buffer, self.kicked, self.started = [], False, True
        while not kicked and len(lines) > 1 and len(lines[0]) > 200:  # an introduction above the first item
            lines = lines[1:]
        if not lines:
            return
        kicker, title, rest = None, lines[0], lines[1:]
        if kicked:
            kicker, title, rest = lines[0], (lines[1] if len(lines) > 1 else None), lines[2:]
        elif self.form == "listing" and len(lines) >= 2 and self._opens_with_kicker(lines):
            kicker, title, rest = lines[0], lines[1], lines[2:]
        if not title:
            return
        self.items.append(_item(
            title, kicker, " ".join(rest) or None,
            byline["authors"] if byline else [], byline["author_place"] if byline else None, self.date))

    @staticmethod
    def _opens_with_kicker(lines: list[str]) -> bool:
        """kicker / title / teaser is the order (§3); with two lines, the second may be title or teaser."""
        if len(lines) >= 3:
            return not lines[0].endswith((".", "!", "?"))
        return _kicker_like(lines[0]) and not _is_sentence(lines[1]) and len(lines[1].split()) < 8


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _link(title: str, links: list[tuple[str, str]], url: str | None) -> str | None:
    """The href of the anchor that is the item's title; None when no anchor, or several, say so."""
    want = _normal(title)
    exact = {href for text, href in links if _normal(text) == want}
    found = exact or {href for text, href in links if re.search(rf"(?:^|\s){re.escape(want)}(?:\s|$)", _normal(text))}
    hrefs = {urljoin(url or _SITE, href.strip()) for href in found}
    return hrefs.pop() if len(hrefs) == 1 else None


# --- the same, read from HTML --------------------------------------------------------------------
_BLOCK_TAGS = {"address", "article", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure",
               "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "ol", "p", "section",
               "table", "td", "th", "time", "tr", "ul"}
_ITEM_PART = re.compile(r"kicker|dachzeile|topline|title|titel|headline|teaser|lead|author|autor|byline|date|datum",
                        re.I)


def html_lines(root) -> list[str]:
    """Visible text of an HTML page (an lxml element), one line per block element; inline markup (`<em>`, `<a>`)
    stays in its line."""
    parts: list[str] = []

    def walk(el) -> None:
        if el.text:
            parts.append(el.text.replace("\n", " "))
        for child in el:
            if isinstance(child.tag, str):
                block = child.tag in _BLOCK_TAGS or bool(_ITEM_PART.search(child.get("class") or ""))
                parts.append("\n" if block else "")
                walk(child)
                parts.append("\n" if block else "")
            if child.tail:  # after a comment too: only the comment's own text is not the page's
                parts.append(child.tail.replace("\n", " "))

    walk(root)
    return [" ".join(line.split()) for line in "".join(parts).split("\n") if line.strip()]


def html_links(root) -> list[tuple[str, str]]:
    """(text, href) of every anchor: the links that listing items are matched to by their title."""
    return [(" ".join(" ".join(a.itertext()).split()), a.get("href"))
            for a in root.iterdescendants("a") if a.get("href") is not None]
