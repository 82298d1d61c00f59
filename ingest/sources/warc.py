"""Pages inside WARC files (ISO 28500) under data/raw/: every HTML response of jungewelt.de, revisits resolved."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from ingest.sources.files import RawPage, Unreadable

WARC_SUFFIXES = (".warc", ".warc.gz")
HTML_TYPES = ("text/html", "application/xhtml+xml")
_DAY = re.compile(r"^\d{4}-\d\d-\d\d$")
_NOT_IN_URL = re.compile(r"[\x00-\x20\x7f]")  # a header line garbled into the URL
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
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return parts.scheme in ("http", "https") and (host == "jungewelt.de" or host.endswith(".jungewelt.de"))


def _record_name(record) -> str | None:
    """The part after `#` in a page's path: the record's own id, which stays the same however often we read."""
    record_id = record.rec_headers.get_header("WARC-Record-ID")
    if not record_id:
        return None
    return re.sub(r"^<?(?:urn:uuid:)?|>$", "", record_id.strip())


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

    def read(self, path: Path) -> Iterator[RawPage | Unreadable]:
        rel = path.relative_to(self.root).as_posix()
        count = 0
        held: list[RawPage] = []  # a page waits for the metadata records after it (its listed_date)
        try:
            size = path.stat().st_size
            with open(path, "rb") as stream:
                records = ArchiveIterator(stream, check_digests=True)  # True: note digest problems, raise none
                for record in records:
                    count += 1
                    if record.rec_type in ("response", "revisit", "request"):
                        yield from self._release(held)
                    # a record cut inside its header: warcio reads a missing or empty Content-Length as 0
                    if not (record.rec_headers.get_header("Content-Length") or "").strip().isdigit():
                        raise ValueError(f"record {count} has no Content-Length")
                    page = self._page(rel, record, count)
                    # warcio ends quietly where a file is cut or garbled: we check each record's length and
                    # block digest, and below that the last record ends where the file does
                    while record.raw_stream.read(1 << 16):
                        pass
                    missing = getattr(record.raw_stream, "limit", 0)
                    if missing:
                        raise ValueError(f"record {count} cut short, {missing} bytes missing")
                    records.read_to_end()
                    member = records.reader.decompressor if records.reader else None
                    if member is not None and not member.eof:
                        raise ValueError(f"gzip member of record {count} cut short")
                    broken = [p for p in record.digest_checker.problems if p.startswith("block digest")]
                    if broken:
                        yield Unreadable(f"{rel}#{_record_name(record) or count}", f"damaged WARC record: {broken[0]}")
                    elif isinstance(page, RawPage):
                        self._remember(page, record, path, records.get_record_offset())
                        held.append(page)
                    elif isinstance(page, Unreadable):
                        yield page
                    elif page is not None:
                        self.pending.append(page)
                yield from self._release(held)
                end = records.offset
                if end < size:
                    stream.seek(end)
                    if stream.read(65536).strip(b"\r\n"):
                        raise ValueError(f"no record readable at byte {end} of {size}")
                if records.err_count:  # stray bytes between records, skipped by warcio: every record was read
                    yield Unreadable(rel, f"damaged WARC file: {records.err_count} stray lines between records "
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
