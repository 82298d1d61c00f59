"""`just bench --raw`: builds from raw pages (page dumps and both HTML layouts, loose files and WARC.gz): a full build
and an update of +100 pages, with wall time, CPU time, pages/s, peak memory of the whole process tree and file size,
next to the plain limits measured in the same run (one process parsing the same pages and doing nothing else;
`sqlite-utils insert` + `enable-fts` of the same article rows) → bench/results/raw_<N>.json, table in bench/README.md."""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
from sqlite_utils.utils import sqlite3  # the SQLite the archive code uses (pysqlite3 where installed)
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.raw_pages import make_raw, size_of, write_loose, write_warc

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
UPDATE = 100  # new articles in the update run
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def tree_memory(pid: int) -> tuple[int, int]:
    """Resident bytes of a process and all its descendants (from /proc, summed), and their proportional share
    (PSS: a page forked workers share with the build counts once in all, not once per process)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * PAGE_SIZE
    total, shared, todo = 0, 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                shared += next(int(line.split()[1]) * 1024 for line in f if line.startswith("Pss:"))
        except (OSError, StopIteration):
            pass
        todo.extend(children.get(p, []))
    return total, shared


def measured(command: list[str], log: Path) -> dict:
    """Run a command; wall and CPU seconds (its process tree's, children waited for) and peak summed RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(log, "ab") as out:
        proc = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        peak, peak_pss, done = 0, 0, threading.Event()

        def sample():
            nonlocal peak, peak_pss
            while not done.is_set():
                rss, pss = tree_memory(proc.pid)
                peak, peak_pss = max(peak, rss), max(peak_pss, pss)
                done.wait(0.25)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = proc.wait()
        done.set()
        sampler.join()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code:
        raise SystemExit(f"{' '.join(command)} failed ({code}), see {log}")
    return {"seconds": round(seconds, 2),
            "cpu_s": round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 1),
            "peak_rss_mb": round(peak / 2**20, 1), "peak_pss_mb": round(peak_pss / 2**20, 1)}


def build_command(raw: Path, db: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "ingest", "build", "--raw", str(raw), "--db", str(db), "--quiet", *extra]


def summary_counts(log_text: str) -> dict:
    lines = [line for line in log_text.splitlines() if line.startswith(("pages read:", "articles written:"))]
    return {"summary": lines[-2:]}


def add_pages(raw: Path, count: int, seed: int, warc: bool) -> Path:
    """UPDATE more articles' pages (the next article numbers) beside the others; returns what to delete after."""
    if warc:
        extra = raw / "update"
        write_warc(extra, count, seed, start=count, stop=count + UPDATE, processes=1, name="more")
        return extra
    extra = raw / "update"
    write_loose(extra, count, seed, start=count, stop=count + UPDATE, processes=1)
    return extra


def parse_limit(raw: Path, log: Path, every: int) -> dict:
    """One process reading and parsing every `every`-th page (read_pages → parse_page) and nothing else."""
    code = ("import sys, itertools\n"
            "from ingest.sources.files import read_pages, RawPage\n"
            "from ingest.parse import parse_page\n"
            "from ingest.model import PageError\n"
            "n = 0\n"
            f"for page in itertools.islice(read_pages({str(raw)!r}), 0, None, {every}):\n"
            "    if isinstance(page, RawPage):\n"
            "        n += 1\n"
            "        try: parse_page(page.data, page.url)\n"
            "        except PageError: pass\n"
            "print('pages', n)\n")
    result = measured([sys.executable, "-c", code], log)
    pages = int(log.read_text().rsplit("pages ", 1)[1].split()[0])
    result.update(pages=pages, pages_per_s=round(pages / result["seconds"], 1), every=every)
    return result


def sqlite_utils_limit(db: Path, work: Path, log: Path) -> dict:
    """The same article rows through `sqlite-utils insert` and `enable-fts` (the CLI, as a user would run it)."""
    rows = work / "articles.ndjson"
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    with open(rows, "w", encoding="utf-8") as out:
        for row in conn.execute("SELECT * FROM articles"):
            out.write(json.dumps(dict(row), ensure_ascii=False) + "\n")
    conn.close()
    target = work / "sqlite-utils.db"
    target.unlink(missing_ok=True)
    insert = measured([str(BIN / "sqlite-utils"), "insert", str(target), "articles", str(rows), "--nl", "--pk", "id"], log)
    fts = measured([str(BIN / "sqlite-utils"), "enable-fts", str(target), "articles", "title", "kicker", "teaser",
                    "body_markdown", "search_stems", "--tokenize", "unicode61 remove_diacritics 2"], log)
    result = {"insert": insert, "enable_fts": fts, "seconds": round(insert["seconds"] + fts["seconds"], 2),
              "file_mb": round(target.stat().st_size / 2**20, 1)}
    rows.unlink()
    target.unlink()
    return result


def run_form(count: int, seed: int, warc: bool, work: Path, workers: int | None, limits: bool, every: int,
             rebuild: bool, sqlite_utils: bool = True, limits_only: bool = False) -> dict:
    form = "warc" if warc else "loose"
    raw, made = make_raw(work, count, seed, warc)
    print(f"{count} articles as {form} pages: {raw.name} (made in {made:.0f} s, 0 = cached), "
          f"{size_of(raw) / 2**20:,.0f} MB", flush=True)
    db = work / f"raw-{count}-{form}.db"
    if limits_only:  # the limits of an earlier run's pages and archive
        return run_limits(raw, db, work, f"raw-{count}-{form}", every, sqlite_utils)
    log = work / f"raw-{count}-{form}.log"
    log.unlink(missing_ok=True)
    for stale in [db, *work.glob(f"{db.name}*")]:
        stale.unlink(missing_ok=True)
    extra = ["--workers", str(workers)] if workers else []
    full = measured(build_command(raw, db, *extra), log)
    full.update(summary_counts(log.read_text()), file_mb=round(db.stat().st_size / 2**20, 1))
    pages = int(full["summary"][0].split()[2])
    full["pages"] = pages
    full["pages_per_s"] = round(pages / full["seconds"], 1)
    print(f"  full build  {full}", flush=True)
    added = add_pages(raw, count, seed, warc)
    try:
        update = measured(build_command(raw, db, *extra), log)
        update.update(summary_counts(log.read_text()), file_mb=round(db.stat().st_size / 2**20, 1))
        print(f"  +{UPDATE} update {update}", flush=True)
        result = {"articles": count, "form": form, "raw_mb": round(size_of(raw) / 2**20, 1), "full": full,
                  "update": update, "db": str(db.relative_to(ROOT))}
        if rebuild:  # `just rebuild` of the same pages: the archive the served update is compared with
            rebuilt = work / f"raw-{count}-{form}-rebuilt.db"
            shutil.copy(db, rebuilt)
            result["rebuild"] = measured(build_command(raw, rebuilt, "--rebuild", *extra), log)
            result["rebuild"]["file_mb"] = round(rebuilt.stat().st_size / 2**20, 1)
            result["rebuilt_db"] = str(rebuilt.relative_to(ROOT))
            print(f"  rebuild     {result['rebuild']}", flush=True)
    finally:
        shutil.rmtree(added)
    if limits:
        result.update(run_limits(raw, db, work, f"raw-{count}-{form}", every, sqlite_utils))
    return result


def run_limits(raw: Path, db: Path, work: Path, name: str, every: int, sqlite_utils: bool) -> dict:
    """The plain limits of the same pages and archive: one process parsing, and `sqlite-utils insert` + FTS."""
    result = {"parse_limit": parse_limit(raw, work / f"{name}-parse.log", every)}
    print(f"  parse limit {result['parse_limit']}", flush=True)
    if sqlite_utils:
        result["sqlite_utils"] = sqlite_utils_limit(db, work, work / f"{name}-sqlite-utils.log")
        print(f"  sqlite-utils {result['sqlite_utils']}", flush=True)
    return result


def serve_updated(result: dict, args) -> dict:
    """The serving benchmark of bench/run.py on the archive an update produced and on a rebuild of the same pages."""
    from bench import run as serving

    out = {}
    for name, built in (("updated", ROOT / result["db"]), ("rebuilt", ROOT / result["rebuilt_db"])):
        # served as the archive is (Datasette names the database after the file: /archive/…)
        served = built.parent / f"served-{name}"
        served.mkdir(exist_ok=True)
        path = served / "archive.db"
        path.unlink(missing_ok=True)
        os.link(built, path)
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        row_id = conn.execute("SELECT id FROM articles ORDER BY id LIMIT 1 OFFSET ?", [result["articles"] // 2]).fetchone()[0]
        conn.close()
        words = serving.choose_words(path)
        print(f"  serving the {name} archive, words {words}", flush=True)
        out[name] = {"words": words, "row_id": row_id, **serving.serve_and_measure("ours", path, words, row_id, args)}
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000", help="article counts, comma-separated")
    parser.add_argument("--forms", default="loose,warc", help="loose files, WARC.gz files, or both")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--workers", type=int, help="build workers (default: every core)")
    parser.add_argument("--no-limits", action="store_true", help="skip the plain limits")
    parser.add_argument("--no-sqlite-utils", action="store_true",
                        help="skip the sqlite-utils limit (at 1M it writes a 6 GB NDJSON file first)")
    parser.add_argument("--parse-every", type=int, default=0,
                        help="parse limit on every N-th page (default 1 below 1M pages, 10 from 1M on)")
    parser.add_argument("--serve", action="store_true",
                        help="serving benchmark on the archive an update produced and on a rebuild (loose, smallest size)")
    parser.add_argument("--limits-only", action="store_true",
                        help="only the plain limits, on the pages and archive of an earlier run")
    parser.add_argument("--serve-only", action="store_true",
                        help="only the serving benchmark, on the archives an earlier --serve run kept")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--connections", type=int, default=2)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = BENCH / "work"
    work.mkdir(parents=True, exist_ok=True)
    (BENCH / "results").mkdir(exist_ok=True)
    for count in (int(s) for s in args.sizes.split(",")):
        path = BENCH / "results" / f"raw_{count}.json"
        result = json.loads(path.read_text()) if path.exists() else {}
        result.update({"articles": count, "machine": {
            "cpus": os.cpu_count(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "date": time.strftime("%Y-%m-%d %H:%M"), "load_before": os.getloadavg()[0]}})
        every = args.parse_every or (10 if count >= 1_000_000 else 1)
        for form in [] if args.serve_only else args.forms.split(","):
            serve = args.serve and form == "loose"
            # a run without the limits keeps the limits an earlier run of the same pages measured
            result[form] = {**result.get(form, {}), **run_form(
                count, args.seed, form == "warc", work, args.workers, not args.no_limits, every, rebuild=serve,
                sqlite_utils=not args.no_sqlite_utils and form == "loose", limits_only=args.limits_only)}
            path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
        if args.serve:
            result["serving"] = serve_updated(result["loose"], args)
            path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
        print(f"  → {path.relative_to(ROOT)}", flush=True)
    write_raw_table()


RAW_START, RAW_END = "<!-- raw results: start (bench/raw_build.py writes this part) -->", "<!-- raw results: end -->"
TARGETS = {100_000: {"full_s": 60, "peak_mb": 1024, "update_s": 5}, 1_000_000: {"full_s": 600, "peak_mb": 2048,
                                                                               "update_s": 30}}


def _verdict(value: float, limit: float, unit: str) -> str:
    return f"{'met' if value <= limit else '**missed**'}: {value:,.1f} {unit} (≤ {limit:,} {unit})"


def _memory(run: dict) -> str:
    return f"{run['peak_rss_mb']:,.0f}" + (f" / {run['peak_pss_mb']:,.0f}" if "peak_pss_mb" in run else "")


def write_raw_table() -> None:
    """bench/results/raw_*.json → the raw-build tables in bench/README.md (between the two markers)."""
    lines = []
    for path in sorted((BENCH / "results").glob("raw_*.json"), key=lambda p: int(p.stem.split("_")[1])):
        result = json.loads(path.read_text())
        count, machine = result["articles"], result["machine"]
        lines += [f"### {count:,} articles from raw pages ({machine['date']}, {machine['cpus']} cores, load "
                  f"{machine.get('load_before', 0):.1f} when it started)", "",
                  "| pages as | pages | full build s | CPU s | pages/s | peak MB (RSS / PSS) | file MB | +100 s | "
                  "+100 peak MB | "
                  "rebuild s | parse limit pages/s (1 process) | its CPU ms per page | "
                  "sqlite-utils insert + enable-fts s |",
                  "| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |"]
        for form in ("loose", "warc"):
            r = result.get(form)
            if not r:
                continue
            limit = r.get("parse_limit", {})
            su = r.get("sqlite_utils", {})
            full, update = r["full"], r["update"]
            cells = ["loose files" if form == "loose" else "WARC.gz", f"{full['pages']:,}", f"{full['seconds']:,.1f}",
                     f"{full['cpu_s']:,.0f}", f"{full['pages_per_s']:,.0f}", _memory(full),
                     f"{full['file_mb']:,.0f}", f"{update['seconds']:,.1f}", _memory(update),
                     f"{r['rebuild']['seconds']:,.1f}" if r.get("rebuild") else "–",
                     (f"{limit['pages_per_s']:,.0f}" + (f" (every {limit['every']}th page)" if limit.get("every", 1) > 1
                                                        else "")) if limit else "–",
                     f"{limit['cpu_s'] / limit['pages'] * 1000:.2f}" if limit else "–",
                     f"{su['insert']['seconds']:,.1f} + {su['enable_fts']['seconds']:,.1f}" if su else "–"]
            lines.append("| " + " | ".join(cells) + " |")
        targets = TARGETS.get(count)
        loose = result.get("loose")
        if targets and loose:
            lines += ["", f"Targets: full build {_verdict(loose['full']['seconds'], targets['full_s'], 's')}; peak memory "
                      f"(RSS summed over the build and its workers) "
                      f"{_verdict(loose['full']['peak_rss_mb'], targets['peak_mb'], 'MB')}; +100 pages "
                      f"{_verdict(loose['update']['seconds'], targets['update_s'], 's')}"
                      + (f"; WARC.gz no slower than loose files: "
                         f"{'met' if result['warc']['full']['seconds'] <= loose['full']['seconds'] else '**missed**'} "
                         f"({result['warc']['full']['seconds']:,.0f} s vs {loose['full']['seconds']:,.0f} s)"
                         if result.get("warc") else "") + "."]
        serving = result.get("serving")
        if serving:
            lines += ["", "Serving (bench/run.py's pages, ours, wrk -c2) on the archive the update produced and on a "
                      "rebuild of the same pages:", "", "| page | updated p50 ms | p95 ms | rebuilt p50 ms | p95 ms |",
                      "| --- | --: | --: | --: | --: |"]
            for name, updated in serving["updated"]["scenarios"].items():
                rebuilt = serving["rebuilt"]["scenarios"].get(name, {})
                lines.append(f"| {name} | {updated.get('p50_ms', '–')} | {updated.get('p95_ms', '–')} | "
                             f"{rebuilt.get('p50_ms', '–')} | {rebuilt.get('p95_ms', '–')} |")
        lines.append("")
    readme = BENCH / "README.md"
    text = readme.read_text("utf-8")
    if RAW_START not in text:
        return
    head, rest = text.split(RAW_START, 1)
    tail = rest.split(RAW_END, 1)[1]
    readme.write_text(head + RAW_START + "\n" + "\n".join(lines) + RAW_END + tail, "utf-8")


if __name__ == "__main__":
    main()
