"""HTML article pages (as the crawler fetches them) → Article, the body as Markdown via markdownify."""
from __future__ import annotations

import re
from datetime import datetime

from bs4 import BeautifulSoup, Tag
from markdownify import markdownify

from ingest.model import Article, ListingPage
from ingest.parse import common as c
from ingest.parse.listing import html_lines, html_links, listing_items, listing_reason
from ingest.parse.text import _body, parse_text
from ingest.urls import page_kind_from_url

_DROP_TAGS = ["script", "style", "noscript", "iframe", "form", "nav", "aside", "footer", "svg", "button",
              "template", "object", "embed", "input", "select", "link", "meta"]
_CHROME = re.compile(r"(^|[-_ ])(ads?|advert\w*|banner|promo\w*|newsletter|paywall|social|share|sharing|navi\w*|menu|"
                     r"cookie\w*|related|breadcrumbs?|sidebar|masthead|abo\w*|comments?)($|[-_ ])", re.I)
_KICKER = re.compile(r"kicker|dachzeile|topline|roofline|overline", re.I)
_TEASER = re.compile(r"teaser|lead|intro|subtitle|subheadline|standfirst", re.I)
_BYLINE = re.compile(r"author|byline|autor", re.I)
_DATE = re.compile(r"date|datum|time|meta", re.I)


def parse_html(text: str, url: str | None = None, known_authors: frozenset[str] = frozenset()) -> Article:
    soup = BeautifulSoup(text, "html.parser")
    url = url or _meta_url(soup)
    published_meta = _meta_published(soup)
    title_meta = _meta(soup, "og:title")
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed or not isinstance(tag, Tag) or tag.attrs is None:
            continue
        names = " ".join(tag.get("class", [])) + " " + (tag.get("id") or "")
        if tag.name not in ("html", "body", "article", "main") and _CHROME.search(names):
            tag.decompose()
        elif tag.name == "header" and tag.find_parent("article") is None:
            tag.decompose()
    main = soup.find("article") or soup.find("main") or soup.body or soup
    lines = [line.strip() for line in main.get_text("\n").split("\n") if line.strip()]
    if reason := listing_reason(lines, url):
        # items may be <article> elements each: read them from the whole page, not the first one
        page = soup.body or soup
        raise ListingPage(reason, items=listing_items(html_lines(page), url, html_links(page)))
    h1 = main.find("h1")
    if h1 is None:
        # no headline element: read the page as a text dump of its visible text
        article = parse_text("\n\n".join(lines), url, known_authors)
        article.shape = "html"
        return article

    article = Article(url=url, shape="html")
    article.title = _text(h1) or title_meta
    article.kicker = _take(_near(h1, _KICKER, before=True))
    article.teaser = _take(_near(h1, _TEASER, before=False))
    header = None
    for el in main.find_all(class_=_DATE) + main.find_all("time"):
        if el.decomposed:
            continue
        if found := c.parse_header(_text(el)):
            header = found
            el.decompose()
            break
    if header:
        article.published = header.get("published")
        article.print_edition_date = header.get("print_edition_date")
        article.print_page = header.get("print_page")
        article.section = header.get("section")
        article.page_kind = header.get("page_kind")
    elif published_meta:
        article.published = published_meta
    for el in main.find_all(["address", "p", "div", "span"], class_=_BYLINE) + main.find_all("address") + main.find_all("p"):
        if el.decomposed:
            continue
        byline = c.split_byline_line(_text(el), known_authors)
        if byline and (el.name != "p" or _text(el).startswith(("Von ", "Interview:"))):
            article.authors, article.author_place = byline["authors"], byline["author_place"]
            el.decompose()
            break
    figure = main.find("figure") or main.find("img")
    if figure is not None:
        img = figure if figure.name == "img" else figure.find("img")
        if img is not None and img.get("src"):
            article.image = img["src"].rsplit("/", 1)[-1].split("?")[0] or None
        caption = figure.find("figcaption") if figure.name == "figure" else None
        article.caption = _text(caption) if caption else (img.get("alt") or None if img is not None else None)
        figure.decompose()
    h1.decompose()
    article.page_kind = article.page_kind or page_kind_from_url(url)
    markdown = markdownify(str(main), heading_style="ATX", bullets="-", strip=["img"])
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", markdown) if p.strip()]
    paragraphs = [" ".join(p.split("\n")) if not p.startswith(("-", "#", ">", "1.")) else p for p in paragraphs]
    end, tail = c.find_end(paragraphs)
    _body(article, paragraphs[:end], tail)
    return article


def _text(el) -> str:
    return " ".join(el.get_text(" ").split()) if el is not None else ""


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
        if marked is not h1 and h1 not in marked.descendants:
            return marked
    sibling = h1.find_previous_sibling() if before else h1.find_next_sibling()
    if sibling is not None and sibling.name in ("h2", "h3", "h4") and len(_text(sibling)) < 300:
        return sibling
    return None


def _meta(soup, prop: str) -> str | None:
    tag = soup.find("meta", attrs={"property": prop}) or soup.find("meta", attrs={"name": prop})
    return tag.get("content") if tag else None


def _meta_url(soup) -> str | None:
    link = soup.find("link", rel="canonical")
    return (link.get("href") if link else None) or _meta(soup, "og:url")


def _meta_published(soup) -> str | None:
    value = _meta(soup, "article:published_time") or _meta(soup, "date")
    if not value:
        time = soup.find("time", datetime=True)
        value = time["datetime"] if time else None
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
