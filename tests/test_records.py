"""pages.record: zstd-compressed JSON now, and the zlib records of archives built before still read (an update onto
one reuses them)."""
from __future__ import annotations

import json
import multiprocessing
from sqlite_utils.utils import sqlite3  # the SQLite the archive code uses (pysqlite3 where installed)
import threading
import zlib
from pathlib import Path

from ingest import store
from ingest.build import build
from test_update import first_pages, second_pages, tables

RECORD = {"title": "Streik beendet", "teaser": "Die Hafenarbeiter in Genua …", "authors": ["Lisa DeLuca"],
          "body_markdown": "Genua. Die Hafenarbeiter haben ihren Streik beendet. „Ärger“ – 100 % \u2028\n" * 20,
          "published": "2025-02-12T10:00:00+01:00", "print_page": 4, "paywalled": False, "topics": []}


def zlib_record(record: dict) -> bytes:
    """A record as builds before zstandard wrote it."""
    return zlib.compress(store.JSON.encode(record).encode("utf-8"))


def test_a_record_round_trips_as_a_zstd_frame():
    blob = store.record_blob(RECORD)
    assert blob[:4] == b"\x28\xb5\x2f\xfd"
    assert store.record_of(blob) == RECORD
    assert len(blob) < len(json.dumps(RECORD, ensure_ascii=False).encode("utf-8")) / 2


def test_a_zlib_record_of_an_older_archive_reads_the_same():
    old = zlib_record(RECORD)
    assert old[:1] == b"\x78"
    assert store.record_of(old) == RECORD == store.record_of(store.record_blob(RECORD))
    error = {"error": "x.txt: no title found (shape S7)", "kind": "error"}
    assert store.record_of(zlib_record(error)) == error


def _round_trip(n: int) -> bytes:
    record = {**RECORD, "print_page": n}
    assert store.record_of(store.record_blob(record)) == record
    return store.record_blob(record)


def test_records_in_threads_and_in_forked_workers():
    """Each thread makes its own zstd contexts; a worker forked after this process used its own writes records
    this process reads."""
    _round_trip(0)  # this thread's contexts exist before the fork
    threads = [threading.Thread(target=lambda: [_round_trip(n) for n in range(200)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with multiprocessing.get_context("fork").Pool(2) as pool:
        blobs = pool.map(_round_trip, range(50))
    assert [store.record_of(blob)["print_page"] for blob in blobs] == list(range(50))


def with_records_decoded(db: Path) -> dict[str, list[tuple]]:
    """tables(db) with each pages.record as the record it holds (zlib or zstd bytes alike)."""
    out = tables(db)
    columns = [row[1] for row in sqlite3.connect(db).execute("PRAGMA table_info(pages)")]
    at = columns.index("record")
    out["pages"] = sorted((*row[:at], json.dumps(store.record_of(row[at]), sort_keys=True), *row[at + 1:])
                          for row in out["pages"])
    return out


def test_an_update_onto_an_archive_of_zlib_records_reuses_them(tmp_path):
    """The update of test_update (a second look at an old page, a listing filling an old article, a changed page
    whose old text becomes a version) onto an archive whose records are all zlib: the tables a fresh build gives."""
    raw, db, fresh = tmp_path / "raw", tmp_path / "archive.db", tmp_path / "fresh.db"
    first_pages(raw)
    build(raw, db, progress=False, workers=1)
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT source_path, record FROM pages WHERE record IS NOT NULL").fetchall()
    assert rows and all(blob[:4] == b"\x28\xb5\x2f\xfd" for _, blob in rows)
    with conn:
        conn.executemany("UPDATE pages SET record = ? WHERE source_path = ?",
                         [(zlib_record(store.record_of(blob)), path) for path, blob in rows])
    conn.close()
    second_pages(raw)
    update = build(raw, db, progress=False, workers=2)
    assert update.updated_in_place and update.versions_kept == 1
    build(raw, fresh, progress=False, incremental=False, workers=1)
    got, want = with_records_decoded(db), with_records_decoded(fresh)
    assert got.keys() == want.keys()
    for name in want:
        assert got[name] == want[name], name
    kinds = {blob[:1] for (blob,) in sqlite3.connect(db).execute("SELECT record FROM pages WHERE record IS NOT NULL")}
    assert kinds == {b"\x78", b"\x28"}  # the pages left alone keep their zlib records, the new ones are zstd
    old_body = sqlite3.connect(db).execute("SELECT body_markdown FROM article_versions").fetchone()[0]
    assert "Werk 1" in old_body and "zwölf" not in old_body
