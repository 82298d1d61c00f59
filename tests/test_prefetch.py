"""ingest/sources/files.py prefetch: the pages of a chunk (and their sidecars) are in the page cache after it, without
anyone reading them. The kernel is asked with mincore(2) (through ctypes: Python's mmap module has no such call)
on files first pushed out of the cache with POSIX_FADV_DONTNEED."""
from __future__ import annotations

import ctypes
import mmap
import os
import time

import pytest

from ingest.sources.files import META_SUFFIX, prefetch

PAGE = mmap.PAGESIZE
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]
MAP_FAILED = ctypes.c_void_p(-1).value


def cached_share(path) -> float:
    """The share of the file's pages the page cache holds (mapping a file reads nothing; mincore only looks)."""
    size = os.path.getsize(path)
    fd = os.open(path, os.O_RDONLY)
    try:
        address = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
        if address in (None, MAP_FAILED):
            raise OSError(ctypes.get_errno(), "mmap failed")
        try:
            pages = (size + PAGE - 1) // PAGE
            vector = ctypes.create_string_buffer(pages)
            if libc.mincore(address, size, vector) != 0:
                raise OSError(ctypes.get_errno(), "mincore failed")
            return sum(byte & 1 for byte in vector.raw[:pages]) / pages
        finally:
            libc.munmap(address, size)
    finally:
        os.close(fd)


def evict(path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)  # only clean pages can be dropped
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def wait_until_cached(paths) -> None:
    """WILLNEED starts the reads; they complete in the background (at most 10 s here)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(cached_share(path) < 1 for path in paths):
        time.sleep(0.05)


def test_prefetch_brings_pages_and_sidecars_into_the_page_cache(tmp_path):
    names = [f"2025/02-{day:02d}/artikel-{day}.html" for day in range(1, 9)]
    for number, rel in enumerate(names):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(64 * 1024))  # sixteen pages each
        if number % 2 == 0:
            (tmp_path / (rel + META_SUFFIX)).write_text('{"url": "https://www.jungewelt.de/x"}')
    files = [tmp_path / rel for rel in names] + [tmp_path / (rel + META_SUFFIX) for rel in names[::2]]
    for path in files:
        evict(path)
    if any(cached_share(path) > 0 for path in files):
        pytest.skip("this file system keeps pages in memory whatever one asks (tmpfs)")
    # half the pages with their sidecars; the other half stay out
    asked = names[:4]
    prefetch(tmp_path, [(rel, number % 2 == 0) for number, rel in enumerate(asked)])
    wanted = [tmp_path / rel for rel in asked] + [tmp_path / (rel + META_SUFFIX) for rel in asked[::2]]
    wait_until_cached(wanted)
    assert [cached_share(path) for path in wanted] == [1.0] * len(wanted)
    left = [tmp_path / rel for rel in names[4:]] + [tmp_path / (rel + META_SUFFIX) for rel in names[4::2]]
    assert [cached_share(path) for path in left] == [0.0] * len(left)


def test_prefetch_passes_over_missing_files(tmp_path):
    (tmp_path / "da.txt").write_bytes(b"x" * 10_000)
    evict(tmp_path / "da.txt")
    # a page gone since the walk, and a sidecar said to exist that does not: read_file reports those in its turn
    prefetch(tmp_path, [("weg.txt", True), ("da.txt", True)])
    wait_until_cached([tmp_path / "da.txt"])
    assert cached_share(tmp_path / "da.txt") == 1.0
