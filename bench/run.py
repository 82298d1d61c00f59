"""`just bench`: build synthetic archives of several sizes, then load-test the archive's real Datasette
configuration and plain Datasette on the same file with wrk; results to bench/results/, table to bench/README.md."""
from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import signal
from sqlite_utils.utils import sqlite3  # the SQLite the archive code uses (pysqlite3 where installed)
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import httpx

from bench.builds import build_ours, build_raw
from bench.records import make_rows
from bench.served import Served, free_port
from bench.synth import vocabulary
from bench.table import COMMON_PAGE  # common words asked in turn, more than fast_table keeps the hits of
from ingest import store

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
MEAN_WORDS = 240  # synth.py: lognormal body length, median 200 words, plus title/teaser
FACETS = {"section", "agencies", "published"}
PLAIN_FACETS = "_facet=section&_facet_array=agencies&_facet_date=published"
# the archive's first canned search (v1): what plain Datasette is asked for the ranked search
PLAIN_RANKED_SQL = """select articles.id, articles.published, articles.section, articles.title,
  snippet(articles_fts, 3, '<mark>', '</mark>', ' … ', 24) as snippet_markdown
from articles_fts join articles on articles.rowid = articles_fts.rowid
where articles_fts match escape_fts(:q) order by articles_fts.rank limit 100"""


class Server(Served):
    """Ours (the Justfile's own serve recipe) or plain Datasette on a free port of 127.0.0.1."""

    def __init__(self, kind: str, db: Path, log: Path):
        port = free_port()
        if kind.startswith("ours"):  # the Justfile's own serve recipe, with an empty raw dir so it never rebuilds
            empty = db.parent / "no-raw"
            empty.mkdir(exist_ok=True)
            cmd = [str(BIN / "just"), "--set", "db", str(db), "--set", "raw", str(empty),
                   "--set", "port", str(port), *(without_related(db.parent) if kind == WITHOUT_RELATED else ()), "serve"]
        else:  # plain Datasette with its defaults: no metadata, no plugins, no settings
            cmd = [str(BIN / "datasette"), "serve", str(db), "-h", "127.0.0.1", "-p", str(port)]
        self.kind = kind
        # a million-article file takes longer to open than the tests' archives
        super().__init__(cmd, port, log, start_timeout=300, name=f"{kind} server")


WITHOUT_RELATED = "ours without related"


def without_related(work: Path) -> tuple[str]:
    """`just serve_opts=… serve`: for the serve recipe with every plugin but plugins/related.py: the article page as
    it was before it showed related articles (its template shows none without the plugin), measured in the same
    run as the page with them."""
    plugins = work / "plugins-without-related"
    plugins.mkdir(exist_ok=True)
    for old in plugins.iterdir():
        old.unlink()
    for plugin in (ROOT / "plugins").glob("*.py"):
        if plugin.name != "related.py":
            (plugins / plugin.name).symlink_to(plugin)
    opts = subprocess.run([str(BIN / "just"), "--evaluate", "serve_opts"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout
    if "--plugins-dir plugins " not in opts:
        raise RuntimeError(f"the Justfile's serve_opts name no plugins dir: {opts}")
    # as NAME=VALUE: `--set NAME VALUE` reads a value starting with "-" as an option
    return (f"serve_opts={opts.replace('--plugins-dir plugins ', f'--plugins-dir {plugins} ')}",)


def choose_words(db: Path) -> dict[str, dict]:
    """Search words in about 100%, 10% and 0.01% of articles, with the share they really have in this file."""
    words, cumulative = vocabulary()
    shares = {w: 1 - math.exp(-(c - previous) / cumulative[-1] * MEAN_WORDS)
              for w, c, previous in zip(words, cumulative, [0.0, *cumulative[:-1]])}
    plain = [w for w in words if w.isalpha() and len(w) >= 4 and w.islower()]
    wanted = {"all": "und", "tenth": min(plain, key=lambda w: abs(shares[w] - 0.10)), "rare": plain[-1]}
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    total = conn.execute("select count(*) from articles").fetchone()[0]
    chosen = {}
    for name, word in wanted.items():
        hits = conn.execute("select count(*) from articles_fts where articles_fts match ?", [f'"{word}"']).fetchone()[0]
        chosen[name] = {"word": word, "articles": hits, "share": round(hits / total, 5)}
    conn.close()
    return chosen


def common_words(db: Path) -> list[dict]:
    """Twice as many words as plugins/fast_table.py keeps the hits of (DENSE_KEPT), each in more than half of the
    articles and each a different search (»ein« and »eine« are one stem): asked in turn, every request reads its
    hits anew — a common word's first page, measured under load."""
    sys.path.insert(0, str(ROOT / "plugins"))
    from fast_table import DENSE_KEPT
    from german_search import german_match

    count = 2 * DENSE_KEPT
    words, _ = vocabulary()  # (alphabetic words only)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    total = conn.execute("select count(*) from articles").fetchone()[0]
    chosen, searches = [], set()
    for word in words:
        match = german_match(word)
        if match in searches:
            continue
        hits = conn.execute("select count(*) from articles_fts where articles_fts match ?", [match]).fetchone()[0]
        if hits <= total / 2:
            break  # the vocabulary runs from the most common word down
        searches.add(match)
        chosen.append({"word": word, "articles": hits, "share": round(hits / total, 5)})
        if len(chosen) == count:
            break
    conn.close()
    return chosen


def scenarios(kind: str, words: dict, row_id: str, common: list[dict] = ()) -> list[tuple[str, str | list, bool]]:
    """(name, path, facets expected) for one server kind: each page as a browser gets it and as JSON. A list of
    paths is asked in turn (the first of them before the load)."""
    facets = "" if kind == "ours" else PLAIN_FACETS  # ours: metadata.yml names the facets of the table page
    pages = [("table", "/archive/articles?_nofacet=1", False),
             ("table + facets", f"/archive/articles?{facets}", True)]
    for name, label in (("all", "~100%"), ("tenth", "~10%"), ("rare", "rare")):
        q = urllib.parse.quote(words[name]["word"])
        pages.append((f"search {label}", f"/archive/articles?_search={q}&_nofacet=1", False))
        pages.append((f"search {label} + facets", f"/archive/articles?_search={q}&{facets}".rstrip("&"), True))
        if name == "all" and common:
            pages.append((COMMON_PAGE, [f"/archive/articles?_search={urllib.parse.quote(w['word'])}&{facets}".rstrip("&")
                                        for w in common], True))
    # a reader's next click: a facet value next to the search (the section filter), facets again
    q = urllib.parse.quote(words["tenth"]["word"])
    pages.append(("search ~10% + filter + facets", f"/archive/articles?_search={q}&section=Ausland&{facets}".rstrip("&"),
                  True))
    pages.append(("row page", f"/archive/articles/{row_id}", False))
    q = urllib.parse.quote(words["tenth"]["word"])
    if kind == "ours":
        pages.append(("ranked search ~10%", f"/archive/search?q={q}", False))
        # plugins/timeline.py: two searches compared per year (plain Datasette has no such page)
        pages.append(("timeline ~10% vs rare", f"/-/timeline?q={q}&q={urllib.parse.quote(words['rare']['word'])}",
                      False))
    else:
        pages.append(("ranked search ~10%", f"/archive?sql={urllib.parse.quote(PLAIN_RANKED_SQL)}&q={q}", False))
    return pages + [(f"{name} .json", [as_json(p) for p in path] if isinstance(path, list) else as_json(path), facets)
                    for name, path, facets in pages]


def as_json(path: str) -> str:
    base, _, query = path.partition("?")
    return base + ".json" + ("?" + query if query else "")


def check(server: Server, path: str, facets: bool) -> dict:
    """One request before the load: status, time, for facet pages whether every facet came back, and what our
    pages add (a search's timeline, an article's related articles)."""
    base = path.partition("?")[0].removesuffix(".json")
    started = time.perf_counter()
    response = httpx.get(server.url + (path if ".json" in path else as_json(path)), timeout=120)
    result = {"status": response.status_code, "first_ms": round((time.perf_counter() - started) * 1000, 1)}
    if response.status_code == 200 and "/articles" in base and not base.startswith("/archive/articles/"):
        data = response.json()
        result["matches"] = data.get("filtered_table_rows_count")
        if facets:
            present = set(data.get("facet_results", {}))
            result["facets_missing"] = sorted(FACETS - present)
            result["facets_timed_out"] = data.get("facets_timed_out", [])
    if response.status_code == 200 and server.kind.startswith("ours"):
        # what our pages add: a search's timeline (its periods), an article's related articles
        if "_search=" in path or base == "/archive/search":
            result["timeline_periods"] = len((response.json().get("timeline") or {}).get("periods", []))
        elif base.startswith("/archive/articles/"):
            html = httpx.get(server.url + base, timeout=120).text
            section = html.partition('class="jw-related"')[2].partition("</section>")[0]
            result["related"] = section.count("<li>")
    return result


def wrk(url: str, duration: float, connections: int, paths: list[str] = ()) -> dict:
    """One bounded wrk run on `url`, or on `paths` of its server in turn (report.lua's request())."""
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{int(duration)}s", "--timeout", "30s", "-s", str(BENCH / "report.lua"), url,
         *(["--", *paths] if paths else [])],
        capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["rps"] = round(result["requests"] / result["seconds"], 1)
    return result


def load(server: Server, paths: list[str], runs: int, duration: float, connections: int) -> dict:
    """Median p50/p95/rps of several bounded wrk runs on a page (several `paths`: asked in turn); failures added up
    over all of them."""
    turns = paths if len(paths) > 1 else []
    results = [wrk(server.url + paths[0], duration, connections, turns) for _ in range(runs)]
    summary = {key: round(statistics.median(r[key] for r in results), 1) for key in ("p50_ms", "p95_ms", "rps")}
    summary["requests"] = sum(r["requests"] for r in results)
    summary["failed"] = sum(r["non_2xx_3xx"] + r["timeouts"] + r["connect_errors"] + r["read_errors"]
                            for r in results)
    summary["runs"] = results
    return summary


def serve_and_measure(kind: str, db: Path, words: dict, row_id: str, args, common: list[dict] = ()) -> dict:
    server = Server(kind, db, db.parent / f"{kind.replace(' ', '-')}.log")
    pages = scenarios(kind, words, row_id, common)
    if kind == WITHOUT_RELATED:  # only the page it is there for
        pages = [page for page in pages if page[0] == "row page"]
    try:
        started = time.perf_counter()
        out = {}
        asked = {name: path if isinstance(path, list) else [path] for name, path, _facets in pages}
        for name, path, facets in pages:
            out[name] = {"path": path, **check(server, asked[name][0], facets)}  # also warms caches, as a visitor would
        for name, path, facets in pages:
            out[name].update(load(server, asked[name], args.runs, args.duration, args.connections))
            print(f"  {kind:5} {name:26} p50 {out[name]['p50_ms']:8.1f} ms  p95 {out[name]['p95_ms']:8.1f} ms  "
                  f"{out[name]['rps']:7.1f} req/s  failed {out[name]['failed']}"
                  + (f"  facets missing {out[name]['facets_missing']}" if out[name].get("facets_missing") else ""),
                  flush=True)
        return {"seconds": round(time.perf_counter() - started, 1), "scenarios": out}
    finally:
        server.stop()


def run_size(count: int, args) -> dict:
    work = BENCH / "work" / str(count)
    work.mkdir(parents=True, exist_ok=True)
    db = work / "archive.db"
    previous = BENCH / "results" / f"{count}.json"
    if args.reuse and db.exists() and previous.exists():  # measure the served side again, builds as recorded
        old = json.loads(previous.read_text())
        raw, ours, row_id = old["build"]["raw"], old["build"]["ours"], old["row_id"]
    else:
        rows, places, agencies, made = make_rows(count, args.seed, BENCH / "work")
        print(f"{count} articles: rows made in {made:.1f} s (0 = cached)", flush=True)
        unmade = [column for column in store.ARTICLE_COLUMNS if rows and column not in rows[0]]
        if unmade:  # columns synth.py does not make yet: NULL, as for pages that do not show them
            print(f"  columns left NULL: {', '.join(unmade)}", flush=True)
            for row in rows:
                row.update(dict.fromkeys(unmade))
        # the first insert of a run pays for the page cache (29 s cold vs 11 s warm at 1M): warm up, then measure,
        # so the raw limit is not inflated and our build, measured after it, gains nothing from going second
        cold = build_raw(rows, work / "raw.db")
        (work / "raw.db").unlink()
        raw = build_raw(rows, work / "raw.db")
        (work / "raw.db").unlink()
        raw["cold_first_run_s"] = cold["seconds"]
        print(f"  raw insert   {raw}", flush=True)
        ours = build_ours(rows, db, places, agencies)
        print(f"  our build    {ours}", flush=True)
        row_id = rows[len(rows) // 2]["id"]
        del rows
        gc.collect()
    words = choose_words(db)
    common = common_words(db)
    print(f"  words {words}\n  common words {[w['word'] for w in common]}", flush=True)
    result = {"articles": count, "build": {"raw": raw, "ours": ours,
                                           "ours_share_of_raw_rate": round(ours["rows_per_s"] / raw["rows_per_s"], 3)},
              "words": words, "common_words": common, "row_id": row_id,
              "load": {"connections": args.connections, "duration_s": args.duration, "runs": args.runs}}
    for kind in ("ours", "plain"):
        result[kind] = serve_and_measure(kind, db, words, row_id, args, common)
    result[WITHOUT_RELATED] = serve_and_measure(WITHOUT_RELATED, db, words, row_id, args)
    if not args.keep and db.stat().st_size > 2 * 2**30:
        db.unlink()
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000", help="article counts, comma-separated")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--runs", type=int, default=3, help="wrk runs per page (the median is reported)")
    parser.add_argument("--connections", type=int, default=2, help="concurrent wrk connections")
    parser.add_argument("--keep", action="store_true", help="keep archives over 2 GiB in bench/work/")
    parser.add_argument("--reuse", action="store_true",
                        help="serve an archive kept in bench/work/ again instead of building it (build numbers as recorded)")
    args = parser.parse_args(argv)
    # a stopped benchmark still stops its servers (the `finally` in serve_and_measure)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results_dir = BENCH / "results"
    results_dir.mkdir(exist_ok=True)
    for count in (int(s) for s in args.sizes.split(",")):
        result = run_size(count, args)
        result["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                             "sqlite": sqlite3.sqlite_version, "date": time.strftime("%Y-%m-%d %H:%M")}
        path = results_dir / f"{count}.json"
        path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
        print(f"  → {path.relative_to(ROOT)}", flush=True)
    from bench.table import write_readme

    write_readme()


if __name__ == "__main__":
    main()
