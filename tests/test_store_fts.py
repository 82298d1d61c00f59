"""The full-text index a build fills while the rows come is the one a fill after the last row gives."""
from __future__ import annotations

import sqlite3

import pytest

from ingest import store

WORDS = "Streik Hafen Regierung Krieg Gewerkschaft Warnstreik Tarif Miete Rente Polizei".split()


def rows(ids: list[str]) -> list[dict]:
    out = []
    for n, key in enumerate(ids):
        words = " ".join(WORDS[(n + i) % len(WORDS)] for i in range(7))
        out.append({"id": key, "title": f"Titel {n} {WORDS[n % len(WORDS)]}", "teaser": words[:30],
                    "body_markdown": f"{words}. Zeile {n}.", "search_stems": words.lower(), "published": "2024-01-02"})
    return out


def build(path, articles: list[dict], index: bool) -> None:
    with store.building(path) as db:
        if index:
            store.start_fts(db)
        store.insert_articles(db, articles, batch_size=7, index=index)
        store.finish(db, {}, {}, fts_filled=index)


def vocabulary(path) -> list[tuple]:
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, articles_fts, 'instance')")
    # by the row each entry points to (the same rowids in both builds), so an entry of a row gone counts too
    terms = conn.execute("SELECT term, doc, col, offset FROM temp.vocab ORDER BY 1, 2, 3, 4").fetchall()
    assert conn.execute("SELECT count(*) FROM articles_fts_docsize").fetchone() == conn.execute(
        "SELECT count(*) FROM articles").fetchone()
    conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    segments = conn.execute("SELECT count(*) FROM articles_fts_data").fetchone()[0]
    conn.close()
    return terms, segments


@pytest.mark.parametrize("ids", [[f"artikel-{n}" for n in range(40)],
                                 # an id twice: the row written first is replaced after it was indexed
                                 [f"artikel-{n}" for n in range(20)] + ["artikel-3"] + [f"artikel-{n}" for n in range(20, 30)]])
def test_index_filled_as_rows_come_equals_one_fill_at_the_end(tmp_path, ids):
    articles = rows(ids)
    build(tmp_path / "after.db", articles, index=False)
    build(tmp_path / "during.db", articles, index=True)
    (after, after_data), (during, during_data) = vocabulary(tmp_path / "after.db"), vocabulary(tmp_path / "during.db")
    assert during == after and len(during) > 40 * 7
    assert during_data == after_data  # one optimized segment either way


def test_finish_gives_the_planner_statistics_of_the_archive_tables_only(tmp_path):
    steps = []
    with store.building(tmp_path / "a.db") as db:
        store.start_fts(db)
        store.insert_articles(db, rows([f"artikel-{n}" for n in range(30)]), batch_size=7, index=True)
        store.finish(db, {}, {}, fts_filled=True, step=steps.append)
    assert steps == ["finish: full-text merge", "finish: indexes", "finish: lookup tables", "finish: statistics"]
    conn = sqlite3.connect(tmp_path / "a.db")
    analysed = {row[0] for row in conn.execute("SELECT tbl FROM sqlite_stat1")}
    # the facet indexes' statistics, as a plain ANALYZE gives them; none of the FTS5 shadow tables (read by key only)
    assert "articles" in analysed
    assert not {name for name in analysed if name.startswith("articles_fts")}
    stats = set(conn.execute("SELECT * FROM sqlite_stat1"))
    conn.execute("ANALYZE")
    assert stats == {row for row in conn.execute("SELECT * FROM sqlite_stat1") if not row[0].startswith("articles_fts")}
