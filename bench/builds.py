"""Two builds of the same synthetic rows, timed: through the project's store (FTS, indexes, lookups
included) and the raw limit, plain sqlite3 executemany into the same articles table with the journal off."""
from __future__ import annotations

import os
from sqlite_utils.utils import sqlite3  # the SQLite the archive code uses (pysqlite3 where installed)
import time
from pathlib import Path

from ingest import store
from ingest.fulltext import SideIndex


def build_ours(rows: list[dict], target: Path, places: dict, agencies: dict) -> dict:
    """The real build path of `ingest.build.build` after parsing: building() → insert (the full-text index filled by
    its own process) → finish → swap."""
    target.unlink(missing_ok=True)
    started = time.perf_counter()
    with store.building(target) as db:
        index = SideIndex.beside(db.conn)
        try:
            store.insert_articles(db, iter(rows), index=index)
            index.finish()
            inserted = time.perf_counter()
            store.finish(db, places, agencies, fulltext=index)
        finally:
            index.close()
        finished = time.perf_counter()
    done = time.perf_counter()
    return _result(len(rows), done - started, target, {
        "insert_s": round(inserted - started, 2), "finish_s": round(finished - inserted, 2),
        "close_s": round(done - finished, 2)})


def build_raw(rows: list[dict], target: Path) -> dict:
    """The floor: the same CREATE TABLE, one executemany, no FTS, no indexes, no lookup tables."""
    target.unlink(missing_ok=True)
    started = time.perf_counter()
    conn = sqlite3.connect(target)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    store.create_schema(store.sqlite_utils.Database(conn))
    columns = list(store.ARTICLE_COLUMNS)
    sql = f"INSERT INTO articles ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    conn.executemany(sql, (tuple(row[c] for c in columns) for row in rows))
    conn.commit()
    conn.close()
    return _result(len(rows), time.perf_counter() - started, target, {})


def _result(count: int, seconds: float, path: Path, parts: dict) -> dict:
    size = os.path.getsize(path)
    return {"rows": count, "seconds": round(seconds, 2), "rows_per_s": round(count / seconds),
            "file_mb": round(size / 2**20, 1), **parts}
