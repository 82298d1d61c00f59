"""The build: raw pages → parsed records → enriched rows → the archive file, with a summary."""
from __future__ import annotations

import re
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from ingest import store
from ingest.enrich.agencies import agency_name
from ingest.enrich.places import geocode
from ingest.enrich.stems import german_stems
from ingest.model import Article, ListingPage, PageError
from ingest.parse import parse_page
from ingest.sources.files import RawPage, page_paths, read_page
from ingest.urls import article_id, canonical_url


@dataclass
class Parsed:
    page: RawPage
    article: Article | None = None
    error: str | None = None
    kind: str | None = None  # "error" or "listing" when no article


@dataclass
class Summary:
    pages_read: int = 0
    articles_written: int = 0
    duplicates_merged: int = 0
    rejected: Counter = field(default_factory=Counter)
    rejected_pages: list[tuple[str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"pages read:        {self.pages_read}",
               f"articles written:  {self.articles_written}",
               f"duplicates merged: {self.duplicates_merged}",
               f"pages rejected:    {sum(self.rejected.values())}"]
        out += [f"  {count:6d}  {reason}" for reason, count in self.rejected.most_common()]
        out += [f"  {path}: {reason}" for path, reason in self.rejected_pages[:20]]
        return out


def parse_one(page: RawPage, known_authors: frozenset[str]) -> Parsed:
    try:
        return Parsed(page, article=parse_page(page.data, page.url, known_authors))
    except ListingPage as listing:
        return Parsed(page, error=str(listing), kind="listing")
    except PageError as err:
        return Parsed(page, error=str(err), kind="error")
    except Exception as err:  # a parser bug must not stop the build: record it with the page
        return Parsed(page, error=f"parser failed: {type(err).__name__}: {err}", kind="error")


def known_authors_in(db_path: Path) -> frozenset[str]:
    if not db_path.exists():
        return frozenset()
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        names = {row[0] for row in conn.execute("SELECT name FROM authors")}
        conn.close()
        return frozenset(names)
    except sqlite3.Error:
        return frozenset()


def article_key(parsed: Parsed) -> str:
    url_id = article_id(parsed.article.url) if parsed.article.url else None
    if url_id:
        return url_id
    stem = re.sub(r"[^\w-]+", "-", Path(parsed.page.path).with_suffix("").as_posix()).strip("-")
    return f"file-{stem}"


def completeness(parsed: Parsed) -> tuple:
    """The most complete version of an article wins: full text over paywalled, then more text, more fields."""
    a = parsed.article
    filled = sum(1 for value in a.to_dict().values() if value not in (None, [], ""))
    return (a.paywalled is not True, len(a.body_markdown or ""), filled, parsed.page.path)


def article_row(key: str, parsed: Parsed) -> dict:
    a, page = parsed.article, parsed.page
    place = geocode(a.dateline) if a.dateline else None
    return {
        "id": key, "url": canonical_url(a.url) if a.url else None, "title": a.title, "kicker": a.kicker,
        "teaser": a.teaser, "published": a.published, "published_date": a.published_date,
        "published_month": a.published_month, "published_year": int(a.published[:4]) if a.published else None,
        "print_edition_date": a.print_edition_date, "print_page": a.print_page, "section": a.section,
        "page_kind": a.page_kind, "authors": store.json_list(a.authors), "author_place": a.author_place,
        "dateline": a.dateline, "place_id": place["geonameid"] if place else None,
        "latitude": place["latitude"] if place else None, "longitude": place["longitude"] if place else None,
        "agencies": store.json_list(a.agencies), "image": a.image, "caption": a.caption,
        "body_markdown": a.body_markdown, "paywalled": None if a.paywalled is None else int(a.paywalled),
        "article_length": a.article_length, "word_count": a.word_count, "shape": a.shape,
        "source_path": page.path, "sha256": page.sha256,
        "search_stems": german_stems(a.title, a.kicker, a.teaser, a.body_markdown),
    }


def parse_all(raw_dir: Path, known: frozenset[str], progress: bool) -> list[Parsed]:
    paths = page_paths(raw_dir)
    results = []
    for path in tqdm(paths, desc="parsing pages", unit="page", disable=not progress):
        try:
            page = read_page(raw_dir, path)
        except OSError as err:
            page = RawPage(path=path.relative_to(raw_dir).as_posix(), data=b"")
            results.append(Parsed(page, error=f"unreadable: {err}", kind="error"))
            continue
        results.append(parse_one(page, known))
    # a second look at unsigned compact pages, now that every byline of this run is known
    seen = frozenset(name for r in results if r.article for name in r.article.authors) | known
    if seen != known:
        for i, r in enumerate(results):
            if r.article and not r.article.authors and r.article.shape in ("S3", "S5"):
                again = parse_one(r.page, seen)
                if again.article and again.article.authors:
                    results[i] = again
    return results


def build(raw_dir: str | Path, target: str | Path, progress: bool = True) -> Summary:
    raw_dir, target = Path(raw_dir), Path(target)
    summary = Summary()
    results = parse_all(raw_dir, known_authors_in(target), progress)
    summary.pages_read = len(results)
    best: dict[str, Parsed] = {}
    aliases: list[dict] = []
    errors: list[dict] = []
    for r in results:
        if r.article is None:
            reason = r.error or "unknown"
            summary.rejected[reason.split(":")[0] if r.kind == "error" else "listing page"] += 1
            summary.rejected_pages.append((r.page.path, reason))
            errors.append({"source_path": r.page.path, "sha256": r.page.sha256, "kind": r.kind,
                           "reason": reason, "size": len(r.page.data)})
            continue
        key = article_key(r)
        if r.article.url:
            aliases.append({"url": r.article.url, "article_id": key, "source_path": r.page.path})
        if key in best:
            summary.duplicates_merged += 1
            if completeness(r) <= completeness(best[key]):
                continue
        best[key] = r
    places: dict[int, dict] = {}
    agencies: dict[str, tuple[str, str]] = {}
    with store.building(target) as db:
        rows = []
        for key, r in tqdm(sorted(best.items()), desc="writing articles", unit="article", disable=not progress):
            row = article_row(key, r)
            rows.append(row)
            if row["place_id"]:
                place = geocode(r.article.dateline)
                places.setdefault(row["place_id"], {
                    "id": place["geonameid"], "dateline": r.article.dateline, "name": place["name"],
                    "country_code": place["country_code"], "country": place["country"],
                    "latitude": place["latitude"], "longitude": place["longitude"],
                    "population": place["population"]})
            for code in r.article.agencies:
                agencies.setdefault(code, agency_name(code))
        store.insert_articles(db, rows)
        store.insert_aliases(db, aliases)
        store.insert_errors(db, errors)
        store.finish(db, places, agencies)
        summary.articles_written = len(rows)
    return summary
