"""The full-text index a fresh build has its own process fill while the rows come (ingest/fulltext.py) is the one a
fill after the last row gives."""
from __future__ import annotations

import os
import signal
from sqlite_utils.utils import sqlite3  # the SQLite the archive code uses (pysqlite3 where installed)

import pytest

from ingest import store
from ingest.fulltext import IndexFailed, SideIndex

WORDS = "Streik Hafen Regierung Krieg Gewerkschaft Warnstreik Tarif Miete Rente Polizei".split()


def rows(ids: list[str]) -> list[dict]:
    out = []
    for n, key in enumerate(ids):
        words = " ".join(WORDS[(n + i) % len(WORDS)] for i in range(7))
        out.append({"id": key, "title": f"Titel {n} {WORDS[n % len(WORDS)]}", "teaser": words[:30],
                    "body_markdown": f"{words}. Zeile {n}.", "search_stems": words.lower(), "published": "2024-01-02"})
    return out


def build(path, articles: list[dict], side: bool, steps: list | None = None) -> None:
    with store.building(path) as db:
        index = SideIndex.beside(db.conn) if side else None
        try:
            store.insert_articles(db, articles, batch_size=7, index=index)
            store.finish(db, {}, {}, fulltext=index, step=steps.append if steps is not None else None)
        finally:
            if index is not None:
                index.close()


def vocabulary(path) -> tuple:
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, articles_fts, 'instance')")
    # by the row each entry points to (the same rowids in both builds), so an entry of a row gone counts too
    terms = conn.execute("SELECT term, doc, col, offset FROM temp.vocab ORDER BY 1, 2, 3, 4").fetchall()
    assert conn.execute("SELECT count(*) FROM articles_fts_docsize").fetchone() == conn.execute(
        "SELECT count(*) FROM articles").fetchone()
    conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    segments = conn.execute("SELECT count(*) FROM articles_fts_data").fetchone()[0]
    config = conn.execute("SELECT * FROM articles_fts_config ORDER BY k").fetchall()
    sizes = conn.execute("SELECT * FROM articles_fts_docsize ORDER BY id").fetchall()
    found = conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'streik' ORDER BY rank").fetchall()
    conn.close()
    return terms, segments, config, sizes, found


@pytest.mark.parametrize("ids", [[f"artikel-{n}" for n in range(40)],
                                 # an id twice: the row written first is replaced after it was indexed
                                 [f"artikel-{n}" for n in range(20)] + ["artikel-3"] + [f"artikel-{n}" for n in range(20, 30)]])
def test_index_filled_as_rows_come_equals_one_fill_at_the_end(tmp_path, ids):
    articles = rows(ids)
    build(tmp_path / "after.db", articles, side=False)
    build(tmp_path / "during.db", articles, side=True)
    after, during = vocabulary(tmp_path / "after.db"), vocabulary(tmp_path / "during.db")
    assert during[0] == after[0] and len(during[0]) > 40 * 7
    assert during[1] == after[1]  # one optimized segment either way
    assert during[2] == after[2] and ("automerge", 4) in during[2]  # FTS5's settings as a plain table has them
    assert during[3:] == after[3:] and during[4]
    assert not list(tmp_path.glob("*fulltext*")), "the index's own file is left behind"


def test_a_failing_index_stops_the_build_with_its_reason(tmp_path):
    index = SideIndex(tmp_path / "x-fulltext")
    try:
        index.add([("not a rowid", "Titel", None, None, "Text", "text")])
        with sqlite3.connect(tmp_path / "x.db") as conn, pytest.raises(IndexFailed, match="datatype mismatch"):
            index.copy_into(conn)
    finally:
        index.close()
    assert not index.process.is_alive() and not (tmp_path / "x-fulltext").exists()


def test_an_index_process_gone_stops_the_writer_instead_of_keeping_it_waiting(tmp_path):
    index = SideIndex(tmp_path / "x-fulltext")
    os.kill(index.pid, signal.SIGKILL)
    try:
        with pytest.raises(IndexFailed, match="process ended"):
            for rowid in range(1, 20):  # the queue holds three batches: then the writer would wait
                index.add([(rowid, "Titel", None, None, "Text", "text")])
    finally:
        index.close()
    index = SideIndex(tmp_path / "y-fulltext")
    index.add([(1, "Titel", None, None, "Text", "text")])
    os.kill(index.pid, signal.SIGKILL)
    try:
        with sqlite3.connect(tmp_path / "y.db") as conn, pytest.raises(IndexFailed, match="process ended"):
            index.copy_into(conn)
    finally:
        index.close()


def test_finish_gives_the_planner_statistics_of_the_archive_tables_only(tmp_path):
    steps = []
    build(tmp_path / "a.db", rows([f"artikel-{n}" for n in range(30)]), side=True, steps=steps)
    assert steps == ["finish: indexes", "finish: lookup tables", "finish: statistics", "finish: full-text copy"]
    conn = sqlite3.connect(tmp_path / "a.db")
    analysed = {row[0] for row in conn.execute("SELECT tbl FROM sqlite_stat1")}
    # the facet indexes' statistics, as a plain ANALYZE gives them; none of the FTS5 shadow tables (read by key only)
    assert "articles" in analysed
    assert not {name for name in analysed if name.startswith("articles_fts")}
    stats = set(conn.execute("SELECT * FROM sqlite_stat1"))
    conn.execute("ANALYZE")
    assert stats == {row for row in conn.execute("SELECT * FROM sqlite_stat1") if not row[0].startswith("articles_fts")}
