"""Search quality: precision and recall of the German search next to a plain unicode61 index, on sets of sentences.

Two sets: tests/fixtures/search_corpus*.txt, written together with the stemmer (what the search handles), and
tests/fixtures/search_compounds*.txt, written apart from it with relevance marked by hand (how it fares on text it
was not made for). Each is searched three ways: plain unicode61, the German stems without compound parts
(german_stems(parts=False)), and the German search as built. Also: german_stems' throughput with and without parts.

Run `just bench-search` (or `python bench/search_quality.py`); writes bench/results/search_quality.json.
The test suite (tests/test_german_search.py) runs the same functions and asserts the targets.
"""
from __future__ import annotations

import importlib.util
import json
from sqlite_utils.utils import sqlite3  # the SQLite the archive code uses (pysqlite3 where installed)
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
COMPOUNDS = ROOT / "tests" / "fixtures" / "search_compounds.txt"
COMPOUNDS_QUERIES = ROOT / "tests" / "fixtures" / "search_compounds_queries.txt"
SETS = {"search_corpus": (CORPUS, QUERIES), "search_compounds": (COMPOUNDS, COMPOUNDS_QUERIES)}
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
    """id → (labels, sentence); labels separated by spaces or commas, `-` for none."""
    return {sid: (set(labels.replace(",", " ").split()) - {"-"}, text) for _, (sid, labels, text) in _lines(path)}


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


def build_archive(path: Path, corpus: dict, parts: bool = True) -> sqlite3.Connection:
    """The corpus as an archive built by the project's own store: same schema, stems and FTS as data/archive.db
    (parts=False: the stems without compound parts)."""
    db = store.connect(path)
    store.create_schema(db)
    store.insert_articles(db, ({"id": sid, "body_markdown": text,
                                "search_stems": german_stems(None, None, None, text, parts=parts)}
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


SEARCHES = ("german", "german_without_parts", "plain_unicode61")


def measure_set(workdir: Path, name: str) -> dict:
    corpus_path, queries_path = SETS[name]
    corpus = load_corpus(corpus_path)
    queries = load_queries(corpus, queries_path)
    started = time.perf_counter()
    conn = build_archive(workdir / f"{name}.db", corpus)
    built = time.perf_counter() - started
    without_parts = build_archive(workdir / f"{name}-without-parts.db", corpus, parts=False)
    report = {
        "corpus": {"sentences": len(corpus), "queries": len(queries), "build_seconds": round(built, 3)},
        "german": score(conn, queries, german_ids),
        "german_without_parts": score(without_parts, queries, german_ids),
        "plain_unicode61": score(conn, queries, plain_ids),
    }
    conn.close()
    without_parts.close()
    return report


def sample_texts(articles: int = 2000) -> list[tuple]:
    """A realistic text sample for the stemming rate: the benchmark's synthetic articles (title, kicker, teaser,
    body drawn from German word frequencies, noun-looking words capitalized) and every sentence of both sets."""
    from bench.synth import Archive

    rows = [(r["title"], r["kicker"], r["teaser"], r["body_markdown"]) for r in Archive(articles).rows()]
    sentences = [(None, None, None, text) for path, _ in SETS.values() for _, text in load_corpus(path).values()]
    return rows + sentences


def _clear_caches() -> None:
    from ingest.enrich import stems

    for cached in (stems.fold, stems.stem, stems.compound_parts, stems._split, stems._indexed):
        cached.cache_clear()


def stemming_rate(texts: list[tuple], repeats: int = 7) -> dict:
    """Words per second (process CPU time: other processes on the machine do not count) of german_stems with and
    without compound parts: cold, every cache empty (each word analysed once), and warm, as most of a large build
    runs (the lru_caches hold every common word after the first thousand articles); the best of `repeats`."""
    from ingest.enrich import stems

    stems.german_words()  # loaded once per process, as in a build
    words = sum(len(stems.WORD.findall(t)) for row in texts for t in row if t)
    best = {}
    for _ in range(repeats):
        for parts in (False, True):  # interleaved, so a busy machine slows both alike
            for state in ("cold", "warm"):
                if state == "cold":
                    _clear_caches()
                started = time.process_time()
                for row in texts:
                    german_stems(*row, parts=parts)
                key = (state, parts)
                best[key] = min(best.get(key, float("inf")), time.process_time() - started)
    report = {"words": words}
    for state in ("cold", "warm"):
        without, with_parts = (round(words / best[state, parts]) for parts in (False, True))
        report[state] = {"words_per_second_without_parts": without, "words_per_second_with_parts": with_parts,
                         "ratio": round(with_parts / without, 3)}
    return report


def measure(workdir: Path) -> dict:
    return {name: measure_set(workdir, name) for name in SETS} | {"stemming_rate": stemming_rate(sample_texts())}


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        report = measure(Path(tmp))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for name in SETS:
        print(f"{name}: {report[name]['corpus']['sentences']} sentences, {report[name]['corpus']['queries']} queries")
        print(f"  {'':22}{'precision':>10}{'recall':>8}")
        for search in SEARCHES:
            result = report[name][search]
            print(f"  {search:22}{result['precision']:>10.3f}{result['recall']:>8.3f}")
            for kind, values in result["by_kind"].items():
                print(f"    {kind:20}{values['precision']:>10.3f}{values['recall']:>8.3f}")
        for miss in report[name]["german"]["misses"]:
            print(f"  german missed/overshot: {miss}")
    rate = report["stemming_rate"]
    for state in ("cold", "warm"):
        r = rate[state]
        print(f"german_stems on {rate['words']:,} words, caches {state}: {r['words_per_second_without_parts']:,} "
              f"words/s without parts, {r['words_per_second_with_parts']:,} with (ratio {r['ratio']})")
    print(f"written: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
