"""Old jungewelt.de article pages from web archives (Wayback Machine, Common Crawl), fetched politely into WARC files.

The archives' CDX indexes are asked (through cdx-toolkit) for every capture of an article address
(jw-page-format.md §10); status-200 HTML captures are grouped by article (ingest.urls.article_id); the
newest capture of each article is fetched first, older captures with other bytes (another digest) after
them, each once. Every capture lands in `data/raw/import-<source>/<source>-<time>.warc.gz` as a response
record (original URL, capture date as WARC-Date) plus a metadata record naming the archive and the capture,
so `just build` reads it like any WARC file. `.state.jsonl` beside them lists what is done, a line per
capture, so an interrupted import goes on where it stopped and a second run fetches nothing twice.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Callable, Iterable, Iterator
from urllib.parse import urlsplit

import httpx
from warcio.bufferedreaders import DecompressingBufferedReader
from warcio.recordloader import ArcWarcRecordLoader
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from ingest.sources.crawl import USER_AGENT
from ingest.sources.polite import FetchFailed, get_with_retries
from ingest.urls import article_id

STATE_FILE = ".state.jsonl"
CDX_URL_ENV = "JW_ARCHIV_CDX_URL"
REPLAY_URL_ENV = "JW_ARCHIV_REPLAY_URL"
WARC_FILE_SIZE = 500 * 1024 * 1024  # a new file after this many bytes
HTML_TYPES = ("text/html", "application/xhtml+xml")
FIRST_YEAR = 1997  # the first year of the paper's web site, and of its old `/<YYYY>/<MM-DD>/<NNN>.php` addresses
# every article address form as a CDX prefix query; the indexes key URLs without scheme and `www.`
ARTICLE_PREFIXES = ("jungewelt.de/artikel/", "jungewelt.de/beilage/art/", "jungewelt.de/rlk/de/article/",
                    "jungewelt.de/blogs/", "jungewelt.de/loginFailed.php")
# headers that described the bytes on the wire, not the page we store (decoded, de-chunked)
_WIRE_HEADERS = {"content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive"}


@dataclass(frozen=True)
class Archive:
    name: str            # "ia" or "cc": the `--from` value and the directory `import-<name>`
    title: str
    cdx: str             # cdx-toolkit's source: "ia", "cc" or a CDX API URL
    replay: str          # IA: the Wayback replay prefix; CC: the prefix of its WARC files
    delay: float         # seconds between our requests by default


ARCHIVES = {
    # the Wayback Machine asks for at most ~15 requests a minute from one client
    "ia": Archive("ia", "Internet Archive Wayback Machine", "ia", "https://web.archive.org/web", 4.0),
    "cc": Archive("cc", "Common Crawl", "cc", "https://data.commoncrawl.org", 1.0),
}


class ImportFailed(RuntimeError):
    """The import cannot go on at all (the index cannot be asked); the message says why."""


class Gone(Exception):
    """The archive answers that it does not have the capture (any 4xx but 429); not asked again."""


@dataclass(frozen=True)
class Capture:
    """One row of a CDX index: a page as an archive saw it at one moment."""
    url: str
    timestamp: str  # YYYYMMDDhhmmss, UTC
    digest: str
    article_id: str
    mime: str = ""
    filename: str | None = None  # Common Crawl: where the record lies
    offset: int | None = None
    length: int | None = None

    @property
    def key(self) -> str:
        return f"{self.timestamp} {self.url}"

    @property
    def warc_date(self) -> str:
        t = self.timestamp.ljust(14, "0")
        return f"{t[:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z"

    def cdx(self) -> dict:
        row = {"url": self.url, "timestamp": self.timestamp, "digest": self.digest, "mime": self.mime}
        if self.filename:
            row.update(filename=self.filename, offset=self.offset, length=self.length)
        return row


@dataclass
class ImportSummary:
    listed: int = 0          # article captures in the index (status 200, HTML)
    articles: int = 0
    distinct: int = 0        # captures with bytes of their own (one per article and digest)
    already_had: int = 0
    requests: int = 0        # our requests for captures, retries included (not the CDX queries)
    saved: list[str] = field(default_factory=list)      # capture keys, in the order fetched
    gone: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    left: int = 0            # not fetched in this run (--limit)
    files: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"captures listed:  {self.listed} of {self.articles} articles ({self.distinct} with bytes of their own)",
               f"already had:      {self.already_had}",
               f"fetched:          {len(self.saved)} ({self.requests} requests)",
               f"gone:             {len(self.gone)}",
               f"failed:           {len(self.failed)} (tried again next run)",
               f"left for later:   {self.left}"]
        out += [f"  {key}: {reason}" for key, reason in {**self.gone, **self.failed}.items()]
        out += [f"written: {name}" for name in self.files]
        return out


def cdx_queries(until: dt.date | None) -> list[str]:
    """Prefix queries for every article address form; the old `/<YYYY>/…` form once per year of the site up to
    `until` (the year in an address is the article's, not the capture's: a 2009 page may be captured in 2024)."""
    last = (until or dt.date.today()).year
    return [prefix + "*" for prefix in ARTICLE_PREFIXES] + [f"jungewelt.de/{year}/*" for year in range(FIRST_YEAR, last + 1)]


def _timestamp(day: dt.date | None, end: bool = False) -> str | None:
    return None if day is None else day.strftime("%Y%m%d") + ("235959" if end else "000000")


def to_capture(row) -> Capture | None:
    """A CDX row as a capture of an article page, or None (not an article, not 200, not HTML, a revisit)."""
    url, status = row.get("url") or "", str(row.get("status", ""))
    mime = (row.get("mime") or "").split(";")[0].strip().lower()
    key = article_id(url) if url else None
    if not key or status != "200" or mime not in HTML_TYPES:
        return None
    offset, length = row.get("offset"), row.get("length")
    return Capture(url=url, timestamp=str(row["timestamp"]), digest=row.get("digest") or "", article_id=key,
                   mime=mime, filename=row.get("filename"), offset=int(offset) if offset not in (None, "") else None,
                   length=int(length) if length not in (None, "") else None)


def plan(captures: Iterable[Capture]) -> list[Capture]:
    """The order of fetching: the newest capture of every article (newest articles first), then the older
    captures whose bytes differ (newest first); a capture with bytes already planned for its article is left out."""
    by_article: dict[str, list[Capture]] = {}
    for capture in captures:
        by_article.setdefault(capture.article_id, []).append(capture)
    newest_first = lambda c: (c.timestamp, c.url)  # noqa: E731
    first, later = [], []
    for group in by_article.values():
        distinct: dict[str, Capture] = {}
        for capture in sorted(group, key=newest_first, reverse=True):
            distinct.setdefault(capture.digest or capture.key, capture)
        newest, *older = distinct.values()
        first.append(newest)
        later.extend(older)
    return sorted(first, key=newest_first, reverse=True) + sorted(later, key=newest_first, reverse=True)


@contextmanager
def _cdx_toolkit_as(user_agent: str, delay: float, endpoints: Iterable[str], retries: int, longest_pause: float):
    """cdx-toolkit's requests carry our User-Agent, its pause between requests to a host is at least ours, and
    it gives up on an unreachable index after `retries` attempts, pausing at most `longest_pause` seconds.

    cdx-toolkit has no option for any of these: it names itself unless a lowercase `user-agent` header is
    passed, keeps per-host pauses in a table (its own for the Wayback Machine and Common Crawl, 3 s
    elsewhere) and retries a connection 100 times a minute apart unless told otherwise per request.
    """
    import cdx_toolkit
    import cdx_toolkit.commoncrawl as commoncrawl
    from cdx_toolkit import myrequests

    original = myrequests.myrequests_get

    def get(url, params=None, headers=None, **kwargs):
        kwargs.setdefault("raise_error_after_n_errors", retries)
        kwargs.setdefault("retry_max_sec", longest_pause)
        return original(url, params=params, headers={**(headers or {}), "user-agent": user_agent}, **kwargs)

    for endpoint in endpoints:
        host = urlsplit(endpoint).hostname
        if host in myrequests.retry_info:  # the archives' own hosts: their pause or ours, the longer
            entry = myrequests.retry_info[host]
            entry["minimum_interval"] = max(delay, entry["minimum_interval"])
        elif host:  # an endpoint of --cdx-url: our pause, not cdx-toolkit's 3 s for unknown hosts
            myrequests.retry_info[host] = {"next_fetch": 0, "minimum_interval": delay}
    cdx_toolkit.myrequests_get = commoncrawl.myrequests_get = get
    try:
        yield
    finally:
        cdx_toolkit.myrequests_get = commoncrawl.myrequests_get = original


class Importer:
    """One import run from one archive into `out_dir`.

    Polite: at least `delay` seconds between our requests (cdx-toolkit paces its index queries the same way),
    a User-Agent naming the project, bounded retries with exponential backoff on 5xx, 429 and timeouts,
    Retry-After honoured up to a minute. Resumable: `.state.jsonl` gains a line per capture done.
    """

    def __init__(self, archive: Archive, out_dir: str | Path, *, cdx_url: str | None = None,
                 replay_url: str | None = None, crawls: list[str] | None = None, delay: float | None = None,
                 timeout: float = 60.0, retries: int = 3, backoff: float = 5.0, user_agent: str = USER_AGENT,
                 log: Callable[[str], None] | None = None):
        self.archive = archive
        self.out_dir = Path(out_dir)
        self.cdx_url = cdx_url or os.environ.get(CDX_URL_ENV) or None
        self.replay = (replay_url or os.environ.get(REPLAY_URL_ENV) or archive.replay).rstrip("/")
        self.crawls = crawls
        self.delay = archive.delay if delay is None else delay
        self.retries, self.backoff, self.user_agent = retries, backoff, user_agent
        self.log = log or (lambda message: None)
        self.client = httpx.Client(headers={"User-Agent": user_agent}, timeout=timeout, follow_redirects=False)
        self.summary = ImportSummary()
        self._last_request = 0.0
        self._writer: WARCWriter | None = None
        self._stream = None
        self._file: Path | None = None
        self.done, self.done_digests = self._read_state()

    # ---- state ---------------------------------------------------------------------------

    def _read_state(self) -> tuple[set[str], set[tuple[str, str]]]:
        done, digests = set(), set()
        try:
            lines = (self.out_dir / STATE_FILE).read_text("utf-8").splitlines()
        except OSError:
            return done, digests
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:  # a line cut by an interrupted run: that capture is simply fetched again
                continue
            done.add(entry["capture"])
            if entry.get("digest"):
                digests.add((entry["article_id"], entry["digest"]))
        return done, digests

    def _note(self, capture: Capture, outcome: str, **extra) -> None:
        entry = {"capture": capture.key, "article_id": capture.article_id, "digest": capture.digest,
                 "outcome": outcome, "at": _now(), **extra}
        self.out_dir.mkdir(parents=True, exist_ok=True)
        with open(self.out_dir / STATE_FILE, "a", encoding="utf-8") as state:
            state.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self.done.add(capture.key)
        if capture.digest:
            self.done_digests.add((capture.article_id, capture.digest))

    def had(self, capture: Capture) -> bool:
        return capture.key in self.done or (capture.article_id, capture.digest) in self.done_digests

    # ---- the index -----------------------------------------------------------------------

    def _fetcher(self):
        import cdx_toolkit

        source = self.cdx_url or self.archive.cdx
        if self.archive.name == "cc":
            return cdx_toolkit.CDXFetcher(source=source, warc_download_prefix=self.replay,
                                          crawl=self.crawls or None)
        return cdx_toolkit.CDXFetcher(source=source, wb=self.replay)

    def list_captures(self, since: dt.date | None, until: dt.date | None) -> list[Capture]:
        endpoints = [self.cdx_url] if self.cdx_url else ["https://web.archive.org/cdx/search/cdx",
                                                         "https://index.commoncrawl.org/"]
        captures: dict[str, Capture] = {}
        longest_pause = max(self.backoff * 2 ** self.retries, 1.0)
        with _cdx_toolkit_as(self.user_agent, self.delay, endpoints, self.retries, longest_pause):
            try:
                fetcher = self._fetcher()
                for query in cdx_queries(until):
                    for row in self._rows(fetcher, query, since, until):
                        capture = to_capture(row)
                        if capture and (not since or capture.timestamp >= _timestamp(since)) and \
                                (not until or capture.timestamp <= _timestamp(until, end=True)):
                            captures.setdefault(capture.key, capture)
            except (ValueError, RuntimeError, OSError) as err:  # what cdx-toolkit raises when it gives up
                raise ImportFailed(f"{self.archive.title} index ({self.cdx_url or self.archive.cdx}): {err}") from None
        self.log(f"{self.archive.title}: {len(captures)} article captures")
        return list(captures.values())

    def _rows(self, fetcher, query: str, since: dt.date | None, until: dt.date | None) -> Iterator[dict]:
        params: dict = {"filter": ["status:200"]}
        if since:
            params["from_ts"] = _timestamp(since)
        elif self.archive.name == "cc":
            params["from_ts"] = "2008"  # cdx-toolkit would ask only the last year's crawls
        if until:
            params["to"] = _timestamp(until, end=True)
        rows = fetcher.iter(query, **params)
        first_seen: dict[tuple, tuple] = {}
        for row in rows:
            # a CDX server without pages (pywb over a plain index) answers every page= with page 0 again
            where = (rows.endpoint, rows.page)
            ident = (row.get("url"), row.get("timestamp"), row.get("digest"), row.get("offset"))
            if first_seen.setdefault(ident, where) != where:
                break
            yield dict(row.data)

    # ---- fetching ------------------------------------------------------------------------

    def _wait(self) -> None:
        pause = self._last_request + self.delay - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        self._last_request = time.monotonic()

    def _get(self, url: str, headers: dict | None = None) -> httpx.Response:
        return get_with_retries(lambda: self.client.get(url, headers=headers), url, retries=self.retries,
                                backoff=self.backoff, pace=self._count_request, log=self.log)

    def _count_request(self) -> None:
        self._wait()
        self.summary.requests += 1

    def fetch(self, capture: Capture) -> tuple[StatusAndHeaders, bytes, str, str]:
        """The capture's HTTP headers, payload, capture date and where we got it from."""
        if self.archive.name == "cc":
            return self._fetch_record(capture)
        return self._fetch_replay(capture)

    def _fetch_replay(self, capture: Capture) -> tuple[StatusAndHeaders, bytes, str, str]:
        """Wayback: the `id_` replay gives the page's own bytes, its original headers as X-Archive-Orig-*."""
        url = f"{self.replay}/{capture.timestamp}id_/{capture.url}"
        for _ in range(5):  # the Wayback sends us to the nearest capture it has when the exact one moved
            response = self._get(url)
            if not response.has_redirect_location:
                break
            url = str(response.url.join(response.headers["Location"]))
        if response.status_code != 200:
            raise Gone(f"HTTP {response.status_code} from {url}")
        headers = [("Content-Type", response.headers.get("Content-Type", "text/html"))]
        for name, value in response.headers.items():
            if name.lower().startswith("x-archive-orig-"):
                original = name[len("x-archive-orig-"):]
                if original.lower() not in _WIRE_HEADERS and original.lower() != "content-type":
                    headers.append((original, value))
        stamp = re.search(r"/(\d{14})id_/", url)
        date = Capture(capture.url, stamp[1], "", "").warc_date if stamp else capture.warc_date
        return _http_headers(headers, response.content), response.content, date, url

    def _fetch_record(self, capture: Capture) -> tuple[StatusAndHeaders, bytes, str, str]:
        """Common Crawl: the capture's own WARC record, by a range request into the crawl's WARC file."""
        if capture.filename is None or capture.offset is None or not capture.length:
            raise Gone("the index names no WARC file, offset and length")
        url = f"{self.replay}/{capture.filename}"
        last = capture.offset + capture.length - 1
        response = self._get(url, headers={"Range": f"bytes={capture.offset}-{last}"})
        if response.status_code not in (200, 206) or len(response.content) != capture.length:
            raise Gone(f"HTTP {response.status_code}, {len(response.content)} of {capture.length} bytes from {url}")
        record = ArcWarcRecordLoader().parse_record_stream(DecompressingBufferedReader(BytesIO(response.content)))
        target = record.rec_headers.get_header("WARC-Target-URI")
        if record.rec_type != "response" or target != capture.url or record.http_headers is None:
            raise Gone(f"bytes {capture.offset}-{last} of {url} hold a {record.rec_type} of {target}")
        body = record.content_stream().read()  # de-chunked, content-encoding undone
        headers = [(name, value) for name, value in record.http_headers.headers if name.lower() not in _WIRE_HEADERS]
        date = record.rec_headers.get_header("WARC-Date") or capture.warc_date
        return _http_headers(headers, body, record.http_headers.statusline), body, date, f"{url} bytes={capture.offset}-{last}"

    # ---- writing -------------------------------------------------------------------------

    def _open(self) -> WARCWriter:
        if self._writer is not None and self._stream.tell() < WARC_FILE_SIZE:
            return self._writer
        self.close()
        self.out_dir.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        n = 0
        while (path := self.out_dir / f"{self.archive.name}-{stamp}{f'-{n}' if n else ''}.warc.gz").exists():
            n += 1
        self._file, self._stream = path, open(path, "wb")
        self._writer = WARCWriter(self._stream, gzip=True)
        self._writer.write_record(self._writer.create_warcinfo_record(path.name, {
            "software": f"jW-Archiv 0.1 (python -m ingest import --from {self.archive.name})",
            "format": "WARC File Format 1.1", "description": f"jungewelt.de article pages from {self.archive.title}",
            "http-header-user-agent": self.user_agent}))
        self.summary.files.append(path.name)
        return self._writer

    def write(self, capture: Capture, headers: StatusAndHeaders, body: bytes, date: str, source: str) -> str:
        writer = self._open()
        response = writer.create_warc_record(capture.url, "response", payload=BytesIO(body), http_headers=headers,
                                             warc_headers_dict={"WARC-Date": date})
        record_id = response.rec_headers.get_header("WARC-Record-ID")
        about = {"archive": self.archive.name, "archive_title": self.archive.title, "capture": capture.cdx(),
                 "fetched_from": source, "fetched_at": _now(), "user_agent": self.user_agent}
        metadata = writer.create_warc_record(capture.url, "metadata",
                                             payload=BytesIO(json.dumps(about, ensure_ascii=False).encode()),
                                             warc_content_type="application/json",
                                             warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id})
        writer.write_record(response)
        writer.write_record(metadata)
        self._stream.flush()  # a record is on disk before the state says it is done
        return record_id

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
        self._writer = self._stream = None

    # ---- the run -------------------------------------------------------------------------

    def run(self, since: dt.date | None = None, until: dt.date | None = None,
            limit: int | None = None) -> ImportSummary:
        captures = self.list_captures(since, until)
        self._last_request = time.monotonic()  # the index's last answer just came: the pause counts from it
        ordered = plan(captures)
        self.summary.listed = len(captures)
        self.summary.articles = len({c.article_id for c in captures})
        self.summary.distinct = len(ordered)
        todo = [c for c in ordered if not self.had(c)]
        self.summary.already_had = len(ordered) - len(todo)
        tried = 0
        try:
            for capture in todo:
                if limit is not None and tried >= limit:
                    break
                tried += 1
                if self.had(capture):  # an earlier capture of this run had the same bytes
                    continue
                try:
                    headers, body, date, source = self.fetch(capture)
                except Gone as err:
                    self.summary.gone[capture.key] = str(err)
                    self._note(capture, "gone", reason=str(err))
                    self.log(f"{capture.key}: {err}")
                    continue
                except FetchFailed as err:
                    self.summary.failed[capture.key] = str(err)
                    self.log(f"{capture.key}: {err}")
                    continue
                record_id = self.write(capture, headers, body, date, source)
                self._note(capture, "saved", file=self._file.name, record=record_id)
                self.summary.saved.append(capture.key)
                self.log(f"{capture.key}: saved")
        finally:
            self.summary.left = len(todo) - tried
            self.close()
            self.client.close()
        return self.summary


def _http_headers(headers: list[tuple[str, str]], body: bytes, statusline: str = "200 OK") -> StatusAndHeaders:
    return StatusAndHeaders(statusline, headers + [("Content-Length", str(len(body)))], protocol="HTTP/1.1")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def import_captures(source: str, out_dir: str | Path, *, since: dt.date | None = None, until: dt.date | None = None,
                    limit: int | None = None, **options) -> ImportSummary:
    return Importer(ARCHIVES[source], out_dir, **options).run(since, until, limit)
