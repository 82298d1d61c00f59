"""bench/results/*.json → the results tables in bench/README.md (between the two markers)."""
from __future__ import annotations

import json
from pathlib import Path

BENCH = Path(__file__).resolve().parent
START, END = "<!-- results: start (bench/table.py writes this part) -->", "<!-- results: end -->"


def _ms(value) -> str:
    return "–" if value is None else f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _cell(result: dict | None) -> str:
    if not result:
        return "– | – | – | –"
    if not result.get("requests"):
        return f"– | – | 0 | no answer within a {result.get('runs', [{}])[0].get('seconds', 0):.0f} s run " \
               f"(first request: HTTP {result.get('status')} after {_ms(result.get('first_ms'))} ms)"
    notes = []
    if result.get("status", 200) != 200:
        notes.append(f"HTTP {result['status']}")
    if result.get("failed"):
        notes.append(f"{result['failed']} failed")
    if result.get("facets_missing"):
        notes.append("missing " + ", ".join(result["facets_missing"]))
    if "timeline_periods" in result and not result["timeline_periods"]:
        notes.append("no timeline")
    if "related" in result:
        notes.append(f"{result['related']} related")
    return f"{_ms(result.get('p50_ms'))} | {_ms(result.get('p95_ms'))} | {result.get('rps', 0):.1f} | " + \
        ("; ".join(notes) or "ok")


TARGETS = [  # (target, page, p95 limit in ms)
    ("table + facets: p95 < 100 ms", "table + facets", 100),
    ("search, word in ~10% + facets: p95 < 100 ms", "search ~10% + facets", 100),
    ("search, word in ~every article: p95 < 300 ms", "search ~100%", 300),
    ("search, word in ~every article + facets: p95 < 300 ms", "search ~100% + facets", 300),
    ("canned ranked search: p95 < 200 ms", "ranked search ~10%", 200),
]
# The row page's HTML p95 before it showed related articles (plugins/related.py), for results that did not measure
# it themselves (run.py's "ours without related"): the 2026-11-25 runs at 68f5c45 on the same 2 cores.
ROW_PAGE_BEFORE = {100_000: 17.6, 1_000_000: 18.4}
WITHOUT_RELATED = "ours without related"
COMMON_PAGE = "search, common words in turn + facets"  # bench/run.py's


def row_page_before(r: dict) -> tuple[float | None, str]:
    measured = ((r.get(WITHOUT_RELATED) or {}).get("scenarios") or {}).get("row page") or {}
    if measured.get("requests"):
        return measured["p95_ms"], "the same page without them, this run"
    before = ROW_PAGE_BEFORE.get(r["articles"])
    return before, "without them, 2026-11-25 at 68f5c45"


def targets(r: dict) -> str:
    """What met the issue's targets on the largest archive, as JSON (API) and as HTML (browser)."""
    ours = r["ours"]["scenarios"]

    def verdict(page: str, limit: float) -> str:
        result = ours.get(page) or {}
        if not result.get("requests"):
            return "no answer"
        ok = result["p95_ms"] < limit and not result.get("failed") and not result.get("facets_missing")
        return f"{'met' if ok else '**missed**'}: {_ms(result['p95_ms'])} ms" + \
            (f", {result['failed']} failed" if result.get("failed") else "")

    share = r["build"]["ours_share_of_raw_rate"]
    missing = sorted({f for s in ours.values() for f in s.get("facets_missing", [])})
    failed = {name: s["failed"] for name, s in ours.items() if s.get("failed")}
    out = [f"### Targets at {r['articles']:,} articles", "", "| target | JSON | HTML |", "| --- | --- | --- |",
           f"| build ≥ 50% of the raw insert rate, FTS included | {'met' if share >= 0.5 else '**missed**'}: "
           f"{100 * share:.0f}% | |",
           f"| every facet present on every facet page | {'met' if not missing else '**missed**: ' + ', '.join(missing)} | |",
           f"| no 4xx/5xx under load | {'met' if not failed else '**missed**: ' + ', '.join(failed)} | |"]
    out += [f"| {label} | {verdict(page + ' .json', limit)} | {verdict(page, limit)} |" for label, page, limit in TARGETS]
    if COMMON_PAGE in ours:  # the same search's first page: none of these words' hits are kept (plugins/fast_table.py)
        common = [(ours.get(page) or {}).get("p95_ms") for page in (COMMON_PAGE + " .json", COMMON_PAGE)]
        out.append(f"| (not a target) search, {len(r.get('common_words', []))} common words in turn + facets, "
                   f"none of their hits kept | p95 {_ms(common[0])} ms | p95 {_ms(common[1])} ms |")
    timelines = [s["timeline_periods"] for s in ours.values() if "timeline_periods" in s]
    if timelines:
        out.append(f"| every search page carries its timeline | {'met' if all(timelines) else '**missed**'} | |")
    before, measured = row_page_before(r)
    if before and "related" in (ours.get("row page") or {}):
        out.append(f"| row page with related articles: p95 < 2 × {_ms(before)} ms ({measured}) | | "
                   f"{verdict('row page', 2 * before)}, {ours['row page']['related']} related |")
    return "\n".join(out + [""])


def tables(results: list[dict]) -> str:
    out = [targets(max(results, key=lambda r: r["articles"]))] if results else []
    for r in sorted(results, key=lambda r: r["articles"]):
        b = r["build"]
        words = ", ".join(f"»{w['word']}« {100 * w['share']:.2f}%" for w in r["words"].values())
        load = r["load"]
        out += [f"### {r['articles']:,} articles ({r['machine']['date']}, {r['machine']['cpus']} cores, "
                f"SQLite {r['machine']['sqlite']})", "",
                "| build | seconds | rows/s | file MB |", "| --- | --: | --: | --: |",
                f"| raw limit: executemany, journal off, no FTS/indexes (after a warm-up insert"
                f"{', cold: ' + str(b['raw']['cold_first_run_s']) + ' s' if 'cold_first_run_s' in b['raw'] else ''}) | "
                f"{b['raw']['seconds']} | "
                f"{b['raw']['rows_per_s']:,} | {b['raw']['file_mb']:,} |",
                f"| ours: `store.building` → `insert_articles` → `finish` (FTS, indexes, lookups) | "
                f"{b['ours']['seconds']} | {b['ours']['rows_per_s']:,} | {b['ours']['file_mb']:,} |",
                "", f"Ours reaches {100 * b['ours_share_of_raw_rate']:.0f}% of the raw rate "
                f"(insert {b['ours']['insert_s']} s, finish {b['ours']['finish_s']} s, close {b['ours']['close_s']} s).",
                "", f"Search words (share of articles whose text has the word): {words}. "
                f"wrk, {load['connections']} connections, {load['runs']} × {load['duration_s']} s per page, "
                f"medians of the runs.", "",
                "| page | ours p50 ms | p95 ms | req/s | notes | plain p50 ms | p95 ms | req/s | notes |",
                "| --- | --: | --: | --: | --- | --: | --: | --: | --- |"]
        for name in r["ours"]["scenarios"]:
            out.append(f"| {name} | {_cell(r['ours']['scenarios'].get(name))} | "
                       f"{_cell(r['plain']['scenarios'].get(name))} |")
            if name == "row page" and (r.get(WITHOUT_RELATED) or {}).get("scenarios", {}).get(name):
                out.append(f"| row page without related articles | {_cell(r[WITHOUT_RELATED]['scenarios'][name])} | "
                           f"– | – | – | – |")
        out.append("")
    return "\n".join(out)


def write_readme() -> None:
    results = [json.loads(p.read_text()) for p in sorted((BENCH / "results").glob("*.json")) if p.stem.isdigit()]
    readme = BENCH / "README.md"
    text = readme.read_text()
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    readme.write_text(f"{head}{START}\n{tables(results)}\n{END}{tail}")


if __name__ == "__main__":
    write_readme()
