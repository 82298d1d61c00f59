"""Pages inside WARC files (ISO 28500) under data/raw/: every HTML response of jungewelt.de, revisits resolved."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from fastwarc.stream_io import GzipReader
from fastwarc.warc import ArchiveIterator as FastArchiveIterator
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders

from ingest.sources.files import RawPage, Unreadable

WARC_SUFFIXES = (".warc", ".warc.gz")
HTML_TYPES = ("text/html", "application/xhtml+xml")
_DAY = re.compile(r"^\d{4}-\d\d-\d\d$")
_NOT_IN_URL = re.compile(r"[\x00-\x20\x7f]")  # a header line garbled into the URL
_PLAIN_JW = re.compile(r"https?://(?:www\.)?jungewelt\.de/")
_RECORD_ID = re.compile(r"^<?(?:urn:uuid:)?|>$")
_WARC_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$")  # ISO 28500: UTC, W3C form


def is_warc(path: Path) -> bool:
    return path.name.lower().endswith(WARC_SUFFIXES)


def warc_paths(root: str | Path) -> list[Path]:
    root = Path(root)
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".") and is_warc(p))


def is_jungewelt(url: str | None) -> bool:
    """jungewelt.de under any host form (www. or not, http or https, a port)."""
    if not url:
        return False
    if _PLAIN_JW.match(url):  # the usual form, without the cost of urlsplit
        return True
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return parts.scheme in ("http", "https") and (host == "jungewelt.de" or host.endswith(".jungewelt.de"))


def _record_name(record) -> str | None:
    """The part after `#` in a page's path: the record's own id, which stays the same however often we read."""
    record_id = record.rec_headers.get_header("WARC-Record-ID")
    if not record_id:
        return None
    return _RECORD_ID.sub("", record_id.strip())


class _Headers:
    """A header block FastWARC read, asked as warcio's are: get_header(name), get_statuscode()."""
    __slots__ = ("fields", "status_line")

    def __init__(self, headers):
        # by lower-case name, the first of a name as warcio gives it (FastWARC's own look-up costs more)
        self.fields = {name.lower(): value for name, value in reversed(headers.items())}
        self.status_line = headers.status_line

    def get_header(self, name: str, default: str | None = None) -> str | None:
        return self.fields.get(name.lower(), default)

    def get_statuscode(self) -> str:
        # as warcio: "HTTP/1.1 200 OK" → "200"
        rest = self.status_line.split(" ", 1)
        return rest[1].strip().split(" ", 1)[0] if len(rest) > 1 else ""


def _plain(raw: bytes, fields: int) -> bool:
    """A header block (as read, blank line included) that warcio and FastWARC read alike: ASCII (warcio reads
    other bytes as Latin-1 where they are not UTF-8), CRLF line ends, one field a line, none folded (warcio
    keeps the fold's white space) or without a colon."""
    return (raw.isascii() and raw.count(b"\n") == raw.count(b"\r") == raw.count(b"\r\n") == fields + 2
            and raw.endswith(b"\r\n\r\n") and b"\r\n " not in raw and b"\r\n\t" not in raw)


_HTTP_RECORDS = ("response", "request", "revisit")  # the records warcio reads HTTP headers of (http(s) URLs)
_SHA1 = re.compile(r"sha1:[A-Z2-7]{32}")  # the digest form warcio and FastWARC check alike (base32 SHA-1)


class _FastRecord:
    """A record FastWARC read whole, in the shape of warcio's (rec_type, rec_headers, http_headers,
    content_stream()): one page logic reads both."""
    __slots__ = ("rec_type", "rec_headers", "http_headers", "offset", "size", "_block")

    def content_stream(self) -> BytesIO:
        http = self.http_headers
        if http is not None and (http.get_header("Content-Encoding") or http.get_header("Transfer-Encoding")):
            # chunked transfer, gzip or br content encoding: undone by warcio's own readers, as for its records
            headers = StatusAndHeaders(http.status_line, list(http.fields.items()), protocol="")
            return ArcWarcRecord("warc", self.rec_type, None, BytesIO(self._block), headers, None,
                                 len(self._block)).content_stream()
        return BytesIO(self._block)

    @classmethod
    def read(cls, record) -> _FastRecord | None:
        """The record read whole; None where warcio might read it otherwise or find anything wrong."""
        raw = record.headers.__getstate__()[0]  # the header block as it is in the file
        if not raw.startswith((b"WARC/1.0\r\n", b"WARC/1.1\r\n")) or not _plain(raw, len(record.headers)):
            return None
        headers = _Headers(record.headers)
        fields = headers.fields
        length = fields.get("content-length")
        if length is None or not length.isdigit():
            return None
        length = int(length)
        kind = fields.get("warc-type")
        url = fields.get("warc-target-uri")
        # warcio takes <> and spaces out of a URL
        if url is not None and (url.startswith("<") or " " in url):
            return None
        # a digest warcio would find wrong, not check, or fail on
        block_digest = fields.get("warc-block-digest")
        payload_digest = fields.get("warc-payload-digest")
        if ((block_digest is not None and not (_SHA1.fullmatch(block_digest) and record.verify_block_digest()))
                or (payload_digest is not None and not _SHA1.fullmatch(payload_digest))):
            return None
        read = cls()
        read.rec_type = kind
        read.rec_headers = headers
        read.offset = record.stream_pos
        read.size = len(raw) + length + 4  # the record and the blank lines after it
        read.http_headers = None
        http_size = 0
        if kind in _HTTP_RECORDS and length:
            if url is None:
                return None  # warcio fails on it
            if url.startswith(("http:", "https:")):
                record.parse_http()
                http = record.http_headers
                if not record.is_http_parsed or http is None or http.status_line is None:
                    return None
                raw = http.__getstate__()[0]
                # warcio takes the status line's first word for the protocol (a request's status line is unused)
                if not _plain(raw, len(http)) or (kind != "request"
                                                  and not raw.startswith((b"HTTP/1.1 ", b"HTTP/1.0 "))):
                    return None
                read.http_headers = _Headers(http)
                http_size = len(raw)
        read._block = record.reader.read()
        return read if http_size + len(read._block) == length else None


class _Records:
    """The records of one WARC file: FastWARC's while it can vouch for them, from there on warcio's.

    FastWARC (Rust) reads a record several times faster than warcio but says less: it ends quietly where a gzip
    member or the file is cut, and reads some header forms otherwise than warcio. So a record of FastWARC's is
    given on only once the record after it has been read as well (it ended where the next one begins), and only
    if it looks like nothing warcio would read otherwise or complain about: whole, digest right, headers plain.
    The last record is read again by warcio, from where it begins: warcio's checks for the end of a file. Where
    FastWARC finds anything else, warcio reads the file again from its start (from a record in the middle, a
    damaged gzip file can read otherwise) and gives on the records after those FastWARC gave: whatever read the
    records, the pages and the messages are warcio's.
    """

    def __init__(self, path: Path, fast: bool = True):
        self.path = path
        self.fast = fast
        self.offset = 0  # where the record given last begins (a gzip member's first byte): a revisit reads it again
        self.stray = 0  # lines between records that warcio skipped
        self._warcio: ArchiveIterator | None = None

    def __iter__(self) -> Iterator:
        given, last = (yield from self._fastwarc()) if self.fast else (0, None)
        if last is not None:
            yield from self._warcio_from(last, skip=0)
        else:
            yield from self._warcio_from(0, skip=given)

    def _fastwarc(self) -> Iterator[_FastRecord]:
        """FastWARC's records, each given once the next one was read. Returns how many it gave, and where the
        last record begins if it read the file to its end without finding anything wrong (else None)."""
        with open(self.path, "rb") as stream:
            head = stream.read(5)
        gzipped = head[:2] == b"\x1f\x8b"
        if not gzipped and head != b"WARC/":  # anything else is warcio's to read or to reject
            return 0, None
        given = 0
        waiting = None
        at = 0  # where the next record must begin: in the file, or gzipped in the data
        ends = 0  # gzipped: where the gzip member of the waiting record ends in the file
        # gzipped: FastWARC's gzip reader tells where the member it reads begins and ends: each record must be one
        # member (warcio reads a member as one record, and does not skip one that holds no record)
        source = GzipReader(str(self.path), fsspec_args=False) if gzipped else str(self.path)
        records = iter(FastArchiveIterator(source, parse_http=False, stream_detect=False, fsspec_args=False))
        while True:
            try:
                record = next(records, None)
                if record is None:  # the end of the file: warcio reads the last record
                    return given, waiting.offset if waiting is not None else None
                read = None
                if not gzipped:
                    if record.stream_pos == at:
                        read = _FastRecord.read(record)
                        at += read.size if read is not None else 0
                elif record.stream_pos == ends and source.frame_start_position() == ends:
                    read = _FastRecord.read(record)
                    # read whole: FastWARC's gzip reader is at the end of the record's member
                    if read is not None:
                        at += read.size
                        ends = source.inner_tell()
                        if source.tell() != at or source.frame_start_position() != read.offset or ends <= read.offset:
                            read = None
            except (OSError, ValueError):  # FastWARC found the file damaged
                read = None
            if read is None:
                return given, None
            if waiting is not None:
                self.offset = waiting.offset
                given += 1
                yield waiting
            waiting = read

    def _warcio_from(self, start: int, skip: int) -> Iterator:
        """warcio's records from byte `start` (a record FastWARC read whole), or from the start of the file after
        the `skip` records FastWARC gave."""
        with open(self.path, "rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            stream.seek(start)
            self._warcio = records = ArchiveIterator(stream, check_digests=True)  # True: note digest problems
            if start:
                records.known_format = "warc"  # as after warcio read the records before
            for number, record in enumerate(records, 1):
                if number > skip:
                    yield record
                else:
                    self.finish(number)
            end = records.offset
            if end < size:
                stream.seek(end)
                if stream.read(65536).strip(b"\r\n"):
                    raise ValueError(f"no record readable at byte {end} of {size}")
            self.stray = records.err_count

    def finish(self, count: int) -> list[str]:
        """The record given last read to its end: the problems of its block digest; raises where it is cut."""
        records = self._warcio
        if records is None:
            return []  # FastWARC's: read whole, its digest checked
        record = records.record
        # warcio ends quietly where a file is cut or garbled: we check each record's length and
        # block digest, and (in _warcio_from) that the last record ends where the file does
        while record.raw_stream.read(1 << 16):
            pass
        missing = getattr(record.raw_stream, "limit", 0)
        if missing:
            raise ValueError(f"record {count} cut short, {missing} bytes missing")
        records.read_to_end()
        member = records.reader.decompressor if records.reader else None
        if member is not None and not member.eof:
            raise ValueError(f"gzip member of record {count} cut short")
        self.offset = records.get_record_offset()
        return [p for p in record.digest_checker.problems if p.startswith("block digest")]


@dataclass
class WarcReader:
    """Reads WARC files one after another, remembering payloads so later revisit records can be resolved.

    A revisit record (the crawler saw the same bytes again and stored only a reference) becomes a page with
    the payload of the response it refers to: same URL (WARC-Refers-To-Target-URI, else its own) and the
    same payload digest, in this file or another one. Revisits are resolved once every file has been read
    (`unresolved()`), so the order in which files are read does not matter.
    """
    root: Path
    # where each response's payload is, by (url, payload digest): (file, byte offset of the record); a revisit
    # reads it again from there, so a million pages do not keep a million payloads in memory
    payloads: dict[tuple[str, str], tuple[Path, int]] = field(default_factory=dict)
    # the day a feed or listing showed a URL: the crawler's metadata records (warc-fields `listed_date`)
    listed: dict[str, str] = field(default_factory=dict)
    # revisits waiting for their response: (path, url, referred url, digest, date)
    pending: list[tuple[str, str, str, str, str | None]] = field(default_factory=list)
    # FastWARC reads the records it can vouch for (several times faster than warcio); False: warcio reads all
    fast: bool = True

    def read(self, path: Path) -> Iterator[RawPage | Unreadable]:
        rel = path.relative_to(self.root).as_posix()
        count = 0
        held: list[RawPage] = []  # a page waits for the metadata records after it (its listed_date)
        records = _Records(path, self.fast)
        try:
            for record in records:
                count += 1
                if record.rec_type in ("response", "revisit", "request"):
                    yield from self._release(held)
                # a record cut inside its header: warcio reads a missing or empty Content-Length as 0
                if not (record.rec_headers.get_header("Content-Length") or "").strip().isdigit():
                    raise ValueError(f"record {count} has no Content-Length")
                page = self._page(rel, record, count)
                broken = records.finish(count)
                if broken:
                    yield Unreadable(f"{rel}#{_record_name(record) or count}", f"damaged WARC record: {broken[0]}")
                elif isinstance(page, RawPage):
                    self._remember(page, record, path, records.offset)
                    held.append(page)
                elif isinstance(page, Unreadable):
                    yield page
                elif page is not None:
                    self.pending.append(page)
            yield from self._release(held)
            if records.stray:  # stray bytes between records, skipped by warcio: every record was read
                yield Unreadable(rel, f"damaged WARC file: {records.stray} stray lines between records "
                                      "(every record read)")
        except Exception as err:  # ArchiveLoadFailed, zlib.error, OSError …: one bad file never stops a build
            yield from self._release(held)
            yield Unreadable(rel, f"damaged WARC file: {type(err).__name__}: {err} (after record {count})")

    def _page(self, rel: str, record, number: int) -> RawPage | Unreadable | tuple | None:
        """A response as a page, a revisit as (path, url, referred url, digest, date), anything else None."""
        kind = record.rec_type
        if kind == "metadata":
            self._note_listed(record)
            return None
        if kind not in ("response", "revisit"):
            return None  # request, warcinfo, resource …: not a page the site served
        url = record.rec_headers.get_header("WARC-Target-URI")
        if not is_jungewelt(url):
            return None
        date = record.rec_headers.get_header("WARC-Date")
        name = f"{rel}#{_record_name(record) or number}"
        # a garbled header still parses: these fields must look like what ISO 28500 says they are
        if (not _WARC_DATE.match(date or "") or not _record_name(record) or _NOT_IN_URL.search(url)
                or (kind == "response" and record.http_headers is None)):
            return Unreadable(name, f"damaged WARC record: WARC-Date {date!r}, WARC-Target-URI {url!r}, "
                                    f"WARC-Record-ID {record.rec_headers.get_header('WARC-Record-ID')!r}, "
                                    f"HTTP headers {'missing' if record.http_headers is None else 'present'}")
        # a revisit may leave out the HTTP headers and type: its response had them checked already
        if record.http_headers is not None and record.http_headers.get_statuscode() != "200":
            return None
        if kind == "response":
            content_type = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
            if content_type not in HTML_TYPES:
                return None
        if kind == "response":
            # chunked transfer and gzip/br content-encoding undone by warcio
            return RawPage(path=name, data=record.content_stream().read(), url=url, fetched_at=date)
        target = record.rec_headers.get_header("WARC-Refers-To-Target-URI") or url
        return (name, url, target, record.rec_headers.get_header("WARC-Payload-Digest") or "", date)

    def _release(self, held: list[RawPage]) -> Iterator[RawPage]:
        for page in held:
            page.listed_date = self.listed.get(page.url, page.listed_date)
            yield page
        held.clear()

    def _note_listed(self, record) -> None:
        """The earliest `listed_date` any metadata record gives a URL (the crawler notes a day a feed showed
        a page it already had as a later metadata record referring to the page's response)."""
        if not (record.rec_headers.get_header("Content-Type") or "").startswith("application/warc-fields"):
            return
        url = record.rec_headers.get_header("WARC-Target-URI")
        for line in record.content_stream().read().decode("utf-8", "replace").splitlines():
            name, _, value = line.partition(":")
            day = value.strip()
            if name.strip() == "listed_date" and url and _DAY.match(day):
                self.listed[url] = min(day, self.listed.get(url, day))

    def _remember(self, page: RawPage, record, path: Path, offset: int) -> None:
        digest = record.rec_headers.get_header("WARC-Payload-Digest")
        if digest:
            self.payloads.setdefault((page.url, digest), (path, offset))

    @staticmethod
    def _payload_at(path: Path, offset: int) -> bytes | None:
        """The payload of the response record at offset (it was read whole once, so it reads again)."""
        try:
            with open(path, "rb") as stream:
                stream.seek(offset)
                for record in ArchiveIterator(stream):
                    return record.content_stream().read()
        except Exception:  # the file changed or went since it was read
            return None
        return None

    def unresolved(self) -> Iterator[RawPage | Unreadable]:
        """Revisits, now that every file has been read (most find their response in the same or an earlier file)."""
        for name, url, target, digest, date in self.pending:
            found = self.payloads.get((target, digest))
            data = self._payload_at(*found) if found else None
            if data is None:
                yield Unreadable(name, f"unresolved revisit: no response of {target} with payload "
                                       f"{digest or '(no digest)'} in any WARC file")
            else:
                yield RawPage(path=name, data=data, url=url, fetched_at=date, listed_date=self.listed.get(url))
        self.pending.clear()


def warc_pages(root: str | Path) -> Iterator[RawPage | Unreadable]:
    """Every page in every WARC file under root, in file order; a damaged file yields what precedes the damage.

    The pages come once every file has been read, because a metadata record giving a page's listed_date may
    come in a later file than the page (the build keeps every page in memory anyway).
    """
    reader = WarcReader(Path(root))
    pages = [page for path in warc_paths(root) for page in reader.read(path)]
    pages += reader.unresolved()
    for page in pages:
        if isinstance(page, RawPage) and page.url in reader.listed:
            page.listed_date = reader.listed[page.url]
    yield from pages
