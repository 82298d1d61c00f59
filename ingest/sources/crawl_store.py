"""Where the crawler keeps what it fetched: records of gzipped WARC files (the default) or loose files with sidecars."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import zlib
from io import BytesIO
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import urlsplit

import httpx
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from ingest.sources.files import META_SUFFIX

try:
    import fcntl
except ImportError:  # Windows: no flock; two crawls in one directory at once are then on the user
    fcntl = None

# an old version gets this suffix: not a page suffix, so the build reads only the current version
VERSION_SUFFIX = ".old"
WARC_PREFIX = "jw"
# a WARC file being written has this suffix on top: the build reads only closed files
OPEN_SUFFIX = ".open"
# the crawl's own index of its WARC files: a JSON line per page response (where it is) and per listed_date, so
# a run knows what it has without reading the WARC files (they are scanned only for what the index lacks)
WARC_INDEX = ".warc-index.jsonl"
WARC_SIZE = 1_000_000_000  # bytes before the next file is begun: Heritrix's customary 1 GB
_SAFE_SEGMENT = re.compile(r"[^A-Za-z0-9._~%+=,@-]")


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}


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


def wire_body(response: httpx.Response) -> bytes:
    """The body as it came over the wire (still gzip'd if the server sent it so); the crawler keeps it beside
    the decoded `content`, as a WARC response record holds the body the server sent."""
    return response.extensions.get("wire_body", response.content)


def _validators(response: httpx.Response) -> dict:
    return {key: response.headers[header] for header, key in
            (("ETag", "etag"), ("Last-Modified", "last_modified"), ("Content-Type", "content_type"))
            if response.headers.get(header)}


class LooseFiles:
    """`--format files`: each page as a file named after its URL's path, beside it `NAME.meta.json`
    (url, fetched_at, status, sha256, etag/last_modified, requested_url, listed_date); a changed page's
    old version is kept as `NAME.<fetched_at>.old`. A page counts as had once its sidecar is on disk."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir

    def urls(self) -> set[str]:
        if not self.out_dir.exists():
            return set()
        urls = set()
        for meta in self.out_dir.rglob("*" + META_SUFFIX):
            if not meta.name.removesuffix(META_SUFFIX).endswith(VERSION_SUFFIX):
                url = read_json(meta).get("url")
                if url:
                    urls.add(url)
        return urls

    def name(self, url: str) -> str:
        return page_file(url)

    def _meta_path(self, url: str) -> Path:
        path = self.out_dir / page_file(url)
        return path.with_name(path.name + META_SUFFIX)

    def meta(self, url: str) -> dict:
        return read_json(self._meta_path(url))

    def has(self, url: str) -> bool:
        return self._meta_path(url).exists()

    def payload(self, url: str) -> bytes | None:
        path = self.out_dir / page_file(url)
        return path.read_bytes() if path.exists() else None

    def save(self, requested_url: str, url: str, response: httpx.Response, listed: str | None) -> str:
        """The page and its sidecar; `saved` (new), `changed` (old version kept) or `unchanged` (same bytes)."""
        path = self.out_dir / page_file(url)
        meta_path = path.with_name(path.name + META_SUFFIX)
        data = response.content
        meta = {"url": url, "fetched_at": now(), "status": response.status_code,
                "sha256": hashlib.sha256(data).hexdigest()}
        if requested_url != url:
            meta["requested_url"] = requested_url
        days = [listed]
        if meta_path.exists():  # a refetched page keeps the day a feed first listed it
            days.append(read_json(meta_path).get("listed_date"))
        if any(days):
            meta["listed_date"] = min(day for day in days if day)
        meta.update(_validators(response))
        outcome = "saved"
        if path.exists() and meta_path.exists():  # without its sidecar the file is a half-written new page
            if hashlib.sha256(path.read_bytes()).hexdigest() == meta["sha256"]:
                if listed:
                    self.note_listed_date(url, listed)
                return "unchanged"
            self._keep_old_version(path, meta_path)
            outcome = "changed"
        write_atomic(path, data)
        # the sidecar last: a page counts as had only once both are on disk
        write_atomic(meta_path, json.dumps(meta, indent=1, ensure_ascii=False).encode())
        return outcome

    def not_modified(self, requested_url: str, url: str, response: httpx.Response) -> None:
        """A 304: the page on disk is current; nothing to write."""

    def note_listed_date(self, url: str, day: str) -> None:
        """A page we have, listed by a feed: its sidecar learns the day (the earliest wins)."""
        meta_path = self._meta_path(url)
        meta = read_json(meta_path)
        if meta and (not meta.get("listed_date") or day < meta["listed_date"]):
            meta["listed_date"] = day
            write_atomic(meta_path, json.dumps(meta, indent=1, ensure_ascii=False).encode())

    def answer(self, url: str, response: httpx.Response) -> None:
        """A redirect, a 404 or robots.txt: loose files keep pages only."""

    def close(self) -> None:
        pass

    @staticmethod
    def _keep_old_version(path: Path, meta_path: Path) -> None:
        """`X.html` → `X.html.<fetched_at>.old` (+ its sidecar), so a changed page never loses its old text."""
        stamp = re.sub(r"[^0-9TZ]", "", read_json(meta_path).get("fetched_at", "")) or str(int(path.stat().st_mtime))
        old = path.with_name(f"{path.name}.{stamp}{VERSION_SUFFIX}")
        os.replace(path, old)
        if meta_path.exists():
            os.replace(meta_path, old.with_name(old.name + META_SUFFIX))


# ---- WARC ---------------------------------------------------------------------------------------


def _http_headers(response: httpx.Response, body: bytes | None) -> StatusAndHeaders:
    """The response's status line and headers as received; the body is stored de-chunked (httpx undoes the
    transfer coding), so Transfer-Encoding gives way to the Content-Length of what is stored."""
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw
               if k.lower() != b"transfer-encoding"]
    if body is not None and not any(k.lower() == "content-length" for k, _ in headers):
        headers.append(("Content-Length", str(len(body))))
    status = f"{response.status_code} {response.reason_phrase}".strip()
    return StatusAndHeaders(status, headers, protocol=response.http_version or "HTTP/1.1")


def _request_headers(request: httpx.Request) -> StatusAndHeaders:
    target = request.url.raw_path.decode("ascii")
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
    return StatusAndHeaders(f"{request.method} {target} HTTP/1.1", headers, is_http_request=True)


def warc_fields(fields: dict) -> bytes:
    """`name: value` lines (application/warc-fields), the body of warcinfo and metadata records."""
    return "".join(f"{name}: {value}\r\n" for name, value in fields.items() if value is not None).encode("utf-8")


def read_warc_fields(data: bytes) -> dict[str, str]:
    fields = {}
    for line in data.decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip()] = value.strip()
    return fields


def complete_members(path: Path) -> int:
    """How many bytes at the start of a gzipped file are whole gzip members (a WARC.gz holds one record each)."""
    end = 0  # where the last whole member ends
    fed = 0  # bytes of the current member read so far
    member = zlib.decompressobj(16 + zlib.MAX_WBITS)
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            while chunk:
                try:
                    member.decompress(chunk)  # the text itself is not wanted, only where members end
                except zlib.error:
                    return end
                if not member.eof:
                    fed += len(chunk)
                    break
                end += fed + len(chunk) - len(member.unused_data)
                chunk, fed = member.unused_data, 0
                member = zlib.decompressobj(16 + zlib.MAX_WBITS)
    return end


class WarcFiles:
    """The default: what the crawl fetches as records of gzipped WARC files (ISO 28500) under out_dir.

    Each page is a `request` and a `response` record (the body as the server sent it) and a `metadata`
    record (fetched_at, requested_url after a redirect, listed_date from a feed); redirects, 404s and
    robots.txt are kept as responses too (the build reads only 200 HTML responses). A refetch with the same
    payload (or a 304) is a `revisit` record (profile identical-payload-digest) pointing at the earlier
    response; a changed page a new `response`. Files are named `jw-<UTC time>-<serial>.warc.gz`, written as
    `….warc.gz.open` and renamed when closed, each beginning with a `warcinfo` record of the run's options,
    one per run or more at `max_size` bytes. Every page's records go out in one write, so a killed crawl
    leaves an `.open` file of whole records: the next run cuts any half-written record off its end, renames
    it and indexes it. What the crawl has is in `.warc-index.jsonl`, rebuilt from the WARC files if lost.
    """

    def __init__(self, out_dir: Path, info: dict, *, max_size: int = WARC_SIZE,
                 log: Callable[[str], None] | None = None):
        self.out_dir = out_dir
        self.info = info
        self.max_size = max_size
        self.log = log or (lambda message: None)
        # url → [WARC file, offset of its newest response, listed_date]: all a run needs in memory (a million
        # pages fit in a few hundred MB); the rest of a capture is read from its record when wanted (`capture`)
        self.captures: dict[str, list] = {}
        self._names: dict[str, str] = {}  # one string per WARC file name
        self.redirects: dict[str, str] = {}  # learnt from redirect responses when files are scanned
        self.written: list[str] = []  # WARC files this run closed, relative names
        self.path: Path | None = None  # the .open file being written
        self.stream = None
        self.preamble: list = []  # records waiting for the first page: a run that fetched nothing writes no file
        self._serial = 0
        if out_dir.exists():
            self._mend_index()
            for path in sorted(out_dir.rglob("*.warc.gz" + OPEN_SUFFIX)):
                self._close_left_open(path)
            self._load_index()

    # ---- what we have --------------------------------------------------------------------

    def urls(self) -> set[str]:
        return {url for url, (_, offset, _) in self.captures.items() if offset is not None}

    def has(self, url: str) -> bool:
        capture = self.captures.get(url)
        return capture is not None and capture[1] is not None

    def name(self, url: str) -> str:
        return url

    def capture(self, url: str) -> dict:
        """The newest response of a page we have, read from its record: where it is, its date, record id and
        payload digest, the validators it came with (etag, last_modified), listed_date, payload and its sha256.
        A revisit does not change it: a later 304's new ETag is not remembered (the next refresh sends the
        response's own, and the site answers 200 or 304 as before)."""
        if not self.has(url):
            return {}
        warc, offset, listed = self.captures[url]
        path = self.out_dir / warc
        if self.path is not None and self.path.name == path.name + OPEN_SUFFIX:  # the file this run is writing
            path = self.path
        try:
            with open(path, "rb") as stream:
                stream.seek(offset)
                record = next(iter(ArchiveIterator(stream)))
                payload = record.content_stream().read()
        except (OSError, ValueError, StopIteration) as err:  # the file moved or is damaged: fetched anew
            self.log(f"{path}: no record at {offset}: {err}")
            return {}
        headers = record.rec_headers
        found = {"url": headers.get_header("WARC-Target-URI"), "date": headers.get_header("WARC-Date"),
                 "record_id": _id(record), "digest": headers.get_header("WARC-Payload-Digest"),
                 "payload": payload, "sha256": hashlib.sha256(payload).hexdigest(), "listed_date": listed}
        for header, key in (("ETag", "etag"), ("Last-Modified", "last_modified")):
            if record.http_headers and record.http_headers.get_header(header):
                found[key] = record.http_headers.get_header(header)
        return found

    def meta(self, url: str) -> dict:
        return {k: v for k, v in self.capture(url).items() if k != "payload"}

    def payload(self, url: str) -> bytes | None:
        return self.capture(url).get("payload")

    def _apply(self, entry: dict) -> None:
        url, day = entry["url"], entry.get("listed_date")
        capture = self.captures.get(url)
        if entry.get("kind") == "response":
            warc = self._names.setdefault(entry["warc"], entry["warc"])
            capture = self.captures[url] = [warc, entry["offset"], capture[2] if capture else None]
        if day:
            if capture is None:  # a day for a page whose response is not indexed (yet)
                capture = self.captures[url] = [None, None, None]
            if not capture[2] or day < capture[2]:
                capture[2] = day

    def _load_index(self) -> None:
        index = self.out_dir / WARC_INDEX
        indexed: set[str] = set()
        if index.exists():
            with open(index, encoding="utf-8") as lines:
                for line in lines:
                    try:
                        entry = json.loads(line)
                    except ValueError:  # a line cut by a kill: its file was left open, and read again
                        continue
                    indexed.add(entry.get("warc"))
                    if "url" in entry:
                        self._apply(entry)
        for path in sorted(self.out_dir.rglob("*.warc.gz")):
            name = path.relative_to(self.out_dir).as_posix()
            if name not in indexed and not name.startswith("."):
                self.log(f"{name}: not in {WARC_INDEX}, reading it")
                self._index_file(path)

    def _mend_index(self) -> None:
        """A kill in the middle of an index line leaves it without its newline: end it, so the next line
        appended is a line of its own."""
        index = self.out_dir / WARC_INDEX
        if index.exists() and index.stat().st_size:
            with open(index, "rb+") as stream:
                stream.seek(-1, os.SEEK_END)
                if stream.read(1) != b"\n":
                    stream.write(b"\n")

    def _index_file(self, path: Path) -> None:
        """Every capture in one WARC file into the index (state lost, or a file a killed run left open)."""
        name = path.relative_to(self.out_dir).as_posix()
        entries = [{"warc": name}]  # an empty file is indexed too, so it is not read again
        with open(path, "rb") as stream:
            records = ArchiveIterator(stream)
            try:
                for record in records:
                    entry = self._entry_of(record, name)
                    if entry is not None:
                        if entry["kind"] == "response":
                            entry["offset"], entry["length"] = records.get_record_offset(), records.get_record_length()
                        entries.append(entry)
            except Exception as err:  # a damaged file: what it held before the damage still counts
                self.log(f"{name}: read up to a damaged record ({type(err).__name__}: {err})")
        for entry in entries:
            if "url" in entry:
                self._apply(entry)
        self._append_index(entries)

    def _entry_of(self, record, name: str) -> dict | None:
        """A record's index line: a page's 200 response, or a metadata record's listed_date; a redirect is noted."""
        url = record.rec_headers.get_header("WARC-Target-URI")
        if record.rec_type == "metadata":
            day = read_warc_fields(record.content_stream().read()).get("listed_date")
            return {"kind": "metadata", "url": url, "warc": name, "listed_date": day} if day else None
        if record.rec_type != "response" or record.http_headers is None or urlsplit(url).path == "/robots.txt":
            return None
        http = record.http_headers
        status = http.get_statuscode()
        if status.startswith("3") and http.get_header("Location"):
            self.redirects[url] = str(httpx.URL(url).join(http.get_header("Location")))
            return None
        if status != "200":
            return None
        return {"kind": "response", "url": url, "date": record.rec_headers.get_header("WARC-Date"), "warc": name}

    def _append_index(self, entries: Iterable[dict]) -> None:
        # appended after the records are written: a kill in between only makes a later run fetch a page again
        with open(self.out_dir / WARC_INDEX, "a", encoding="utf-8") as index:
            index.write("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries))

    def _close_left_open(self, path: Path) -> None:
        """A file a killed run left open: keep its whole records, close it, index it."""
        with open(path, "rb") as stream:
            try:  # a crawl that is still running holds its file locked: leave that one alone
                if fcntl is not None:
                    fcntl.flock(stream, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    fcntl.flock(stream, fcntl.LOCK_UN)
            except OSError:
                self.log(f"{path.name}: being written by another crawl, left alone")
                return
        whole = complete_members(path)
        if whole < path.stat().st_size:
            self.log(f"{path.name}: cutting a half-written record off its end ({path.stat().st_size - whole} bytes)")
            os.truncate(path, whole)
        if whole == 0:
            path.unlink()
            return
        closed = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
        os.replace(path, closed)
        self.log(f"{closed.name}: closed (left open by an interrupted crawl)")
        self._index_file(closed)

    # ---- writing -------------------------------------------------------------------------

    def _writer(self) -> tuple[WARCWriter, BytesIO]:
        buffer = BytesIO()
        return WARCWriter(buffer, gzip=True), buffer

    def _open(self) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d%H%M%S")
        while True:
            name = f"{WARC_PREFIX}-{stamp}-{self._serial:05d}.warc.gz"
            self._serial += 1
            if not (self.out_dir / name).exists() and not (self.out_dir / (name + OPEN_SUFFIX)).exists():
                break
        self.path = self.out_dir / (name + OPEN_SUFFIX)
        self.stream = open(self.path, "xb")
        if fcntl is not None:
            fcntl.flock(self.stream, fcntl.LOCK_EX)  # released by close, or by the kernel when the process dies
        writer, buffer = self._writer()
        writer.write_record(writer.create_warcinfo_record(name, self.info))
        self.stream.write(buffer.getvalue())
        self.stream.flush()

    def _write(self, build: Callable[[WARCWriter], list], index: Callable[[list, str], list[dict]]) -> None:
        """One page's records in one write (a kill leaves whole pages), then their index lines."""
        if self.stream is None:
            self._open()
        writer, buffer = self._writer()
        records = self.preamble + build(writer)
        self.preamble = []
        spans = []
        for record in records:
            start = buffer.tell()
            writer.write_record(record)
            spans.append((start, buffer.tell() - start))
        offset = self.stream.tell()
        self.stream.write(buffer.getvalue())
        self.stream.flush()
        name = self.path.relative_to(self.out_dir).as_posix().removesuffix(OPEN_SUFFIX)
        entries = index([(record, offset + start, length) for record, (start, length) in zip(records, spans)], name)
        for entry in entries:
            self._apply(entry)
        self._append_index(entries)
        if self.stream.tell() >= self.max_size:
            self._close_file()

    def _close_file(self) -> None:
        if self.stream is None:
            return
        self.stream.close()
        closed = self.path.with_name(self.path.name.removesuffix(OPEN_SUFFIX))
        os.replace(self.path, closed)
        self.written.append(closed.relative_to(self.out_dir).as_posix())
        self.stream, self.path = None, None

    def close(self) -> None:
        self._close_file()

    @staticmethod
    def _date(response: httpx.Response) -> str:
        return response.extensions.get("fetched_at") or now()

    def _response_pair(self, writer: WARCWriter, url: str, response: httpx.Response) -> list:
        body = wire_body(response)
        date = self._date(response)
        record = writer.create_warc_record(url, "response", payload=BytesIO(body), length=len(body),
                                           http_headers=_http_headers(response, body),
                                           warc_headers_dict={"WARC-Date": date})
        request = writer.create_warc_record(url, "request", http_headers=_request_headers(response.request),
                                            warc_headers_dict={"WARC-Date": date,
                                                               "WARC-Concurrent-To": _id(record)})
        return [request, record]

    def answer(self, url: str, response: httpx.Response) -> None:
        """A redirect, a 404 or robots.txt, kept as it was answered; robots.txt waits for the run's first page."""
        if urlsplit(url).path == "/robots.txt":
            self.preamble += self._response_pair(self._writer()[0], url, response)
            return
        self._write(lambda writer: self._response_pair(writer, url, response), lambda placed, name: [])

    def save(self, requested_url: str, url: str, response: httpx.Response, listed: str | None) -> str:
        """A response (new or changed payload) or a revisit (same payload as the newest capture)."""
        sha256 = hashlib.sha256(response.content).hexdigest()
        before = self.capture(url)
        if before.get("sha256") == sha256:
            self._revisit(url, response, before)
            outcome = "unchanged"
        else:
            outcome = "changed" if before else "saved"
            self._write(lambda writer: self._page_records(writer, requested_url, url, response, listed, before),
                        lambda placed, name: self._page_entries(placed, name, url, listed))
        if listed and outcome == "unchanged":
            self.note_listed_date(url, listed)
        return outcome

    def _page_records(self, writer, requested_url, url, response, listed, before) -> list:
        request, record = self._response_pair(writer, url, response)
        days = [d for d in (listed, before.get("listed_date")) if d]
        fields = {"fetched_at": self._date(response),
                  "requested_url": requested_url if requested_url != url else None,
                  "listed_date": min(days) if days else None}
        body = warc_fields(fields)
        meta = writer.create_warc_record(url, "metadata", payload=BytesIO(body), length=len(body),
                                         warc_content_type="application/warc-fields",
                                         warc_headers_dict={"WARC-Date": self._date(response),
                                                            "WARC-Concurrent-To": _id(record)})
        return [request, record, meta]

    def _page_entries(self, placed, name, url, listed) -> list[dict]:
        entries = []
        for record, offset, length in placed:
            if record.rec_type == "response" and record.rec_headers.get_header("WARC-Target-URI") == url:
                entry = {"kind": "response", "url": url, "date": record.rec_headers.get_header("WARC-Date"),
                         "warc": name, "offset": offset, "length": length}
                if listed:
                    entry["listed_date"] = listed
                entries.append(entry)
        return entries

    def _revisit(self, url: str, response: httpx.Response, before: dict) -> None:
        def records(writer: WARCWriter) -> list:
            date = self._date(response)
            record = writer.create_revisit_record(url, digest=before["digest"], refers_to_uri=url,
                                                  refers_to_date=before["date"],
                                                  http_headers=_http_headers(response, None),
                                                  warc_headers_dict={"WARC-Date": date,
                                                                     "WARC-Refers-To": before["record_id"]})
            request = writer.create_warc_record(url, "request", http_headers=_request_headers(response.request),
                                                warc_headers_dict={"WARC-Date": date,
                                                                   "WARC-Concurrent-To": _id(record)})
            return [request, record]

        self._write(records, lambda placed, name: [])  # the payload stays where the index has it

    def not_modified(self, requested_url: str, url: str, response: httpx.Response) -> None:
        """A 304 to our conditional GET: a revisit of the newest capture, if it is in a WARC file."""
        before = self.capture(url)
        if before:
            self._revisit(url, response, before)

    def note_listed_date(self, url: str, day: str) -> None:
        """A page we have, listed by a feed: a metadata record with the day, referring to its newest response."""
        if not self.has(url) or (self.captures[url][2] and self.captures[url][2] <= day):
            return  # a page we lack, or one that knows this day or an earlier one
        before = self.capture(url)
        if not before:
            return

        def records(writer: WARCWriter) -> list:
            body = warc_fields({"listed_date": day})
            return [writer.create_warc_record(url, "metadata", payload=BytesIO(body), length=len(body),
                                              warc_content_type="application/warc-fields",
                                              warc_headers_dict={"WARC-Date": now(),
                                                                 "WARC-Refers-To": before["record_id"]})]

        self._write(records, lambda placed, name: [{"kind": "metadata", "url": url, "warc": name,
                                                            "listed_date": day}])


def _id(record) -> str:
    return record.rec_headers.get_header("WARC-Record-ID")

