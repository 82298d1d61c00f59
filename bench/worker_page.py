"""CPU per page of a worker's whole page — read, parse, result row (the record compressed), pickle, render — in two
commits' code, taking turns.

    python -m bench.worker_page [--old REV] [--new REV] [--raw DIR ...] [--rounds R]

Both commits' `ingest` packages are unpacked beside each other (bench.worker_cpu.package_at) and run over the same
pages (every page under tests/fixtures and under each --raw directory, default /tmp/raw5k): each stage over all
pages, the stages in random order each round and the two commits in random order each stage; medians of
time.process_time per page. Each page's record (decoded) and rendered article row of the two are compared; any
difference is counted (exit status 1).
"""
from __future__ import annotations

import argparse
import gc
import importlib
import pickle
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.worker_cpu import ROOT, package_at

STAGES = ["read", "parse", "result", "pickle", "render"]


class Code:
    """One commit's worker stages, with each stage's input for the pages made once (by the stage before)."""

    def __init__(self, package: str, sets: list[tuple[str, list[str]]]):
        self.build = importlib.import_module(f"{package}.build")
        self.store = importlib.import_module(f"{package}.store")
        self.build._init_worker(str(ROOT))
        self.sets = sets
        self.pages = self.stage("read")
        self.parsed = self.stage("parse")
        self.results = self.stage("result")
        self.sent = self.stage("pickle")
        self.tasks = [(r["page"]["own_article_id"], r["path"], r["page"]["sha256"], r["page"]["record"], None)
                      for r in self.sent if r["page"]["status"] == "article"]
        self.rows = self.stage("render")

    def stage(self, name: str) -> list:
        build = self.build
        if name == "read":
            return [build.read_file(root, rel) for root, rels in self.sets for rel in rels]
        if name == "parse":
            return [build.parse_one(page, frozenset()) for page in self.pages]
        if name == "result":
            return [build.page_result(p, None, len(p.page.data)) for p in self.parsed]
        if name == "pickle":
            return [pickle.loads(pickle.dumps(r, protocol=pickle.HIGHEST_PROTOCOL)) for r in self.results]
        return [build._render(None, task) for task in self.tasks]

    def timed(self, name: str) -> float:
        gc.collect()  # (a collection set off by the other code's garbage is not this code's time)
        start = time.process_time()
        self.stage(name)
        return time.process_time() - start


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--old", default="6a05933")
    parser.add_argument("--new", default="HEAD")
    parser.add_argument("--raw", type=Path, action="append")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    from ingest.sources.files import page_paths

    sets = [(str(root), [p.relative_to(root).as_posix() for p in page_paths(root)])
            for root in [ROOT / "tests" / "fixtures", *(args.raw or [Path("/tmp/raw5k")])]]
    count = sum(len(rels) for _, rels in sets)
    with tempfile.TemporaryDirectory() as tmp:
        codes = {label: Code(package_at(rev, Path(tmp)), sets) for label, rev in (("old", args.old), ("new", args.new))}
    old, new = codes["old"], codes["new"]
    differ = sum(old.store.record_of(a["page"]["record"]) != new.store.record_of(b["page"]["record"])
                 for a, b in zip(old.sent, new.sent))
    differ += sum(a != b for a, b in zip(old.rows, new.rows)) + abs(len(old.rows) - len(new.rows))
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.rounds):
        for stage in random.sample(STAGES, len(STAGES)):
            for label in random.sample(["old", "new"], 2):
                times.setdefault((stage, label), []).append(codes[label].timed(stage))
    print(f"{count} pages, {args.old} → {args.new}, {args.rounds} rounds, median CPU µs a page")
    total = {"old": 0.0, "new": 0.0}
    for stage in STAGES:
        o, n = (statistics.median(times[(stage, label)]) * 1e6 / count for label in ("old", "new"))
        total["old"], total["new"] = total["old"] + o, total["new"] + n
        print(f"  {stage:8} {o:8.1f} → {n:8.1f}  ({n - o:+.1f})")
    print(f"  {'page':8} {total['old']:8.1f} → {total['new']:8.1f}  ({total['new'] - total['old']:+.1f})")
    print(f"records and rendered rows: {differ} differ")
    if differ:
        sys.exit(1)


if __name__ == "__main__":
    main()
