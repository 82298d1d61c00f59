"""The full-text index of a fresh archive, built by a process of its own while the writer writes the articles.

In a fresh build the writer was the critical path of the writing phase: filling FTS5 took three quarters of its
time (bench/README.md), and the final merge ran on one core while the other idled. Here the writer hands each batch
of articles (rowid and the indexed columns) to an indexing process, which fills the same FTS5 table (store.py's
declaration) in a file of its own and merges it while the writer makes the article indexes and lookup tables. At the
end its tables are copied into the archive (SQLite copies such tables page content for page content, without
tokenizing anything again): the archive then holds what filling and merging the table in place would have given,
row for row, in one unfragmented run of pages.

An update in place indexes the few articles it changes itself (store.forget_in_fts / index_in_fts).
"""
from __future__ import annotations

import multiprocessing
import os
import queue
from pathlib import Path

from sqlite_utils.utils import sqlite3  # pysqlite3 (a newer SQLite) where it is installed

from ingest import store

# batches of articles waiting for the indexing process: enough that the writer never waits for a batch being
# indexed, few enough that a slow indexer holds back the writer instead of filling memory (2,000 articles a batch)
WAITING_BATCHES = 3
# the tables FTS5 keeps its index in, beside the articles table it reads nothing from while indexing
SHADOW_TABLES = ("data", "idx", "docsize", "config")
# FTS5's term buffer in the indexing process, written out as a segment when full and all segments merged at the end.
# Here every article is a statement of its own, so only a full buffer writes a segment (not each statement, as in
# store.fill_fts): 64 MB holds 100k articles' index in four segments and keeps the process at ~200 MB (256 MB: one
# segment and ~400 MB; the merge of four costs ~1 CPU s more, in the tail where this process has a core of its own)
INDEX_HASHSIZE = 64 * 2**20


class IndexFailed(RuntimeError):
    pass


def _next(batches: multiprocessing.Queue, parent: int) -> list[tuple] | None:
    while True:
        try:
            return batches.get(timeout=1)
        except queue.Empty:
            if os.getppid() != parent:  # the build was killed: nobody will read this file
                os._exit(1)


def _index(batches: multiprocessing.Queue, done, parent: int) -> None:
    """The indexing process: the path of its file (the first thing it is sent), then every batch into FTS_TABLE
    there, then one merge; `done` gets None when the file is complete, else the error."""
    try:
        path = _next(batches, parent)
        if path is None:  # closed before a build needed it
            return
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        store.create_fts_table(conn, INDEX_HASHSIZE)
        insert = (f"INSERT INTO [{store.FTS_TABLE}] (rowid, {store.FTS_VALUES}) "
                  f"VALUES (?{', ?' * len(store.FTS_COLUMNS)})")
        while (batch := _next(batches, parent)) is not None:
            conn.executemany(insert, batch)
        store.merge_fts(conn)
        conn.execute("COMMIT")
        conn.close()
        done.send(None)
    except BaseException as err:  # the writer waits for word from here: tell it what went wrong
        done.send(f"{type(err).__name__}: {err}")
        raise


class SideIndex:
    """The indexing process of one fresh build and its file (`path`, given by `open`, removed once copied or
    abandoned). Made early, the process holds little memory of its own: a build makes it before its workers load
    the stemmer's word list and the gazetteer, which a process forked after would count in its memory too."""

    def __init__(self, path: str | Path | None = None):
        context = multiprocessing.get_context("fork")  # as the workers: nothing to import again
        self.batches = context.Queue(WAITING_BATCHES)
        self.done, done = context.Pipe(duplex=False)
        self.process = context.Process(target=_index, args=(self.batches, done, os.getpid()),
                                       name="full-text index", daemon=True)
        self.process.start()
        done.close()
        self.path: Path | None = None
        self.finished = self.closed = False
        if path is not None:
            self.open(path)

    def open(self, path: str | Path) -> None:
        """The file the index is built in."""
        self.path = Path(path)
        self.path.unlink(missing_ok=True)
        self.batches.put(str(self.path))

    @staticmethod
    def path_beside(conn: sqlite3.Connection) -> str:
        """The index's file for the fresh archive conn writes: beside the archive's temporary file (store.building),
        so a build killed before it removes the file leaves it to the next one's clean-up."""
        return f"{conn.execute('PRAGMA database_list').fetchone()[2]}-fulltext"

    @classmethod
    def beside(cls, conn: sqlite3.Connection) -> SideIndex:
        return cls(cls.path_beside(conn))

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def add(self, rows: list[tuple]) -> None:
        """(rowid, *store.FTS_COLUMNS values) of articles just written, rowids rising from batch to batch."""
        self._put(rows)

    def finish(self) -> None:
        """No more articles: the process merges the index (while the writer goes on with other work)."""
        if not self.finished:
            self._put(None)
            self.finished = True

    def _put(self, item) -> None:
        while True:  # a full queue: the process is busy, or gone (then say why instead of waiting for ever)
            try:
                self.batches.put(item, timeout=1)
                return
            except queue.Full:
                said, word = self._said()
                if said:  # before the last batch, any word from the process is an error
                    self._failed(word or "it ended early")
                if not self.process.is_alive():
                    self._failed(self._last_word())

    def copy_into(self, conn: sqlite3.Connection) -> None:
        """Wait for the index, then make it the archive's (on conn's main database, its transaction committed
        here): the table is declared as store.py declares it and its shadow tables are copied in."""
        self.finish()
        while True:
            if self.done.poll(1):
                said, failure = self._said()
                if said:
                    break
                self._failed(self._last_word())  # gone without a word
            elif not self.process.is_alive():
                self._failed(self._last_word())
        self.process.join()
        if failure is not None:
            self._failed(failure)
        conn.commit()
        # through a connection of its own: FTS5 keeps what it read of its tables in the connection that used them,
        # and what it kept would not know of the copy; a connection that used the table sees the change on its
        # next read, as it sees any other connection's commit
        main = conn.execute("PRAGMA database_list").fetchone()[2]
        copy = sqlite3.connect(main, isolation_level=None)
        try:
            copy.execute("PRAGMA journal_mode = OFF")
            copy.execute("PRAGMA synchronous = OFF")
            copy.execute("ATTACH DATABASE ? AS side", [str(self.path)])
            copy.execute("BEGIN")
            if not copy.execute("SELECT 1 FROM main.sqlite_master WHERE name = ?", [store.FTS_TABLE]).fetchone():
                store.create_fts_table(copy)
            for shadow in SHADOW_TABLES:
                table = f"{store.FTS_TABLE}_{shadow}"
                copy.execute(f"DELETE FROM main.[{table}]")
                # the whole table, no WHERE or ORDER BY: SQLite's transfer of one table's records into an empty
                # table of the same shape, without decoding them
                copy.execute(f"INSERT INTO main.[{table}] SELECT * FROM side.[{table}]")
            copy.execute("COMMIT")
            copy.execute("DETACH DATABASE side")
        finally:
            copy.close()
        self.close()

    def _said(self) -> tuple[bool, str | None]:
        """(whether the process has said something, what): None when the index is complete, else the error. A
        process gone without a word reads as the end of the pipe."""
        if not self.done.poll():
            return False, None
        try:
            return True, self.done.recv()
        except EOFError:
            return False, None

    def _last_word(self) -> str:
        """Why a process that is gone ended: what it said last (it may have said it just before it ended)."""
        said, word = self._said()
        if said:
            return word or "it ended early"
        self.process.join(1)
        return f"its process ended (exit code {self.process.exitcode})"

    def _failed(self, reason: str) -> None:
        self.close()
        raise IndexFailed(f"the full-text index could not be built: {reason}")

    def close(self) -> None:
        """Stop the process (if it still runs) and remove its file."""
        if self.closed:
            return
        self.closed = True
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.batches.close()
        self.batches.cancel_join_thread()  # what was waiting for a killed indexer is of no use any more
        self.done.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)
