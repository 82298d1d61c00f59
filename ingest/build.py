"""The build: raw pages → parsed records → enriched rows → the archive file, with a summary.

Incremental: a page whose bytes the published archive has already parsed is not parsed again; its
record is taken from the archive's `pages` table. A page whose bytes changed is parsed anew and its
old record is kept in `article_versions`. Every build writes a complete new file and swaps it in, so
`build` and `rebuild` give the same articles.
"""
from __future__ import annotations

import dataclasses
import json
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from tqdm import tqdm

from ingest import store
from ingest.enrich.agencies import agency_name
from ingest.enrich.dates import date_from_url, estimate_dates
from ingest.enrich.places import geocode
from ingest.enrich.stems import NAME_VARIANTS, german_stems
from ingest.model import Article, ListingPage, PageError
from ingest.parse import parse_page
from ingest.sources.files import RawPage, Unreadable, read_pages
from ingest.urls import article_id, canonical_url

# Which id wins when two ids turn out to be one article: the newest URL scheme first.
_ID_PREFERENCE = ("artikel-", "beilage-", "rlk-", "blog-", "print-", "file-")


@dataclass
class Parsed:
    page: RawPage
    article: Article | None = None
    error: str | None = None
    kind: str | None = None  # "error" or "listing" when no article
    reused: bool = False
    items: list[dict] = field(default_factory=list)  # a listing page's items (title, teaser, byline, link …)
    kept_previous: str | None = None  # why the previous record stands in for a page that now fails


@dataclass
class Summary:
    pages_read: int = 0
    pages_parsed: int = 0
    pages_reused: int = 0
    articles_written: int = 0
    duplicates_merged: int = 0
    versions_kept: int = 0
    date_sources: Counter = field(default_factory=Counter)  # articles per date_source (None: no date at all)
    rejected: Counter = field(default_factory=Counter)
    rejected_pages: list[tuple[str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"pages read:        {self.pages_read} ({self.pages_parsed} parsed, {self.pages_reused} unchanged)",
               f"articles written:  {self.articles_written}",
               f"duplicates merged: {self.duplicates_merged}",
               f"old versions kept: {self.versions_kept}",
               "dated by:          " + ", ".join(f"{source or 'no date'} {count}" for source, count in
                                                   sorted(self.date_sources.items(), key=lambda kv: kv[0] or "~")),
               f"pages rejected:    {sum(self.rejected.values())}"]
        out += [f"  {count:6d}  {reason}" for reason, count in self.rejected.most_common()]
        out += [f"  {path}: {reason}" for path, reason in self.rejected_pages[:20]]
        if len(self.rejected_pages) > 20:
            out.append(f"  … and {len(self.rejected_pages) - 20} more in the table ingest_errors")
        return out


def parse_one(page: RawPage, known_authors: frozenset[str]) -> Parsed:
    try:
        return Parsed(page, article=parse_page(page.data, page.url, known_authors))
    except ListingPage as listing:
        return Parsed(page, error=str(listing), kind="listing", items=listing.items)
    except PageError as err:
        return Parsed(page, error=str(err), kind="error")
    except Exception as err:  # a parser bug must not stop the build: record it with the page
        return Parsed(page, error=f"parser failed: {type(err).__name__}: {err}", kind="error")


def _encode(parsed: Parsed) -> bytes:
    payload = parsed.article.to_dict() if parsed.article else {"error": parsed.error, "kind": parsed.kind,
                                                               "items": parsed.items}
    if parsed.kept_previous:
        payload["kept_previous"] = parsed.kept_previous
    return zlib.compress(json.dumps(payload, ensure_ascii=False).encode("utf-8"))


def _decode(page: RawPage, blob: bytes) -> Parsed:
    payload = json.loads(zlib.decompress(blob))
    if "error" in payload and "title" not in payload:
        return Parsed(page, error=payload["error"], kind=payload["kind"], items=payload.get("items") or [],
                      reused=True)
    kept = payload.pop("kept_previous", None)
    return Parsed(page, article=Article(**payload), reused=True, kept_previous=kept)


def parse_all(raw_dir: Path, previous: dict[str, dict], known: frozenset[str],
              progress: bool) -> tuple[list[Parsed], list[dict]]:
    """Every page under raw_dir, parsed or taken unchanged from the previous archive; plus replaced versions."""
    results, versions = [], []
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    # loose files and the records of WARC files alike; a file we cannot read (or read only in part) is an error row
    for page in tqdm(read_pages(raw_dir), desc="reading pages", unit="page", disable=not progress):
        if isinstance(page, Unreadable):
            results.append(Parsed(RawPage(path=page.path, data=b""), error=page.reason, kind="error"))
            continue
        rel = page.path
        prev = previous.get(rel)
        if prev and prev["sha256"] == page.sha256 and prev.get("record"):
            try:
                results.append(_decode(page, prev["record"]))
                continue
            except (ValueError, TypeError, zlib.error):
                pass  # an old record we cannot read: parse the page again
        parsed = parse_one(page, known)
        if parsed.article is None and prev and prev.get("status") == "article" and prev.get("record"):
            # a page that now fails keeps the article already ingested from its earlier bytes
            kept = _decode(RawPage(rel, b"", page.url, page.fetched_at), prev["record"])
            kept.page.data = page.data
            kept.kept_previous = parsed.error
            results.append(kept)
            continue
        results.append(parsed)
        if prev and prev["sha256"] != page.sha256 and prev.get("status") == "article" and prev.get("record"):
            old = json.loads(zlib.decompress(prev["record"]))
            versions.append({"article_id": prev["article_id"], "source_path": rel, "sha256": prev["sha256"],
                             "replaced_at": now, "title": old.get("title"), "teaser": old.get("teaser"),
                             "published": old.get("published"), "body_markdown": old.get("body_markdown"),
                             "record": json.dumps(old, ensure_ascii=False)})
    # a second look at unsigned compact pages, now that every byline in the archive is known
    seen = known | frozenset(name for r in results if r.article for name in r.article.authors)
    for i, r in enumerate(results):
        if r.article and not r.article.authors and r.article.shape in ("S3", "S5"):
            again = parse_one(r.page, seen)
            if again.article and again.article.authors:
                results[i] = again
    return results, versions


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
    return (a.paywalled is not True, len(a.body_markdown or ""), filled, parsed.page.fetched_at or "",
            parsed.page.path)


def _same_article_key(parsed: Parsed) -> tuple | None:
    """Pages of one article under unrelated ids (old `/2010/08-18/030.php` vs `/artikel/149407…`)."""
    a = parsed.article
    if not a.title or not a.published_date or not a.body_markdown:
        return None
    title = re.sub(r"\W+", " ", a.title).strip().casefold()
    body = re.sub(r"\W+", " ", a.body_markdown[:160]).strip().casefold()
    return (title, a.published_date, body[:120])


def _preference(key: str) -> int:
    return next((i for i, prefix in enumerate(_ID_PREFERENCE) if key.startswith(prefix)), len(_ID_PREFERENCE))


def choose_articles(results: list[Parsed], summary: Summary) -> tuple[dict[str, Parsed], list[dict], list[dict]]:
    """One record per article (the most complete), every URL as an alias, rejected pages as error rows."""
    groups: dict[str, list[Parsed]] = {}
    errors: list[dict] = []
    for r in results:
        if r.article is None:
            reason = r.error or "unknown"
            summary.rejected["listing page" if r.kind == "listing" else reason.split(":")[0]] += 1
            summary.rejected_pages.append((r.page.path, reason))
            errors.append({"source_path": r.page.path, "sha256": r.page.sha256, "kind": r.kind,
                           "reason": reason, "size": len(r.page.data)})
            continue
        if r.kept_previous:
            summary.rejected[f"kept previous version: {r.kept_previous.split(':')[0]}"] += 1
            summary.rejected_pages.append((r.page.path, r.kept_previous))
            errors.append({"source_path": r.page.path, "sha256": r.page.sha256, "kind": "kept_previous",
                           "reason": r.kept_previous, "size": len(r.page.data)})
        groups.setdefault(article_key(r), []).append(r)
    # merge ids that hold the same article (same title, day and opening words)
    by_content: dict[tuple, str] = {}
    for key in sorted(groups, key=lambda k: (_preference(k), k)):
        content = _same_article_key(max(groups[key], key=completeness))
        if content is None:
            continue
        if content in by_content:
            groups[by_content[content]].extend(groups.pop(key))
        else:
            by_content[content] = key
    best, aliases = {}, []
    for key, members in groups.items():
        best[key] = max(members, key=completeness)
        summary.duplicates_merged += len(members) - 1
        for r in members:
            if r.article.url:
                aliases.append({"url": r.article.url, "article_id": key, "source_path": r.page.path})
    return best, aliases, errors


def listing_items(results: list[Parsed]) -> list[dict]:
    """Items of every listing page, with the id of the article each links to."""
    rows = []
    for r in results:
        for n, item in enumerate(r.items):
            link = item.get("link")
            rows.append({"source_path": r.page.path, "position": n, "title": item.get("title"),
                         "kicker": item.get("kicker"), "teaser": item.get("teaser"),
                         "authors": store.json_list(item.get("authors") or []),
                         "author_place": item.get("author_place"), "date": item.get("date"), "link": link,
                         "article_id": article_id(link) if link else None})
    return rows


def fill_gaps_from_listings(best: dict[str, Parsed], items: list[dict]) -> None:
    """An article seen only behind a paywall may lack kicker, teaser or byline that a listing shows."""
    for item in items:
        parsed = best.get(item["article_id"]) if item["article_id"] else None
        if parsed is None:
            continue
        # a copy: the page's own record (stored in `pages`) stays what the page says
        a = dataclasses.replace(parsed.article)
        a.kicker = a.kicker or item["kicker"]
        a.teaser = a.teaser or item["teaser"]
        if not a.authors and item["authors"] != "[]":
            a.authors = json.loads(item["authors"])
            a.author_place = a.author_place or item["author_place"]
        a.title = a.title or item["title"]
        best[item["article_id"]] = dataclasses.replace(parsed, article=a)


def article_row(key: str, parsed: Parsed) -> dict:
    a, page = parsed.article, parsed.page
    place = geocode(a.dateline) if a.dateline else None
    # the page's date: when it went online, else the printed edition's day (an HTML page's <meta name="date">)
    day = a.published_date or a.print_edition_date
    month = a.published_month or (a.print_edition_date or "")[:7] or None
    return {
        "id": key, "url": canonical_url(a.url) if a.url else None, "title": a.title, "kicker": a.kicker,
        "teaser": a.teaser, "published": a.published, "published_date": day,
        "published_month": month, "published_year": int(month[:4]) if month else None,
        "date_source": "page" if month else None,
        "print_edition_date": a.print_edition_date, "print_page": a.print_page, "section": a.section,
        "page_kind": a.page_kind, "authors": store.json_list(a.authors), "author_place": a.author_place,
        "dateline": a.dateline, "place_id": place["geonameid"] if place else None,
        "latitude": place["latitude"] if place else None, "longitude": place["longitude"] if place else None,
        "agencies": store.json_list(a.agencies), "image": a.image, "image_credit": a.image_credit,
        "caption": a.caption, "topics": store.json_list(a.topics), "disagreements": store.json_list(a.disagreements),
        "body_markdown": a.body_markdown, "paywalled": None if a.paywalled is None else int(a.paywalled),
        "article_length": a.article_length, "word_count": a.word_count, "shape": a.shape,
        "source_path": page.path, "sha256": page.sha256,
        "search_stems": german_stems(a.title, a.kicker, a.teaser, a.body_markdown),
    }


def page_row(parsed: Parsed, key: str | None) -> dict:
    status = "article" if parsed.article else parsed.kind
    return {"source_path": parsed.page.path, "sha256": parsed.page.sha256, "url": parsed.page.url,
            "fetched_at": parsed.page.fetched_at, "listed_date": parsed.page.listed_date, "status": status,
            "article_id": key, "record": _encode(parsed)}


def date_articles(db) -> None:
    """A day for every article the page left undated: from a listing or feed that links it, from its old
    `/YYYY/MM-DD/NNN.php` address, and last an estimate from its article number between the archive's dated
    articles (ingest/enrich/dates.py). `published` stays what the page said; `date_source` says which."""
    # every article the page did not date is dated anew: an update in place that brings new dated neighbours or
    # a new listing gives the same dates as a rebuild of the same pages
    undated = set(store.undated_articles(db))
    if not undated:
        return
    found: dict[str, tuple[str | None, str | None]] = {}
    for key, day in store.listed_dates(db).items():
        if key in undated:
            found[key] = (day, "listing")
    for key, url in store.article_urls(db):
        if key in undated and key not in found and (day := date_from_url(url)):
            found[key] = (day, "url")
    dated = store.dated_articles(db) | {key: day for key, (day, _) in found.items()}
    rest = [key for key in sorted(undated) if key not in found]
    for key, day in estimate_dates(dated, rest).items():
        found[key] = (day, "estimated")
    store.set_dates(db, {key: found.get(key, (None, None)) for key in undated})


def build(raw_dir: str | Path, target: str | Path, progress: bool = True, incremental: bool = True) -> Summary:
    raw_dir, target = Path(raw_dir), Path(target)
    if not raw_dir.is_dir():
        raise SystemExit(f"{raw_dir}: no such directory of raw pages")
    summary = Summary()
    previous, old_versions = store.read_previous(target) if incremental else ({}, [])
    known = store.known_authors(target) if incremental else frozenset()
    results, new_versions = parse_all(raw_dir, previous, known, progress)
    summary.pages_read = len(results)
    summary.pages_reused = sum(1 for r in results if r.reused)
    summary.pages_parsed = summary.pages_read - summary.pages_reused
    best, aliases, errors = choose_articles(results, summary)
    items = listing_items(results)
    fill_gaps_from_listings(best, items)
    key_of = {r.page.path: key for key, r in best.items()}
    key_of.update({alias["source_path"]: alias["article_id"] for alias in aliases})
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
        store.insert_listing_items(db, items)
        store.insert_pages(db, (page_row(r, key_of.get(r.page.path)) for r in results))
        store.insert_versions(db, old_versions + new_versions)
        date_articles(db)
        store.finish(db, places, agencies, NAME_VARIANTS)
        summary.date_sources = store.date_sources(db)
        summary.articles_written = len(rows)
        summary.versions_kept = len(old_versions) + len(new_versions)
    return summary
