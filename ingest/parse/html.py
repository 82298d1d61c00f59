"""HTML article pages of jungewelt.de (layout A 2019–2026, layout B since April 2026, any other) → Article."""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Comment
from lxml import etree
from markdownify import MarkdownConverter

from ingest.model import Article, ListingPage, PageError
from ingest.parse import common as c
from ingest.parse.listing import html_lines, html_links, listing_items, listing_reason
from ingest.parse.text import _body, parse_text
from ingest.urls import page_kind_from_url

SITE = "https://www.jungewelt.de/"
# soft hyphens break words for search (`Pan-\u00adAfrican`); as entities they would survive parsing as U+00AD
_SOFT_HYPHEN = re.compile(r"\u00ad|&shy;|&#173;|&#x0*ad;", re.I)
# the same on a whole page, quicker: the `&` matched exactly lets the search skip ahead
_SOFT_HYPHEN_ENTITY = re.compile(r"&(?i:shy|#173|#x0*ad);")
_IMAGE_SRC = re.compile(r"/img/\d+/([^/?#]+\.(?:jpe?g|png|gif|webp))", re.I)
_CREDIT_PREFIX = re.compile(r"^Fotos?:\s*")

# What is never article text, whatever the layout: elements …
_DROP_TAGS = ["script", "style", "noscript", "iframe", "form", "nav", "aside", "footer", "svg", "button",
              "template", "object", "embed", "input", "select", "textarea", "link", "meta"]
# … and lines of page furniture that may sit next to the text in any layout.
_FURNITURE = re.compile(r"^(?:Themen:|Erschienen in der Ausgabe|Aus: Ausgabe vom|Fotos?:|Anzeige$|Drucken$)")

# The generic path (a layout this module does not know): class names that mark page chrome, kickers …
_CHROME = re.compile(r"(^|[-_ ])(ads?|advert\w*|banner|promo\w*|newsletter|paywall|social|share|sharing|navi\w*|menu|"
                     r"cookie\w*|related|breadcrumbs?|sidebar|masthead|abo\w*|comments?|donat\w*|spende\w*)($|[-_ ])",
                     re.I)
_KICKER = re.compile(r"kicker|dachzeile|topline|roofline|overline", re.I)
_TEASER = re.compile(r"teaser|lead|intro|subtitle|subheadline|standfirst", re.I)
_BYLINE = re.compile(r"author|byline|autor", re.I)
_DATE = re.compile(r"date|datum|time|meta|issue", re.I)


@dataclass
class PageMeta:
    """What the page says about itself in `<head>`: the JSON-LD `NewsArticle` and the `<meta>` tags."""
    url: str | None = None
    news_article: bool = False
    headline: str | None = None  # JSON-LD headline, else og:title: `Kicker: Title`
    alternative_headline: str | None = None  # the teaser
    description: str | None = None  # og:description: `Teaser • Foto: Credit`
    byline: str | None = None  # `<meta name="Author">`: the byline without `Von`
    authors: list[str] = field(default_factory=list)  # JSON-LD author names (layout A only, may be missing)
    published: str | None = None  # JSON-LD datePublished, Berlin time
    date: str | None = None  # `<meta name="date">`: the edition's day (or the page's day, online only)
    keywords: list[str] = field(default_factory=list)
    image: str | None = None  # file name of og:image / the JSON-LD image


@dataclass
class Seen:
    """Fields only the visible page states, kept to fill and cross-check the record."""
    header: dict | None = None  # the print header, parsed (common.parse_header)
    section_link: str | None = None  # layout B: `→ Ausland`
    date_item: str | None = None  # layout B: the `.Date` item (the edition's day)
    tags: list[str] = field(default_factory=list)  # `#tags_oben` and the `Themen:` list
    online_extra: bool = False  # an `Online Extra` label above the headline


def parse_html(text: str, url: str | None = None, known_authors: frozenset[str] = frozenset()) -> Article:
    page = Page(text)
    dropped = list(page.root.iter(*_DROP_TAGS))  # (the page's <meta>, <link> and <script> among them)
    meta = read_meta(page.root, dropped)
    url = url or meta.url
    for el in dropped:
        _drop(el)
    _absolute_links(page.root, url)
    # a real article page has sidebars full of teasers, dates and bylines: the page's own word that it is
    # an article is asked first, the listing markers only when it gives none
    if not meta.news_article and (_listing_url(url) or _article_headline(page.root) is None):
        _raise_if_listing(page, url)
    if (root := _layout_a(page.root)) is not None:
        article, seen = _read_layout_a(root, url, known_authors)
    elif (found := _layout_b(page.root)) is not None:
        article, seen = _read_layout_b(*found, page.root, url, known_authors)
    else:
        article, seen = _read_generic(page, meta, url, known_authors)
    _settle(article, meta, seen, known_authors)
    _strip_text_fields(article)
    return article


class Page:
    """The page's element tree, parsed once by lxml (libxml2, in C): bs4 with Python's html.parser took most of
    the parsing time of a build."""

    def __init__(self, text: str):
        # bytes with the encoding named: lxml refuses text that opens with an XML declaration naming one
        # and without the control characters XML forbids: lxml refuses to set a text holding one (a _drop())
        text = _SOFT_HYPHEN_ENTITY.sub("", text.replace("\u00ad", ""))
        data = text.encode("utf-8", "replace")
        if _holds_not_xml(data):  # (most pages hold none: found in the bytes quicker than by a regex in the text)
            data = _NOT_XML.sub("", text).encode("utf-8", "replace")
        # libxml2 drops everything after `</html>`: a stray one early in a broken page would take the article along
        data = _HTML_END.sub(b"", data)
        root = etree.fromstring(data, _PARSER)
        self.root = root if root is not None else etree.fromstring(b"<html></html>", _PARSER)  # comments only
        # libxml2 adds a <body> where the markup has none; a page without one is read whole, its <head> included
        self.body = self.root.find("body") if _BODY_TAG.search(data) else None

    @property
    def main(self):
        """`<main>`, else `<body>`, else the whole page."""
        return _first(self.root.find(".//main"), self.body, self.root)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# the same characters in UTF-8: control characters are single bytes (never part of another character's bytes),
# U+FFFE and U+FFFF three bytes each
_BUT_NOT_XML_BYTES = bytes(b for b in range(256) if not (b <= 0x08 or b in (0x0B, 0x0C) or 0x0E <= b <= 0x1F))


def _holds_not_xml(data: bytes) -> bool:
    return bool(data.translate(None, _BUT_NOT_XML_BYTES)) or b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data
# lxml.etree's own elements: lxml.html's element classes cost a Python call for every element touched
_PARSER = etree.HTMLParser(encoding="utf-8")
_MARKDOWN = MarkdownConverter(heading_style="ATX", bullets="-", strip=["img"])
_SOUP = BeautifulSoup("", "html.parser")
_BODY_TAG = re.compile(rb"<body[\s>/]", re.I)
_HTML_END = re.compile(rb"</(?i:html)\s*>")


# --- metadata ---------------------------------------------------------------------------------------------
def read_meta(root, elements: list | None = None) -> PageMeta:
    """`elements`: the page's <meta>, <link> and <script> elements in page order (others may be among them), when
    the caller has walked the tree for them already (each walk of the tree costs as much as reading the tags)."""
    if elements is None:
        elements = list(root.iter("meta", "link", "script"))
    meta = PageMeta()
    tags = _meta_tags([el for el in elements if el.tag == "meta"])
    meta.url = _link_canonical([el for el in elements if el.tag == "link"]) or tags.get("og:url")
    news = _news_article([el for el in elements if el.tag == "script"])
    meta.news_article = news is not None
    news = news or {}
    meta.headline = _clean(news.get("headline")) or tags.get("og:title") or tags.get("twitter:title")
    meta.alternative_headline = _clean(news.get("alternativeHeadline"))
    meta.description = tags.get("og:description")
    meta.byline = tags.get("author")
    meta.authors = _ld_names(news.get("author"))
    meta.published = (_berlin(_clean(news.get("datePublished")))
                      or _berlin(tags.get("article:published_time")))
    if (day := tags.get("date")) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
        meta.date = day
    keywords = tags.get("keywords") or tags.get("news_keywords") or ""
    meta.keywords = _unique(k.strip() for k in keywords.split(","))
    for src in [tags.get("og:image"), *_ld_images(news.get("image"))]:
        if src and (m := _IMAGE_SRC.search(src)):
            meta.image = m[1]
            break
    return meta


def _news_article(scripts: list) -> dict | None:
    """The page's JSON-LD `NewsArticle`, hand-written: stray whitespace, empty fields, maybe not JSON at all."""
    for script in scripts:
        if not _LD_JSON.search(script.get("type") or ""):
            continue
        raw = script.text or ""
        data = None
        for attempt in (raw, re.sub(r",\s*([}\]])", r"\1", raw)):  # a trailing comma is the common slip
            try:
                data = json.loads(attempt.strip(), strict=False)
                break
            except ValueError:
                continue
        for item in _ld_items(data):
            types = item.get("@type")
            types = types if isinstance(types, list) else [types]
            if any(isinstance(t, str) and t.strip() in ("NewsArticle", "Article", "ReportageNewsArticle")
                   for t in types):
                return item
    return None


_LD_JSON = re.compile(r"ld\+json", re.I)


def _ld_items(data) -> list[dict]:
    if isinstance(data, list):
        return [item for part in data for item in _ld_items(part)]
    if isinstance(data, dict):
        return [data, *_ld_items(data.get("@graph"))]
    return []


def _ld_names(value) -> list[str]:
    values = value if isinstance(value, list) else [value]
    names = [_clean(v.get("name")) if isinstance(v, dict) else _clean(v) for v in values]
    return [n for n in names if n]


def _ld_images(value) -> list[str]:
    values = value if isinstance(value, list) else [value]
    urls = [_clean(v.get("url")) if isinstance(v, dict) else _clean(v) for v in values]
    return [u for u in urls if u]


def _clean(value) -> str | None:
    return " ".join(value.split()) or None if isinstance(value, str) else None


def _meta_tags(metas: list) -> dict[str, str]:
    """`<meta name|property=… content=…>` by lower-case name; the first non-empty one of each name counts."""
    tags: dict[str, str] = {}
    for tag in metas:
        name = (tag.get("property") or tag.get("name") or "").strip().lower()
        if name and name not in tags and (content := _clean(tag.get("content"))):
            tags[name] = content
    return tags


def _link_canonical(links: list) -> str | None:
    for link in links:
        if "canonical" in (link.get("rel") or "").split():
            return _clean(link.get("href"))
    return None


def _berlin(value: str | None) -> str | None:
    """An ISO timestamp in Berlin time with its offset (`2025-03-13T19:30:04+01:00`); a bare date stays a date."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if len(value) <= 10:
        return moment.date().isoformat()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=c.BERLIN)
    return moment.astimezone(c.BERLIN).isoformat()


# --- article or listing -------------------------------------------------------------------------------------
def _listing_url(url: str | None) -> bool:
    return bool(url) and listing_reason([], url) is not None


def _article_headline(root):
    for article in root.iter("article"):
        if _filled(h1 := _find(article, "h1")):
            return h1
    return None


def _raise_if_listing(page: Page, url: str | None) -> None:
    lines = html_lines(_without_chrome(copy.deepcopy(page.main)))
    if reason := listing_reason(lines, url):
        # items may be <article> elements each: read them from the whole page, not the first one
        whole = _first(page.body, page.root)
        raise ListingPage(reason, items=listing_items(html_lines(whole), url, html_links(whole)))


# --- layout A (2019 – April 2026, Bootstrap) ----------------------------------------------------------------
def _layout_a(root):
    for article in root.iter("article"):
        if _VIEW_ARTICLE(article) or _filled(_one(article, _A_HEAD)):
            return article
    return None


def _read_layout_a(root, url: str | None, known: frozenset[str]) -> tuple[Article, Seen]:
    article, seen = Article(url=url, shape="html-a"), Seen()
    h1 = _find(root, "h1")
    if h1 is None:
        raise PageError("no headline in the article (layout A)")
    article.title = _text(h1) or None
    # the head's own elements: teasers below the article use the same classes
    head = _first(next(h1.iterancestors("header"), None), root)
    if _filled(kicker_box := _one(head, _KICKER_BOX)):
        # the issue line, and on online items an `Online Extra` label and a `DD.MM.YYYY, HH:MM:SS / Section` line
        kickers = []
        for line in (_text(div) for div in kicker_box if isinstance(div.tag, str)):
            if c.ONLINE_EXTRA.match(line):
                seen.online_extra = True
            elif seen.header is None and (found := c.parse_header(line)):
                seen.header = found
            elif line:
                kickers.append(line)
        article.kicker = " ".join(kickers) or None
    article.teaser = _text(_one(head, _TEASER_A)) or None
    if _filled(byline := _first(_one(head, _AUTHOR_A), _find(head, "address"))):
        _set_byline(article, _text(byline), known)
    body = _one(root, _CONTENT)
    column = _first(body, root)
    if _filled(image := _first(_one(column, _IMAGE_A), _find(column, "figure"))):
        if (img := _find(image, "img")) is not None:
            article.image = _image_file(img, site_only=False)
        article.image_credit = _credit(_text(_one(image, _COPYRIGHT)))
        article.caption = _text(_one(image, _CAPTION)) or None
    seen.tags = _themen(root)
    if body is None:  # the text column is missing: the article minus its header
        body = root
        for el in [h1, _one(head, _KICKER_BOX), _one(head, _TEASER_A), _find(head, "address")]:
            if el is not None and not _gone(el, root):
                _drop(el)
    page_text = _paywall_text(root)
    _read_body(article, body, "layout A")
    _paywall(article, page_text)
    return article, seen


# --- layout B (since April 2026, Tailwind) -------------------------------------------------------------------
def _layout_b(root) -> tuple | None:
    """The article of layout B and its text column."""
    for article in root.iter("article"):
        if _filled(content := _one(article, _CONTENT)) and _filled(_one(article, _B_MARKS)):
            return article, content
    return None


def _read_layout_b(root, content, page_root, url: str | None, known: frozenset[str]) -> tuple[Article, Seen]:
    article, seen = Article(url=url, shape="html-b"), Seen()
    h1 = _find(root, "h1")
    if h1 is None:
        raise PageError("no headline in the article (layout B)")
    article.title = _text(h1) or None
    article.kicker = _text(_one(root, _OVERLINE)) or None
    seen.online_extra = any(c.ONLINE_EXTRA.match(_text(li)) for li in _PREVIOUS_LI(h1) if _inside(li, root))
    if _filled(date := _one(root, _DATE_ITEM)) and (m := re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", _text(date))):
        seen.date_item = c.iso_date(*m.groups())
    for li in root.iterdescendants("li"):
        link = next((a for a in li.iterdescendants("a") if "/aktuell/rubrik/" in (a.get("href") or "")), None)
        if link is not None and _text(li).startswith("\u2192"):
            seen.section_link = _text(link) or None
            break
    # teaser, byline and image: what stands between the headline and the text column
    head = _between(h1, content)
    article.teaser = next((_text(el) for el in head if el.tag == "h2"), None) or None
    for el in head:
        line = _text(el)
        if line.startswith(("Von ", "Interview:")) and len(line) < 200 and next(el.iterdescendants(*_BLOCK_TAGS), None) is None:
            _set_byline(article, line, known)
            break
    for img in (el for el in head if el.tag == "img"):
        if name := _image_file(img, site_only=True):
            article.image = name
            # the image block, even with the <img> in a <picture>
            box = _first(next(img.iterancestors("div"), None), img.getparent())
            if _filled(credit := _line_starting(box, "Foto:", "Fotos:")):
                article.image_credit = _credit(_text(credit))
            caption = _first(next((el for el in box.iterdescendants() if "text-base/6" in (el.get("class") or "")), None),
                             _caption_block(box))
            article.caption = _text(caption) or None
            break
    seen.tags = _unique([_text(a) for a in _TAGS_OBEN_LINKS(root)] + _themen(root))
    if _filled(line := _line_starting(page_root, "Erschienen in der Ausgabe")):
        seen.header = c.parse_header(_text(line))
    if content is None:
        raise PageError("no text column in the article (layout B)")
    page_text = _paywall_text(root)
    _read_body(article, content, "layout B")
    _paywall(article, page_text)
    return article, seen


_BLOCK_TAGS = ["div", "p", "ul", "ol", "h1", "h2", "h3", "h4", "section", "figure", "address"]


def _between(start, end) -> list:
    """The elements after `start` (not inside it) and before `end`, in page order."""
    wrappers = set(end.iterancestors()) if end is not None else set()
    found = []
    for el in _following(start):
        if el is end:
            break
        if el in wrappers:
            continue  # a wrapper around the text column: its children come next
        found.append(el)
    return found


def _following(start):
    """The elements after `start`'s own subtree to the end of the page, in page order (its ancestors not)."""
    node = start
    while node is not None:
        for sibling in node.itersiblings():
            for el in sibling.iter():
                if isinstance(el.tag, str):
                    yield el
        node = node.getparent()


def _caption_block(box):
    """The image block's text that is not its credit: the caption."""
    for el in box.iterdescendants("div", "p", "figcaption"):
        if _text(el) and _find(el, "img") is None and not _CREDIT_PREFIX.match(_text(el)):
            return el
    return None


# --- any other layout ----------------------------------------------------------------------------------------
def _read_generic(page: Page, meta: PageMeta, url: str | None, known: frozenset[str]) -> tuple[Article, Seen]:
    """A layout this module does not know: fields from the metadata and from classes that name them, the
    text by trafilatura."""
    seen = Seen()
    _without_chrome(page.root)
    page_root = page.root
    main = _first(page_root.find(".//article"), page_root.find(".//main"), page.body, page_root)
    h1 = _first(_find(main, "h1"), _find(page_root, "h1"))
    if h1 is None and not meta.news_article:
        # no headline element and no metadata: read the page as a text dump of its visible text
        article = parse_text("\n\n".join(html_lines(main)), url, known)
        article.shape = "html-generic"
        return article, seen
    article = Article(url=url, shape="html-generic")
    if h1 is not None:
        article.title = _text(h1) or None
        article.kicker = _take(_near(h1, _KICKER, before=True))
        article.teaser = _take(_near(h1, _TEASER, before=False))
    dates = [el for el in main.iterdescendants() if _class_search(el, _DATE)]
    for el in dates + list(main.iterdescendants("time", "p", "div")):
        if _gone(el, page_root) or len(_text(el)) > 120:
            continue
        if found := c.parse_header(_text(el)):
            seen.header = found
            _drop(el)
            break
    bylines = [el for el in main.iterdescendants("address", "p", "div", "span") if _class_search(el, _BYLINE)]
    for el in bylines + list(main.iterdescendants("address", "p")):
        if _gone(el, page_root):
            continue
        line = _text(el)
        byline = c.split_byline_line(line, known)
        if byline and (el.tag != "p" or line.startswith(("Von ", "Interview:"))):
            article.authors, article.author_place = byline["authors"], byline["author_place"]
            _drop(el)
            break
    figure = _first(_find(main, "figure"), _find(main, "img"))
    if figure is not None:
        img = figure if figure.tag == "img" else _find(figure, "img")
        if img is not None:
            article.image = _image_file(img, site_only=False)
        caption = _find(figure, "figcaption") if figure.tag == "figure" else None
        article.caption = _text(caption) if _filled(caption) else (img.get("alt") or None if img is not None else None)
        _drop(figure)
    seen.tags = _themen(main)
    if h1 is not None:
        _drop(h1)
    _drop_furniture(main)
    markdown = _trafilatura(_document(main, page_root))
    if not markdown and main is not page_root:
        markdown = _trafilatura(_html(page_root))
    if not markdown:
        raise PageError(f"{url or 'page'}: no article text found (html-generic: trafilatura found none)")
    _paragraphs_to_body(article, _without_restated_head(markdown, article, meta, known))
    return article, seen


def _without_restated_head(markdown: str, article: Article, meta: PageMeta, known: frozenset[str]) -> str:
    """Drop the opening paragraphs that restate the head (title, kicker, teaser, byline) an unknown layout does
    not mark: trafilatura keeps them as text. A byline found there is the article's when none was found."""
    head = {_norm(v) for v in (article.title, article.kicker, article.teaser, meta.headline,
                                meta.alternative_headline, meta.byline) if v}
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", markdown) if p.strip()]
    kept = 0
    while kept < min(len(paragraphs) - 1, 4):
        line = _norm(paragraphs[kept].lstrip("#* ").rstrip("* "))
        if line in head or line.removeprefix("von ") in head:
            paragraphs.pop(kept)
        elif (byline := c.parse_byline(paragraphs[kept], known, require_von=True)) and not article.authors:
            article.authors, article.author_place = byline["authors"], byline["author_place"]
            paragraphs.pop(kept)
        else:
            kept += 1
    return "\n\n".join(paragraphs)


def _trafilatura(html: str) -> str | None:
    import trafilatura  # imported here: it takes a second, and most pages are layouts A and B

    try:
        markdown = trafilatura.extract(html, output_format="markdown", include_links=True, include_formatting=True,
                                       include_comments=False, include_tables=True, include_images=False)
    except (ValueError, TypeError, AttributeError):  # markup it cannot build a tree of
        return None
    return markdown.strip() if markdown and markdown.strip() else None


def _html(el) -> str:
    return etree.tostring(el, method="html", encoding="unicode", with_tail=False)


def _soup(el) -> BeautifulSoup:
    """`el` as the bs4 tree that markdownify reads, built from lxml's: parsing its HTML again with html.parser cost
    as much as the conversion. The same calls html.parser's tree builder makes, so the same tree."""
    soup = _SOUP  # one soup, emptied for each page: making a new one cost a fortieth of a page
    soup.reset()

    def build(el) -> None:
        soup.handle_starttag(el.tag, None, None, dict(el.attrib))
        if el.text:
            soup.handle_data(el.text)
        for child in el:
            if isinstance(child.tag, str):
                build(child)
            elif child.tag is etree.Comment:
                soup.endData()
                soup.handle_data(child.text or "")
                soup.endData(Comment)
            if child.tail:
                soup.handle_data(child.tail)
        soup.endData()
        soup.handle_endtag(el.tag)

    build(el)
    soup.endData()
    return soup


def _drop(el) -> None:
    """Take `el` out of the page, the text after it stays (as bs4's decompose() left the next string)."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is None:
            parent.text = (parent.text or "") + el.tail
        else:
            previous.tail = (previous.tail or "") + el.tail
    parent.remove(el)


def _document(el, page_root) -> str:
    """An element as a page of its own: trafilatura reads a bare fragment's headings as noise."""
    return _html(el) if el is page_root else f"<html><body>{_html(el)}</body></html>"


def _without_chrome(root):
    """Drop elements whose class or id names page chrome (navigation, ads, promotion, comments)."""
    def walk(el, in_article: bool) -> None:
        for child in list(el):
            if not isinstance(child.tag, str):
                continue
            names = " ".join((child.get("class") or "").split()) + " " + (child.get("id") or "")
            if child.tag not in ("html", "body", "article", "main") and _CHROME.search(names):
                _drop(child)
            elif child.tag == "header" and not in_article:
                _drop(child)
            else:
                walk(child, in_article or child.tag == "article")

    if isinstance(root.tag, str):
        walk(root, root.tag == "article" or next(root.iterancestors("article"), None) is not None)
    return root


def _take(el) -> str | None:
    if el is None:
        return None
    value = _text(el) or None
    _drop(el)
    return value


def _near(h1, pattern: re.Pattern, before: bool):
    """The kicker/teaser element: marked by class, else the heading or paragraph right next to the h1."""
    scope = _first(next(h1.iterancestors("article", "main", "body"), None), h1.getparent())
    if scope is None:
        return None
    for marked in scope.iterdescendants():
        # broken markup can nest the headline inside the marked element: taking that would drop the headline
        if (_class_search(marked, pattern) and marked is not h1 and not _inside(h1, marked)
                and _text(marked)):
            return marked
    sibling = _sibling(h1, before)
    if sibling is not None and sibling.tag in ("h2", "h3", "h4") and len(_text(sibling)) < 300:
        return sibling
    return None


def _sibling(el, before: bool):
    siblings = el.itersiblings(preceding=before)
    return next((s for s in siblings if isinstance(s.tag, str)), None)


# --- the text column → Markdown --------------------------------------------------------------------------------
def _read_body(article: Article, body, layout: str) -> None:
    for el in _BODY_DROP(body):
        if not _gone(el, body):
            _drop(el)
    _drop_furniture(body)
    markdown = _plain_markdown(body)
    if markdown is None:
        markdown = _MARKDOWN.convert_soup(_soup(body))
    if not markdown.strip():
        markdown = _trafilatura(f"<html><body>{_html(body)}</body></html>") or ""
    if not markdown.strip():
        raise PageError(f"{article.url or 'page'}: no article text found ({layout})")
    _paragraphs_to_body(article, markdown)


# A text column of paragraphs and headings, with emphasis and links inside (most columns), is written here as
# markdownify writes it, without the bs4 tree it reads (the two cost two fifths of an HTML page): in every string runs
# of spaces and tabs as one space, a run of whitespace with a line break as one line break, * and _ escaped; each
# block stripped, whitespace between blocks and at a block's edges dropped, emphasis as *…* and **…**, a link as
# [text](href "title"); the blocks apart by a blank line. Any other markup: markdownify converts the column.
# tests/test_worker_shortcuts.py holds it to markdownify on random columns.
_COLUMN_TAGS = frozenset({"div", "article", "section"})  # (markdownify converts these alike)
_HEADINGS = {f"h{n}": "#" * n for n in range(1, 7)}
_EMPHASIS = {"em": "*", "i": "*", "strong": "**", "b": "**"}
_MD_LINE_BREAK = re.compile(r"[\t \r\n]*[\r\n][\t \r\n]*")
_MD_SPACES = re.compile(r"[\t ]+")
_MD_WHITESPACE = re.compile(r"[\t \r\n]+")
_ASCII_SPACES = " \n\t\f\r"  # a string of these alone bs4 keeps as one line break or space


def _plain_markdown(column) -> str | None:
    """The Markdown of a column of paragraphs, headings and columns, with emphasis and links inside them and nothing
    but whitespace between them; None for any other column (markdownify converts it)."""
    blocks = _blocks(column) if column.tag in _COLUMN_TAGS else None
    return None if blocks is None else "\n\n".join(blocks).strip()


def _blocks(column) -> list[str] | None:
    if column.text and not column.text.isspace():
        return None
    blocks = []
    for child in column:
        tag = child.tag
        if child.tail and not child.tail.isspace():
            return None  # text between the blocks
        if tag in _COLUMN_TAGS:
            inner = _blocks(child)
            block = None if inner is None else "\n\n".join(inner).strip()
        elif tag == "p":
            block = _inline(child, True)
            block = None if block is None else block.strip(" \t\r\n")
        elif tag in _HEADINGS:
            block = _inline(child, True)
            if block is None or not block.strip():
                return None  # (markdownify writes an empty heading as a lone `#`)
            block = f"{_HEADINGS[tag]} {_MD_WHITESPACE.sub(' ', block.strip())}"
        else:
            return None
        if block is None:
            return None
        if block:
            blocks.append(block)
    return blocks


def _inline(el, block: bool) -> str | None:
    """The Markdown of what a paragraph or heading (block) or an emphasis or link holds; None for other markup."""
    written = []
    last = len(el)
    for i, text in enumerate([el.text, *(child.tail for child in el)]):
        if i:
            markup = _markup(el[i - 1])
            if markup is None:
                return None
            written.append(markup)
        if not text or block and (i == 0 or i == last) and text.isspace():
            continue  # whitespace at a block's edge is dropped
        if not text.strip(_ASCII_SPACES):
            text = "\n" if "\n" in text else " "
        # (each pattern only where it can match: both try every space)
        if "\n" in text or "\r" in text:
            text = _MD_LINE_BREAK.sub("\n", text)
        if "  " in text or "\t" in text:
            text = _MD_SPACES.sub(" ", text)
        text = text.replace("*", r"\*").replace("_", r"\_")
        if block and i == 0:
            text = text.lstrip(" \t\r\n")
        if block and i == last:
            text = text.rstrip()
        written.append(text)
    written = [piece for piece in written if piece]
    joined = "".join(written)
    return _newlines_met(written) if "\n" in joined else joined


def _newlines_met(pieces: list[str]) -> str:
    """The pieces joined as markdownify joins a tag's: where one's closing line breaks meet the next one's opening
    line breaks, the longer run of them stays, at most two. (A piece of line breaks alone only opens.)"""
    joined = [""]
    for piece in pieces:
        content = piece.strip("\n")
        opening = piece[:len(piece) - len(piece.lstrip("\n"))]
        closing = piece[len(opening) + len(content):]
        if joined[-1] and opening:
            opening = "\n" * min(2, max(len(joined.pop()), len(opening)))
        joined += [opening, content, closing]
    return "".join(joined)


def _markup(el) -> str | None:
    """An emphasis or link as Markdown, its edge spaces outside the marks; None for other markup (or a comment)."""
    tag = el.tag
    if tag not in _EMPHASIS and tag != "a":
        return None
    inner = _inline(el, False)
    if inner is None:
        return None
    before, after, text = (" " if inner[:1] == " " else ""), (" " if inner[-1:] == " " else ""), inner.strip()
    if not text:
        return ""
    if tag != "a":
        return f"{before}{_EMPHASIS[tag]}{text}{_EMPHASIS[tag]}{after}"
    href, title = el.get("href"), el.get("title")
    if text.replace(r"\_", "_") == href and not title:
        return f"<{href}>"
    if not href:
        return text
    title = ' "%s"' % title.replace('"', r'\"') if title else ""
    return f"{before}[{text}]({href}{title}){after}"


_FURNITURE_INITIALS = "TEAFD"  # the first letters of _FURNITURE's lines: most paragraphs open with another one


def _opens_with(el, initials: str) -> bool:
    """Whether the element's text (as _text writes it) opens with one of the letters, found without writing it."""
    letter = _first_letter(el)
    return letter is not None and letter in initials


def _first_letter(el) -> str | None:
    """The first character of the element's text that is not whitespace: its strings in _text's order."""
    if (text := el.text) and not text.isspace():
        return text.lstrip()[0]
    for child in el:
        if child.tag.__class__ is str and (found := _first_letter(child)) is not None:
            return found
        if (tail := child.tail) and not tail.isspace():
            return tail.lstrip()[0]
    return None


def _drop_furniture(root) -> None:
    for el in list(root.iterdescendants("p", "div", "span", "ul")):
        if (_opens_with(el, _FURNITURE_INITIALS) and not _gone(el, root) and _FURNITURE.match(text := _text(el))
                and len(text) < 300):
            _drop(el)


# a word of each paywall marker that _paywall looks for (the longest, without spaces: it stands in the article's
# text as it stands in the marker)
_PAYWALL_WORDS = ("Artikel-Länge:", *(max(opening.split(), key=len) for opening in c.PAYWALL_OPENINGS))


def _paywall_text(root) -> str:
    """The article's text as _paywall reads it (_text), or "" when it holds no word of a paywall marker: then
    _paywall finds nothing in either (writing the whole article's text out in Python cost a twentieth of a page)."""
    text = _text_of(root)
    return _text(root) if any(word in text for word in _PAYWALL_WORDS) else ""


def _paywall(article: Article, page_text: str) -> None:
    """A paywall box beside the text column (not in it): the text dumps' markers, found in the whole article."""
    if article.paywalled:
        return
    if m := c.ARTICLE_LENGTH.search(page_text):
        article.paywalled, article.article_length = True, int(m[1].replace(".", ""))
    elif (article.body_markdown or "").endswith(("...", "…")) and any(o in page_text for o in c.PAYWALL_OPENINGS):
        article.paywalled = True


def _paragraphs_to_body(article: Article, markdown: str) -> None:
    markdown = markdown.replace("\u00a0", " ")
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", markdown) if p.strip()]
    paragraphs = [" ".join(p.split()) if not p.startswith(("-", "#", ">", "1.", "|")) else p for p in paragraphs]
    end, tail = c.find_end(paragraphs)
    _body(article, paragraphs[:end], tail)


def _absolute_links(root, url: str | None) -> None:
    """A link to another page of the site keeps its address, absolute: the Markdown is read far from the site."""
    base = url if url and url.startswith("http") else SITE
    origin = _ORIGIN.match(base)
    for a in root.iter("a"):
        if (href := a.get("href")) is None:
            continue
        href = href.strip()
        if href.lower().startswith("javascript:"):
            del a.attrib["href"]
        elif not _SCHEME.match(href):
            # a path from the site's root (the navigation's links) is the same on every page of the site
            rooted = origin is not None and href.startswith("/") and not href.startswith("//")
            a.set("href", _rooted(origin[0], href) if rooted else urljoin(base, href))


_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)
_ORIGIN = re.compile(r"^https?://[^/?#]*", re.I)


@lru_cache(maxsize=4096)
def _rooted(origin: str, href: str) -> str:
    return urljoin(origin + "/", href)


# --- fields: what the page shows, checked against what the metadata says ------------------------------------
def _set_byline(article: Article, line: str, known: frozenset[str]) -> None:
    if byline := c.parse_byline(line, known, trusted=True):
        article.authors, article.author_place = byline["authors"], byline["author_place"]


def _settle(article: Article, meta: PageMeta, seen: Seen, known: frozenset[str]) -> None:
    """Fill what the page does not show from its metadata; name each field where the two disagree."""
    def disagree(name: str) -> None:
        if name not in article.disagreements:
            article.disagreements.append(name)

    header = seen.header
    if header:
        article.print_edition_date = header.get("print_edition_date")
        article.print_page = header.get("print_page")
        article.section = header.get("section")
        article.page_kind = header.get("page_kind")
        if meta.date and article.print_edition_date and meta.date != article.print_edition_date:
            disagree("print_edition_date")
    if seen.date_item and article.print_edition_date and seen.date_item != article.print_edition_date:
        disagree("print_edition_date")
    if seen.section_link:
        if article.section and article.section != seen.section_link:
            disagree("section")
        article.section = article.section or seen.section_link
    # when the page went online (JSON-LD); without it, the header's date as the text dumps have it
    article.published = (meta.published or (header or {}).get("published") or article.published
                         or (header or {}).get("print_edition_date") or meta.date)
    if seen.online_extra:
        article.page_kind = "online_extra"
    article.page_kind = article.page_kind or page_kind_from_url(article.url)

    if not article.title and meta.headline:
        article.title = meta.headline
    elif meta.headline and article.title:
        shown = f"{article.kicker}: {article.title}" if article.kicker else article.title
        if not _same(meta.headline, shown) and not _same(meta.headline, article.title):
            if _norm(meta.headline).endswith(": " + _norm(article.title)):  # `Kicker: Title`
                if article.kicker is None:
                    article.kicker = meta.headline[: -len(": " + article.title)].strip()  # only the metadata has it
                else:
                    disagree("kicker")
            else:
                disagree("title")
    if article.teaser is None:
        article.teaser = meta.alternative_headline or _teaser_of(meta.description)
    elif meta.alternative_headline and not _same(meta.alternative_headline, article.teaser):
        disagree("teaser")

    listed = c.parse_byline(meta.byline, known, trusted=True) if meta.byline else None
    if not article.authors:
        if listed:
            article.authors, article.author_place = listed["authors"], listed["author_place"]
        elif meta.authors:
            article.authors = [a for a in meta.authors if a != article.author_place]
    else:
        if listed and listed["authors"] != article.authors:
            disagree("authors")
        if listed and listed["author_place"] != article.author_place:
            disagree("author_place")
        # the JSON-LD lists people; a byline's place that slipped in there is no disagreement
        if meta.authors and [a for a in meta.authors if a != article.author_place] != article.authors:
            disagree("authors")

    if seen.tags:
        if meta.keywords and {k.casefold() for k in meta.keywords} != {t.casefold() for t in seen.tags}:
            disagree("topics")
        article.topics = seen.tags
    else:
        article.topics = meta.keywords

    if article.image is None:
        article.image = meta.image
    elif meta.image and meta.image != article.image:
        disagree("image")
    credit = _credit_of(meta.description)
    if article.image_credit is None:
        article.image_credit = credit if article.image else None
    elif credit and not _same(credit, article.image_credit):
        disagree("image_credit")


def _norm(text: str | None) -> str:
    return " ".join((text or "").replace("\u00a0", " ").split()).casefold()


def _same(a: str | None, b: str | None) -> bool:
    return _norm(a) == _norm(b)


def _teaser_of(description: str | None) -> str | None:
    """og:description is the teaser, then ` • Foto: …` when there is a photo."""
    return description.split(" • Foto:")[0].strip() or None if description and " • Foto:" in description else None


def _credit_of(description: str | None) -> str | None:
    if description and " • Foto:" in description:
        return description.split(" • Foto:", 1)[1].strip() or None
    return None


def _strip_text_fields(article: Article) -> None:
    for name, value in vars(article).items():
        if isinstance(value, str):
            if "\u00ad" in value or "&" in value:  # (most fields have neither)
                value = _SOFT_HYPHEN.sub("", value)
            value = value.replace("\u00a0", " ").strip()
            setattr(article, name, value or None if name != "url" else value)
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            setattr(article, name, _unique(_SOFT_HYPHEN.sub("", v).strip() for v in value))


# --- small readers ------------------------------------------------------------------------------------------
def _text(el) -> str:
    """The element's text on one line: block elements apart, inline ones as they run (`vom <a>14.03.</a>, Seite`)."""
    if el is None:
        return ""
    parts: list[str] = []
    _strings(el, parts)
    return " ".join("".join(parts).split())


def _strings(el, parts: list[str]) -> None:
    if text := el.text:
        parts.append(text)
    for child in el:
        if (tag := child.tag).__class__ is str:
            if tag in _INLINE:
                _strings(child, parts)
            else:
                parts.append(" ")
                _strings(child, parts)
                parts.append(" ")
        if tail := child.tail:  # a comment's text is not the page's, the text after it is
            parts.append(tail)


def _unique(values) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value and value not in seen:
            seen.append(value)
    return seen


def _image_file(img, site_only: bool) -> str | None:
    """`/img/450/123456.jpg?v=2` → `123456.jpg`: from the `src`, or a lazy-loading or `srcset` attribute
    (`src` may be a placeholder). `site_only`: only the site's `/img/<width>/` images count."""
    for name in ("src", "data-src", "srcset", "data-srcset"):
        if m := _IMAGE_SRC.search(img.get(name) or ""):
            return m[1]
    src = (img.get("src") or "").strip()
    if site_only or not src or src.startswith("data:"):
        return None
    return src.split("?")[0].split("#")[0].rstrip("/").rsplit("/", 1)[-1] or None


def _credit(text: str) -> str | None:
    return _CREDIT_PREFIX.sub("", text).strip() or None


def _themen(root) -> list[str]:
    """The `Themen:` list under the text: one topic per link."""
    if _filled(line := _line_starting(root, "Themen:")):
        return _unique(_text(a) for a in line.iterdescendants("a"))
    return []


_INLINE = {"a", "span", "strong", "b", "em", "i", "small", "font", "sup", "sub", "abbr", "cite", "q", "mark", "u",
           "s", "time", "label", "code"}


def _line_starting(root, *starts: str):
    """The smallest block element whose text starts with one of `starts` (`Themen:`, `Foto:`, `Erschienen in der`)."""
    if root is None:
        return None
    # the line found holds a start's first word as it stands, in one piece (_text only joins strings and their
    # whitespace): where root's text lacks every one, no string need be asked (libxml2 writes that text at a
    # fraction of the cost of one Python string per text piece; a page without a `Themen:` line is most pages).
    # Only under a block element: an inline root's line may begin above it
    if root.tag not in _INLINE:
        text = _text_of(root)
        if not any(word in text for word in _first_words(starts)):
            return None
    return _line_starting_among_strings(root, starts)


def _line_starting_among_strings(root, starts: tuple[str, ...]):
    """_line_starting, asking each text piece that could open the line."""
    def opens(text: str) -> bool:
        return text.startswith(starts)

    # a string that could open the line: the start may run on into a link (`Erschienen in der <a>Ausgabe…`)
    for string in _opening_strings(root, "".join(sorted({start[0] for start in starts}))):
        if not ((t := " ".join(string.split())) and any(opens(t) or start.startswith(t) for start in starts)):
            continue
        el = string.getparent()
        if string.is_tail:
            el = el.getparent()
        # `<strong>Themen:</strong> <ul>…`: an inline element that holds only the label is not the line
        while (el.tag in _INLINE and el.getparent() is not None
               and any(start.startswith(_text(el)) for start in starts)):
            el = el.getparent()
        if opens(_text(el)):
            return el
    return None


@lru_cache(maxsize=64)
def _first_words(starts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(start.split()[0] for start in starts)


def _text_of(root) -> str:
    """Every text piece under root (not its tail), joined as they stand."""
    return etree.tostring(root, method="text", encoding=str, with_tail=False)


def _opening_strings(root, initials: str) -> list:
    """The text pieces under `root` whose first visible character opens one of the starts (the rest is checked
    by the caller): in page order, each knowing its element (`getparent()`, `is_tail`)."""
    return [string for string in _TEXT_PIECES(root) if string.lstrip()[:1] in initials and string.strip()]


_TEXT_PIECES = etree.XPath(".//text()")


# --- the tree: bs4's way of asking, in lxml ------------------------------------------------------------------------
def _filled(el) -> bool:
    """An element with anything in it, text or children (an empty one was false to bs4, and the fields rely on it)."""
    return el is not None and (len(el) > 0 or bool(el.text))


def _first(*elements):
    """The first filled element, else the last one given (`a or b or c` of bs4 elements)."""
    for el in elements[:-1]:
        if _filled(el):
            return el
    return elements[-1]


def _find(el, tag: str):
    """The first element named `tag` below `el` (not `el` itself)."""
    return next(el.iterdescendants(tag), None)


def _one(el, xpath: etree.XPath):
    found = xpath(el)
    return found[0] if found else None


def _inside(el, ancestor) -> bool:
    return any(a is ancestor for a in el.iterancestors())


def _gone(el, top) -> bool:
    """Dropped from the tree under `top` already (itself or an ancestor)."""
    return el is not top and not _inside(el, top)


def _class_search(el, pattern: re.Pattern) -> bool:
    return isinstance(el.tag, str) and bool(pattern.search(el.get("class") or ""))


def _has_class(name: str) -> str:
    # the plain contains() first: it is cheap and rules out nearly every element
    return f"(contains(@class, '{name}') and contains(concat(' ', normalize-space(@class), ' '), ' {name} '))"


_CONTENT = etree.XPath(f".//div[{_has_class('content')}]")
_KICKER_BOX = etree.XPath(f".//div[{_has_class('kicker')}]")
_TEASER_A = etree.XPath(f".//*[{_has_class('teaser')}]")
_AUTHOR_A = etree.XPath(f".//address[{_has_class('author')}]")
_IMAGE_A = etree.XPath(f".//div[{_has_class('image')}]")
_COPYRIGHT = etree.XPath(f".//*[{_has_class('copyright')}]")
_CAPTION = etree.XPath(f".//*[{_has_class('caption')}]")
_VIEW_ARTICLE = etree.XPath(f"ancestor::*[{_has_class('view-article')}]")
_A_HEAD = etree.XPath(f".//div[{_has_class('kicker')} or ({_has_class('teaser')} and {_has_class('lead')})]")
_OVERLINE = etree.XPath(".//*[@id='overline']")
_DATE_ITEM = etree.XPath(f".//*[{_has_class('Date')}]")
_B_MARKS = etree.XPath(f".//*[@id='overline' or @id='tags_oben' or {_has_class('Date')} or (self::a and "
                       "(contains(@href, '/artikel/print.php') or contains(@href, '/aktuell/rubrik/')))]")
_TAGS_OBEN_LINKS = etree.XPath(".//*[@id='tags_oben']//a")
_PREVIOUS_LI = etree.XPath("preceding::li | ancestor::li")
# parts of the text column of layouts A and B (ads, the image block, tool bars, reader letters)
_BODY_DROP = etree.XPath(
    f".//*[self::section or self::figure or self::picture or self::img or self::header or {_has_class('Anzeige')}"
    f" or contains(@class, 'Ad-') or {_has_class('image')} or {_has_class('article-tool-bar')}"
    " or @id='ID_ArticleAppendix' or @id='Comments' or @id='tags_oben']")
