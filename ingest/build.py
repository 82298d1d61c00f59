"""The build: raw pages → parsed records → the archive file, streaming on every core, with a summary.

Pages are parsed in worker processes and flow to the writer in batches; no build holds all records in memory. The
choice among the pages of one article (the most complete wins, ids with the same content are one article) is made
in SQL over the `pages` table (ingest/store.py), so it is the same whether a page came in today or years ago.

A build onto an existing archive updates it in place, in one SQLite transaction: files whose size and modification
time are as recorded (WARC files: as recorded; WARC records: by their record id) are not read again, a touched file
with the same bytes is not parsed again, and only the articles whose pages changed are written anew (full-text
entries and lookup counts with them); an old record of a changed article goes to `article_versions`. Killed at any
moment, an update leaves the archive as it was. Without an archive (or with `rebuild`), a fresh file is written and
swapped in. Both give the same tables.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import multiprocessing
import os
import pickle
import re
import shutil
import sys
import tempfile
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator

from tqdm import tqdm

from ingest import store
from ingest.enrich.agencies import agency_name
from ingest.enrich.dates import date_from_url, estimated
from ingest.enrich.places import geocode
from ingest.enrich.stems import NAME_VARIANTS, german_stems
from ingest.fulltext import SideIndex
from ingest.model import Article, ListingPage, PageError
from ingest.parse import decode_page, parse_page
from ingest.sources.files import META_SUFFIX, PAGE_SUFFIXES, RawPage, Unreadable, prefetch, read_file
from ingest.sources.warc import WARC_SUFFIXES, WarcReader
from ingest.urls import article_id, canonical_url
from ingest.versions import keep_captures, version_row

# Which id wins when two ids turn out to be one article: the newest URL scheme first.
_ID_PREFERENCE = ("artikel-", "beilage-", "rlk-", "blog-", "print-", "file-")
# Compact dumps without a byline get a second look with every byline of the archive (glued bylines split better).
_SECOND_LOOK_SHAPES = ("S3", "S5")
BATCH = 500  # pages per write; chunks of work sent to a worker are smaller
# Articles rendered ahead of the writer: RENDER_AHEAD chunks of RENDER_CHUNK per worker (4,096 with two), more than
# one insert batch of store.insert_articles (2,000 rows), so the workers render the next batch while the writer inserts
# and indexes this one (with 256 ahead they ran dry early in each batch, and then the writer waited for them)
RENDER_CHUNK, RENDER_AHEAD = 32, 64


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
    pages_gone: int = 0
    articles_written: int = 0
    articles_changed: int = 0
    duplicates_merged: int = 0
    versions_kept: int = 0
    updated_in_place: bool = False
    date_sources: Counter = field(default_factory=Counter)  # articles per date_source (None: no date at all)
    rejected: Counter = field(default_factory=Counter)
    rejected_pages: list[tuple[str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        gone = f", {self.pages_gone} gone" if self.pages_gone else ""
        out = [f"pages read:        {self.pages_read} ({self.pages_parsed} parsed, {self.pages_reused} unchanged{gone})",
               f"articles written:  {self.articles_written}"
               + (f" ({self.articles_changed} new or changed, archive updated in place)" if self.updated_in_place else ""),
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


# --- one page (runs in the worker processes) ---------------------------------------------------------------------

def parse_one(page: RawPage, known_authors: frozenset[str]) -> Parsed:
    try:
        return Parsed(page, article=parse_page(page.data, page.url, known_authors))
    except ListingPage as listing:
        return Parsed(page, error=str(listing), kind="listing", items=listing.items)
    except PageError as err:
        return Parsed(page, error=str(err), kind="error")
    except Exception as err:  # a parser bug must not stop the build: record it with the page
        return Parsed(page, error=f"parser failed: {type(err).__name__}: {err}", kind="error")


def _encode(parsed: Parsed, record: dict | None = None) -> bytes:
    payload = (record or parsed.article.to_dict()) if parsed.article else {
        "error": parsed.error, "kind": parsed.kind, "items": parsed.items}
    if parsed.kept_previous:
        payload = {**payload, "kept_previous": parsed.kept_previous}  # (the caller's record stays as it was)
    return store.record_blob(payload)


def _decode(page: RawPage, blob: bytes) -> Parsed:
    payload = store.record_of(blob)
    if "error" in payload and "title" not in payload:
        return Parsed(page, error=payload["error"], kind=payload["kind"], items=payload.get("items") or [],
                      reused=True)
    kept = payload.pop("kept_previous", None)
    return Parsed(page, article=Article(**payload), reused=True, kept_previous=kept)


def article_key(parsed: Parsed) -> str:
    url_id = article_id(parsed.article.url) if parsed.article.url else None
    if url_id:
        return url_id
    stem = re.sub(r"[^\w-]+", "-", Path(parsed.page.path).with_suffix("").as_posix()).strip("-")
    return f"file-{stem}"


_NON_WORD = re.compile(r"\W+")


def _same_article_key(article: Article) -> str | None:
    """Pages of one article under unrelated ids (old `/2010/08-18/030.php` vs `/artikel/149407…`): same title,
    day and opening words. A digest, so the pages table can index it."""
    if not article.title or not article.published_date or not article.body_markdown:
        return None
    title = _NON_WORD.sub(" ", article.title).strip().casefold()
    body = _NON_WORD.sub(" ", article.body_markdown[:160]).strip().casefold()
    return hashlib.sha1("\x1f".join((title, article.published_date, body[:120])).encode("utf-8")).hexdigest()


def listing_items(parsed: Parsed) -> list[dict]:
    """Items of a listing page, with the id of the article each links to."""
    rows = []
    for n, item in enumerate(parsed.items):
        link = item.get("link")
        rows.append({"source_path": parsed.page.path, "position": n, "title": item.get("title"),
                     "kicker": item.get("kicker"), "teaser": item.get("teaser"),
                     "authors": store.json_list(item.get("authors") or []),
                     "author_place": item.get("author_place"), "date": item.get("date"), "link": link,
                     "article_id": article_id(link) if link else None})
    return rows


def page_result(parsed: Parsed, stat: tuple | None, size: int) -> dict:
    """What the writer needs of one page: its `pages` row (with the keys the article choice ranks by), its listing
    items and its ingest_errors row."""
    page, a = parsed.page, parsed.article
    record = a.to_dict() if a else None
    sha256 = page.sha256
    row = {"source_path": page.path, "sha256": sha256, "url": page.url, "fetched_at": page.fetched_at,
           "listed_date": page.listed_date, "status": "article" if a else parsed.kind, "record": _encode(parsed, record),
           "bylines": "[]", "second_look": 0}
    if stat:
        row["file_size"], row["file_mtime_ns"], row["sidecar_mtime_ns"] = stat
    error = None
    if a:
        own = article_key(parsed)
        row.update(own_article_id=own, article_id=own, article_url=a.url, full_text=int(a.paywalled is not True),
                   text_length=len(a.body_markdown or ""),
                   fields_filled=sum(1 for value in record.values() if value not in (None, [], "")),
                   content_key=_same_article_key(a), bylines=store.json_list(a.authors),
                   second_look=int(not a.authors and a.shape in _SECOND_LOOK_SHAPES))
        if parsed.kept_previous:
            error = {"source_path": page.path, "sha256": sha256, "kind": "kept_previous",
                     "reason": parsed.kept_previous, "size": size}
    else:
        error = {"source_path": page.path, "sha256": sha256, "kind": parsed.kind,
                 "reason": parsed.error or "unknown", "size": size}
    return {"path": page.path, "page": row, "items": listing_items(parsed), "error": error}


_ROOT = Path(".")


def _init_worker(root: str) -> None:
    """Runs in the building process when its Workers are made, and again in each worker it forks: the word list and
    the gazetteer load here, before the fork, so the workers share them instead of each loading its own (half a
    second and 90 MB a process; in the forked workers they are loaded already)."""
    global _ROOT
    _ROOT = Path(root)
    from ingest.enrich import places, stems

    stems.load_word_list()
    places.load_gazetteer()


def _read_and_parse(_shared, task: tuple) -> dict:
    """(path, page or None, stat, previous (sha256, url, fetched_at, listed_date) or None) → a page result, or
    {"touched": …} when the file's bytes and sidecar are what the archive has."""
    rel, page, stat, previous = task
    if isinstance(page, Unreadable):  # a WARC file or record the reader could not read
        result = page_result(Parsed(RawPage(path=rel, data=b""), error=page.reason, kind="error"), stat, 0)
        result.update(parsed=True, unreadable=True)
        return result
    if page is None:
        try:
            page = read_file(_ROOT, rel)
        except OSError as err:
            page = RawPage(path=rel, data=b"")
            result = page_result(Parsed(page, error=f"unreadable: {err}", kind="error"), stat, 0)
            result.update(parsed=True, unreadable=True)
            return result
    if previous is not None and previous == (page.sha256, page.url, page.fetched_at, page.listed_date):
        return {"path": rel, "touched": stat}
    result = page_result(parse_one(page, frozenset()), stat, len(page.data))
    result["parsed"] = True
    if result["page"]["second_look"] and task[1] is not None:
        result["data"] = zlib.compress(page.data, 1)  # a WARC record cannot be read again on its own
    return result


def _look_again(seen: tuple[frozenset[str], frozenset[str] | None, re.Pattern | None], task: tuple) -> dict | None:
    """An unsigned compact page parsed again with every byline of the archive; a result only if that changes it.

    `changed` (the names that came or went since the page's last look) is None for a page parsed in this build;
    an older page is looked at again only if one of those names is in its text."""
    names, changed, index = seen
    rel, data, url, fetched_at, listed_date, stat = task
    if data is None:
        try:
            page = read_file(_ROOT, rel)
        except OSError:
            return None
    else:
        page = RawPage(rel, zlib.decompress(data), url, fetched_at, listed_date)
    try:
        text = decode_page(page.data)
    except PageError:
        return None
    # the parser takes a known name only where the page holds it, from a word's start: a page without any of the
    # names reads as it did (for most compact pages of a build, a parse saved)
    if not _holds_any(text, index):
        return None
    again = parse_one(page, names)
    if not (again.article and again.article.authors):
        if changed is None:
            return None
        again = parse_one(page, frozenset())  # the name that signed it is gone: back to what the page says alone
    result = page_result(again, stat, len(page.data))
    result["page"].update(bylines="[]", second_look=1)  # its own bylines stay none: the names came from others
    return result


_WORD_START = re.compile(r"(?<!\w)\w")


def name_index(names: Iterable[str]) -> re.Pattern | None:
    """One pattern that finds any of the names from a word's start, whitespace as the text parser takes it; None
    when a name could not be found that way (then every page is read again). The names share their beginnings in
    it (a trie: "Lisa DeLuca" and "Lisa Fritsch" are "Lisa (?:DeLuca|Fritsch)"), so at a word's start the regex
    engine follows one branch instead of trying every name; a name that ends where a longer one goes on ends the
    branch (holding the shorter one is enough)."""
    trie: dict = {}
    for name in names:
        name = " ".join(name.split())
        if len(name) < 2 or not _WORD_START.match(name):
            return None
        node = trie
        for char in name:
            node = node.setdefault(char, {})
        node[""] = {}
    if not trie:
        return re.compile(r"(?!)")  # no names: nothing to find

    def branch(node: dict) -> str:
        if "" in node:
            return ""
        choices = [re.escape(char) + branch(child) for char, child in sorted(node.items())]
        return choices[0] if len(choices) == 1 else "(?:" + "|".join(choices) + ")"

    return re.compile(r"(?<!\w)" + branch(trie))


def _holds_any(text: str, index: re.Pattern | None) -> bool:
    """Whether any name of the index (name_index) stands in the text from a word's start, whitespace taken as the
    text parser takes it (no-break spaces, soft hyphens, runs of spaces); True whenever that cannot be told."""
    if index is None:
        return True
    return index.search(" ".join(text.replace("\u00a0", " ").replace("\u00ad", "").split())) is not None


def _render(_shared, task: tuple) -> dict:
    """(article id, source_path, sha256, record, listing items as JSON) → the article's row."""
    key, path, sha256, record, items = task
    article = _decode(RawPage(path, b""), record).article
    fill_gaps_from_listings(article, json.loads(items) if items else [])
    return article_row(key, article, path, sha256)


def fill_gaps_from_listings(a: Article, items: list[list]) -> None:
    """An article seen only behind a paywall may lack kicker, teaser or byline that a listing shows (the first
    listing item, in page order, that has one)."""
    for title, kicker, teaser, authors, author_place in items:
        a.kicker = a.kicker or kicker
        a.teaser = a.teaser or teaser
        if not a.authors and authors and authors != "[]":
            a.authors = json.loads(authors)
            a.author_place = a.author_place or author_place
        a.title = a.title or title


def article_row(key: str, a: Article, source_path: str, sha256: str) -> dict:
    place = geocode(a.dateline) if a.dateline else None
    # the page's date: when it went online, else the printed edition's day (an HTML page's <meta name="date">)
    day = a.published_date or a.print_edition_date
    month = a.published_month or (a.print_edition_date or "")[:7] or None
    # most of these lists are empty: "[]" without making a JSON encoder
    authors, agencies, topics, disagreements = (store.json_list(values) if values else "[]"
                                                for values in (a.authors, a.agencies, a.topics, a.disagreements))
    return {
        "id": key, "url": canonical_url(a.url) if a.url else None, "title": a.title, "kicker": a.kicker,
        "teaser": a.teaser, "published": a.published, "published_date": day,
        "published_month": month, "published_year": int(month[:4]) if month else None,
        "date_source": "page" if month else None,
        "print_edition_date": a.print_edition_date, "print_page": a.print_page, "section": a.section,
        "page_kind": a.page_kind, "authors": authors, "author_place": a.author_place,
        "dateline": a.dateline, "place_id": place["geonameid"] if place else None,
        "latitude": place["latitude"] if place else None, "longitude": place["longitude"] if place else None,
        "agencies": agencies, "image": a.image, "image_credit": a.image_credit,
        "caption": a.caption, "topics": topics, "disagreements": disagreements,
        "body_markdown": a.body_markdown, "paywalled": None if a.paywalled is None else int(a.paywalled),
        "article_length": a.article_length, "word_count": a.word_count, "shape": a.shape,
        "source_path": source_path, "sha256": sha256,
        "search_stems": german_stems(a.title, a.kicker, a.teaser, a.body_markdown),
    }


def place_row(dateline: str) -> dict:
    place = geocode(dateline)
    return {"id": place["geonameid"], "dateline": dateline, "name": place["name"],
            "country_code": place["country_code"], "country": place["country"], "latitude": place["latitude"],
            "longitude": place["longitude"], "population": place["population"]}


# --- work on every core --------------------------------------------------------------------------------------------

def _run_chunk(job: tuple) -> list:
    function, shared, tasks = job
    return [function(shared, task) for task in tasks]


class Workers:
    """A pool of forked worker processes (none with workers=1): `map` keeps a few chunks in flight per worker and
    yields results in order, so a million pages never wait in memory at once. A small job (a daily update's
    hundred pages) runs in this process: forking workers that each load the stemmer's word list costs more."""

    INLINE_BELOW = 1000  # tasks

    def __init__(self, workers: int, root: Path):
        self.count = max(1, workers)
        self.root = root
        self.pool = None
        _init_worker(str(root))

    def map(self, function: Callable, shared, tasks: Iterable, chunk: int = 64, size: int | None = None,
            ahead: int = 4, handing: Callable[[list], None] | None = None) -> Iterator:
        """Results of function(shared, task) in task order; `size`, when known, lets a small job run here; at most
        `ahead` chunks per worker wait in flight; `handing(tasks)` is called with each chunk as it goes to a worker
        (not when the job runs here)."""
        if self.count == 1 or (size is not None and size < self.INLINE_BELOW):
            for task in tasks:
                yield function(shared, task)
            return
        if self.pool is None:  # forked now: the workers never touch the database connection the build holds
            self.pool = multiprocessing.get_context("fork").Pool(self.count, _init_worker, (str(self.root),))
        pending, batch = [], []

        def hand(chunk_of_tasks: list) -> None:
            if handing is not None:
                handing(chunk_of_tasks)
            pending.append(self.pool.apply_async(_run_chunk, ((function, shared, chunk_of_tasks),)))

        for task in tasks:
            batch.append(task)
            if len(batch) >= chunk:
                hand(batch)
                batch = []
                while len(pending) > ahead * self.count:
                    yield from pending.pop(0).get()
        if batch:
            hand(batch)
        for result in pending:
            yield from result.get()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()


# --- which files to read -----------------------------------------------------------------------------------------

def _stat(entry: os.DirEntry) -> tuple[int, int]:
    st = entry.stat()
    return st.st_size, st.st_mtime_ns


# what walk() yields, with prints, for a top-level folder whose page files are as the archive recorded them
AS_RECORDED = "as recorded"


def walk(root: Path, pool: Workers | None = None,
         prints: dict[str, tuple[str, int]] | None = None) -> Iterator[tuple[str, tuple, bool | str]]:
    """(path relative to root, (size, mtime_ns, sidecar mtime_ns or None), is a WARC file) of every page file and
    WARC file, in the order of their paths as strings (the order of the pages table's key). With a pool, the
    directories under root are listed (and their files' stat asked) by the workers, a few at a time, in order.
    With `prints` (folder → its print in the archive, store.folder_prints), a top-level folder whose page files
    give the same print comes as one ("folder/", (pages,), AS_RECORDED) instead of its pages (its WARC files
    still come one by one): the writer then need not compare a million files with a million rows."""
    if pool is None:
        yield from _entries(root, "")
        return
    prints = prints or {}
    found, names = _listing(root)
    folders = [entry for entry in found if entry.is_dir()]
    listings = pool.map(_list_folder, None, ((e.path, e.name + "/", prints.get(e.name)) for e in folders),
                        chunk=1, size=len(folders) * Workers.INLINE_BELOW)
    for entry in found:
        if not entry.is_dir():
            yield from _file(entry, names, "")
            continue
        prefix, pages, entries = next(listings)
        if pages is not None:
            yield prefix, (pages,), AS_RECORDED
        yield from entries


def folder_print(pages: Iterable[tuple]) -> tuple[str, int]:
    """(digest, number) of page files given as (path, size, mtime_ns, sidecar mtime_ns), in any order: the same
    for a folder on disk and for its rows in `pages` exactly when no page file of it came, changed or went."""
    lines = sorted(f"{path}\t{size}\t{mtime}\t{sidecar}" for path, size, mtime, sidecar in pages)
    return hashlib.blake2b("\n".join(lines).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest(), len(lines)


def _list_folder(_shared, task: tuple[str, str, tuple | None]) -> tuple[str, int | None, list]:
    """Everything walk() yields under one top-level folder (runs in a worker): (prefix, None, entries), or
    (prefix, pages, its WARC files only) when its page files give the print the archive has."""
    directory, prefix, recorded = task
    entries = list(_entries(directory, prefix))
    if recorded is not None:
        found = folder_print((rel, *stat) for rel, stat, warc in entries if not warc)
        if found == tuple(recorded):
            return prefix, found[1], [entry for entry in entries if entry[2]]
    return prefix, None, entries


def _listing(directory) -> tuple[list, dict]:
    with os.scandir(directory) as it:
        found = list(it)
    # a directory sorts as "name/": the order of full paths, so the walk merges with `ORDER BY source_path`
    return sorted(found, key=lambda e: e.name + "/" if e.is_dir() else e.name), {entry.name: entry for entry in found}


def _entries(directory, prefix: str) -> Iterator[tuple[str, tuple, bool]]:
    found, names = _listing(directory)
    for entry in found:
        if entry.is_dir():
            yield from _entries(entry.path, f"{prefix}{entry.name}/")
        else:
            yield from _file(entry, names, prefix)


def _file(entry: os.DirEntry, names: dict, prefix: str) -> Iterator[tuple[str, tuple, bool]]:
    name = entry.name
    if not entry.is_file() or name.startswith("."):
        return
    if name.lower().endswith(WARC_SUFFIXES):
        yield f"{prefix}{name}", (*_stat(entry), None), True
    elif not name.endswith(META_SUFFIX) and _suffix(name).lower() in PAGE_SUFFIXES:
        sidecar = names.get(name + META_SUFFIX)
        yield f"{prefix}{name}", (*_stat(entry), _stat(sidecar)[1] if sidecar else None), False


def _suffix(name: str) -> str:
    """Path(name).suffix without making a Path (a million of them are most of an update's walk)."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def _warc_base(path: str) -> str | None:
    base = path.split("#", 1)[0]
    return base if base.lower().endswith(WARC_SUFFIXES) else None


@dataclass
class Plan:
    loose: list  # tasks for _read_and_parse
    warc_files: list[tuple[str, tuple]]  # WARC files to read (new or changed), with their stat
    unchanged: int = 0
    gone: list[str] = field(default_factory=list)
    as_recorded: set[str] = field(default_factory=set)  # top-level folders not compared file by file (walk())
    listed: dict[str, str] = field(default_factory=dict)  # url → the day WARC metadata records give it


def plan_update(db, root: Path, pool: Workers | None = None) -> Plan:
    """Compare the files under root with what the archive recorded, before anything is written."""
    plan = Plan([], [])
    known = store.page_states(db)
    current = None
    warc_on_disk: set[str] = set()
    warc_known: set[str] = set()

    def step():
        """The next row of a loose page; the records of WARC files (`FILE#record`, or a damaged FILE's own row) are
        compared file by file below."""
        nonlocal current
        current = next(known, None)
        while current is not None and ("#" in current[0] or current[0].endswith(WARC_SUFFIXES)) \
                and (base := _warc_base(current[0])) is not None:
            warc_known.add(base)
            current = next(known, None)

    def gone_before(rel: str | None) -> None:
        """The rows before rel (every row left, for None): their files are no longer on disk."""
        while current is not None and (rel is None or current[0] < rel):
            plan.gone.append(current[0])
            step()

    step()
    for rel, stat, warc in walk(root, pool, store.folder_prints(db)):
        if warc is AS_RECORDED:  # rel is "folder/": its rows are [folder/, folder0) ("0" follows "/")
            plan.unchanged += stat[0]
            plan.as_recorded.add(rel[:-1])
            gone_before(rel)
            known = store.page_states(db, start=rel[:-1] + "0")
            step()
            continue
        if warc:
            warc_on_disk.add(rel)
            continue
        gone_before(rel)
        if current is not None and current[0] == rel:
            path, size, mtime, sidecar = current
            step()
            if (size, mtime, sidecar) == stat:
                plan.unchanged += 1
                continue
            plan.loose.append((rel, None, stat, path))
        else:
            plan.loose.append((rel, None, stat, None))
    gone_before(None)
    # what the archive has of touched files: is it the same bytes and sidecar? (read only for these)
    plan.loose = [(rel, None, stat, store.page_meta(db, known_path) if known_path else None)
                  for rel, _page, stat, known_path in plan.loose]
    for rel in sorted(warc_known - warc_on_disk):
        plan.gone.extend(store.warc_file_pages(db, rel))
        plan.gone.append(rel)  # a whole damaged file's error row
    for rel in sorted(warc_on_disk):
        state = store.warc_file_state(db, rel)
        if state is not None and tuple(state) == stat_of_warc(root / rel)[:2]:
            plan.unchanged += len(store.warc_file_pages(db, rel))
        else:
            plan.warc_files.append((rel, stat_of_warc(root / rel)))
    return plan


def stat_of_warc(path: Path) -> tuple[int, int, None]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns, None


def plan_fresh(root: Path) -> Plan:
    """Every file: the loose pages as one lazy walk, which fills warc_files as it goes (read after the pages)."""
    plan = Plan([], [])

    def pages():
        for rel, stat, warc in walk(root):
            if warc:
                plan.warc_files.append((rel, stat))
            else:
                yield rel, None, stat, None

    plan.loose = pages()
    return plan


def record_folders(db, root: Path, plan: Plan) -> None:
    """Each top-level folder's print as the archive now has it (walk() skips a folder that still matches), except
    the folders the walk found as recorded; a folder gone from disk loses its print."""
    prints = {}
    for entry in os.scandir(root):
        if entry.is_dir() and entry.name not in plan.as_recorded:
            rows = store.page_states(db, start=entry.name + "/", stop=entry.name + "0")
            prints[entry.name] = folder_print(row for row in rows if _warc_base(row[0]) is None)
    store.set_folder_prints(db, prints, keep=plan.as_recorded)


def _warc_results(db, root: Path, pool: Workers, plan: Plan, fresh: bool, size: int | None) -> Iterator[dict]:
    """Page results of the records of new or changed WARC files, each file read and its records parsed by a worker:
    a record the archive has (its id is in the path) is not parsed again; records of a changed file that are gone,
    go. Revisits are resolved here once every file was read (a revisit may refer to a response in another file)."""
    files = plan.warc_files
    if not files:
        return
    before = {rel: set() if fresh else set(store.warc_file_pages(db, rel)) | {rel} for rel, _stat in files}
    stats = dict(files)
    payloads: dict = {}
    pending: list = []
    known: set[str] = set()  # revisits the archive has already
    listed: dict[str, str] = {}
    spool = Path(tempfile.mkdtemp(prefix="jw-warc-"))  # each file's results, written by its worker as it goes
    try:
        for found in pool.map(_read_warc_file, spool, ((rel, stat, before[rel]) for rel, stat in files), chunk=1,
                              size=size, ahead=1):
            yield from _spooled(found["results"])
            _absorb(found, payloads, pending, known, listed, before)
    finally:
        shutil.rmtree(spool, ignore_errors=True)
    yield from _resolve_revisits(root, pool, plan, stats, before, payloads, pending, known, listed)


def _spooled(path: str) -> Iterator[dict]:
    """The results a worker wrote, one pickle after another; the file goes once read."""
    with open(path, "rb") as stream:
        while True:
            try:
                yield pickle.load(stream)
            except EOFError:
                break
    os.unlink(path)


def _absorb(found: dict, payloads: dict, pending: list, known: set, listed: dict, before: dict) -> None:
    """What one file's worker saw, merged with what the others saw (the first response of a payload wins)."""
    for key, where in found["payloads"].items():
        payloads.setdefault(key, where)
    pending.extend(found["pending"])
    known |= found["known"]
    for url, day in found["listed"].items():
        listed[url] = min(day, listed.get(url, day))
    before[found["file"]] = found["left"]


def _resolve_revisits(root: Path, pool: Workers, plan: Plan, stats: dict, before: dict, payloads: dict,
                      pending: list, known: set, listed: dict) -> Iterator[dict]:
    reader = WarcReader(root, payloads, listed, pending)
    if any(payloads.get((target, digest)) is None for _n, _u, target, digest, _d in pending):
        # a revisit refers to a response in a file this update did not read: read the others for their payloads
        read, waiting = set(stats), len(pending)
        for path in _warc_files(root):
            if path.relative_to(root).as_posix() not in read:
                for _page in reader.read(path):
                    pass
        del reader.pending[waiting:]  # the other files' own revisits are in the archive already
    revisits = []
    for page in reader.unresolved():  # revisits, once every file was read
        rel = page.path.split("#", 1)[0]
        before[rel].discard(page.path)
        if isinstance(page, RawPage) and page.path in known:  # a record's id names the same bytes for ever
            yield {"path": page.path, "touched": stats[rel]}
        else:
            revisits.append((page.path, page, stats[rel], None))
    yield from pool.map(_read_and_parse, None, revisits, size=len(revisits))
    for records in before.values():
        plan.gone.extend(sorted(records))
    plan.listed = reader.listed  # a metadata record may give a day to a page of an earlier (or unread) file


def _read_warc_file(spool: Path, task: tuple[str, tuple, set]) -> dict:
    """One WARC file read and its pages parsed (runs in a worker): its page results, written to a file in `spool`
    as they come (a crawler's 1 GB file holds ~150,000 pages), what revisits wait for, the responses' payload
    locations and listed days (the writer resolves revisits across files)."""
    rel, stat, before = task
    reader = WarcReader(_ROOT)
    known = set()
    descriptor, results = tempfile.mkstemp(dir=spool, suffix=".pickle")
    with os.fdopen(descriptor, "wb") as out:
        for page in reader.read(_ROOT / rel):
            if isinstance(page, RawPage) and page.path in before:  # a record's id names the same bytes for ever
                result = {"path": page.path, "touched": stat}
            else:
                result = _read_and_parse(None, (page.path, page, stat, None))
            pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
            before.discard(page.path)
    for revisit in reader.pending:
        if revisit[0] in before:
            known.add(revisit[0])
            before.discard(revisit[0])
    return {"file": rel, "results": results, "payloads": reader.payloads, "pending": reader.pending,
            "known": known, "listed": reader.listed, "left": before}


def _warc_files(root: Path) -> list[Path]:
    return [root / rel for rel, _stat, warc in walk(root) if warc]


# --- the build ---------------------------------------------------------------------------------------------------

def build(raw_dir: str | Path, target: str | Path, progress: bool = True, incremental: bool = True,
          workers: int | None = None, rebuild: bool = False) -> Summary:
    """Every page under raw_dir into the archive at target: in place when it is an archive this build can update
    (unless `rebuild` or not `incremental`), else a fresh file swapped in when complete, which keeps the old
    file's article_versions unless not `incremental`."""
    raw_dir, target = Path(raw_dir), Path(target)
    if not raw_dir.is_dir():
        raise SystemExit(f"{raw_dir}: no such directory of raw pages")
    in_place = incremental and not rebuild and store.updatable(target)
    # a fresh file's full-text index is built by a process of its own, forked before Workers loads the word list
    side = None if in_place else SideIndex()
    pool = Workers(workers or os.cpu_count() or 1, raw_dir)
    try:
        if in_place:
            with store.updating(target) as db:
                summary = _ingest(db, raw_dir, pool, None, progress=progress)
                summary.updated_in_place = True
            return summary
        with store.building(target) as db:
            side.open(SideIndex.path_beside(db.conn))
            if incremental:
                store.copy_versions(db, target)
            return _ingest(db, raw_dir, pool, side, progress=progress)
    finally:
        pool.close()
        if side is not None:
            side.close()


class _Phases:
    """Wall and CPU seconds of each phase of a build, of this process, of the workers and of the full-text index's
    process, printed to stderr at the end when JW_BUILD_PHASES is set (where a build's time goes, for
    bench/README.md: the others' CPU is read from /proc while they live, since it reaches this process's own
    counters only when they are gone; the index's process, once gone, from those counters)."""

    def __init__(self, pool: Workers, side: SideIndex | None = None):
        self.pool = pool
        self.side = side
        self.on = bool(os.environ.get("JW_BUILD_PHASES"))
        self.rows: list[tuple[str, float, float, float, float]] = []
        self.name, self.at = None, self._now()

    @staticmethod
    def _cpu(pid: int) -> float:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return 0.0

    def _now(self) -> tuple[float, float, float, float]:
        if not self.on:
            return 0.0, 0.0, 0.0, 0.0
        workers = sum(self._cpu(process.pid) for process in getattr(self.pool.pool, "_pool", None) or ())
        side = 0.0
        if self.side is not None:
            side = self._cpu(self.side.pid) if self.side.process.is_alive() else sum(os.times()[2:4])
        return time.perf_counter(), time.process_time(), workers, side

    def __call__(self, name: str | None) -> None:
        """The phase `name` starts (None: the last one ended)."""
        if not self.on:
            return
        now = self._now()
        if self.name is not None:
            self.rows.append((self.name, *(b - a for a, b in zip(self.at, now))))
        self.name, self.at = name, now
        if name is None:
            total = [sum(row[i] for row in self.rows) for i in (1, 2, 3, 4)]
            print(f"{'phase':<28}{'wall s':>9}{'main CPU s':>12}{'workers CPU s':>15}{'index CPU s':>13}",
                  file=sys.stderr)
            for label, wall, main, workers, side in self.rows + [("total", *total)]:
                print(f"{label:<28}{wall:9.2f}{main:12.2f}{workers:15.2f}{side:13.2f}", file=sys.stderr)


@dataclass
class _Changes:
    """What a build touched, for the article choice and the lookup tables."""
    own_ids: set = field(default_factory=set)  # groups (own ids) whose pages came, changed or went
    articles: set = field(default_factory=set)  # articles those pages were in before
    urls: set = field(default_factory=set)  # article URLs those pages gave, before and now
    linked: set = field(default_factory=set)  # articles listing items point to, before and now
    second_look: list = field(default_factory=list)  # pages parsed now that want a second look
    warc_data: dict = field(default_factory=dict)  # their bytes, when they came from a WARC file


def _ingest(db, raw_dir: Path, pool: Workers, side: SideIndex | None, progress: bool) -> Summary:
    """A build's phases; `side` (a fresh build's only) indexes the articles for full-text search as they are
    written."""
    fresh = side is not None
    summary = Summary()
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    changes = _Changes()
    phases = _Phases(pool, side)
    phases("plan")
    names_before = None if fresh else store.bylines(db)
    plan = plan_fresh(raw_dir) if fresh else plan_update(db, raw_dir, pool)
    touched: list = []
    # how many, when the plan knows it: an update's changed files (a WARC file may hold thousands of records)
    size = None if fresh else len(plan.loose) + Workers.INLINE_BELOW * len(plan.warc_files)
    results = _chain(pool.map(_read_and_parse, None, plan.loose, size=size, handing=_prefetching(raw_dir)),
                     _warc_results(db, raw_dir, pool, plan, fresh, size))
    versions: list[dict] = []
    batch: list[dict] = []
    written: set[str] = set()
    phases("reading pages")
    bar = tqdm(desc="reading pages", unit="page", disable=not progress)
    for result in results:
        bar.update(1)
        if "touched" in result:
            touched.append((*result["touched"], result["path"]))
            continue
        batch.append(result)
        if not fresh:
            written.add(result["path"])
        if len(batch) >= BATCH:
            _write_batch(db, batch, fresh, changes, versions, now, summary)
            batch = []
    if batch:
        _write_batch(db, batch, fresh, changes, versions, now, summary)
    bar.close()
    phases("pages done")
    store.touch_pages(db, touched)
    summary.pages_reused = plan.unchanged + len(touched)
    gone = sorted(set(plan.gone) - written)
    if gone:
        summary.pages_gone = _remove(db, gone, changes)
    store.add_versions(db, versions)
    store.index_pages(db)
    phases("second look")
    _second_look(db, pool, changes, names_before, progress)
    phases("article choice")
    affected = store.regroup(db, None if fresh else changes.own_ids, changes.articles, list(_ID_PREFERENCE))
    affected |= changes.linked
    phases("writing articles")
    places, agencies = _write_articles(db, pool, affected, side, progress, summary)
    phases("capture versions")
    keep_captures(db, None if fresh else affected)
    phases("aliases, listed dates")
    store.relink_aliases(db, None if fresh else changes.urls | store.alias_urls_of(db, affected))
    listed_later = store.set_listed_dates(db, plan.listed)
    if fresh or affected or listed_later or summary.pages_parsed or summary.pages_gone:
        # else every input of the dates is as it was
        phases("date pass")
        store.index_for_dates(db)
        date_articles(db)
    phases("folders")
    record_folders(db, raw_dir, plan)
    if fresh:  # (finish names its parts to the phase timer)
        store.finish(db, places, agencies, NAME_VARIANTS, fulltext=side, step=phases)
    phases("summary")
    _summarise(db, summary)
    phases(None)
    return summary


def _prefetching(root: Path) -> Callable[[list], None]:
    """For Workers.map: the loose pages of a chunk of _read_and_parse's tasks asked of the disk as the chunk goes to
    a worker (the tasks' stat says whether a page has a sidecar), so they are read while earlier chunks are parsed."""
    return lambda tasks: prefetch(root, ((rel, stat[2] is not None) for rel, page, stat, _previous in tasks
                                         if page is None))


def _chain(*iterables):
    for iterable in iterables:
        yield from iterable


def _write_batch(db, batch: list[dict], fresh: bool, changes: _Changes, versions: list, now: str,
                 summary: Summary) -> None:
    """Page rows, listing items and error rows of one batch of results; in an update, what they replace."""
    old = {} if fresh else store.old_pages(db, [r["path"] for r in batch])
    if not fresh:
        changes.linked |= store.listing_links(db, [r["path"] for r in batch if r["path"] in old])
    rows = []
    for result in batch:
        summary.pages_parsed += 1
        row, prev = result["page"], old.get(result["path"])
        if prev:
            changes.own_ids.add(prev["own_article_id"])
            changes.articles.add(prev["article_id"])
            changes.urls.add(prev["article_url"])
        if row["status"] != "article" and prev and prev["status"] == "article" and prev["record"] \
                and not result.get("unreadable"):
            # a page that now fails keeps the article already ingested from its earlier bytes
            page = RawPage(row["source_path"], b"", row["url"], row["fetched_at"], row["listed_date"])
            kept = _decode(page, prev["record"])
            kept.kept_previous = result["error"]["reason"]
            stat = (row.get("file_size"), row.get("file_mtime_ns"), row.get("sidecar_mtime_ns"))
            size = result["error"]["size"]
            result = page_result(kept, stat, size)
            result["page"]["sha256"] = result["error"]["sha256"] = row["sha256"]
            row = result["page"]
        elif prev and prev["status"] == "article" and prev["record"] and row["status"] == "article" \
                and prev["sha256"] != row["sha256"]:
            versions.append({**version_row(prev["article_id"], row["source_path"], prev["sha256"], prev["record"]),
                             "replaced_at": now})
        if row.get("own_article_id") and not fresh:  # (a fresh build chooses among every page anyway)
            changes.own_ids.add(row["own_article_id"])
            changes.urls.add(row["article_url"])
        if row.get("second_look"):
            changes.second_look.append(row["source_path"])
            if "data" in result:
                changes.warc_data[row["source_path"]] = result["data"]
        if not fresh:
            changes.linked.update(item["article_id"] for item in result["items"] if item["article_id"])
        rows.append(result)
    store.write_pages(db, [r["page"] for r in rows])
    for r in rows:
        if not fresh or r["items"] or r["error"]:
            store.write_page_parts(db, r["path"], r["items"], r["error"])
    for values in (changes.own_ids, changes.articles, changes.urls):
        values.discard(None)


def _remove(db, paths: list[str], changes: _Changes) -> int:
    old = store.old_pages(db, paths)
    changes.linked |= store.listing_links(db, paths)
    for prev in old.values():
        changes.own_ids.add(prev["own_article_id"])
        changes.articles.add(prev["article_id"])
        changes.urls.add(prev["article_url"])
    for values in (changes.own_ids, changes.articles, changes.urls):
        values.discard(None)
    store.delete_pages(db, paths)
    return len(old)


def _second_look(db, pool: Workers, changes: _Changes, names_before: frozenset[str] | None, progress: bool) -> None:
    """Unsigned compact pages parsed again with every byline of the archive: those parsed in this build, and
    older ones whose text holds a name that came or went since they were last looked at."""
    names = store.bylines(db)
    now_parsed = set(changes.second_look)
    sources = {row[0]: row for row in store.page_sources(db, sorted(now_parsed))}
    groups = [([_look_task(sources[path], changes.warc_data.get(path)) for path in sorted(now_parsed)], None)]
    changed = frozenset(names ^ names_before) if names_before is not None else None
    if changed:
        older = [path for path in store.second_look_pages(db) if path not in now_parsed]
        sources = {row[0]: row for row in store.page_sources(db, older)}
        in_warc = [path for path in older if _warc_base(path)]
        data = _warc_bytes(pool.root, set(in_warc)) if in_warc else {}
        groups.append(([_look_task(sources[path], data.get(path)) for path in older
                        if not _warc_base(path) or path in data], changed))
    results = []
    for tasks, flavour in groups:
        seen = (names, flavour, name_index(names if flavour is None else flavour))
        for result in tqdm(pool.map(_look_again, seen, tasks, size=len(tasks)), total=len(tasks),
                           desc="second look",
                           unit="page", disable=not progress or not tasks):
            if result is not None:
                results.append(result)
            if len(results) >= BATCH:
                _write_looks(db, results, changes)
                results = []
    _write_looks(db, results, changes)


def _look_task(source: tuple, data: bytes | None) -> tuple:
    path, url, fetched_at, listed_date, size, mtime, sidecar = source
    return path, data, url, fetched_at, listed_date, (size, mtime, sidecar)


def _write_looks(db, results: list[dict], changes: _Changes) -> None:
    if not results:
        return
    old = store.old_pages(db, [r["path"] for r in results])
    for result in results:
        prev = old[result["path"]]
        changes.own_ids.update(key for key in (prev["own_article_id"], result["page"].get("own_article_id")) if key)
        if prev["article_id"]:
            changes.articles.add(prev["article_id"])
        changes.urls.update(url for url in (prev["article_url"], result["page"].get("article_url")) if url)
    store.update_records(db, [r["page"] for r in results])


def _warc_bytes(root: Path, wanted: set[str]) -> dict[str, bytes]:
    """The bytes of some WARC records, read again from their files (only when bylines came or went)."""
    out = {}
    reader = WarcReader(root)
    pages = _chain(*(reader.read(path) for path in _warc_files(root)), _Later(reader.unresolved))
    for page in pages:
        if isinstance(page, RawPage) and page.path in wanted:
            out[page.path] = zlib.compress(page.data, 1)
    return out


class _Later:
    """An iterable that asks for its items only when iterated (revisits resolve after every file was read)."""

    def __init__(self, make: Callable[[], Iterable]):
        self.make = make

    def __iter__(self):
        return iter(self.make())


def _write_articles(db, pool: Workers, ids: set[str], side: SideIndex | None, progress: bool,
                    summary: Summary) -> tuple[dict, dict]:
    """The row of every article whose pages changed (every article in a fresh build, indexed by `side`), from its
    most complete page; in a fresh build also the places and agencies they name, for `store.finish`."""
    if side is not None:
        places: dict[int, dict] = {}
        agencies: dict[str, tuple[str, str]] = {}

        def noted(rows):
            for row in rows:  # in id order: the first article at a place names it, as in an update
                if row["place_id"] and row["place_id"] not in places:
                    places[row["place_id"]] = place_row(row["dateline"])
                for code in json.loads(row["agencies"]):
                    if code not in agencies:
                        agencies[code] = agency_name(code)
                yield row

        rows = pool.map(_render, None, store.article_sources(db, None), chunk=RENDER_CHUNK, ahead=RENDER_AHEAD)
        # indexed as the rows come, by the side index's process, while the workers render the next ones
        store.insert_articles(db, noted(tqdm(rows, desc="writing articles", unit="article", disable=not progress)),
                              index=side)
        side.finish()  # it merges the index while this process goes on
        summary.articles_changed = store.counts(db)["articles"]
        return places, agencies
    gone = store.articles_without_pages(db, ids)
    live = sorted(set(ids) - set(gone))
    before = store.lookup_values(db, set(ids))
    store.forget_in_fts(db, set(ids))
    store.delete_articles(db, gone)
    batch, written = [], 0
    rows = pool.map(_render, None, store.article_sources(db, live), chunk=RENDER_CHUNK, size=len(live),
                    ahead=RENDER_AHEAD)
    for row in tqdm(rows, total=len(live), desc="writing articles", unit="article", disable=not progress):
        batch.append(row)
        if len(batch) >= BATCH:
            store.upsert_articles(db, batch)
            written += len(batch)
            batch = []
    store.upsert_articles(db, batch)
    store.index_in_fts(db)
    written += len(batch)
    summary.articles_changed = written + len(gone)
    store.refresh_lookups(db, set(ids), before, place_row, agency_name)
    return {}, {}


def _summarise(db, summary: Summary) -> None:
    counts = store.counts(db)
    summary.articles_written = counts["articles"]
    summary.duplicates_merged = counts["article_pages"] - counts["articles"]
    summary.versions_kept = counts["versions"]
    summary.pages_read = summary.pages_parsed + summary.pages_reused
    for path, kind, reason in store.rejected(db):
        if kind == "kept_previous":
            summary.rejected[f"kept previous version: {reason.split(':')[0]}"] += 1
        else:
            summary.rejected["listing page" if kind == "listing" else reason.split(":")[0]] += 1
        summary.rejected_pages.append((path, reason))
    summary.date_sources = store.date_sources(db)


def date_articles(db) -> None:
    """A day for every article the page left undated: from a listing or feed that links it, from its old
    `/YYYY/MM-DD/NNN.php` address, and last an estimate from its article number between the archive's dated
    articles (ingest/enrich/dates.py). `published` stays what the page said; `date_source` says which."""
    # every article the page did not date is dated anew, so an update in place that brings new dated neighbours
    # or a new listing gives the same dates as a rebuild of the same pages; at a million articles this pass reads
    # numbers and day ordinals straight into arrays, and SQL writes only the dates that change
    found = {key: (day, "listing") for key, day in store.listed_dates(db).items()}
    for key, url in store.undated_print_urls(db):
        if key not in found and (day := date_from_url(url)):
            found[key] = (day, "url")
    points: dict[str, tuple[list, list]] = {}
    for series, number, day in store.page_dated_numbers(db):
        numbers, days = points.setdefault(series, ([], []))
        numbers.append(number)
        days.append(day)
    wanted: dict[str, tuple[list, list]] = {}
    for key, series, number in store.undated_numbers(db):
        if key in found:
            numbers, days = points.setdefault(series, ([], []))
            numbers.append(number)
            days.append(date.fromisoformat(found[key][0]).toordinal())
        else:
            keys, numbers = wanted.setdefault(series, ([], []))
            keys.append(key)
            numbers.append(number)
    dates = [(key, day, source) for key, (day, source) in found.items()]
    dates.extend((key, day, "estimated") for key, day in estimated(points, wanted))
    store.set_dates(db, dates)
