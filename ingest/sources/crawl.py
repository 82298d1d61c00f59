"""The crawler: edition indexes and the article pages they link, fetched politely into data/raw/crawl/."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import parse_qs, quote, unquote, urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser
from zoneinfo import ZoneInfo

import httpx
from bs4 import BeautifulSoup

from ingest.sources.files import META_SUFFIX
from ingest.urls import article_id

BASE_URL = "https://www.jungewelt.de"
USER_AGENT = "jW-Archiv/0.1 (+contact in README)"
STATE_FILE = ".state.json"
# an old version gets this suffix: not a page suffix, so the build reads only the current version
VERSION_SUFFIX = ".old"
BERLIN = ZoneInfo("Europe/Berlin")
MAX_REDIRECTS = 5
MAX_RETRY_AFTER = 60.0
_SAFE_SEGMENT = re.compile(r"[^A-Za-z0-9._~%+=,@-]")


class CrawlError(RuntimeError):
    """The crawl cannot go on at all (e.g. robots.txt unreachable); the message says why."""


class FetchFailed(Exception):
    """One URL could not be fetched after the bounded retries; the message is the reason."""


@dataclass
class CrawlSummary:
    requests: int = 0
    saved: list[str] = field(default_factory=list)      # new pages, relative file names
    changed: list[str] = field(default_factory=list)    # pages refetched with --refresh that had changed
    unchanged: list[str] = field(default_factory=list)  # refetched, same bytes (or 304)
    skipped: list[str] = field(default_factory=list)    # already on disk, not refetched
    disallowed: list[str] = field(default_factory=list)
    gone: dict[str, int] = field(default_factory=dict)  # url → HTTP status (404 …)
    failed: dict[str, str] = field(default_factory=dict)  # url → reason after retries
    queue_left: int = 0

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
        out += [f"  {url}: HTTP {status}" for url, status in self.gone.items()]
        out += [f"  {url}: {reason}" for url, reason in self.failed.items()]
        return out


def edition_urls(since: dt.date, until: dt.date, base_url: str = BASE_URL) -> list[str]:
    """The edition index of every publishing day; the paper has no Sunday edition (Saturday is the weekend one)."""
    days = (until - since).days + 1
    dates = (since + dt.timedelta(days=n) for n in range(max(days, 0)))
    return [f"{base_url.rstrip('/')}/{d:%Y}/{d:%m-%d}/index.php" for d in dates if d.isoweekday() != 7]


def is_article_url(url: str) -> bool:
    return article_id(url) is not None


def page_file(url: str) -> str:
    """Where a URL's page lives under the crawl directory: its path (and query), without the host.

    The host is left out because www.jungewelt.de and jungewelt.de serve the same pages; the
    sidecar keeps the full URL. Every name ends in .html so the build reads it as a page.
    """
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s not in ("", ".", "..")] or ["index"]
    if parts.path.endswith("/"):
        segments.append("index")
    if parts.query:
        segments[-1] += "_" + parts.query
    names = []
    for segment in segments:
        name = _SAFE_SEGMENT.sub("_", segment)
        if len(name) > 120:  # file systems cap names at 255 bytes; jW slugs can be long
            name = name[:100] + "-" + hashlib.sha256(segment.encode()).hexdigest()[:12]
        names.append(name)
    if not names[-1].endswith((".html", ".htm")):
        names[-1] += ".html"
    return "/".join(names)


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


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}


class Crawler:
    """A polite, resumable crawl of one site into `out_dir`.

    Politeness: robots.txt (fetched once, before the first page), at least `delay` seconds between
    requests (more if robots.txt asks for a Crawl-delay), a User-Agent naming the project, and a
    bounded number of retries with exponential backoff on 5xx, 429 and timeouts.
    Resumable: a page is had when its sidecar exists; the queue, redirects and 404s are kept in
    `.state.json`, written after every page, so an interrupted crawl goes on where it stopped.
    """

    def __init__(self, out_dir: str | Path, base_url: str = BASE_URL, *, delay: float = 2.0,
                 timeout: float = 30.0, retries: int = 3, backoff: float = 2.0,
                 user_agent: str = USER_AGENT, refresh: bool = False,
                 log: Callable[[str], None] | None = None):
        self.out_dir = Path(out_dir)
        self.site = Site(base_url)
        self.base_url = f"{self.site.scheme}://{self.site.netloc}"
        self.delay, self.retries, self.backoff = delay, retries, backoff
        self.user_agent, self.refresh = user_agent, refresh
        self.log = log or (lambda message: None)
        self.client = httpx.Client(headers={"User-Agent": user_agent}, timeout=timeout,
                                   follow_redirects=False)
        self.robots: RobotFileParser | None = None
        self.summary = CrawlSummary()
        self._last_request = 0.0
        state = _read_json(self.out_dir / STATE_FILE)
        self.queue_before: list[str] = list(state.get("queue", []))
        self.failed_before: dict[str, str] = dict(state.get("failed", {}))
        self.queue: list[str] = []
        self.redirects: dict[str, str] = dict(state.get("redirects", {}))
        self.gone_before: dict[str, int] = dict(state.get("gone", {}))
        self.had: set[str] = self._pages_on_disk()
        self.visited: set[str] = set()  # in this run: a page linked from two listings is asked for once

    # ---- state ---------------------------------------------------------------------------

    def _pages_on_disk(self) -> set[str]:
        if not self.out_dir.exists():
            return set()
        urls = set()
        for meta in self.out_dir.rglob("*" + META_SUFFIX):
            if not meta.name.removesuffix(META_SUFFIX).endswith(VERSION_SUFFIX):
                url = _read_json(meta).get("url")
                if url:
                    urls.add(url)
        return urls

    def save_state(self) -> None:
        state = {"base_url": self.base_url, "queue": self.queue, "redirects": self.redirects,
                 "gone": {**self.gone_before, **self.summary.gone}, "failed": self.summary.failed,
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
        """GET with bounded retries: 1 + `retries` attempts, backoff doubling from `backoff` seconds."""
        reason = "no attempt"
        for attempt in range(self.retries + 1):
            self._wait()
            self.summary.requests += 1
            try:
                response = self.client.get(url, headers=headers)
            except httpx.TimeoutException:
                reason = "timeout"
                wait = self.backoff * 2 ** attempt
            except httpx.TransportError as err:
                reason = f"network error: {type(err).__name__}: {err}"
                wait = self.backoff * 2 ** attempt
            else:
                if response.status_code < 500 and response.status_code != 429:
                    return response
                reason = f"HTTP {response.status_code}"
                wait = max(self.backoff * 2 ** attempt, self._retry_after(response))
            if attempt < self.retries:
                self.log(f"{url}: {reason}, retry {attempt + 1}/{self.retries} in {wait:.2f}s")
                time.sleep(wait)
        raise FetchFailed(f"{reason} after {self.retries + 1} attempts")

    @staticmethod
    def _retry_after(response: httpx.Response) -> float:
        try:
            return min(float(response.headers.get("Retry-After", 0)), MAX_RETRY_AFTER)
        except ValueError:  # an HTTP date: fall back to our own backoff
            return 0.0

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
        self.robots = robots

    def allowed(self, url: str) -> bool:
        if self.robots is None:
            self._load_robots()
        return self.robots.can_fetch(self.user_agent, url)

    # ---- pages ---------------------------------------------------------------------------

    def _fetch(self, url: str, headers: dict) -> tuple[str, httpx.Response] | None:
        """Follow same-site redirects ourselves, so each hop is checked against robots.txt."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            if not self.allowed(current):
                self.summary.disallowed.append(current)
                self.log(f"{current}: disallowed by robots.txt")
                return None
            response = self._get(current, headers if current == url else None)
            if not response.has_redirect_location:  # a 304 is a 3xx too, but no redirect
                return current, response
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
            if follow:  # the state file may be lost: the page on disk still knows its links
                path = self.out_dir / page_file(self.redirects.get(url, url))
                if path.exists():
                    self.enqueue(u for u in article_links(path.read_bytes(), url, self.site) if not self._have(u))
            return
        if url in self.gone_before and not self.refresh:
            return
        old_meta = _read_json(self._meta_path(url)) if self.refresh else {}
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
            self.summary.unchanged.append(page_file(final_url))
        elif response.status_code != 200:
            self.summary.gone[url] = response.status_code
            self.log(f"{url}: HTTP {response.status_code}")
            return
        else:
            self._store(url, final_url, response)
        if follow:
            path = self.out_dir / page_file(final_url)
            if path.exists():
                self.enqueue(u for u in article_links(path.read_bytes(), final_url, self.site)
                             if not self._have(u) or self.refresh)

    def _meta_path(self, url: str) -> Path:
        path = self.out_dir / page_file(self.redirects.get(url, url))
        return path.with_name(path.name + META_SUFFIX)

    def _store(self, requested_url: str, url: str, response: httpx.Response) -> None:
        name = page_file(url)
        path = self.out_dir / name
        meta_path = path.with_name(path.name + META_SUFFIX)
        data = response.content
        meta = {"url": url, "fetched_at": _now(), "status": response.status_code,
                "sha256": hashlib.sha256(data).hexdigest()}
        if requested_url != url:
            meta["requested_url"] = requested_url
        for header, key in (("ETag", "etag"), ("Last-Modified", "last_modified"), ("Content-Type", "content_type")):
            if response.headers.get(header):
                meta[key] = response.headers[header]
        if path.exists() and meta_path.exists():  # without its sidecar the file is a half-written new page
            if hashlib.sha256(path.read_bytes()).hexdigest() == meta["sha256"]:
                self.summary.unchanged.append(name)
                return
            self._keep_old_version(path, meta_path)
            self.summary.changed.append(name)
        else:
            self.summary.saved.append(name)
        _write_atomic(path, data)
        # the sidecar last: a page counts as had only once both are on disk
        _write_atomic(meta_path, json.dumps(meta, indent=1, ensure_ascii=False).encode())
        self.had.add(url)
        self.gone_before.pop(requested_url, None)
        self.log(f"{url}: saved {name}")

    @staticmethod
    def _keep_old_version(path: Path, meta_path: Path) -> None:
        """`X.html` → `X.html.<fetched_at>.old` (+ its sidecar), so a changed page never loses its old text."""
        stamp = re.sub(r"[^0-9TZ]", "", _read_json(meta_path).get("fetched_at", "")) or str(int(path.stat().st_mtime))
        old = path.with_name(f"{path.name}.{stamp}{VERSION_SUFFIX}")
        os.replace(path, old)
        if meta_path.exists():
            os.replace(meta_path, old.with_name(old.name + META_SUFFIX))

    # ---- the crawl -----------------------------------------------------------------------

    def run(self, seeds: Iterable[str], max_pages: int | None = None) -> CrawlSummary:
        """Seeds first, then the queue left by an earlier run, then what failed last time.

        A page that is not an article (an edition index, a section listing) is a listing: the
        article pages it links are queued. Links on article pages are not followed, so a crawl
        stays within the editions asked for.
        """
        normalized = []
        for seed in seeds:
            url = self.site.normalize(seed, self.base_url + "/")
            if url is None:
                raise CrawlError(f"{seed}: not on {self.base_url}; pass --base-url to crawl another site")
            normalized.append(url)
        self.queue = []
        self.enqueue(normalized + self.queue_before + list(self.failed_before))
        visited = 0  # pages asked for, the unit of --max-pages
        try:
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
            self.summary.queue_left = len(self.queue)
            self.save_state()
            self.client.close()
        return self.summary

def crawl(out_dir: str | Path, seeds: Iterable[str], *, max_pages: int | None = None, **options) -> CrawlSummary:
    return Crawler(out_dir, **options).run(seeds, max_pages=max_pages)


def today_in_berlin() -> dt.date:
    return dt.datetime.now(BERLIN).date()
