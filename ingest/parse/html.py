"""HTML article pages of jungewelt.de (layout A 2019–2026, layout B since April 2026, any other) → Article."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from markdownify import markdownify

from ingest.model import Article, ListingPage, PageError
from ingest.parse import common as c
from ingest.parse.listing import html_lines, html_links, listing_items, listing_reason
from ingest.parse.text import _body, parse_text
from ingest.urls import page_kind_from_url

SITE = "https://www.jungewelt.de/"
# soft hyphens break words for search (`Pan-\u00adAfrican`); as entities they survive BeautifulSoup as U+00AD
_SOFT_HYPHEN = re.compile(r"\u00ad|&shy;|&#173;|&#x0*ad;", re.I)
_IMAGE_SRC = re.compile(r"/img/\d+/([^/?#]+\.(?:jpe?g|png|gif|webp))", re.I)
_CREDIT_PREFIX = re.compile(r"^Fotos?:\s*")

# What is never article text, whatever the layout: elements …
_DROP_TAGS = ["script", "style", "noscript", "iframe", "form", "nav", "aside", "footer", "svg", "button",
              "template", "object", "embed", "input", "select", "textarea", "link", "meta"]
# … parts of the text column of layouts A and B (ads, the image block, tool bars, reader letters) …
_BODY_DROP = ("section, figure, picture, img, header, .Anzeige, [class*='Ad-'], .image, .article-tool-bar, "
              "#ID_ArticleAppendix, #Comments, #tags_oben")
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
    soup = BeautifulSoup(_SOFT_HYPHEN.sub("", text), "html.parser")
    meta = read_meta(soup)
    url = url or meta.url
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    _absolute_links(soup, url)
    # a real article page has sidebars full of teasers, dates and bylines: the page's own word that it is
    # an article is asked first, the listing markers only when it gives none
    if not meta.news_article and (_listing_url(url) or not _article_headline(soup)):
        _raise_if_listing(soup, url)
    if (root := _layout_a(soup)) is not None:
        article, seen = _read_layout_a(root, url, known_authors)
    elif (root := _layout_b(soup)) is not None:
        article, seen = _read_layout_b(root, soup, url, known_authors)
    else:
        article, seen = _read_generic(soup, meta, url, known_authors)
    _settle(article, meta, seen, known_authors)
    _strip_text_fields(article)
    return article


# --- metadata ---------------------------------------------------------------------------------------------
def read_meta(soup: BeautifulSoup) -> PageMeta:
    meta = PageMeta()
    tags = _meta_tags(soup)
    meta.url = _link_canonical(soup) or tags.get("og:url")
    news = _news_article(soup)
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


def _news_article(soup: BeautifulSoup) -> dict | None:
    """The page's JSON-LD `NewsArticle`, hand-written: stray whitespace, empty fields, maybe not JSON at all."""
    for script in soup.find_all("script", type=re.compile(r"ld\+json", re.I)):
        raw = script.string or script.get_text() or ""
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


def _meta_tags(soup) -> dict[str, str]:
    """`<meta name|property=… content=…>` by lower-case name; the first non-empty one of each name counts."""
    tags: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        name = (tag.get("property") or tag.get("name") or "").strip().lower()
        if name and name not in tags and (content := _clean(tag.get("content"))):
            tags[name] = content
    return tags


def _link_canonical(soup) -> str | None:
    link = soup.find("link", rel="canonical")
    return _clean(link.get("href")) if link else None


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


def _article_headline(soup) -> Tag | None:
    for article in soup.find_all("article"):
        if h1 := article.find("h1"):
            return h1
    return None


def _raise_if_listing(soup, url: str | None) -> None:
    main = soup.find("main") or soup.body or soup
    lines = html_lines(_without_chrome(_copy(main)))
    if reason := listing_reason(lines, url):
        # items may be <article> elements each: read them from the whole page, not the first one
        page = soup.body or soup
        raise ListingPage(reason, items=listing_items(html_lines(page), url, html_links(page)))


# --- layout A (2019 – April 2026, Bootstrap) ----------------------------------------------------------------
def _layout_a(soup) -> Tag | None:
    for article in soup.find_all("article"):
        if article.find_parent(class_="view-article") or article.select_one("div.kicker, div.teaser.lead"):
            return article
    return None


def _read_layout_a(root: Tag, url: str | None, known: frozenset[str]) -> tuple[Article, Seen]:
    article, seen = Article(url=url, shape="html-a"), Seen()
    h1 = root.find("h1")
    if h1 is None:
        raise PageError("no headline in the article (layout A)")
    article.title = _text(h1) or None
    # the head's own elements: teasers below the article use the same classes
    head = h1.find_parent("header") or root
    if kicker_box := head.select_one("div.kicker"):
        # the issue line, and on online items an `Online Extra` label and a `DD.MM.YYYY, HH:MM:SS / Section` line
        kickers = []
        for line in (_text(div) for div in kicker_box.find_all(recursive=False)):
            if c.ONLINE_EXTRA.match(line):
                seen.online_extra = True
            elif seen.header is None and (found := c.parse_header(line)):
                seen.header = found
            elif line:
                kickers.append(line)
        article.kicker = " ".join(kickers) or None
    article.teaser = _text(head.select_one(".teaser")) or None
    if byline := head.select_one("address.author") or head.find("address"):
        _set_byline(article, _text(byline), known)
    body = root.select_one("div.content")
    if image := (body or root).select_one("div.image") or (body or root).find("figure"):
        if (img := image.find("img")) is not None:
            article.image = _image_file(img, site_only=False)
        article.image_credit = _credit(_text(image.select_one(".copyright")))
        article.caption = _text(image.select_one(".caption")) or None
    seen.tags = _themen(root)
    if body is None:  # the text column is missing: the article minus its header
        body = root
        for el in [h1, head.select_one("div.kicker"), head.select_one(".teaser"), head.find("address")]:
            if el is not None and not el.decomposed:
                el.decompose()
    page_text = _text(root)
    _read_body(article, body, "layout A")
    _paywall(article, page_text)
    return article, seen


# --- layout B (since April 2026, Tailwind) -------------------------------------------------------------------
def _layout_b(soup) -> Tag | None:
    for article in soup.find_all("article"):
        if article.select_one("div.content") and article.select_one(
                "#overline, #tags_oben, .Date, a[href*='/artikel/print.php'], a[href*='/aktuell/rubrik/']"):
            return article
    return None


def _read_layout_b(root: Tag, soup, url: str | None, known: frozenset[str]) -> tuple[Article, Seen]:
    article, seen = Article(url=url, shape="html-b"), Seen()
    h1 = root.find("h1")
    if h1 is None:
        raise PageError("no headline in the article (layout B)")
    content = root.select_one("div.content")
    article.title = _text(h1) or None
    article.kicker = _text(root.select_one("#overline")) or None
    seen.online_extra = any(c.ONLINE_EXTRA.match(_text(li)) for li in h1.find_all_previous("li") if root in li.parents)
    if (date := root.select_one(".Date")) and (m := re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", _text(date))):
        seen.date_item = c.iso_date(*m.groups())
    for li in root.find_all("li"):
        link = li.find("a", href=re.compile(r"/aktuell/rubrik/"))
        if link is not None and _text(li).startswith("\u2192"):
            seen.section_link = _text(link) or None
            break
    # teaser, byline and image: what stands between the headline and the text column
    head = _between(h1, content)
    article.teaser = next((_text(el) for el in head if el.name == "h2"), None) or None
    for el in head:
        line = _text(el)
        if line.startswith(("Von ", "Interview:")) and len(line) < 200 and el.find(_BLOCK_TAGS) is None:
            _set_byline(article, line, known)
            break
    for img in (el for el in head if el.name == "img"):
        if name := _image_file(img, site_only=True):
            article.image = name
            box = img.find_parent("div") or img.parent  # the image block, even with the <img> in a <picture>
            if credit := _line_starting(box, "Foto:", "Fotos:"):
                article.image_credit = _credit(_text(credit))
            caption = box.find(class_=lambda cls: cls and "text-base/6" in cls) or _caption_block(box)
            article.caption = _text(caption) or None
            break
    seen.tags = _unique([_text(a) for a in root.select("#tags_oben a")] + _themen(root))
    if line := _line_starting(soup, "Erschienen in der Ausgabe"):
        seen.header = c.parse_header(_text(line))
    if content is None:
        raise PageError("no text column in the article (layout B)")
    page_text = _text(root)
    _read_body(article, content, "layout B")
    _paywall(article, page_text)
    return article, seen


_BLOCK_TAGS = ["div", "p", "ul", "ol", "h1", "h2", "h3", "h4", "section", "figure", "address"]


def _between(start: Tag, end: Tag | None) -> list[Tag]:
    """The elements after `start` (not inside it) and before `end`, in page order."""
    found = []
    for el in start.next_elements:
        if el is end:
            break
        if isinstance(el, Tag) and start not in el.parents:
            if end is not None and end in el.descendants:
                continue  # a wrapper around the text column: its children come next
            found.append(el)
    return found


def _caption_block(box: Tag) -> Tag | None:
    """The image block's text that is not its credit: the caption."""
    for el in box.find_all(["div", "p", "figcaption"]):
        if _text(el) and el.find("img") is None and not _CREDIT_PREFIX.match(_text(el)):
            return el
    return None


# --- any other layout ----------------------------------------------------------------------------------------
def _read_generic(soup, meta: PageMeta, url: str | None, known: frozenset[str]) -> tuple[Article, Seen]:
    """A layout this module does not know: fields from the metadata and from classes that name them, the
    text by trafilatura."""
    seen = Seen()
    _without_chrome(soup)
    main = soup.find("article") or soup.find("main") or soup.body or soup
    h1 = main.find("h1") or soup.find("h1")
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
    for el in main.find_all(class_=_DATE) + main.find_all(["time", "p", "div"]):
        if el.decomposed or len(_text(el)) > 120:
            continue
        if found := c.parse_header(_text(el)):
            seen.header = found
            el.decompose()
            break
    for el in main.find_all(["address", "p", "div", "span"], class_=_BYLINE) + main.find_all(["address", "p"]):
        if el.decomposed:
            continue
        line = _text(el)
        byline = c.split_byline_line(line, known)
        if byline and (el.name != "p" or line.startswith(("Von ", "Interview:"))):
            article.authors, article.author_place = byline["authors"], byline["author_place"]
            el.decompose()
            break
    figure = main.find("figure") or main.find("img")
    if figure is not None:
        img = figure if figure.name == "img" else figure.find("img")
        if img is not None:
            article.image = _image_file(img, site_only=False)
        caption = figure.find("figcaption") if figure.name == "figure" else None
        article.caption = _text(caption) if caption else (img.get("alt") or None if img is not None else None)
        figure.decompose()
    seen.tags = _themen(main)
    if h1 is not None:
        h1.decompose()
    for el in main.find_all(["p", "div", "span", "ul"]):
        if not el.decomposed and _FURNITURE.match(_text(el)) and len(_text(el)) < 300:
            el.decompose()
    markdown = _trafilatura(_document(main))
    if not markdown and main is not soup:
        markdown = _trafilatura(str(soup))
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


def _document(el: Tag) -> str:
    """An element as a page of its own: trafilatura reads a bare fragment's headings as noise."""
    return str(el) if el.name in ("[document]", "html") else f"<html><body>{el}</body></html>"


def _without_chrome(root: Tag) -> Tag:
    """Drop elements whose class or id names page chrome (navigation, ads, promotion, comments)."""
    for tag in root.find_all(True):
        if tag.decomposed or tag.attrs is None:
            continue
        names = " ".join(tag.get("class", [])) + " " + (tag.get("id") or "")
        if tag.name not in ("html", "body", "article", "main") and _CHROME.search(names):
            tag.decompose()
        elif tag.name == "header" and tag.find_parent("article") is None:
            tag.decompose()
    return root


def _copy(el: Tag) -> Tag:
    return BeautifulSoup(str(el), "html.parser")


def _take(el) -> str | None:
    if el is None:
        return None
    value = _text(el) or None
    el.decompose()
    return value


def _near(h1: Tag, pattern: re.Pattern, before: bool) -> Tag | None:
    """The kicker/teaser element: marked by class, else the heading or paragraph right next to the h1."""
    scope = h1.find_parent(["article", "main", "body"]) or h1.parent
    if scope is None:
        return None
    for marked in scope.find_all(class_=pattern):
        # broken markup can nest the headline inside the marked element: taking that would drop the headline
        if marked is not h1 and h1 not in marked.descendants and _text(marked):
            return marked
    sibling = h1.find_previous_sibling() if before else h1.find_next_sibling()
    if sibling is not None and sibling.name in ("h2", "h3", "h4") and len(_text(sibling)) < 300:
        return sibling
    return None


# --- the text column → Markdown --------------------------------------------------------------------------------
def _read_body(article: Article, body: Tag, layout: str) -> None:
    for el in body.select(_BODY_DROP):
        if not el.decomposed:
            el.decompose()
    for el in body.find_all(["p", "div", "span", "ul"]):
        if not el.decomposed and _FURNITURE.match(_text(el)) and len(_text(el)) < 300:
            el.decompose()
    markdown = markdownify(str(body), heading_style="ATX", bullets="-", strip=["img"])
    if not markdown.strip():
        markdown = _trafilatura(_document(body)) or ""
    if not markdown.strip():
        raise PageError(f"{article.url or 'page'}: no article text found ({layout})")
    _paragraphs_to_body(article, markdown)


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


def _absolute_links(soup, url: str | None) -> None:
    """A link to another page of the site keeps its address, absolute: the Markdown is read far from the site."""
    for a in soup.find_all("a", href=True):
        href = a["href"].strip()
        if href.lower().startswith("javascript:"):
            del a["href"]
        elif not re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I):
            a["href"] = urljoin(url if url and url.startswith("http") else SITE, href)


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
            value = _SOFT_HYPHEN.sub("", value).replace("\u00a0", " ").strip()
            setattr(article, name, value or None if name != "url" else value)
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            setattr(article, name, _unique(_SOFT_HYPHEN.sub("", v).strip() for v in value))


# --- small readers ------------------------------------------------------------------------------------------
def _text(el) -> str:
    """The element's text on one line: block elements apart, inline ones as they run (`vom <a>14.03.</a>, Seite`)."""
    return " ".join(_strings(el).split()) if el is not None else ""


def _strings(el: Tag) -> str:
    parts = []
    for child in el.children:
        if isinstance(child, Comment):
            continue
        if isinstance(child, NavigableString):
            parts.append(str(child))
        elif isinstance(child, Tag):
            gap = "" if child.name in _INLINE else " "
            parts += [gap, _strings(child), gap]
    return "".join(parts)


def _unique(values) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value and value not in seen:
            seen.append(value)
    return seen


def _image_file(img: Tag, site_only: bool) -> str | None:
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


def _themen(root: Tag) -> list[str]:
    """The `Themen:` list under the text: one topic per link."""
    if line := _line_starting(root, "Themen:"):
        return _unique(_text(a) for a in line.find_all("a"))
    return []


_INLINE = {"a", "span", "strong", "b", "em", "i", "small", "font", "sup", "sub", "abbr", "cite", "q", "mark", "u",
           "s", "time", "label", "code"}


def _line_starting(root, *starts: str) -> Tag | None:
    """The smallest block element whose text starts with one of `starts` (`Themen:`, `Foto:`, `Erschienen in der`)."""
    if root is None:
        return None

    def opens(text: str) -> bool:
        return text.startswith(starts)

    # a string that could open the line: the start may run on into a link (`Erschienen in der <a>Ausgabe…`)
    for string in root.find_all(string=lambda s: (t := " ".join(s.split())) and any(
            opens(t) or start.startswith(t) for start in starts)):
        el = string.parent
        # `<strong>Themen:</strong> <ul>…`: an inline element that holds only the label is not the line
        while el.name in _INLINE and el.parent is not None and any(start.startswith(_text(el)) for start in starts):
            el = el.parent
        if opens(_text(el)):
            return el
    return None
