"""The crawler: edition indexes, the site's feeds and the article pages they list, fetched politely into data/raw/crawl/
as gzipped WARC files (or loose files with `--format files`)."""
from __future__ import annotations

import datetime as dt
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import parse_qs, quote, unquote, urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser
from zoneinfo import ZoneInfo

import feedparser
import httpx
from bs4 import BeautifulSoup

from ingest.sources.crawl_store import (VERSION_SUFFIX, WARC_SIZE, LooseFiles, WarcFiles, now as _now,  # noqa: F401
                                        page_file, read_json as _read_json, write_atomic as _write_atomic)
from ingest.sources.polite import FetchFailed, get_with_retries
from ingest.urls import article_id

BASE_URL = "https://www.jungewelt.de"
USER_AGENT = "jW-Archiv/0.1 (+contact in README)"
STATE_FILE = ".state.json"
FORMATS = ("warc", "files")
BERLIN = ZoneInfo("Europe/Berlin")
MAX_REDIRECTS = 5
NEWSTICKER_FEED = "/feeds/newsticker.rss"
# the site's per-section feeds, each at /feeds/<name>.xml
SECTION_FEEDS = ("titel", "schwerpunkt", "inland", "ausland", "kapital_arbeit", "feuilleton", "thema",
                 "ansichten", "sport", "medien", "geschichte", "politisches_buch", "wochenendbeilage",
                 "betrieb_gewerkschaft", "antifa", "feminismus", "abgeschrieben", "aktion", "fotoreportagen")
EDITION_PATH = re.compile(r"^/\d{4}/\d{2}-\d{2}/index\.php$")
# the print header around an article's edition link: layout A `Aus: <a>…`, layout B `Erschienen in der <a>…`
_PRINT_HEADER = re.compile(r"^\s*(?:Aus:|Erschienen in der)\s")
# what feedparser flags although the feed read fine: only its declared encoding or content type was off
_HARMLESS_FEED_FLAWS = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


class CrawlError(RuntimeError):
    """The crawl cannot go on at all (e.g. robots.txt unreachable); the message says why."""


@dataclass
class CrawlSummary:
    requests: int = 0
    # pages by file name (--format files) or by URL (WARC)
    saved: list[str] = field(default_factory=list)      # new pages
    changed: list[str] = field(default_factory=list)    # pages refetched with --refresh that had changed
    unchanged: list[str] = field(default_factory=list)  # refetched, same bytes (or 304)
    skipped: list[str] = field(default_factory=list)    # already had (by URL), not refetched
    disallowed: list[str] = field(default_factory=list)
    gone: dict[str, int] = field(default_factory=dict)  # url → HTTP status (404 …)
    failed: dict[str, str] = field(default_factory=dict)  # url → reason after retries
    queue_left: int = 0
    feeds_read: list[str] = field(default_factory=list)          # feeds read this run (a 304 too)
    feed_problems: dict[str, str] = field(default_factory=dict)  # feed url → what was wrong (404, not a feed, …)
    listed: int = 0                                              # article URLs the feeds listed
    editions_followed: list[str] = field(default_factory=list)   # edition indexes queued from print headers
    warc_files: list[str] = field(default_factory=list)          # WARC files this run wrote and closed

    def lines(self) -> list[str]:
        out = [f"requests:    {self.requests}",
               f"new pages:   {len(self.saved)}",
               f"changed:     {len(self.changed)}",
               f"unchanged:   {len(self.unchanged)}",
               f"already had: {len(self.skipped)}",
               f"disallowed:  {len(self.disallowed)} (robots.txt)",
               f"gone:        {len(self.gone)}",
               f"failed:      {len(self.failed)}",
               f"queue left:  {self.queue_left}"]
        if self.feeds_read or self.feed_problems:
            asked = len(set(self.feeds_read) | set(self.feed_problems))
            out.append(f"feeds:       {asked} asked, {len(self.feeds_read)} read, {len(self.feed_problems)} with problems"
                       f" (below), {self.listed} articles listed")
        if self.editions_followed:
            out.append(f"editions:    {len(self.editions_followed)} queued from articles' print headers")
        if self.warc_files:
            out.append(f"warc files:  {', '.join(self.warc_files)}")
        out += [f"  {url}: HTTP {status}" for url, status in self.gone.items()]
        out += [f"  {url}: {reason}" for url, reason in self.failed.items()]
        out += [f"  {url}: feed {problem}" for url, problem in self.feed_problems.items()]
        return out


def edition_urls(since: dt.date, until: dt.date, base_url: str = BASE_URL) -> list[str]:
    """The edition index of every publishing day; the paper has no Sunday edition (Saturday is the weekend one)."""
    days = (until - since).days + 1
    dates = (since + dt.timedelta(days=n) for n in range(max(days, 0)))
    return [f"{base_url.rstrip('/')}/{d:%Y}/{d:%m-%d}/index.php" for d in dates if d.isoweekday() != 7]


def is_article_url(url: str) -> bool:
    return article_id(url) is not None


class Site:
    """One web site: which URLs belong to it, in one spelling (the base URL's scheme and host)."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url.rstrip("/"))
        self.scheme, self.netloc = parts.scheme, parts.netloc
        host = parts.netloc.lower().removeprefix("www.")
        self.hosts = {host, "www." + host}

    def normalize(self, href: str, page_url: str) -> str | None:
        """An absolute URL on this site, without fragment and without the loginFailed wrapper; None if off-site."""
        url = urljoin(page_url, href.strip())
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc.lower() not in self.hosts | {self.netloc.lower()}:
            return None
        path, query = parts.path or "/", parts.query
        if path.endswith("loginFailed.php"):
            ref = parse_qs(query).get("ref")
            if not ref:
                return None
            target = urlsplit(unquote(ref[0]))
            path, query = target.path, target.query
        return urlunsplit((self.scheme, self.netloc, quote(unquote(path), safe="/%:@!$&'()*+,;=~"), query, ""))


def article_links(html: bytes | str, page_url: str, site: Site) -> list[str]:
    """Links to article pages on a listing page, in page order, each once."""
    soup = BeautifulSoup(html, "html.parser")
    links: dict[str, None] = {}
    for a in soup.find_all("a", href=True):
        url = site.normalize(a["href"], page_url)
        if url and is_article_url(url):
            links.setdefault(url)
    return list(links)


def edition_link(html: bytes | str, page_url: str, site: Site) -> str | None:
    """The edition index an article's print header links (`Aus: Ausgabe vom …`); None for an online-only article.

    Only the link inside the print header counts: a page may link other editions elsewhere
    (navigation, teasers), and following those would walk the archive.
    """
    soup = BeautifulSoup(html, "html.parser")
    for a in soup.find_all("a", href=True):
        url = site.normalize(a["href"], page_url)
        if (url and EDITION_PATH.match(urlsplit(url).path) and a.parent is not None
                and _PRINT_HEADER.match(a.parent.get_text(" "))):
            return url
    return None


def feed_urls(base_url: str = BASE_URL) -> list[str]:
    """The newsticker and every section feed of the site."""
    base = base_url.rstrip("/")
    return [base + NEWSTICKER_FEED] + [f"{base}/feeds/{name}.xml" for name in SECTION_FEEDS]


@dataclass
class FeedListing:
    """What one feed lists: article URLs, each with the day it was listed, and what was wrong with the feed."""
    articles: dict[str, str | None]  # article url → listed_date (YYYY-MM-DD, Europe/Berlin) or None
    items: int = 0
    problem: str | None = None


def _flaw(err: BaseException | None) -> str:
    return f"{type(err).__name__}: {err}"[:200] if err else "no reason given"


def _listed_date(entry) -> str | None:
    # feedparser turns pubDate / published / updated into UTC; the archive dates by Berlin days
    when = entry.get("published_parsed") or entry.get("updated_parsed")
    if not when:
        return None
    utc = dt.datetime(*when[:6], tzinfo=dt.timezone.utc)
    return utc.astimezone(BERLIN).date().isoformat()


def _entry_hrefs(entry) -> list[str]:
    """An item's candidate links, best first: RSS `<link>`, Atom `<link href>`, then a `<guid>`/`<id>` that is a URL."""
    hrefs = [entry.get("link") or ""]
    hrefs += [link.get("href") or "" for link in entry.get("links") or [] if link.get("rel", "alternate") == "alternate"]
    guid = entry.get("id") or ""
    if guid.startswith(("http://", "https://", "/")):
        hrefs.append(guid)
    return [href for href in hrefs if href.strip()]


def feed_listing(data: bytes, feed_url: str, site: Site) -> FeedListing:
    """The article pages of this site that an RSS or Atom feed lists; items without one are passed over."""
    parsed = feedparser.parse(data)  # given bytes, feedparser makes no request of its own
    if not parsed.get("version") and not parsed.entries:
        return FeedListing({}, problem=f"not a feed ({_flaw(parsed.get('bozo_exception'))})"
                           if parsed.get("bozo") else "not a feed")
    listing = FeedListing({}, items=len(parsed.entries))
    if parsed.get("bozo") and not isinstance(parsed.get("bozo_exception"), _HARMLESS_FEED_FLAWS):
        listing.problem = f"malformed ({_flaw(parsed.get('bozo_exception'))}); read {len(parsed.entries)} items anyway"
    for entry in parsed.entries:
        for href in _entry_hrefs(entry):
            url = site.normalize(href, feed_url)
            if url and is_article_url(url):
                listed = [d for d in (listing.articles.get(url), _listed_date(entry)) if d]
                listing.articles[url] = min(listed, default=None)
                break
    return listing


class Crawler:
    """A polite, resumable crawl of one site into `out_dir`.

    Politeness: robots.txt (fetched once, before the first page), at least `delay` seconds between
    requests (more if robots.txt asks for a Crawl-delay), a User-Agent naming the project, and a
    bounded number of retries with exponential backoff on 5xx, 429 and timeouts.
    Resumable: a page is had once its records are in a WARC file (the crawl's `.warc-index.jsonl`) or its
    sidecar is on disk, whichever format wrote it; the queue, redirects and 404s are kept in `.state.json`,
    written after every page, so an interrupted crawl goes on where it stopped.
    Feeds are read every run (they change) and never saved as pages; what each gave is kept in the state.
    """

    def __init__(self, out_dir: str | Path, base_url: str = BASE_URL, *, delay: float = 2.0,
                 timeout: float = 30.0, retries: int = 3, backoff: float = 2.0,
                 user_agent: str = USER_AGENT, refresh: bool = False, follow_editions: bool = True,
                 format: str = "warc", warc_size: int = WARC_SIZE, log: Callable[[str], None] | None = None):
        if format not in FORMATS:
            raise CrawlError(f"{format}: not a format the crawler writes ({', '.join(FORMATS)})")
        self.out_dir = Path(out_dir)
        self.site = Site(base_url)
        self.base_url = f"{self.site.scheme}://{self.site.netloc}"
        self.delay, self.retries, self.backoff = delay, retries, backoff
        self.user_agent, self.refresh, self.follow_editions = user_agent, refresh, follow_editions
        self.log = log or (lambda message: None)
        options = {"base_url": self.base_url, "delay": delay, "timeout": timeout, "retries": retries,
                   "backoff": backoff, "refresh": refresh, "follow_editions": follow_editions}
        info = {"software": f"jW-Archiv/0.1 (ingest/sources/crawl.py; warcio {_warcio_version()})",
                "format": "WARC File Format 1.0", "isPartOf": "jW-Archiv crawl", "robots": "obey",
                "http-header-user-agent": user_agent, "crawl-options": json.dumps(options, sort_keys=True)}
        # pages from either format count as had: switching formats never fetches a page again
        warc, files = WarcFiles(self.out_dir, info, max_size=warc_size, log=self.log), LooseFiles(self.out_dir)
        self.pages, self.other_pages = (warc, files) if format == "warc" else (files, warc)
        self.client = httpx.Client(headers={"User-Agent": user_agent}, timeout=timeout,
                                   follow_redirects=False)
        self.robots: RobotFileParser | None = None
        self.summary = CrawlSummary()
        self._last_request = 0.0
        state = _read_json(self.out_dir / STATE_FILE)
        self.queue_before: list[str] = list(state.get("queue", []))
        self.failed_before: dict[str, str] = dict(state.get("failed", {}))
        self.queue: list[str] = []
        # redirects the WARC files hold, for a lost state; the state's own are newer
        self.redirects: dict[str, str] = {**warc.redirects, **state.get("redirects", {})}
        self.gone_before: dict[str, int] = dict(state.get("gone", {}))
        self.feeds_before: dict[str, dict] = dict(state.get("feeds", {}))
        self.feeds: dict[str, dict] = {}
        # article url → the earliest day a feed listed it, until the page's metadata record (or sidecar) holds it
        self.listed: dict[str, str] = dict(state.get("listed", {}))
        self.listed_this_run: set[str] = set()
        # articles whose print header's edition link is followed: those from a feed or --start, never
        # those found on an edition index, so following stays one level deep
        self.follows_edition: set[str] = set(state.get("follows_edition", []))
        self.had: set[str] = warc.urls() | files.urls()
        self.visited: set[str] = set()  # in this run: a page linked from two listings is asked for once

    # ---- state ---------------------------------------------------------------------------

    def save_state(self) -> None:
        pending = set(self.queue) | set(self.summary.failed)
        state = {"base_url": self.base_url, "queue": self.queue, "redirects": self.redirects,
                 "gone": {**self.gone_before, **self.summary.gone}, "failed": self.summary.failed,
                 "feeds": {**self.feeds_before, **self.feeds},
                 "listed": {url: day for url, day in self.listed.items() if url in pending},
                 "follows_edition": sorted(self.follows_edition & pending),
                 "saved_at": _now()}
        _write_atomic(self.out_dir / STATE_FILE, json.dumps(state, indent=1, ensure_ascii=False).encode())

    def _have(self, url: str) -> bool:
        return url in self.had or self.redirects.get(url) in self.had

    def enqueue(self, urls: Iterable[str]) -> None:
        queued = set(self.queue) | self.visited
        for url in urls:
            if url not in queued:
                self.queue.append(url)
                queued.add(url)

    # ---- HTTP ----------------------------------------------------------------------------

    def _wait(self) -> None:
        delay = self.delay
        if self.robots is not None:
            delay = max(delay, float(self.robots.crawl_delay(self.user_agent) or 0))
        pause = self._last_request + delay - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        self._last_request = time.monotonic()

    def _get(self, url: str, headers: dict | None = None) -> httpx.Response:
        return get_with_retries(lambda: self._send(url, headers), url, retries=self.retries, backoff=self.backoff,
                                pace=self._count_request, log=self.log)

    def _count_request(self) -> None:
        self._wait()
        self.summary.requests += 1

    def _send(self, url: str, headers: dict | None) -> httpx.Response:
        """One GET, read in full; the body as it came over the wire is kept beside the decoded one, as a WARC
        response record holds what the server sent."""
        request = self.client.build_request("GET", url, headers=headers)
        streamed = self.client.send(request, stream=True)
        try:
            wire = b"".join(streamed.iter_raw())
        finally:
            streamed.close()
        extensions = {k: v for k, v in streamed.extensions.items() if k in ("http_version", "reason_phrase")}
        response = httpx.Response(streamed.status_code, headers=streamed.headers, content=wire, request=request,
                                  extensions={**extensions, "wire_body": wire, "fetched_at": _now()})
        response.read()  # undoes the content coding (gzip …) as httpx would have
        return response

    def _load_robots(self) -> None:
        robots = RobotFileParser(self.base_url + "/robots.txt")
        try:
            response = self._get(robots.url)
        except FetchFailed as err:
            # RFC 9309: an unreachable robots.txt means the whole site is off limits for now
            raise CrawlError(f"{robots.url}: {err}; not crawling") from None
        if response.status_code in (401, 403):
            robots.disallow_all = True
        elif response.status_code >= 400:
            robots.allow_all = True
        else:
            robots.parse(response.text.splitlines())
            self.pages.answer(robots.url, response)  # the rules this crawl kept to, beside its pages
        self.robots = robots

    def allowed(self, url: str) -> bool:
        if self.robots is None:
            self._load_robots()
        return self.robots.can_fetch(self.user_agent, url)

    # ---- pages ---------------------------------------------------------------------------

    def _fetch(self, url: str, headers: dict, keep: bool = True) -> tuple[str, httpx.Response] | None:
        """Follow same-site redirects ourselves, so each hop is checked against robots.txt; `keep`: each
        redirect is written to the WARC file (not for feeds)."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            if not self.allowed(current):
                self.summary.disallowed.append(current)
                self.log(f"{current}: disallowed by robots.txt")
                return None
            response = self._get(current, headers if current == url else None)
            if not response.has_redirect_location:  # a 304 is a 3xx too, but no redirect
                return current, response
            if keep:
                self.pages.answer(current, response)
            target = self.site.normalize(response.headers.get("Location", ""), current)
            if target is None:
                raise FetchFailed(f"redirect off site to {response.headers.get('Location')!r}")
            self.redirects[current] = target
            if self._have(target) and not self.refresh:
                self.summary.skipped.append(target)
                return None
            current = target
        raise FetchFailed(f"more than {MAX_REDIRECTS} redirects")

    def visit(self, url: str, follow: bool) -> None:
        """Fetch one URL unless we have it; on a listing page, queue the articles it links."""
        if self._have(url) and not self.refresh:
            self.summary.skipped.append(url)
            self._note_listed_date(url)
            if follow:  # the state file may be lost: the page we have still knows its links
                page = self._payload(self.redirects.get(url, url))
                if page is not None:
                    self.enqueue(u for u in article_links(page, url, self.site) if not self._have(u))
            return
        if url in self.gone_before and not self.refresh:
            return
        old_meta = self._meta(self.redirects.get(url, url)) if self.refresh else {}
        headers = {}
        if old_meta.get("etag"):
            headers["If-None-Match"] = old_meta["etag"]
        if old_meta.get("last_modified"):
            headers["If-Modified-Since"] = old_meta["last_modified"]
        try:
            fetched = self._fetch(url, headers)
        except FetchFailed as err:
            self.summary.failed[url] = str(err)
            self.log(f"{url}: {err}")
            return
        if fetched is None:
            return
        final_url, response = fetched
        if response.status_code == 304:
            self.pages.not_modified(url, final_url, response)
            self.summary.unchanged.append(self.pages.name(final_url))
            self._note_listed_date(url)
            page = self._payload(final_url)
        elif response.status_code != 200:
            self.pages.answer(final_url, response)
            self.summary.gone[url] = response.status_code
            self.log(f"{url}: HTTP {response.status_code}")
            return
        else:
            self._store(url, final_url, response)
            if self.follow_editions and url in self.follows_edition:
                self._follow_edition(response.content, final_url)
            page = response.content
        if follow and page is not None:
            self.enqueue(u for u in article_links(page, final_url, self.site) if not self._have(u) or self.refresh)

    def _meta(self, url: str) -> dict:
        """What we know of the newest version of a page we have (etag, last_modified, listed_date …)."""
        return self.pages.meta(url) or self.other_pages.meta(url)

    def _payload(self, url: str) -> bytes | None:
        page = self.pages.payload(url)
        return page if page is not None else self.other_pages.payload(url)

    def _store(self, requested_url: str, url: str, response: httpx.Response) -> None:
        outcome = self.pages.save(requested_url, url, response, self._listed_day(requested_url, url))
        name = self.pages.name(url)
        getattr(self.summary, outcome).append(name)
        self.had.add(url)
        self.gone_before.pop(requested_url, None)
        self.listed.pop(requested_url, None)
        self.listed.pop(url, None)
        self.log(f"{url}: {'saved' if outcome != 'unchanged' else 'unchanged'} {name}")

    def _listed_day(self, *urls: str) -> str | None:
        days = [self.listed[url] for url in urls if self.listed.get(url)]
        return min(days) if days else None

    def _note_listed_date(self, url: str) -> None:
        """A page we already have, listed by a feed: it learns the day, without asking the site."""
        day = self.listed.pop(url, None)
        if day is None:
            return
        final = self.redirects.get(url, url)
        for pages in (self.pages, self.other_pages):
            if pages.has(final):
                pages.note_listed_date(final, day)
                return

    def _follow_edition(self, page: bytes, page_url: str) -> None:
        edition = edition_link(page, page_url, self.site)
        if edition and edition not in self.visited and edition not in self.queue:
            self.summary.editions_followed.append(edition)
            self.log(f"{page_url}: printed in {edition}, queued")
            self.enqueue([edition])

    # ---- feeds ---------------------------------------------------------------------------

    def read_feed(self, feed_url: str) -> None:
        """Fetch one feed and queue the articles it lists; a feed that fails is noted, never fatal.

        Feeds are asked for every run (a conditional GET when the last answer had an ETag or a
        Last-Modified) and never saved as pages: the build would take them for articles.
        """
        before = self.feeds_before.get(feed_url, {})
        headers = {}
        if before.get("etag"):
            headers["If-None-Match"] = before["etag"]
        if before.get("last_modified"):
            headers["If-Modified-Since"] = before["last_modified"]
        record: dict = {"checked_at": _now()}
        self.feeds[feed_url] = record
        try:
            fetched = self._fetch(feed_url, headers, keep=False)
        except FetchFailed as err:
            fetched, record["problem"] = None, str(err)
        if fetched is None:
            if "problem" not in record:
                record["problem"] = ("disallowed by robots.txt" if not self.allowed(feed_url)
                                     else f"redirected to a page we have ({self.redirects.get(feed_url)})")
        else:
            response = fetched[1]
            record["status"] = response.status_code
            if response.status_code == 304:  # nothing new: its items were queued when it last changed
                record.update({k: before[k] for k in ("etag", "last_modified", "items", "articles") if k in before})
                self.summary.feeds_read.append(feed_url)
            elif response.status_code != 200:
                record["problem"] = f"HTTP {response.status_code}"
            else:
                listing = feed_listing(response.content, fetched[0], self.site)
                record.update(items=listing.items, articles=len(listing.articles))
                for header, key in (("ETag", "etag"), ("Last-Modified", "last_modified")):
                    if response.headers.get(header):
                        record[key] = response.headers[header]
                if listing.problem:
                    record["problem"] = listing.problem
                if listing.items or not listing.problem:
                    self.summary.feeds_read.append(feed_url)
                self._queue_listed(listing.articles)
        if record.get("problem"):
            self.summary.feed_problems[feed_url] = record["problem"]
            self.log(f"{feed_url}: feed {record['problem']}")

    def _queue_listed(self, articles: dict[str, str | None]) -> None:
        for url, day in articles.items():
            if day and (url not in self.listed or day < self.listed[url]):
                self.listed[url] = day
            if not self._have(url):
                self.follows_edition.add(url)
        self.listed_this_run.update(articles)
        self.summary.listed = len(self.listed_this_run)
        self.enqueue(articles)

    # ---- the crawl -----------------------------------------------------------------------

    def run(self, seeds: Iterable[str], max_pages: int | None = None, feeds: Iterable[str] = ()) -> CrawlSummary:
        """Seeds first, then the queue left by an earlier run, then what failed last time, then what the feeds list.

        A page that is not an article (an edition index, a section listing) is a listing: the
        article pages it links are queued. Of the links on an article page only one is followed,
        and only on an article from a feed or a seed: its print header's link to the edition it
        appeared in; that index queues its articles, which follow nothing. So a crawl stays within
        the editions asked for and those its new articles were printed in. Feeds are read before
        the first page and do not count towards `max_pages`.
        """
        normalized = []
        for seed in seeds:
            url = self.site.normalize(seed, self.base_url + "/")
            if url is None:
                raise CrawlError(f"{seed}: not on {self.base_url}; pass --base-url to crawl another site")
            normalized.append(url)
        self.queue = []
        self.enqueue(normalized + self.queue_before + list(self.failed_before))
        self.follows_edition.update(url for url in normalized if is_article_url(url))
        visited = 0  # pages asked for, the unit of --max-pages
        try:
            for feed_url in feeds:
                self.read_feed(feed_url)
            if self.feeds:
                self.save_state()
            while self.queue and (max_pages is None or visited < max_pages):
                url = self.queue[0]
                requests_before = self.summary.requests
                self.visit(url, follow=not is_article_url(url))
                self.visited.add(url)
                self.queue.pop(0)
                if self.summary.requests > requests_before:  # pages we already had cost nothing
                    visited += 1
                    self.save_state()
        finally:
            self.pages.close()
            self.summary.warc_files = list(getattr(self.pages, "written", []))
            self.summary.queue_left = len(self.queue)
            self.save_state()
            self.client.close()
        return self.summary

def crawl(out_dir: str | Path, seeds: Iterable[str], *, max_pages: int | None = None, feeds: Iterable[str] = (),
          **options) -> CrawlSummary:
    return Crawler(out_dir, **options).run(seeds, max_pages=max_pages, feeds=feeds)


def _warcio_version() -> str:
    from importlib.metadata import version

    return version("warcio")


def today_in_berlin() -> dt.date:
    return dt.datetime.now(BERLIN).date()
