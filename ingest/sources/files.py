"""Raw pages on disk under data/raw/: loose files with the URL and fetch time the crawler left beside them,
and the records of WARC files (ingest/sources/warc.py)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

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
    root = Path(root)
    meta_path = path.with_name(path.name + META_SUFFIX)
    meta = {}
    if meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
        except (ValueError, OSError):
            meta = {}
    return RawPage(path=path.relative_to(root).as_posix(), data=path.read_bytes(),
                   url=meta.get("url"), fetched_at=meta.get("fetched_at"), listed_date=meta.get("listed_date"))


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
