"""Related articles on each article page: the articles that share its most distinctive word stems.

An article's stems (`search_stems`, German Snowball stems of its whole text) are weighted by tf·idf: how often the
article uses a stem (1 + its log: a stem said ten times is not ten times the topic), times how rare the stem is in
the archive. How rare is first estimated from a sample of the
archive's articles (every n-th rowid, read once per database file in a thread of its own): FTS5 can say in how many
articles a stem occurs (its `fts5vocab` table), but only by reading the stem's whole list of articles, which for
the common stems of a million articles costs more than the article page itself. The most distinctive stems, as
many as keep their estimated articles within MAX_POSTINGS, are then looked up in the FTS index one by one (the
exact rarity of each comes with it), and every other article scores the weights of the stems it shares. That is
FTS5's bm25 for an OR of the stems without its per-row work: bm25 over the same matches cost 5× as much.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import math
import os
import threading
from collections import Counter
from typing import NamedTuple

import numpy as np

from datasette import hookimpl
from datasette.utils import escape_sqlite, tilde_encode
from datasette.utils.sqlite import sqlite3  # the module Datasette uses (pysqlite3 where installed)

TABLE, STEMS, FTS = "articles", "search_stems", "articles_fts"
SHOWN = 5
SAMPLE = 20_000  # articles read to estimate how common each stem is
MAX_TERMS = 12  # stems looked up per article page
# articles read from the FTS index per article page, estimated: the stems chosen stay within this (at a million
# articles reading a stem's articles costs ~0.15 µs each, and scoring them about as much again: 20,000 are ~5 ms)
MAX_POSTINGS = 20_000
COMMON = 0.05  # a stem in more than this share of articles says nothing about a topic
MIN_LENGTH = 3


class Vocabulary(NamedTuple):
    """Stems of a sample of the archive: in how many of the `sampled` articles each occurs, of `articles` in all."""
    articles: int
    sampled: int
    documents: dict[str, int]

    def estimate(self, stem: str) -> float:
        """Articles of the archive with this stem, estimated; a stem the sample never saw gets half a sample's worth."""
        scale = self.articles / self.sampled if self.sampled else 1.0
        return max(self.documents.get(stem, 0), 0.5) * scale


def sample_vocabulary(path: str) -> Vocabulary | None:
    """Read every n-th article's stems (at most SAMPLE) from the file at `path`, opened read-only."""
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        columns = {row[1] for row in conn.execute(f"pragma table_info({escape_sqlite(TABLE)})")}
        if STEMS not in columns:
            return None
        articles, last = conn.execute(f"select count(*), max(rowid) from {escape_sqlite(TABLE)}").fetchone()
        if not articles:
            return Vocabulary(0, 0, {})
        step = max(1, (last or 0) // SAMPLE)
        documents: Counter = Counter()
        sampled = 0
        # rowid ranges are read in order from the table's b-tree: no scan of the whole file
        for start in range(1, (last or 0) + 1, step * 1000):
            ids = ",".join(str(i) for i in range(start, min(start + step * 1000, last + 1), step))
            for stems, in conn.execute(f"select {STEMS} from {escape_sqlite(TABLE)} where rowid in ({ids})"):
                sampled += 1
                if stems:
                    documents.update(set(stems.split()))
        return Vocabulary(articles, sampled, dict(documents))
    finally:
        conn.close()


_LOADING: dict[tuple, concurrent.futures.Future] = {}
_LOCK = threading.Lock()
_EXECUTOR = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="related")


def vocabulary_future(db) -> concurrent.futures.Future | None:
    if db.is_memory or not db.path:
        return None
    stat = os.stat(db.path)
    key = (db.path, stat.st_mtime_ns, stat.st_size)  # a rebuilt file is a new vocabulary
    with _LOCK:
        if key not in _LOADING:
            _LOADING[key] = _EXECUTOR.submit(sample_vocabulary, db.path)
        return _LOADING[key]


def distinctive(stems: str | None, vocabulary: Vocabulary) -> dict[str, float]:
    """The article's most distinctive stems with their weight in it (1 + log of its count), most distinctive first,
    as many as MAX_TERMS and MAX_POSTINGS allow."""
    counts = Counter((stems or "").split())
    scored = []
    for stem, tf in counts.items():
        if len(stem) < MIN_LENGTH or stem.isdigit():
            continue
        documents = vocabulary.estimate(stem)
        if documents > COMMON * vocabulary.articles:
            continue
        weight = 1 + math.log(tf)
        scored.append((weight * math.log(vocabulary.articles / documents), documents, stem, weight))
    scored.sort(key=lambda s: (-s[0], s[2]))
    chosen, postings = {}, 0.0
    for _, documents, stem, weight in scored:
        if postings + documents > MAX_POSTINGS:
            continue  # a rarer stem further down may still fit
        chosen[stem] = weight
        postings += documents
        if len(chosen) == MAX_TERMS:
            break
    return chosen


def match_stem(stem: str) -> str:
    """An FTS5 query for one stem in the stems column only."""
    return f'{STEMS} : "' + stem.replace('"', '""') + '"'


def neighbours(conn: sqlite3.Connection, article_id: str, stems: dict[str, float], total: int) -> list[dict]:
    """In a database thread: the SHOWN articles sharing the most weight of `stems` (each stem's weight in the
    article times its rarity among the `total` articles), best first, as rows of id, title, published, section."""
    table, fts = escape_sqlite(TABLE), escape_sqlite(FTS)
    own = conn.execute(f"select rowid from {table} where id = ?", [article_id]).fetchone()
    found, weights = [], []
    for stem, weight in stems.items():
        blob = conn.execute(f"select cast(group_concat(rowid) as blob) from {fts} where {fts} match ?",
                            [match_stem(stem)]).fetchone()[0]
        rowids = np.fromstring(blob, dtype=np.int64, sep=",") if blob else np.zeros(0, dtype=np.int64)
        if len(rowids) <= 1:
            continue  # only the article itself
        found.append(rowids)
        weights.append(np.full(len(rowids), weight * math.log(total / len(rowids))))
    if not found:
        return []
    rowids, where = np.unique(np.concatenate(found), return_inverse=True)
    scores = np.bincount(where, weights=np.concatenate(weights))
    if own:
        scores[rowids == own[0]] = -1
    # the best SHOWN, ties to the newer article (higher rowid): sorting only those at or above the SHOWN-th score
    # (a full lexsort of ~20,000 scores took 1 ms)
    candidates = (np.flatnonzero(scores >= np.partition(scores, -SHOWN)[-SHOWN]) if len(scores) > SHOWN
                  else np.arange(len(scores)))
    order = candidates[np.lexsort((-rowids[candidates], -scores[candidates]))][:SHOWN]
    best = [int(rowids[i]) for i in order if scores[i] > 0]
    if not best:
        return []
    rows = {row[0]: row[1:] for row in conn.execute(
        f"select rowid, id, title, published, section from {table} where rowid in ({', '.join(map(str, best))})")}
    return [dict(zip(("id", "title", "published", "section"), rows[rowid])) for rowid in best if rowid in rows]


async def related(datasette, database: str, article: dict) -> list[dict]:
    """Up to SHOWN articles that share the most distinctive stems of `article` (a row with id and search_stems)."""
    db = datasette.get_database(database)
    future = vocabulary_future(db)
    vocabulary = await asyncio.wrap_future(future) if future else None
    if not vocabulary or not vocabulary.articles:
        return []
    stems = distinctive(article.get(STEMS), vocabulary)
    if not stems:
        return []
    # one trip to a database thread for all of it: each trip costs about as much as a stem's lookup
    found = await db.execute_fn(lambda conn: neighbours(conn, article.get("id"), stems, vocabulary.articles))
    return [dict(row, url=datasette.urls.row(database, TABLE, tilde_encode(row["id"]))) for row in found]


_SEARCHABLE: dict[tuple, bool] = {}


async def _has_stems(db, table: str) -> bool:
    """Does `table` have the stems column and its FTS index? Asked once per database file."""
    key = (db.name, db.path, table)
    if key not in _SEARCHABLE:
        _SEARCHABLE[key] = (table == TABLE and await db.fts_table(table) == FTS
                            and STEMS in await db.table_columns(table))
    return _SEARCHABLE[key]


@hookimpl
def extra_template_vars(view_name, database, table, datasette):
    if view_name != "row" or table != TABLE:
        return {}

    async def related_articles(article) -> list[dict]:
        # called by templates/row-archive-articles.html with the article's row
        if not await _has_stems(datasette.get_database(database), table):
            return []
        return await related(datasette, database, dict(article))

    return {"related_articles": related_articles}


@hookimpl
def startup(datasette):
    # read the sample now, so the first article page does not wait for it
    async def inner():
        for db in datasette.databases.values():
            if not db.is_memory and db.path and TABLE in await db.table_names() and await _has_stems(db, TABLE):
                vocabulary_future(db)

    return inner
