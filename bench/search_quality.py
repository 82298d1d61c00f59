"""Search quality: precision and recall of the German search next to a plain unicode61 index, on a corpus of sentences.

Run `just bench-search` (or `python bench/search_quality.py`); writes bench/results/search_quality.json.
The test suite (tests/test_german_search.py) runs the same functions and asserts the targets.
"""
from __future__ import annotations

import importlib.util
import json
import sqlite3
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from datasette.utils import escape_fts  # noqa: E402

from ingest import store  # noqa: E402
from ingest.enrich.stems import NAME_VARIANTS, german_stems  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "search_corpus.txt"
QUERIES = ROOT / "tests" / "fixtures" / "search_corpus_queries.txt"
RESULTS = ROOT / "bench" / "results" / "search_quality.json"
# the WHERE clause of the canned `search` query in metadata.yml
GERMAN_SQL = """select articles.id from articles_fts join articles on articles.rowid = articles_fts.rowid
                where articles_fts match german_match(?)"""
PLAIN_SQL = "select id from plain_fts where plain_fts match ?"


def load_plugin():
    """plugins/german_search.py as Datasette loads it (a file, not a package)."""
    if "german_search" not in sys.modules:
        spec = importlib.util.spec_from_file_location("german_search", ROOT / "plugins" / "german_search.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["german_search"] = module
        spec.loader.exec_module(module)
    return sys.modules["german_search"]


def _lines(path: Path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            fields = [field.strip() for field in line.split(" | ")]
            if len(fields) != 3:
                raise ValueError(f"{path.name}:{number}: expected three fields separated by ' | '")
            yield number, fields


def load_corpus(path: Path = CORPUS) -> dict[str, tuple[set[str], str]]:
    """id → (labels, sentence)."""
    return {sid: (set(labels.split()), text) for _, (sid, labels, text) in _lines(path)}


def load_queries(corpus: dict, path: Path = QUERIES) -> list[tuple[str, str, set[str]]]:
    """(query, kind, expected ids), the expected set read from its +label/&label/-label/id steps."""
    queries = []
    for number, (query, kind, steps) in _lines(path):
        expected: set[str] = set()
        for step in steps.split():
            op, name = (step[0], step[1:]) if step[0] in "+&-" else ("id", step)
            having = {sid for sid, (labels, _) in corpus.items() if name in labels}
            if op != "id" and not having:
                raise ValueError(f"{path.name}:{number}: no sentence has the label {name!r}")
            if op == "id" and name not in corpus:
                raise ValueError(f"{path.name}:{number}: no sentence {name!r}")
            expected = {"+": expected | having, "&": expected & having, "-": expected - having,
                        "id": expected | {name}}[op]
        queries.append((query, kind, expected))
    return queries


def build_archive(path: Path, corpus: dict) -> sqlite3.Connection:
    """The corpus as an archive built by the project's own store: same schema, stems and FTS as data/archive.db."""
    db = store.connect(path)
    store.create_schema(db)
    store.insert_articles(db, ({"id": sid, "body_markdown": text, "search_stems": german_stems(None, None, None, text)}
                               for sid, (_, text) in corpus.items()))
    store.finish(db, {}, {}, NAME_VARIANTS)
    # the baseline: the same sentences in a plain unicode61 index, as sqlite-utils makes it by default
    db.conn.execute("CREATE VIRTUAL TABLE plain_fts USING fts5(id UNINDEXED, body, tokenize = 'unicode61')")
    db.conn.executemany("INSERT INTO plain_fts (id, body) VALUES (?, ?)",
                        [(sid, text) for sid, (_, text) in corpus.items()])
    db.conn.commit()
    load_plugin().register(db.conn)
    return db.conn


def german_ids(conn: sqlite3.Connection, query: str) -> set[str]:
    return {row[0] for row in conn.execute(GERMAN_SQL, [query])}


def plain_ids(conn: sqlite3.Connection, query: str) -> set[str]:
    """The query as FTS5 syntax (so AND/OR/NOT/prefix work), or escaped as Datasette does when that fails."""
    try:
        return {row[0] for row in conn.execute(PLAIN_SQL, [query])}
    except sqlite3.OperationalError:
        return {row[0] for row in conn.execute(PLAIN_SQL, [escape_fts(query) or '""'])}


def score(conn, queries, search) -> dict:
    """Micro-averaged precision and recall, overall and per kind, with every query that missed or overshot."""
    counts = defaultdict(lambda: [0, 0, 0])  # kind → [found and expected, found, expected]
    misses = []
    for query, kind, expected in queries:
        found = search(conn, query)
        for key in (kind, "all"):
            counts[key][0] += len(found & expected)
            counts[key][1] += len(found)
            counts[key][2] += len(expected)
        if found != expected:
            misses.append({"query": query, "kind": kind, "missing": sorted(expected - found),
                           "extra": sorted(found - expected)})

    def ratio(a, b):
        return round(a / b, 4) if b else 1.0

    return {"precision": ratio(counts["all"][0], counts["all"][1]), "recall": ratio(counts["all"][0], counts["all"][2]),
            "by_kind": {kind: {"precision": ratio(tp, found), "recall": ratio(tp, expected), "queries":
                               sum(1 for _, k, _ in queries if k == kind)}
                        for kind, (tp, found, expected) in sorted(counts.items()) if kind != "all"},
            "misses": misses}


def measure(workdir: Path) -> dict:
    corpus = load_corpus()
    queries = load_queries(corpus)
    started = time.perf_counter()
    conn = build_archive(workdir / "search_quality.db", corpus)
    built = time.perf_counter() - started
    report = {
        "corpus": {"sentences": len(corpus), "queries": len(queries), "build_seconds": round(built, 3)},
        "german": score(conn, queries, german_ids),
        "plain_unicode61": score(conn, queries, plain_ids),
    }
    conn.close()
    return report


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        report = measure(Path(tmp))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{'':18}{'precision':>10}{'recall':>8}")
    for name in ("german", "plain_unicode61"):
        print(f"{name:18}{report[name]['precision']:>10.3f}{report[name]['recall']:>8.3f}")
        for kind, values in report[name]["by_kind"].items():
            print(f"  {kind:16}{values['precision']:>10.3f}{values['recall']:>8.3f}")
    for miss in report["german"]["misses"]:
        print(f"german missed/overshot: {miss}")
    print(f"written: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
