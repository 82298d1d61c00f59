"""Lets SQLite queries of concurrent requests run side by side.

Datasette runs each request's SQL in a thread of one process. SQLite, as Python and Debian build it, counts
every memory allocation under one process-wide mutex (memory statistics, SQLITE_CONFIG_MEMSTATUS). FTS5
ranking allocates for each hit, so two ranked searches in two threads queue on that mutex: at a million
articles a bm25 pass takes 77 ms alone and 196 ms each when two run at once; in two processes, or with the
statistics off, 77 ms each (bench/README.md). Nothing in Datasette or this project reads those statistics.

SQLite takes this setting only while it is shut down, and may only be shut down with no connection open.
Datasette imports plugins before it opens any database, so this module does it at import time, and only
when SQLite holds no memory at all, i.e. no connection exists; anywhere else it leaves SQLite as it is.

The second queue is Python's own lock. Datasette enforces sql_time_limit_ms with a progress handler: a Python
function SQLite calls every 1,000 virtual-machine steps, each call taking the GIL from whichever thread holds
it (the event loop rendering another page). A ranked search at a million articles makes about a thousand such
calls, and under two concurrent requests they were a quarter of its SQL time. Here the same limit is kept by
one watchdog thread that calls sqlite3_interrupt on a connection whose statement outlives its deadline; a query
past its limit fails as before (Datasette's »interrupted«, its time-limit error page), and SQL runs without
ever asking for the GIL.

With pysqlite3 installed (pyproject.toml: a newer SQLite than the system's) Datasette runs on it, and pysqlite3
reports SQL with several statements as `Warning`, where Python's own module raises a DatabaseError that Datasette
answers with a 400: `handle_exception` below gives it the same 400, not a 500.
"""
from __future__ import annotations

import contextlib
import ctypes
import heapq
import itertools
import sys
import threading
import time

import datasette.database
from datasette import hookimpl
from datasette.utils.asgi import BadRequest

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


class Watchdog:
    """Interrupts a connection's statement once its time limit has passed: one thread for all connections,
    sleeping until the earliest deadline of the statements still running."""

    def __init__(self):
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._due: list[tuple[float, int, object]] = []  # (deadline, ticket, connection), a heap
        self._running: set[int] = set()  # tickets whose statement has not finished
        self._tickets = itertools.count()
        self._thread: threading.Thread | None = None

    @contextlib.contextmanager
    def limit(self, conn, ms: float):
        """What runs inside is interrupted (sqlite3.OperationalError »interrupted«) after `ms` milliseconds."""
        deadline = time.monotonic() + ms / 1000
        with self._lock:
            ticket = next(self._tickets)
            heapq.heappush(self._due, (deadline, ticket, conn))
            self._running.add(ticket)
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="sqlite time limit", daemon=True)
                self._thread.start()
            if self._due[0][1] == ticket:  # earlier than what the thread sleeps for
                self._changed.notify()
        try:
            yield
        finally:
            with self._lock:  # once this is done the connection may run another request's SQL: never interrupted
                self._running.discard(ticket)

    def _watch(self) -> None:
        with self._lock:
            while True:
                while self._due and self._due[0][1] not in self._running:
                    heapq.heappop(self._due)
                if not self._due:
                    self._changed.wait()
                    continue
                wait = self._due[0][0] - time.monotonic()
                if wait > 0:
                    self._changed.wait(wait)
                    continue
                _, ticket, conn = heapq.heappop(self._due)
                self._running.discard(ticket)
                try:
                    conn.interrupt()  # safe from any thread; a no-op if its statement has just finished
                except Exception:  # e.g. closed meanwhile: nothing of it runs any more; this thread goes on for the others
                    pass


WATCHDOG = Watchdog()
# Datasette's Database.execute takes its time limit from this name (datasette 0.65, pinned in pyproject.toml)
datasette.database.sqlite_timelimit = WATCHDOG.limit


@hookimpl(tryfirst=True)
def handle_exception(datasette, request, exception):
    """pysqlite3's `Warning` (»You can only execute one statement at a time.«) as the 400 Python's sqlite3 gives."""
    if not isinstance(exception, sqlite3.Warning):  # (the DB-API's Warning: no DatabaseError in either module)
        return None
    from datasette.plugins import pm

    refused = BadRequest(str(exception))
    for answer in pm.hook.handle_exception(datasette=datasette, request=request, exception=refused):
        if answer is not None:
            return answer
    return None
