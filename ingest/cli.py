"""`python -m ingest build|parse|...`: a thin command line over the pipeline stages."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ingest.model import PageError

DEFAULT_RAW = Path("data/raw")
DEFAULT_DB = Path("data/archive.db")


def cmd_parse(args) -> int:
    from ingest.parse import parse_page
    from ingest.sources.files import read_page

    path = Path(args.path)
    try:
        page = read_page(path.parent, path)
        article = parse_page(page.data, args.url or page.url)
    except (PageError, OSError) as err:
        print(f"{path}: {err}", file=sys.stderr)
        return 1
    print(json.dumps(article.to_dict(), ensure_ascii=False, indent=2))
    return 0


def cmd_build(args) -> int:
    from ingest.build import build

    summary = build(args.raw, args.db, progress=not args.quiet)
    print("\n".join(summary.lines()))
    print(f"archive: {args.db}")
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="print the normalized record of one page as JSON")
    p.add_argument("path")
    p.add_argument("--url", help="the page's URL, if no .meta.json lies beside it")
    p.set_defaults(run=cmd_parse)
    b = sub.add_parser("build", help="read every page under data/raw/ and write data/archive.db")
    b.add_argument("--raw", type=Path, default=DEFAULT_RAW)
    b.add_argument("--db", type=Path, default=DEFAULT_DB)
    b.add_argument("--quiet", action="store_true", help="no progress bars")
    b.set_defaults(run=cmd_build)
    args = parser.parse_args(argv)
    sys.exit(args.run(args))
