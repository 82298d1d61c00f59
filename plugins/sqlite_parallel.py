"""Lets SQLite queries of concurrent requests run side by side.

Datasette runs each request's SQL in a thread of one process. SQLite, as Python and Debian build it, counts
every memory allocation under one process-wide mutex (memory statistics, SQLITE_CONFIG_MEMSTATUS). FTS5
ranking allocates for each hit, so two ranked searches in two threads queue on that mutex: at a million
articles a bm25 pass takes 77 ms alone and 196 ms each when two run at once; in two processes, or with the
statistics off, 77 ms each (bench/README.md). Nothing in Datasette or this project reads those statistics.

SQLite takes this setting only while it is shut down, and may only be shut down with no connection open.
Datasette imports plugins before it opens any database, so this module does it at import time, and only
when SQLite holds no memory at all, i.e. no connection exists; anywhere else it leaves SQLite as it is.
"""
from __future__ import annotations

import ctypes
import sys

from datasette.utils.sqlite import sqlite3

SQLITE_OK = 0
SQLITE_CONFIG_MEMSTATUS = 9
SQLITE_STATUS_MEMORY_USED = 0
SQLITE_STATUS_MALLOC_COUNT = 9
HOLDS_MEMORY = "left on: SQLite already holds memory (a connection is open)"


def _library():
    """The SQLite library behind the sqlite3 module Datasette uses (stdlib or pysqlite3)."""
    module = sys.modules.get(f"{sqlite3.__name__}._sqlite3") or sys.modules.get("_sqlite3")
    # symbols of the extension's own dependencies resolve through its handle (dlsym searches them)
    return ctypes.CDLL(module.__file__)


def _status(lib, op: int) -> int:
    current, highest = ctypes.c_int64(), ctypes.c_int64()
    if lib.sqlite3_status64(op, ctypes.byref(current), ctypes.byref(highest), 0) != SQLITE_OK:
        raise OSError("sqlite3_status64 failed")
    return current.value


def _holds_memory(lib) -> bool:
    """Does SQLite hold any memory (with the statistics on: is any connection open)?"""
    return bool(_status(lib, SQLITE_STATUS_MEMORY_USED) or _status(lib, SQLITE_STATUS_MALLOC_COUNT))


def _counting(lib) -> bool:
    """Are the statistics on? An open connection always holds memory, so it shows only if they are."""
    probe = sqlite3.connect(":memory:")
    try:
        return _status(lib, SQLITE_STATUS_MEMORY_USED) > 0
    finally:
        probe.close()


def memory_statistics_off() -> str:
    """Turn SQLite's memory statistics off if that is safe now; says what happened."""
    try:
        lib = _library()
        if _holds_memory(lib):
            return HOLDS_MEMORY
        if not _counting(lib):
            return "off"  # already, e.g. by an earlier import of this module
        if _holds_memory(lib):  # again after the probe: nothing may have opened meanwhile
            return HOLDS_MEMORY
        if lib.sqlite3_shutdown() != SQLITE_OK:
            return "left on: sqlite3_shutdown failed"
        configured = lib.sqlite3_config(SQLITE_CONFIG_MEMSTATUS, ctypes.c_int(0))
        if lib.sqlite3_initialize() != SQLITE_OK:
            raise RuntimeError("sqlite3_initialize failed after sqlite3_shutdown")
        return "off" if configured == SQLITE_OK else "left on: sqlite3_config refused"
    except (OSError, AttributeError, TypeError) as error:  # no such library or symbol on this platform
        return f"left on: {error}"


STATE = memory_statistics_off()
