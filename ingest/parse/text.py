"""Plain-text page dumps (shapes S1–S7 of the format guide) → Article."""
from __future__ import annotations

import re

from ingest.model import Article, ListingPage, PageError, count_words
from ingest.parse import common as c
from ingest.parse.listing import listing_items, listing_reason
from ingest.urls import page_kind_from_url

_CORPUS_CUT = (1990, 2010)  # dump lengths at which the corpus cut the page (§11)
_LINK_TARGET = re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
_URL_LINE = re.compile(r"^(?:URL:\s*|Quelle:\s*)?(https?://(?:www\.)?jungewelt\.de/\S+)$")


def parse_text(text: str, url: str | None = None, known_authors: frozenset[str] = frozenset()) -> Article:
    article = Article(url=url)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\u00ad", "")
    if m := c.CORPUS_DATE.match(text):
        article.published = m[1]
        article.shape = "S6"
        text = text[m.end():]
    lines, block_starts = _lines(text)
    lines, article.url = _take_url_line(lines, article.url)
    if not lines:
        raise PageError("no text on the page")
    if reason := listing_reason(lines, article.url):
        raise ListingPage(reason, items=listing_items(lines, article.url))

    pos, masthead = _skip_masthead(lines)
    header = None
    online_extra = False
    while pos < len(lines):
        line = lines[pos]
        if c.ONLINE_EXTRA.match(line):
            online_extra, pos = True, pos + 1
        elif c.PROMO_LINE.match(line):
            pos += 1
        elif header is None and (found := c.parse_header(line)):
            header, pos = found, pos + 1
            # a kicker stands directly under a D1 line, in the same block (§3) — unless the line after it
            # is already the body (a dateline or a paragraph): then the line under the header is the title
            if (found["form"] == "D1" and pos not in block_starts and pos + 1 < len(lines)
                    and not _looks_like_body(lines[pos + 1])):
                article.kicker, pos = lines[pos], pos + 1
        else:
            break
    if header:
        article.published = header.get("published") or article.published
        article.print_edition_date = header.get("print_edition_date")
        article.print_page = header.get("print_page")
        article.section = header.get("section")
        article.page_kind = header.get("page_kind")
    if online_extra:
        article.page_kind = "online_extra"
    article.page_kind = article.page_kind or page_kind_from_url(article.url)

    rest = lines[pos:]
    end, tail = c.find_end(rest)
    tail["cut_at_limit"] = _CORPUS_CUT[0] <= len(text.rstrip()) <= _CORPUS_CUT[1]
    rest = [c.strip_trailing_promo(line) for line in rest[:end]]
    rest = [line for line in rest if line]
    glued: dict[str, tuple | None] = {}  # _shape and _head both ask the lines under the title: each is read once
    if article.shape is None:
        article.shape = _shape(masthead, header, rest, known_authors, glued)
    if article.shape in ("S6", "S7"):
        body = _caption_first(article, rest)
    else:
        body = _head(article, rest, known_authors, glued)
    _body(article, body, tail)
    article.section = article.section or tail["section"]
    return article


def _lines(text: str) -> tuple[list[str], set[int]]:
    """Non-empty lines, and the indexes of lines that open a blank-line-separated block."""
    lines, starts, blank = [], set(), True
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            blank = True
            continue
        if blank:
            starts.add(len(lines))
        lines.append(line)
        blank = False
    return lines, starts


def _take_url_line(lines: list[str], url: str | None) -> tuple[list[str], str | None]:
    for i, line in enumerate(lines[:3]):
        if m := _URL_LINE.match(line):
            return lines[:i] + lines[i + 1:], url or m[1]
    return lines, url


def _skip_masthead(lines: list[str]) -> tuple[int, bool]:
    """Skip banner, `Gegründet 1947 …`, the members line and the repeated banner (§1.1, §1.2)."""
    for i, line in enumerate(lines[:4]):
        if c.MASTHEAD.match(line):
            banners = set(lines[:i])
            pos = i + 1
            if pos < len(lines) and c.MEMBERS.match(lines[pos]):
                pos += 1
            while pos < len(lines) and (lines[pos] in banners or _is_doubled(lines[pos], banners)):
                pos += 1
            return pos, True
    return 0, False


def _is_doubled(line: str, banners: set[str]) -> bool:
    return any(line == f"{b} {b}" for b in banners)


def _glued_byline(line: str, known: frozenset[str], glued: dict[str, tuple | None]) -> tuple | None:
    if line not in glued:
        glued[line] = c.split_glued_byline(line, known)
    return glued[line]


def _shape(masthead: bool, header: dict | None, rest: list[str], known: frozenset[str],
           glued: dict[str, tuple | None]) -> str:
    if masthead:
        return "S1"
    if header:
        return "S2"
    if not rest or _looks_like_body(rest[0]) or len(rest) == 1:
        return "S7"
    for line in rest[1:4]:
        if _glued_byline(line, known, glued):
            return "S3"
        if c.parse_byline(line, known, require_von=True):
            return "S4"
    return "S5"


def _looks_like_body(line: str) -> bool:
    """A first line that is a paragraph, not a headline."""
    if c.split_dateline(line)[0]:
        return True
    if len(line) > 200:
        return True
    return len(line) > 90 and line.endswith((".", "...", "…", "«", "\"", "“")) and line.count(". ") >= 1


def _caption_first(article: Article, lines: list[str]) -> list[str]:
    """S6/S7 have no headline; a dump may still open with a caption ending in a photo credit (§5)."""
    if lines and (lines[0] == "jW-Archiv" or (c.PHOTO_CREDIT.search(lines[0]) and len(lines) > 1)):
        article.caption = lines[0]
        return lines[1:]
    return lines


def _head(article: Article, lines: list[str], known: frozenset[str], glued: dict[str, tuple | None]) -> list[str]:
    """title → [teaser] → [byline] → [image, caption] → body (§3–§5). Returns the body lines."""
    if not lines:
        raise PageError(f"no headline and no text after the header (shape {article.shape})")
    article.title = lines[0]
    teaser: list[str] = []
    byline = None
    found = False
    i = 1
    while i < len(lines) and i <= 4:
        line = lines[i]
        if c.IMAGE_FILE.match(line):
            found = True
            break
        if split := _glued_byline(line, known, glued):
            byline, lines[i], found = split[0], split[1], True
            break
        if own := c.split_byline_line(line, known):
            found, i = True, i + 1
            if own["interview"] or line.startswith("Von ") or len(own["authors"]) == 1:
                byline = own
            else:  # several bare names under the teaser: the people in a photo (§5)
                article.caption = line
            break
        teaser.append(line)
        i += 1
    if not found:
        # neither byline nor image near the top: at most one teaser line, if it reads like one
        teaser, i = [], 1
        if len(lines) > 2 and _is_teaser(lines[1]):
            teaser, i = [lines[1]], 2
    article.teaser = " ".join(teaser) or None
    if byline:
        article.authors = byline["authors"]
        article.author_place = byline["author_place"]
    if i < len(lines) and c.IMAGE_FILE.match(lines[i]):
        article.image = lines[i]
        i += 1
        if i < len(lines) - 1:
            article.caption, i = lines[i], i + 1
    return lines[i:]


def _is_teaser(line: str) -> bool:
    """A sub-headline, not the first paragraph: short, and rarely closed by a full stop (§3)."""
    if c.split_dateline(line)[0] or len(line) > 300 or line.endswith(("...", "…")):
        return False
    if line.endswith("."):
        return len(line) <= 100 and line.count(". ") <= 1
    if line.endswith(("!", "«", "\"", "“", ")")):
        return len(line) <= 160
    return True


def _body(article: Article, lines: list[str], tail: dict) -> None:
    paragraphs = [line for line in lines if line]
    # datelines open short desk items; a signed report carries its place in the byline (§6)
    if paragraphs and not article.authors:
        place, first = c.split_dateline(paragraphs[0])
        if place:
            article.dateline = place
            paragraphs[0] = first
    paragraphs, article.agencies = c.split_agency_marker(paragraphs)
    if not paragraphs and not article.title:
        raise PageError(f"no article text found (shape {article.shape})")
    article.body_markdown = "\n\n".join(paragraphs) or None
    article.article_length = tail["article_length"]
    if tail["paywalled"]:
        article.paywalled = True
    elif tail["footer"] or article.agencies:
        article.paywalled = False  # the article's end is on the page
    elif not paragraphs or paragraphs[-1].endswith(("...", "…")) or not c._SENTENCE_END.search(paragraphs[-1]):
        article.paywalled = None  # cut off: the page's end is not in the dump
    elif tail.get("cut_at_limit"):
        article.paywalled = None  # the corpus keeps ~2000 characters; a cut may fall on a full stop
    else:
        article.paywalled = False
    # words of the text a reader sees: Markdown link targets are not words
    body = article.body_markdown or ""
    article.word_count = count_words(_LINK_TARGET.sub("]", body) if "](" in body else body)
