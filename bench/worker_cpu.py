"""CPU per page of what a build's workers do to a page, stage by stage, against the code of an earlier commit.

    python -m bench.worker_cpu [--against REV] [--raw DIR ...] [--limit N] [--rounds R]

Pages: every page under tests/fixtures (the real site's forms) and the pages under each --raw directory (default:
the first 5 folders of the raw-page benchmark's loose pages under bench/work/, if it made them), at most N of
them. The whole `ingest` package of commit REV is loaded beside today's under another name, and both run over the
same pages in turn (each round in random order), `--rounds` times; the median CPU time (time.process_time) per
page of each stage is reported:
  parse text   parse_page of a text dump (decoding, the parser, count_words), of the fixtures and of the raw pages
  parse html   parse_page of an HTML page, the same
  record       Article.to_dict of every article
  stems        german_stems of title, kicker, teaser and body, as article_row calls it (its caches warm, as in a
               long build: the first round, with empty caches, is reported apart as `stems cold`)
The records (to_dict, or the listing's or error's reason and items) and search stems of both are compared page by
page; any difference is named on stderr and counted. Results → bench/results/worker_cpu.json.
"""
from __future__ import annotations

import argparse
import gc
import io
import json
import random
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "worker_cpu.json"
_OWN_IMPORTS = re.compile(r"\b(from|import) ingest\b")


def package_at(rev: str, into: Path) -> str:
    """Commit `rev`'s ingest package, unpacked under `into` as `ingest_<rev>` (its imports of itself renamed):
    a module name to import beside today's package."""
    name = "ingest_" + re.sub(r"\W", "_", rev)
    archive = subprocess.run(["git", "archive", rev, "ingest"], cwd=ROOT, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            target = into / name / Path(member.name).relative_to("ingest")
            target.parent.mkdir(parents=True, exist_ok=True)
            data = tar.extractfile(member).read()
            if member.name.endswith(".py"):
                data = _OWN_IMPORTS.sub(rf"\1 {name}", data.decode("utf-8")).encode("utf-8")
            target.write_bytes(data)
    sys.path.insert(0, str(into))
    return name


def default_raw() -> list[Path]:
    found = sorted((ROOT / "bench" / "work").glob("raw-*-loose-*"))
    return sorted(p for p in found[0].iterdir() if p.is_dir())[:5] if found else []


class Code:
    """One version of the stages: today's package or an earlier commit's."""

    def __init__(self, package: str):
        import importlib

        self.parse = importlib.import_module(f"{package}.parse")
        self.model = importlib.import_module(f"{package}.model")
        self.stems = importlib.import_module(f"{package}.enrich.stems")
        self.stems.load_word_list()

    def parse_page(self, page) -> tuple:
        try:
            return "article", self.parse.parse_page(page.data, page.url, frozenset())
        except self.model.ListingPage as listing:
            return "listing", (str(listing), listing.items)
        except self.model.PageError as err:
            return "error", str(err)

    def search_stems(self, a) -> tuple[str, str]:
        return (self.stems.german_stems(a.title, a.kicker, a.teaser, a.body_markdown),
                self.stems.german_stems(a.title, a.kicker, a.teaser, a.body_markdown, parts=False))

    def clear_caches(self) -> None:
        self.stems._indexed.cache_clear()
        for cached in (self.stems.stem, self.stems.fold, self.stems._split, self.stems.compound_parts):
            cached.cache_clear()


def comparable(result: tuple):
    kind, value = result
    return (kind, value.to_dict()) if kind == "article" else result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--against", default="12ddcb7",
                        help="the commit whose code to compare with (12ddcb7: before the second round)")
    parser.add_argument("--raw", type=Path, action="append", help="a directory of raw pages (repeatable)")
    parser.add_argument("--limit", type=int, default=0, help="at most this many pages (0: all)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    from ingest.sources.files import page_paths, read_page

    fixtures = ROOT / "tests" / "fixtures"
    pages = []
    for root in [fixtures, *(args.raw or default_raw())]:
        pages += [(root == fixtures, read_page(root, path)) for path in page_paths(root)]
    pages = pages[:args.limit] if args.limit else pages
    with tempfile.TemporaryDirectory() as tmp:
        new = Code("ingest")
        old = Code(package_at(args.against, Path(tmp)))
        run(args, pages, old, new)


def run(args, pages, old: Code, new: Code) -> None:
    from ingest.parse import is_html

    groups = {f"parse {form} {origin}": [page for fixture, page in pages if is_html(page.data) == (form == "html")
                                         and fixture == (origin == "fixtures")]
              for form in ("text", "html") for origin in ("fixtures", "raw")}
    pages = [page for _, page in pages]
    repeats = {name: max(1, 300 // max(len(members), 1)) for name, members in groups.items()}  # a few fixtures: often
    differ = 0
    articles = {}
    for page in pages:
        mine, theirs = new.parse_page(page), old.parse_page(page)
        if comparable(mine) != comparable(theirs):
            differ += 1
            print(f"records differ: {page.path}", file=sys.stderr)
        if mine[0] == "article":
            articles[page.path] = (mine[1], theirs[1] if theirs[0] == "article" else mine[1])
    stems_differ = 0
    for path, (mine, theirs) in articles.items():
        if new.search_stems(mine) != old.search_stems(theirs):
            stems_differ += 1
            print(f"search stems differ: {path}", file=sys.stderr)

    def stage(code: Code, name: str) -> float:
        which = 0 if code is new else 1
        gc.collect()  # (a collection set off by the other code's garbage is not this code's time)
        start = time.process_time()
        if name in groups:
            for _ in range(repeats[name]):
                for page in groups[name]:
                    code.parse_page(page)
        elif name == "record":
            for pair in articles.values():
                pair[which].to_dict()
        else:
            for pair in articles.values():
                a = pair[which]
                code.stems.german_stems(a.title, a.kicker, a.teaser, a.body_markdown)
        return time.process_time() - start

    times: dict[tuple[str, str], list[float]] = {}
    for code in random.sample([old, new], 2):
        code.clear_caches()
        times[("stems cold", "new" if code is new else "old")] = [stage(code, "stems")]
    for _ in range(args.rounds):
        for name in random.sample([*groups, "record", "stems"], len(groups) + 2):
            for code in random.sample([old, new], 2):
                times.setdefault((name, "new" if code is new else "old"), []).append(stage(code, name))
    rows, total = [], {"old": 0.0, "new": 0.0}
    print(f"{len(pages)} pages, {len(articles)} articles, against {args.against}, {args.rounds} rounds")
    for name in [*groups, "record", "stems", "stems cold"]:
        old_s, new_s = (statistics.median(times[(name, label)]) / repeats.get(name, 1) for label in ("old", "new"))
        if name != "stems cold":
            total["old"], total["new"] = total["old"] + old_s, total["new"] + new_s
        members = len(groups[name]) if name in groups else len(articles)
        rows.append({"stage": name, "count": members, "old_ms": round(old_s * 1e3 / max(members, 1), 4),
                     "new_ms": round(new_s * 1e3 / max(members, 1), 4), "ratio": round(old_s / new_s, 3)})
        print(f"  {name:20} {members:6} × {rows[-1]['old_ms']:7.4f} → {rows[-1]['new_ms']:7.4f} ms  "
              f"×{old_s / new_s:.2f}")
    per_page = {label: seconds * 1e3 / len(pages) for label, seconds in total.items()}
    print(f"  all (warm) per page  {per_page['old']:.4f} → {per_page['new']:.4f} ms  "
          f"×{total['old'] / total['new']:.2f}   (new takes {100 * total['new'] / total['old']:.0f}%)")
    print(f"records: {len(pages) - differ} identical, {differ} differ; search stems: "
          f"{len(articles) - stems_differ} identical, {stems_differ} differ")
    result = {"when": datetime.now().isoformat(timespec="minutes"), "against": args.against, "rounds": args.rounds,
              "pages": len(pages), "records_differ": differ, "search_stems_differ": stems_differ, "stages": rows,
              "old_ms_per_page": round(per_page["old"], 4), "new_ms_per_page": round(per_page["new"], 4)}
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
