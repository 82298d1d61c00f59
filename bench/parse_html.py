"""CPU per HTML page of `ingest.parse.html.parse_html`, per layout, against the parser of an earlier commit.

    python -m bench.parse_html [--against REV] [--synthetic N] [--rounds R]

Pages: the real-form fixtures under tests/fixtures (every HTML page there: layouts A and B, unknown layouts,
listings) and N synthetic pages of the raw-page benchmark (`bench.raw_pages`: layouts A and B, edition indexes).
Each page is grouped by what today's parser makes of it (html-a, html-b, html-generic, listing, error). The
parser of commit REV (ingest/parse/html.py and listing.py as they were, with today's other modules) and
today's run interleaved on the same pages (in turn, each round in random order), `--rounds` times; the median CPU time
(time.process_time) per page of each is reported, and the records of both are compared. Results →
bench/results/parse_html.json.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import random
import statistics
import subprocess
import sys
import time
import types
from datetime import datetime
from pathlib import Path

from ingest.model import ListingPage, PageError
from ingest.parse import decode_page, is_html
from ingest.parse import html as today

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "parse_html.json"


def parser_at(rev: str):
    """parse_html of commit `rev`: its html.py and listing.py, loaded under other names beside today's modules."""
    def source(path: str) -> str:
        return subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT, check=True, capture_output=True,
                              text=True).stdout

    listing = types.ModuleType("bench_old_listing")
    sys.modules[listing.__name__] = listing
    exec(compile(source("ingest/parse/listing.py"), f"{rev}:ingest/parse/listing.py", "exec"), listing.__dict__)
    html = types.ModuleType("bench_old_html")
    sys.modules[html.__name__] = html
    code = source("ingest/parse/html.py").replace("from ingest.parse.listing import", "from bench_old_listing import")
    exec(compile(code, f"{rev}:ingest/parse/html.py", "exec"), html.__dict__)
    return html.parse_html


def fixture_pages() -> list[tuple[str, str, str | None]]:
    """(name, text, url) of every HTML page under tests/fixtures, with its sidecar's URL when it has one."""
    pages = []
    for path in sorted((ROOT / "tests" / "fixtures").rglob("*.htm*")):
        raw = path.read_bytes()
        if not is_html(raw):
            continue
        meta = path.with_name(path.name + ".meta.json")
        url = json.loads(meta.read_text()).get("url") if meta.exists() else None
        pages.append((str(path.relative_to(ROOT)), decode_page(raw), url))
    return pages


def synthetic_pages(count: int, seed: int = 4) -> list[tuple[str, str, str | None]]:
    """(name, text, url) of the first `count` HTML pages the raw-page benchmark writes."""
    from bench import raw_pages
    from bench.synth import FIRST_DAY, LAST_DAY, Archive

    raw_pages._without_stems()
    archive, span, pages, i = Archive(100_000, seed), (LAST_DAY - FIRST_DAY).days, [], 0
    while len(pages) < count and i < 100_000:
        for path, url, raw, _ in raw_pages.pages_of(archive, i, span):
            if path.endswith(".html"):
                pages.append((f"synthetic {path}", decode_page(raw), url))
        i += 1
    return pages[:count]


def record(parse_html, text: str, url: str | None) -> dict:
    try:
        return {"article": dataclasses.asdict(parse_html(text, url))}
    except ListingPage as err:
        return {"listing": str(err), "items": err.items}
    except PageError as err:
        return {"error": str(err)}


def group_of(rec: dict) -> str:
    return rec["article"]["shape"] if "article" in rec else ("listing" if "listing" in rec else "error")


def cpu_ms_per_page(parse_html, pages, repeat: int) -> float:
    start = time.process_time()
    for _ in range(repeat):
        for _, text, url in pages:
            try:
                parse_html(text, url)
            except PageError:
                pass
    return (time.process_time() - start) * 1000 / (len(pages) * repeat)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--against", default="6a3a094", help="the commit whose parser to compare with")
    parser.add_argument("--synthetic", type=int, default=1000, help="synthetic pages (layouts A, B, edition indexes)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    old = parser_at(args.against)
    pages = [("fixture", *page) for page in fixture_pages()] + [("synthetic", *page) for page in
                                                                 synthetic_pages(args.synthetic)]
    groups: dict[tuple[str, str], list] = {}
    same = differ = 0
    for origin, name, text, url in pages:
        new_record = record(today.parse_html, text, url)
        if record(old, text, url) == new_record:
            same += 1
        else:
            differ += 1
            print(f"records differ: {name}", file=sys.stderr)
        groups.setdefault((origin, group_of(new_record)), []).append((name, text, url))
    rows = []
    for (origin, group), members in sorted(groups.items()):
        repeat = max(1, 200 // len(members))  # a few fixtures: each several times a round
        times = {"old": [], "new": []}
        for _ in range(args.rounds):
            for label, parse_html in random.sample([("old", old), ("new", today.parse_html)], 2):
                times[label].append(cpu_ms_per_page(parse_html, members, repeat))
        old_ms, new_ms = statistics.median(times["old"]), statistics.median(times["new"])
        rows.append({"pages": origin, "layout": group, "count": len(members), "old_ms": round(old_ms, 3),
                     "new_ms": round(new_ms, 3), "ratio": round(old_ms / new_ms, 2)})
        print(f"{origin:9} {group:13} {len(members):5} pages  {old_ms:7.3f} → {new_ms:6.3f} ms/page  "
              f"×{old_ms / new_ms:.2f}", flush=True)
    result = {"when": datetime.now().isoformat(timespec="minutes"), "against": args.against,
              "rounds": args.rounds, "records_identical": same, "records_differ": differ, "groups": rows}
    print(f"records: {same} identical, {differ} differ")
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
