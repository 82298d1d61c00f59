"""`python -m ingest build|parse|...`: a thin command line over the pipeline stages."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ingest.model import PageError

DEFAULT_RAW = Path("data/raw")
DEFAULT_DB = Path("data/archive.db")


def _date(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def cmd_parse(args) -> int:
    from ingest.parse import parse_page
    from ingest.sources.files import read_page

    from ingest.store import known_authors

    path = Path(args.path)
    try:
        page = read_page(path.parent, path)
        # glued bylines split best with the names the archive has already seen
        article = parse_page(page.data, args.url or page.url, known_authors(args.db))
    except (PageError, OSError) as err:
        print(f"{path}: {err}", file=sys.stderr)
        return 1
    print(json.dumps(article.to_dict(), ensure_ascii=False, indent=2))
    return 0


def cmd_build(args) -> int:
    from ingest.build import build

    summary = build(args.raw, args.db, progress=not args.quiet, workers=args.workers, rebuild=args.rebuild)
    print("\n".join(summary.lines()))
    print(f"archive: {args.db}")
    return 0


def cmd_crawl(args) -> int:
    from ingest.sources import crawl

    base_url = args.base_url or crawl.BASE_URL
    seeds = list(args.start)
    # the feeds are the daily update on their own: today's edition comes in through its articles' print headers
    if args.since or args.until or not (seeds or args.feeds):
        until = args.until or crawl.today_in_berlin()
        seeds += crawl.edition_urls(args.since or until, until, base_url)
    feeds = crawl.feed_urls(base_url) if args.feeds else []
    log = (lambda message: None) if args.quiet else (lambda message: print(message, file=sys.stderr))
    try:
        summary = crawl.crawl(args.out, seeds, max_pages=args.max_pages, feeds=feeds, base_url=base_url,
                              delay=args.delay, timeout=args.timeout, retries=args.retries, backoff=args.backoff,
                              user_agent=args.user_agent or crawl.USER_AGENT, refresh=args.refresh,
                              follow_editions=not args.no_edition_links, format=args.format,
                              warc_size=int(args.warc_size * 1_000_000), log=log)
    except crawl.CrawlError as err:
        print(f"crawl: {err}", file=sys.stderr)
        return 1
    print("\n".join(summary.lines()))
    print(f"pages in: {args.out}")
    return 0


def cmd_import(args) -> int:
    from ingest.sources import webarchive

    out = args.out or args.raw / f"import-{args.source}"
    log = (lambda message: None) if args.quiet else (lambda message: print(message, file=sys.stderr))
    try:
        summary = webarchive.import_captures(
            args.source, out, since=args.since, until=args.until, limit=args.limit, cdx_url=args.cdx_url,
            replay_url=args.replay_url, crawls=args.crawl or None, delay=args.delay, timeout=args.timeout,
            retries=args.retries, backoff=args.backoff, user_agent=args.user_agent or webarchive.USER_AGENT, log=log)
    except webarchive.ImportFailed as err:
        print(f"import: {err}", file=sys.stderr)
        return 1
    print("\n".join(summary.lines()))
    print(f"WARC files in: {out}")
    return 0


def cmd_report(args) -> int:
    from ingest import report

    if not args.db.exists():
        print(f"{args.db}: no archive; run `python -m ingest build` first", file=sys.stderr)
        return 1
    quality = report.quality(args.db)
    print(json.dumps(quality, ensure_ascii=False, indent=2) if args.json else report.render(quality))
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="print the normalized record of one page as JSON")
    p.add_argument("path")
    p.add_argument("--url", help="the page's URL, if no .meta.json lies beside it")
    p.add_argument("--db", type=Path, default=DEFAULT_DB, help="archive whose authors help split glued bylines")
    p.set_defaults(run=cmd_parse)
    b = sub.add_parser("build", help="read every page under data/raw/ and write data/archive.db")
    b.add_argument("--raw", type=Path, default=DEFAULT_RAW)
    b.add_argument("--db", type=Path, default=DEFAULT_DB)
    b.add_argument("--quiet", action="store_true", help="no progress bars")
    b.add_argument("--workers", type=int, default=None, metavar="N",
                   help="processes that parse pages (default: every core); 1 parses in this process")
    b.add_argument("--rebuild", action="store_true",
                   help="parse every page anew into a fresh file and swap it in (the archive's article_versions "
                        "are kept); without it an existing archive is updated in place")
    b.set_defaults(run=cmd_build)
    c = sub.add_parser("crawl", help="fetch edition indexes, the articles they and the site's feeds list, into data/raw/crawl/")
    c.add_argument("--start", action="append", default=[], metavar="URL",
                   help="a page to start from (repeatable); a listing page's article links are followed, "
                        "an article's edition link too")
    c.add_argument("--since", type=_date, metavar="YYYY-MM-DD", help="first edition to fetch (default: today)")
    c.add_argument("--until", type=_date, metavar="YYYY-MM-DD", help="last edition to fetch (default: today)")
    c.add_argument("--feeds", action="store_true",
                   help="the daily update: read the newsticker and every section feed and fetch the articles they "
                        "list that we do not have (no edition by date unless --since/--until is given too)")
    c.add_argument("--no-edition-links", action="store_true",
                   help="do not follow a new article's print header to its edition index (e.g. to fetch one page)")
    c.add_argument("--max-pages", type=int, help="stop after this many pages; the next run goes on from there")
    c.add_argument("--delay", type=float, default=2.0, help="seconds between requests (default 2)")
    c.add_argument("--timeout", type=float, default=30.0, help="seconds before a request times out")
    c.add_argument("--retries", type=int, default=3, help="retries on 5xx, 429 and timeouts (default 3)")
    c.add_argument("--backoff", type=float, default=2.0, help="first retry pause in seconds, doubled each time")
    c.add_argument("--base-url", help="the site to crawl (default https://www.jungewelt.de)")
    c.add_argument("--user-agent", help="default 'jW-Archiv/0.1 (+contact in README)'; name yourself, e.g. 'jW-Archiv/0.1 (+mailto:you@example.org)'")
    c.add_argument("--out", type=Path, default=DEFAULT_RAW / "crawl", help="default data/raw/crawl")
    c.add_argument("--refresh", action="store_true",
                   help="fetch pages we already have again (a conditional GET); unchanged: a WARC revisit record, "
                        "changed: a new response record (--format files: the old version kept as NAME.<time>.old)")
    c.add_argument("--format", choices=("warc", "files"), default="warc",
                   help="warc (default): gzipped WARC files jw-<time>-<serial>.warc.gz; "
                        "files: one file per page with a NAME.meta.json sidecar")
    c.add_argument("--warc-size", type=float, default=1000, metavar="MB",
                   help="begin a new WARC file after this many megabytes (default 1000)")
    c.add_argument("--quiet", action="store_true", help="no line per page")
    c.set_defaults(run=cmd_crawl)
    i = sub.add_parser("import", help="fetch old article pages from a web archive into data/raw/import-<source>/")
    i.add_argument("--from", dest="source", choices=["ia", "cc"], required=True,
                   help="ia: the Internet Archive's Wayback Machine; cc: Common Crawl")
    i.add_argument("--since", type=_date, metavar="YYYY-MM-DD", help="captures from this day on")
    i.add_argument("--until", type=_date, metavar="YYYY-MM-DD", help="captures up to this day")
    i.add_argument("--limit", type=int, help="fetch at most this many captures; the next run goes on from there")
    i.add_argument("--crawl", action="append", metavar="CC-MAIN-…",
                   help="Common Crawl only: the crawls to ask (repeatable; default: all in the time range)")
    i.add_argument("--delay", type=float, help="seconds between requests (default 4 for ia, 1 for cc)")
    i.add_argument("--timeout", type=float, default=60.0, help="seconds before a request times out")
    i.add_argument("--retries", type=int, default=3, help="retries on 5xx, 429 and timeouts (default 3)")
    i.add_argument("--backoff", type=float, default=5.0, help="first retry pause in seconds, doubled each time")
    i.add_argument("--user-agent", help="default 'jW-Archiv/0.1 (+contact in README)'; name yourself, e.g. "
                                        "'jW-Archiv/0.1 (+mailto:you@example.org)'")
    i.add_argument("--cdx-url", help="the CDX API to ask instead of the archive's (or $JW_ARCHIV_CDX_URL)")
    i.add_argument("--replay-url", help="ia: the replay prefix (…/web); cc: the prefix of the WARC files "
                                        "(or $JW_ARCHIV_REPLAY_URL)")
    i.add_argument("--raw", type=Path, default=DEFAULT_RAW, help="the raw directory (default data/raw)")
    i.add_argument("--out", type=Path, help="default <raw>/import-<source>")
    i.add_argument("--quiet", action="store_true", help="no line per capture")
    i.set_defaults(run=cmd_import)
    r = sub.add_parser("report", help="data quality: articles per year and section, fields filled, pages rejected")
    r.add_argument("--db", type=Path, default=DEFAULT_DB)
    r.add_argument("--json", action="store_true")
    r.set_defaults(run=cmd_report)
    args = parser.parse_args(argv)
    sys.exit(args.run(args))
