"""Where an HTML page's time goes: main-thread CPU per request and its HTML parts, for code versions taking turns.

Each code version (a checkout: its plugins/, templates/, metadata.yml and ingest/) runs in a Datasette process of its
own over one archive, served as the Justfile's `serve` recipe serves it (immutable, the same settings), answering
requests in-process (`ds.client`). The versions take turns, page by page, and the medians are printed: the CPU time of
the event loop's thread per request (`main`: where Jinja, render_cell and the facets' Python run; the SQL runs in
Datasette's threads) and of three parts of it — Jinja's rendering (`jinja`), Datasette's cells with their render_cell
hooks (`cells`) and the facets (`facets`). CPU, not wall time, so that a shared machine blurs it less.

    python -m bench.html_parts --db bench/work/1000000/archive.db --rounds 4 /tmp/old-checkout . -- \
        '/archive/search?q=geld' '/archive/articles?_search=und' '/archive/articles?_search=geld'
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

PARTS = ("main", "jinja", "cells", "facets")


def justfile_settings(root: Path) -> dict:
    """The Justfile's `settings` as Datasette's settings dict."""
    line = next(line for line in (root / "Justfile").read_text().splitlines() if line.startswith("settings :="))
    words = line.split('"')[1].split()
    settings = {}
    for name, value in zip(words[1::3], words[2::3]):
        settings[name] = {"on": True, "off": False}.get(value, int(value) if value.isdigit() else value)
    return settings


async def serve_requests(root: Path, db: str) -> None:
    """The worker: one Datasette of the checkout at `root`; `PATH N` on stdin → N requests' parts as JSON."""
    os.chdir(root)
    sys.path.insert(0, str(root))
    import jinja2
    import yaml
    import datasette.views.table as table_view
    from datasette.app import Datasette
    from datasette.plugins import pm

    ds = Datasette(immutables=[db], metadata=yaml.safe_load(open("metadata.yml")), plugins_dir="plugins",
                   template_dir="templates", settings=justfile_settings(root))
    await ds.invoke_startup()
    await ds.client.get("/archive/articles?_search=a")
    fast_table = pm.get_plugin("fast_table.py")
    for loading in list(fast_table.STORE._loading.values()):  # the facets' columns, before anything is measured
        await asyncio.wrap_future(loading)
    parts: dict[str, float] = {}

    def timed(name, fn):
        @functools.wraps(fn)
        async def wrapper(*args, **kwargs):
            start = time.thread_time()
            try:
                return await fn(*args, **kwargs)
            finally:
                parts[name] = parts.get(name, 0.0) + time.thread_time() - start
        return wrapper

    jinja2.Template.render_async = timed("jinja", jinja2.Template.render_async)
    table_view.display_columns_and_rows = timed("cells", table_view.display_columns_and_rows)
    fast_table._Fast.facet_results = timed("facets", fast_table._Fast.facet_results)
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        path, n = line.split()
        out = []
        for _ in range(int(n)):
            parts.clear()
            start = time.thread_time()
            response = await ds.client.get(path)
            out.append(dict(parts, main=time.thread_time() - start, status=response.status_code))
        print(json.dumps(out), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--db", default="bench/work/1000000/archive.db")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--requests", type=int, default=4, help="requests per page and turn")
    parser.add_argument("roots", nargs="+", help="checkouts, then -- and the pages")
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    args, pages = parser.parse_args(argv[:cut]), argv[cut + 1:]
    db = str(Path(args.db).resolve())
    if args.worker:
        asyncio.run(serve_requests(Path(args.worker), db))
        return
    roots = [str(Path(r).resolve()) for r in args.roots]
    workers = [subprocess.Popen([sys.executable, "-m", "bench.html_parts", "--worker", root, "--db", db, "x"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                cwd=Path(__file__).resolve().parent.parent) for root in roots]
    for worker in workers:
        while worker.stdout.readline().strip() != "ready":
            pass
    got: dict[tuple, list] = {(root, page): [] for root in roots for page in pages}
    for turn in range(args.rounds):
        for page in pages:
            order = list(zip(roots, workers))
            for root, worker in order if turn % 2 == 0 else order[::-1]:
                worker.stdin.write(f"{page} {args.requests}\n")
                worker.stdin.flush()
                answers = json.loads(worker.stdout.readline())
                if any(a["status"] != 200 for a in answers):
                    raise SystemExit(f"{root}: {page} answered {[a['status'] for a in answers]}")
                got[(root, page)] += answers[1:] if turn == 0 else answers  # the very first request warms up
    for page in pages:
        print(page)
        for root in roots:
            rows = got[(root, page)]
            print(f"  {root:28}", "  ".join(f"{part} {1000 * statistics.median(r.get(part, 0.0) for r in rows):6.1f}"
                                           for part in PARTS), f"ms CPU (median of {len(rows)})")
    for worker in workers:
        worker.stdin.close()
        worker.wait()


if __name__ == "__main__":
    main()
