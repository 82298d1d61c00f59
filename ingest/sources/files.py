"""Raw pages on disk under data/raw/: loose files with the URL and fetch time the crawler left beside them,
and the records of WARC files (ingest/sources/warc.py)."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

PAGE_SUFFIXES = {".txt", ".html", ".htm", ""}
META_SUFFIX = ".meta.json"


@dataclass
class RawPage:
    path: str  # relative to the raw directory, '/'-separated
    data: bytes
    url: str | None = None
    fetched_at: str | None = None
    listed_date: str | None = None  # the day a feed or listing gave for the page (sidecar `listed_date`)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class Unreadable:
    """A file (or one record in it) that could not be read, and why."""
    path: str  # relative to the raw directory, '/'-separated
    reason: str


def page_paths(root: str | Path) -> list[Path]:
    root = Path(root)
    return sorted(
        p for p in root.rglob("*")
        if p.is_file() and not p.name.startswith(".") and not p.name.endswith(META_SUFFIX)
        and p.suffix.lower() in PAGE_SUFFIXES
    )


def read_page(root: str | Path, path: Path) -> RawPage:
    return read_file(root, Path(path).relative_to(root).as_posix())


def read_file(root: str | Path, rel: str) -> RawPage:
    """The page at `rel` ('/'-separated, relative to root) with what its sidecar says. Plain strings and os.read():
    a build reads every page this way, and pathlib's joins and relative_to, or open()'s file objects, cost more
    than the reading."""
    path = os.path.join(root, rel)
    try:
        meta = json.loads(_read_bytes(path + META_SUFFIX).decode("utf-8"))
    except (ValueError, OSError):  # none, unreadable or not JSON: the page stands without it
        meta = {}
    data = _read_bytes(path)
    return RawPage(path=rel, data=data, url=meta.get("url"), fetched_at=meta.get("fetched_at"),
                   listed_date=meta.get("listed_date"))


def prefetch(root: str | Path, pages: Iterable[tuple[str, bool]]) -> None:
    """Ask the kernel to read these pages ((path relative to root, has a sidecar)) and their sidecars into the page
    cache now, without waiting for it: a build asks for each chunk of pages as it hands it to a worker, so the worker
    finds them read instead of waiting for the disk one file after the other (from a cold cache a build's workers
    otherwise wait for the disk a third of the time)."""
    for rel, sidecar in pages:
        path = os.path.join(root, rel)
        for name in (path, path + META_SUFFIX) if sidecar else (path,):
            try:
                fd = os.open(name, os.O_RDONLY)
            except OSError:
                continue  # read_file says why, in its turn
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
            finally:
                os.close(fd)


_READ_SIZE = 1 << 16  # most pages in one read; a larger buffer is mapped and unmapped by malloc on every read


def _read_bytes(path: str) -> bytes:
    """Every byte of a file: a page-sized file in one read() call (open()'s file objects ask the size first and
    read twice; 12 against 5 µs a file)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while True:
            chunk = os.read(fd, _READ_SIZE)
            chunks.append(chunk)
            if len(chunk) < _READ_SIZE:  # a regular file reads short only at its end
                return b"".join(chunks) if len(chunks) > 1 else chunk
    finally:
        os.close(fd)


def raw_pages(root: str | Path) -> Iterator[RawPage]:
    for path in page_paths(root):
        yield read_page(root, path)


def read_pages(root: str | Path) -> Iterator[RawPage | Unreadable]:
    """Every page under root: loose files first, then the records of `*.warc` / `*.warc.gz` files."""
    from ingest.sources.warc import warc_pages  # warc.py builds on RawPage from here

    for path in page_paths(root):
        try:
            yield read_page(root, path)
        except OSError as err:
            yield Unreadable(Path(path).relative_to(root).as_posix(), f"unreadable: {err}")
    yield from warc_pages(root)
