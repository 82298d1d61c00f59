"""The archive database: every schema fact (tables, columns, indexes, FTS) and the atomic swap of the finished file."""
from __future__ import annotations

import json
import os
import threading
import zlib
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator

import sqlite_utils
from sqlite_utils.utils import sqlite3  # pysqlite3 (a newer SQLite) where it is installed
import zstandard

ARTICLE_COLUMNS = {
    "id": str, "url": str, "title": str, "kicker": str, "teaser": str,
    "published": str, "published_date": str, "published_month": str, "published_year": int,
    "print_edition_date": str, "print_page": int, "section": str, "page_kind": str,
    "authors": str, "author_place": str, "dateline": str, "place_id": int,
    "latitude": float, "longitude": float, "agencies": str, "image": str, "image_credit": str, "caption": str,
    "body_markdown": str, "paywalled": int, "article_length": int, "word_count": int,
    "shape": str, "source_path": str, "sha256": str, "search_stems": str,
    "topics": str, "date_source": str, "disagreements": str,
}
FTS_TABLE = "articles_fts"
# search_stems holds German stems (ingest/enrich/stems.py); plugins/german_search.py matches queries against it.
# A plain tokenizer on purpose: any SQLite client can open and search the file.
FTS_STEMS_COLUMN = "search_stems"
FTS_COLUMNS = ["title", "kicker", "teaser", "body_markdown", FTS_STEMS_COLUMN]
FTS_VALUES = ", ".join(f"[{column}]" for column in FTS_COLUMNS)
FTS_TOKENIZE = "unicode61 remove_diacritics 2"
FACET_INDEXES = [
    ["section"], ["page_kind"], ["published"], ["published_date"], ["published_month"], ["published_year"],
    ["dateline"], ["place_id"], ["paywalled"], ["print_edition_date"], ["author_place"], ["date_source"],
    ["shape"],
]
EXPRESSION_INDEXES = {"idx_articles_published_day": "date(published)"}
# the date pass (ingest/build.py date_articles) reads every undated and every dated article on each build: from
# this index, not from a million rows of text
DATE_PASS_INDEX = "CREATE INDEX IF NOT EXISTS idx_articles_date_pass ON articles (date_source, id, published_date, url)"
# Every raw page read, with what a later build needs to leave it alone or to choose among the pages of one article
# without decoding records: `article_id` is the article the page ended up in, `own_article_id` the one its own URL
# (or file name) gives; full_text, text_length and fields_filled rank the pages of one article (the most complete
# wins), content_key joins ids that hold the same article, bylines are the page's own authors (the names the second
# look at unsigned compact pages knows), second_look marks such a page. file_size/file_mtime_ns (of the page's
# file, or of its WARC file) and sidecar_mtime_ns tell an update which files it need not read again.
PAGE_COLUMNS = {
    "source_path": str, "sha256": str, "url": str, "fetched_at": str, "listed_date": str, "status": str,
    "article_id": str, "record": bytes, "own_article_id": str, "article_url": str, "full_text": int,
    "text_length": int, "fields_filled": int, "content_key": str, "bylines": str, "second_look": int,
    "file_size": int, "file_mtime_ns": int, "sidecar_mtime_ns": int,
}
# The pages table holds every record (most of its bytes): what an update asks of it without reading records is
# answered from these indexes (name → (columns, WHERE of a partial index)); made with the table, filled as pages come
PAGE_INDEXES = {
    "idx_pages_article_id": ("article_id, status", ""),
    "idx_pages_own_article_id": ("own_article_id", ""),
    "idx_pages_content_key": ("content_key", "content_key IS NOT NULL"),
    "idx_pages_article_url": ("article_url", ""),
    "idx_pages_files": ("source_path, file_size, file_mtime_ns, sidecar_mtime_ns", ""),
    "idx_pages_bylines": ("bylines", "bylines != '[]'"),
    "idx_pages_second_look": ("second_look", "second_look = 1"),
    "idx_pages_status": ("status", ""),
    "idx_pages_listed_date": ("article_id, listed_date", "listed_date IS NOT NULL"),
}
# The most complete page of an article wins: full text over paywalled, then more text, more fields, the later fetch,
# the later path (ingest/build.py computes the three numbers from the record)
MOST_COMPLETE_FIRST = ("full_text DESC, text_length DESC, fields_filled DESC, coalesce(fetched_at, '') DESC, "
                       "source_path DESC")


def connect(path: str | Path) -> sqlite_utils.Database:
    return sqlite_utils.Database(sqlite3.connect(str(path)))


def create_schema(db: sqlite_utils.Database) -> None:
    db["sections"].create({"name": str, "articles": int}, pk="name", if_not_exists=True)
    db["places"].create(
        {"id": int, "dateline": str, "name": str, "country_code": str, "country": str,
         "latitude": float, "longitude": float, "population": int, "articles": int},
        pk="id", if_not_exists=True,
    )
    db["agencies"].create({"code": str, "name": str, "kind": str, "articles": int}, pk="code", if_not_exists=True)
    db["authors"].create({"id": int, "name": str, "articles": int}, pk="id", if_not_exists=True)
    db["topics"].create({"name": str, "articles": int}, pk="name", if_not_exists=True)
    db["articles"].create(
        ARTICLE_COLUMNS, pk="id", if_not_exists=True,
        foreign_keys=[("section", "sections", "name"), ("place_id", "places", "id")],
    )
    db["article_authors"].create(
        {"article_id": str, "author_id": int, "position": int}, pk=("article_id", "author_id"),
        foreign_keys=[("article_id", "articles", "id"), ("author_id", "authors", "id")], if_not_exists=True,
    )
    db["article_agencies"].create(
        {"article_id": str, "agency_code": str, "position": int}, pk=("article_id", "agency_code"),
        foreign_keys=[("article_id", "articles", "id"), ("agency_code", "agencies", "code")], if_not_exists=True,
    )
    db["article_topics"].create(
        {"article_id": str, "topic": str, "position": int}, pk=("article_id", "topic"),
        foreign_keys=[("article_id", "articles", "id"), ("topic", "topics", "name")], if_not_exists=True,
    )
    db["aliases"].create({"url": str, "article_id": str, "source_path": str}, pk="url", if_not_exists=True,
                         foreign_keys=[("article_id", "articles", "id")])
    db["pages"].create(PAGE_COLUMNS, pk="source_path", if_not_exists=True)
    if set(PAGE_COLUMNS) <= set(db["pages"].columns_dict):  # an older archive's pages table is only read
        for name, (columns, where) in PAGE_INDEXES.items():
            db.conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON pages ({columns})" + (f" WHERE {where}" if where else ""))
    # kind: NULL for a page that changed between builds (replaced_at: that build), 'capture' for another capture of
    # the article's address among the raw pages (captured_at: when it was fetched; ingest/versions.py)
    versions = {"id": int, "article_id": str, "source_path": str, "sha256": str, "replaced_at": str, "title": str,
                "teaser": str, "published": str, "body_markdown": str, "record": str, "kind": str, "captured_at": str}
    db["article_versions"].create(versions, pk="id", if_not_exists=True)
    for name in versions.keys() - db["article_versions"].columns_dict.keys():  # an archive made before they were
        db.conn.execute(f"ALTER TABLE article_versions ADD COLUMN [{name}] TEXT")
    db["listing_items"].create(
        {"source_path": str, "position": int, "title": str, "kicker": str, "teaser": str, "authors": str,
         "author_place": str, "date": str, "link": str, "article_id": str},
        pk=("source_path", "position"), if_not_exists=True,
    )
    db["ingest_errors"].create(
        {"source_path": str, "sha256": str, "kind": str, "reason": str, "size": int},
        pk="source_path", if_not_exists=True,
    )
    db["name_variants"].create({"variant": str, "name": str}, pk="variant", if_not_exists=True)
    # a top-level folder of the raw pages whose page files are, file for file, what `pages` records (a digest of
    # their paths, sizes and modification times): an update's walk need not merge its files with the table
    db["page_folders"].create({"folder": str, "fingerprint": str, "pages": int}, pk="folder", if_not_exists=True)


def insert_articles(db: sqlite_utils.Database, rows: Iterable[dict], batch_size: int = 2000, index=None) -> None:
    """New rows into a fresh archive; `index` (ingest/fulltext.py's SideIndex), when given, gets each batch's
    rowids and full-text columns as it is written, so the index is built while the rows come (in a build, while the
    workers still render the next ones)."""
    # one prepared statement for every row: at a million articles sqlite-utils' per-batch SQL building and
    # type checks cost more than SQLite itself (bench/README.md); rows carry every column of ARTICLE_COLUMNS.
    # The rowids are given, so the index knows them without reading the rows back.
    columns = list(ARTICLE_COLUMNS)
    sql = (f"INSERT OR REPLACE INTO articles (rowid, {', '.join(columns)}) "
           f"VALUES (?{', ?' * len(columns)})")
    indexed = [columns.index(column) + 1 for column in FTS_COLUMNS]
    conn = db.conn
    rowid = conn.execute("SELECT coalesce(max(rowid), 0) FROM articles").fetchone()[0]
    batch = []
    for row in rows:
        rowid += 1
        batch.append((rowid, *(row.get(column) for column in columns)))
        if len(batch) >= batch_size:
            _insert_batch(conn, sql, batch, index, indexed)
            batch = []
    if batch:
        _insert_batch(conn, sql, batch, index, indexed)


def _insert_batch(conn: sqlite3.Connection, sql: str, batch: list[tuple], index, indexed: list[int]) -> None:
    conn.executemany(sql, batch)
    if index is not None:
        index.add([(values[0], *(values[i] for i in indexed)) for values in batch])


def create_fts_table(conn: sqlite3.Connection, hashsize: int | None = None) -> None:
    """The full-text table of a fresh archive (the same table as sqlite-utils' enable_fts(FTS_COLUMNS,
    tokenize=FTS_TOKENIZE)), empty and set for filling in bulk (`hashsize`: FTS5's term buffer, FTS_BUILD_HASHSIZE when
    not given); merge_fts when it is full."""
    fts = FTS_TABLE
    conn.execute(f"CREATE VIRTUAL TABLE [{fts}] USING FTS5 ({FTS_VALUES}, tokenize='{FTS_TOKENIZE}', content=[articles])")
    conn.execute(f"INSERT INTO [{fts}] ([{fts}], rank) VALUES ('hashsize', {hashsize or FTS_BUILD_HASHSIZE})")
    conn.execute(f"INSERT INTO [{fts}] ([{fts}], rank) VALUES ('automerge', 0)")
    conn.execute(f"INSERT INTO [{fts}] ([{fts}], rank) VALUES ('crisismerge', {FTS_BUILD_CRISISMERGE})")


def merge_fts(conn: sqlite3.Connection) -> None:
    """The filled index merged into one segment, its settings back to FTS5's defaults."""
    fts = FTS_TABLE
    conn.execute(f"INSERT INTO [{fts}] ([{fts}]) VALUES ('optimize')")
    conn.execute(f"INSERT INTO [{fts}] ([{fts}], rank) VALUES ('hashsize', {FTS_DEFAULT_HASHSIZE})")
    conn.execute(f"INSERT INTO [{fts}] ([{fts}], rank) VALUES ('automerge', {FTS_DEFAULT_AUTOMERGE})")
    conn.execute(f"INSERT INTO [{fts}] ([{fts}], rank) VALUES ('crisismerge', {FTS_DEFAULT_CRISISMERGE})")
    conn.execute(f"DELETE FROM [{fts}_config] WHERE k = 'crisismerge'")


def _read_archive(path: str | Path, read, empty):
    """`read(conn)` on an existing archive opened read-only; `empty` when there is none or it is unreadable."""
    path = Path(path)
    if not path.exists():
        return empty
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        try:
            return read(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return empty  # an unreadable old archive: build everything anew


def known_authors(path: str | Path) -> frozenset[str]:
    """Every author name in an archive (empty when there is none yet)."""
    return _read_archive(path, lambda conn: frozenset(row[0] for row in conn.execute("SELECT name FROM authors")),
                         frozenset())


def finish(db: sqlite_utils.Database, places: dict[int, dict], agencies: dict[str, tuple[str, str]],
           name_variants: dict[str, str] | None = None, fulltext=None,
           step: Callable[[str], None] | None = None) -> None:
    """Lookup tables, many-to-many tables, FTS and indexes, once every article is in; `fulltext`: the SideIndex
    that insert_articles fed (its index is copied in last, so it merges while the rest is made), else the index
    is filled here. `step(name)` is told as each part starts (a build's phase timer)."""
    conn = db.conn
    step = step or (lambda name: None)
    if fulltext is None:
        # first: the pages of the index's segments the merge frees are filled again by what comes after (merged
        # last, they stayed free: 14 MB of a 100k archive)
        step("finish: full-text index")
        fill_fts(db)
    # the article table's indexes before the lookup tables: the counts of sections and places read them, not every row
    step("finish: indexes")
    for columns in FACET_INDEXES:
        db["articles"].create_index(columns, if_not_exists=True)
    for name, expression in EXPRESSION_INDEXES.items():
        conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON articles({expression})")
    conn.execute(DATE_PASS_INDEX)
    step("finish: lookup tables")
    conn.execute("DELETE FROM name_variants")
    db["name_variants"].insert_all(
        ({"variant": variant, "name": name} for variant, name in sorted((name_variants or {}).items())), replace=True
    )
    conn.execute("DELETE FROM sections")
    conn.execute("""INSERT INTO sections (name, articles)
                    SELECT section, count(*) FROM articles WHERE section IS NOT NULL GROUP BY section""")
    db["places"].insert_all(places.values(), replace=True)
    # counted in one pass: a correlated count per place/agency/author scans the unindexed table each time
    _set_counts(conn, "places", "id", "SELECT place_id, count(*) FROM articles WHERE place_id IS NOT NULL GROUP BY 1")
    db["agencies"].insert_all(
        ({"code": code, "name": name, "kind": kind} for code, (name, kind) in agencies.items()), replace=True
    )
    # the lists of every article that has one, read from the article table once: the four passes below read this
    # narrow copy (in the same order) instead of every article's text again
    conn.execute("DROP TABLE IF EXISTS temp.article_lists")
    conn.execute("""CREATE TEMP TABLE article_lists AS SELECT id, agencies, authors, topics FROM articles
                    WHERE agencies != '[]' OR authors != '[]' OR topics != '[]' ORDER BY rowid""")
    conn.execute("DELETE FROM article_agencies")
    conn.execute("""INSERT OR IGNORE INTO article_agencies (article_id, agency_code, position)
                    SELECT articles.id, je.value, je.key FROM temp.article_lists articles,
                                                               json_each(articles.agencies) je""")
    _set_counts(conn, "agencies", "code", "SELECT agency_code, count(*) FROM article_agencies GROUP BY 1")
    _number_authors(conn, "temp.article_lists")
    conn.execute("DELETE FROM article_topics")
    conn.execute("DELETE FROM topics")
    conn.execute("""INSERT OR IGNORE INTO article_topics (article_id, topic, position)
                    SELECT articles.id, je.value, je.key FROM temp.article_lists articles,
                                                               json_each(articles.topics) je""")
    conn.execute("INSERT INTO topics (name, articles) SELECT topic, count(*) FROM article_topics GROUP BY topic")
    conn.execute("DROP TABLE temp.article_lists")
    conn.commit()
    for table, column in [("article_authors", "author_id"), ("article_agencies", "agency_code"), ("article_topics", "topic"),
                          ("aliases", "article_id"), ("article_versions", "article_id"),
                          ("listing_items", "article_id")]:
        db[table].create_index([column], if_not_exists=True)
    step("finish: statistics")
    analyze(conn)  # (of the archive's own tables: the full-text index's are left out anyway)
    conn.commit()
    if fulltext is not None:  # last: until here its process merged the index beside this one
        step("finish: full-text copy")
        fulltext.copy_into(conn)
        if _fts_rows(conn) != conn.execute("SELECT count(*) FROM articles").fetchone()[0]:
            fill_fts(db)  # a row replaced after it was indexed (an id twice): index every row anew
            conn.commit()


def analyze(conn: sqlite3.Connection) -> None:
    """The query planner's statistics of the archive's tables, not of the full-text index's own (shadow) tables:
    FTS5 reads those by rowid and key only, whatever their statistics say, and counting their rows reads the whole
    index (at a million articles 11 of the 19 s a plain ANALYZE took after a build; the other tables' statistics
    and every serving query's plan are the same as with it, bench/README.md)."""
    try:
        tables = [row[0] for row in conn.execute(
            "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%'")]
    except sqlite3.OperationalError:  # SQLite before 3.37 lists no shadow tables: every table then
        conn.execute("ANALYZE")
        return
    for table in sorted(tables):
        conn.execute(f"ANALYZE main.[{table}]")
    # an SQLite built with STAT4 (pysqlite3's) also keeps sampled rows: the serving pages were measured with stat1
    # alone (the system's SQLite has no STAT4), and the samples hold rowids, which an update and a rebuild give apart
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat4'").fetchone():
        conn.execute("DELETE FROM sqlite_stat4")


def index_for_dates(db: sqlite_utils.Database) -> None:
    db.conn.execute(DATE_PASS_INDEX)


# date.toordinal() of a day is SQLite's julianday() of it less this: day ordinals come straight from SQL
JULIAN_DAY_OF_ORDINAL_ZERO = 1721424.5
# the ids of a number series (ingest/enrich/dates.py `numbered`: artikel-365771), their series and number, in SQL
_NUMBERED = ("(id GLOB 'artikel-[0-9]*' OR id GLOB 'beilage-[0-9]*' OR id GLOB 'rlk-[0-9]*') "
             "AND NOT substr(id, instr(id, '-') + 1) GLOB '*[^0-9]*'")
_SERIES_AND_NUMBER = "substr(id, 1, instr(id, '-') - 1), CAST(substr(id, instr(id, '-') + 1) AS INTEGER)"
# what a listing page or a feed says of an article's day: the first day any of them gives
_LISTED_DAYS = """SELECT article_id, date AS day FROM listing_items WHERE article_id IS NOT NULL AND date IS NOT NULL
                  UNION ALL
                  SELECT article_id, listed_date FROM pages WHERE article_id IS NOT NULL AND listed_date IS NOT NULL"""


def listed_dates(db: sqlite_utils.Database) -> dict[str, str]:
    """id → the first day a listing page or a feed gave, for the articles whose page gave no date."""
    return dict(db.conn.execute(
        f"""SELECT l.article_id, min(l.day) FROM ({_LISTED_DAYS}) l JOIN articles a ON a.id = l.article_id
            WHERE a.date_source IS NOT 'page' GROUP BY l.article_id"""))


def undated_print_urls(db: sqlite_utils.Database) -> Iterator[tuple[str, str]]:
    """(article id, url) of the articles the page did not date, for each URL (and alias) with `php` in it (an old
    print address has its day in it), in id and URL order."""
    yield from db.conn.execute(
        """SELECT id, url FROM articles INDEXED BY idx_articles_date_pass
           WHERE date_source IS NOT 'page' AND instr(url, 'php') > 0
           UNION
           SELECT al.article_id, al.url FROM aliases al JOIN articles a ON a.id = al.article_id
           WHERE a.date_source IS NOT 'page' AND instr(al.url, 'php') > 0
           ORDER BY 1, 2""")


def page_dated_numbers(db: sqlite_utils.Database) -> Iterator[tuple[str, int, float]]:
    """(series, number, day ordinal) of every numbered article whose page gave its day."""
    yield from db.conn.execute(
        f"""SELECT {_SERIES_AND_NUMBER}, julianday(published_date) - {JULIAN_DAY_OF_ORDINAL_ZERO}
            FROM articles INDEXED BY idx_articles_date_pass
            WHERE date_source = 'page' AND published_date IS NOT NULL AND {_NUMBERED}
              AND julianday(published_date) IS NOT NULL""")


def undated_numbers(db: sqlite_utils.Database) -> Iterator[tuple[str, str, int]]:
    """(id, series, number) of every numbered article whose page gave no date."""
    yield from db.conn.execute(f"SELECT id, {_SERIES_AND_NUMBER} FROM articles INDEXED BY idx_articles_date_pass "
                               f"WHERE date_source IS NOT 'page' AND {_NUMBERED}")


def set_dates(db: sqlite_utils.Database, dates: Iterable[tuple[str, str, str]]) -> None:
    """(id, day, date_source) for articles the page did not date; every other such article has no date.
    `published` stays what the page said. Only the rows whose date changes are written: an update re-dates every
    undated article, and rewriting half a million unchanged rows would cost more than the update itself."""
    conn = db.conn
    conn.execute("CREATE TEMP TABLE new_dates (id TEXT PRIMARY KEY, day TEXT, source TEXT)")
    try:
        conn.executemany("INSERT OR REPLACE INTO temp.new_dates (id, day, source) VALUES (?, ?, ?)", dates)
        conn.execute("""UPDATE articles SET published_date = n.day, published_month = substr(n.day, 1, 7),
                          published_year = CAST(substr(n.day, 1, 4) AS INTEGER), date_source = n.source
                        FROM temp.new_dates n
                        WHERE articles.id = n.id AND (articles.published_date IS NOT n.day
                                                      OR articles.date_source IS NOT n.source)""")
        conn.execute("""UPDATE articles SET published_date = NULL, published_month = NULL, published_year = NULL,
                          date_source = NULL
                        WHERE id IN (SELECT id FROM articles INDEXED BY idx_articles_date_pass
                                     WHERE date_source IS NOT 'page'
                                       AND (date_source IS NOT NULL OR published_date IS NOT NULL)
                                     EXCEPT SELECT id FROM temp.new_dates)""")
    finally:
        conn.execute("DROP TABLE temp.new_dates")


def date_sources(db: sqlite_utils.Database) -> Counter:
    """Articles per date_source (None: no date at all)."""
    return Counter(dict(db.conn.execute("SELECT date_source, count(*) FROM articles GROUP BY 1")))


def _set_counts(conn: sqlite3.Connection, table: str, key: str, counts_sql: str) -> None:
    conn.execute(f"UPDATE {table} SET articles = 0")
    conn.executemany(f"UPDATE {table} SET articles = ? WHERE {key} = ?",
                     [(count, value) for value, count in conn.execute(counts_sql)])


# The FTS index is most of a build's time. A large in-memory term buffer and no merging while filling, then
# one merge at the end, is the quickest way to one compact index; both settings go back to FTS5's defaults
# afterwards so a later writer does not inherit them (bench/README.md has the numbers).
FTS_BUILD_HASHSIZE = 256 * 2**20
FTS_DEFAULT_HASHSIZE, FTS_DEFAULT_AUTOMERGE = 2**20, 4
# Each statement that fills the index writes one segment (a fresh build fills it 2,000 rows at a time: 50 segments
# at 100k articles, 500 at 1M); FTS5 merges 16 segments of a level as soon as they are there, even with automerge
# off, and the final 'optimize' merges everything again: no merging before it (its most is 1,999 segments a level)
# writes the index once. 100k articles: 15 → 11.5 CPU s to fill, optimize +0.4 s. Then back to FTS5's default,
# with no row of its own in the config table (as enable_fts leaves it).
FTS_BUILD_CRISISMERGE, FTS_DEFAULT_CRISISMERGE = 1999, 16


def fill_fts(db: sqlite_utils.Database) -> None:
    """The full-text table (create_fts_table) made anew and filled from the articles, in bulk."""
    conn, fts = db.conn, FTS_TABLE
    if fts in db.table_names():
        db["articles"].disable_fts()
    create_fts_table(conn)
    conn.execute(f"INSERT INTO [{fts}] (rowid, {FTS_VALUES}) SELECT rowid, {FTS_VALUES} FROM articles")
    merge_fts(conn)


def _fts_rows(conn: sqlite3.Connection) -> int:
    return conn.execute(f"SELECT count(*) FROM [{FTS_TABLE}_docsize]").fetchone()[0]


VACUUM_FREE_SHARE = 0.05


@contextmanager
def building(target: str | Path) -> Iterator[sqlite_utils.Database]:
    """A fresh database in a temporary file beside `target`, moved into place only when complete."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    for stale in target.parent.glob(f"{target.name}.tmp-*"):
        stale.unlink()
    db = connect(tmp)
    db.conn.execute("PRAGMA journal_mode = OFF")
    db.conn.execute("PRAGMA synchronous = OFF")
    # the sorts of CREATE INDEX and of the article choice on every core: the build's tail has one process working
    # (15 indexes over a million articles: 1.2–1.5 → 1.0–1.5 s each with a second thread)
    db.conn.execute(f"PRAGMA threads = {min(os.cpu_count() or 1, 8)}")
    try:
        create_schema(db)
        yield db
        db.conn.commit()
        db.conn.execute("PRAGMA journal_mode = DELETE")
        # a fresh file has hardly any free pages; rewriting a million articles for nothing takes a minute
        free, pages = (db.conn.execute(f"PRAGMA {name}").fetchone()[0] for name in ("freelist_count", "page_count"))
        if free > pages * VACUUM_FREE_SHARE:
            db.conn.execute("VACUUM")
        db.conn.close()
        with open(tmp, "rb") as finished:
            os.fsync(finished.fileno())
        os.replace(tmp, target)
        directory = os.open(target.parent, os.O_RDONLY)  # the rename itself survives a power cut too
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except BaseException:
        db.conn.close()
        tmp.unlink(missing_ok=True)
        raise


# JSON as the archive stores it (characters as they are), one encoder for every record and list a build writes:
# json.dumps(…, ensure_ascii=False) makes one for every call
JSON = json.JSONEncoder(ensure_ascii=False)


def json_list(values: list) -> str:
    return JSON.encode(values)


# pages.record is compressed with zstandard at level 1: a third of zlib's CPU a record (which every page's worker
# pays) for the same size. Archives built before hold zlib records (their first byte 0x78); record_of reads both, so
# an update onto one still reuses its pages' records. A zstd context must not serve two threads at once, so each
# thread makes its own once; a forked worker keeps a private copy of the forking thread's (with no threads of its
# own, level 1 holds no lock a fork could leave taken).
_ZSTD_FRAME = b"\x28\xb5\x2f\xfd"
_zstd = threading.local()


def record_blob(record: dict) -> bytes:
    """pages.record: a page's parsed record (or its error) as zstd-compressed JSON."""
    try:
        compress = _zstd.compress
    except AttributeError:
        compress = _zstd.compress = zstandard.ZstdCompressor(level=1).compress
    return compress(JSON.encode(record).encode("utf-8"))


def record_of(blob: bytes) -> dict:
    """The record record_blob stored (or an archive's built before stored, zlib-compressed)."""
    if blob[:4] != _ZSTD_FRAME:
        return json.loads(zlib.decompress(blob))
    try:
        decompress = _zstd.decompress
    except AttributeError:
        decompress = _zstd.decompress = zstandard.ZstdDecompressor().decompress
    return json.loads(decompress(blob))


# --- updates in place ------------------------------------------------------------------------------------------
# A build onto an existing archive changes it inside one SQLite transaction (rollback journal on): a build killed at
# any moment leaves the file as it was. Nothing below commits; sqlite-utils' insert_all would (`with conn:`), so
# these functions use plain statements.

def updatable(path: str | Path) -> bool:
    """An archive this build can update in place: it exists, is readable and its pages table has every column."""
    def read(conn):
        return set(PAGE_COLUMNS) <= {row[1] for row in conn.execute("PRAGMA table_info(pages)")}

    return _read_archive(path, read, False)


@contextmanager
def updating(target: str | Path) -> Iterator[sqlite_utils.Database]:
    """The archive itself, changed in one transaction that commits only when the block completes."""
    conn = sqlite3.connect(str(target), isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA cache_size = -262144")  # 256 MB: a daily update's pages stay in memory until the commit
    db = sqlite_utils.Database(conn)
    conn.execute("BEGIN IMMEDIATE")
    try:
        create_schema(db)  # tables added since the archive was made
        yield db
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()


def copy_versions(db: sqlite_utils.Database, old: str | Path) -> None:
    """The article_versions of an older archive, into a fresh one (its history is not lost by a rebuild)."""
    if not Path(old).exists():
        return
    try:
        db.conn.execute("ATTACH DATABASE ? AS old", [f"file:{old}?mode=ro"])
    except sqlite3.DatabaseError:
        return
    try:
        columns = [row[1] for row in db.conn.execute("PRAGMA old.table_info(article_versions)") if row[1] != "id"]
        if columns:
            names = ", ".join(columns)
            db.conn.execute(f"INSERT INTO article_versions ({names}) SELECT {names} FROM old.article_versions ORDER BY id")
    except sqlite3.DatabaseError:
        pass  # an unreadable old history: the new archive starts its own
    finally:
        db.conn.commit()
        db.conn.execute("DETACH DATABASE old")


def page_states(db: sqlite_utils.Database, start: str = "", stop: str | None = None) -> Iterator[tuple]:
    """(source_path, file_size, file_mtime_ns, sidecar_mtime_ns) of every page from `start` (up to `stop`), in
    source_path order."""
    bound = " AND source_path < ?" if stop is not None else ""
    yield from db.conn.execute("SELECT source_path, file_size, file_mtime_ns, sidecar_mtime_ns FROM pages "
                               f"INDEXED BY idx_pages_files WHERE source_path >= ?{bound} ORDER BY source_path",
                               [start] + ([stop] if stop is not None else []))


def folder_prints(db: sqlite_utils.Database) -> dict[str, tuple[str, int]]:
    """folder → (fingerprint, pages) as the last build left them."""
    return {folder: (fingerprint, pages) for folder, fingerprint, pages in
            db.conn.execute("SELECT folder, fingerprint, pages FROM page_folders")}


def set_folder_prints(db: sqlite_utils.Database, prints: dict[str, tuple[str, int]], keep: set[str]) -> None:
    """Write these folders' prints; forget every other folder's print except those in `keep`."""
    known = {row[0] for row in db.conn.execute("SELECT folder FROM page_folders")}
    db.conn.executemany("DELETE FROM page_folders WHERE folder = ?", [[f] for f in known - keep - set(prints)])
    db.conn.executemany("INSERT OR REPLACE INTO page_folders (folder, fingerprint, pages) VALUES (?, ?, ?)",
                        [(folder, fingerprint, pages) for folder, (fingerprint, pages) in prints.items()])


def set_listed_dates(db: sqlite_utils.Database, listed: dict[str, str]) -> int:
    """url → the day WARC metadata records give it, onto every page of a WARC file with that URL that has no
    earlier day (a record may come in a later file than its page); how many pages changed."""
    if not listed:
        return 0
    conn = db.conn
    conn.execute("CREATE TEMP TABLE listed_urls (url TEXT PRIMARY KEY, day TEXT)")
    try:
        conn.executemany("INSERT INTO temp.listed_urls (url, day) VALUES (?, ?)", listed.items())
        return conn.execute("""UPDATE pages SET listed_date = l.day FROM temp.listed_urls l
                               WHERE pages.url = l.url AND instr(pages.source_path, '#') > 0
                                 AND (pages.listed_date IS NULL OR pages.listed_date > l.day)""").rowcount
    finally:
        conn.execute("DROP TABLE temp.listed_urls")


def page_meta(db: sqlite_utils.Database, path: str) -> tuple:
    """(sha256, url, fetched_at, listed_date) the archive has for a page."""
    return tuple(db.conn.execute("SELECT sha256, url, fetched_at, listed_date FROM pages WHERE source_path = ?",
                                 [path]).fetchone())


def old_pages(db: sqlite_utils.Database, paths: list[str]) -> dict[str, dict]:
    """What the archive knows of these pages before they are written again (for versions and the article choice)."""
    out = {}
    for path in paths:
        row = db.conn.execute("SELECT source_path, sha256, status, article_id, own_article_id, article_url, record "
                              "FROM pages WHERE source_path = ?", [path]).fetchone()
        if row:
            out[path] = dict(zip(("source_path", "sha256", "status", "article_id", "own_article_id", "article_url",
                                  "record"), row))
    return out


def write_pages(db: sqlite_utils.Database, rows: list[dict]) -> None:
    columns = list(PAGE_COLUMNS)
    db.conn.executemany(f"INSERT OR REPLACE INTO pages ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                        [tuple(row.get(column) for column in columns) for row in rows])


def page_sources(db: sqlite_utils.Database, paths: list[str]) -> list[tuple]:
    """(source_path, url, fetched_at, listed_date, file_size, file_mtime_ns, sidecar_mtime_ns) of these pages."""
    return [db.conn.execute("SELECT source_path, url, fetched_at, listed_date, file_size, file_mtime_ns, "
                            "sidecar_mtime_ns FROM pages WHERE source_path = ?", [path]).fetchone() for path in paths]


_RECORD_COLUMNS = ["record", "status", "own_article_id", "article_url", "full_text", "text_length", "fields_filled",
                   "content_key", "bylines", "second_look"]


def update_records(db: sqlite_utils.Database, rows: list[dict]) -> None:
    """A page's record and the keys drawn from it, after a second look (its file and article stay)."""
    db.conn.executemany(f"UPDATE pages SET {', '.join(f'{column} = ?' for column in _RECORD_COLUMNS)} "
                        "WHERE source_path = ?",
                        [(*(row.get(column) for column in _RECORD_COLUMNS), row["source_path"]) for row in rows])


def add_versions(db: sqlite_utils.Database, versions: list[dict]) -> None:
    """Rows of article_versions (ingest/versions.py's version_row, with replaced_at, or kind and captured_at)."""
    columns = ["article_id", "source_path", "sha256", "replaced_at", "title", "teaser", "published", "body_markdown",
               "record", "kind", "captured_at"]
    db.conn.executemany(f"INSERT INTO article_versions ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                        [tuple(version.get(column) for column in columns) for version in versions])


def touch_pages(db: sqlite_utils.Database, stats: list[tuple]) -> None:
    """(file_size, file_mtime_ns, sidecar_mtime_ns, source_path) of pages whose files were touched, not changed."""
    db.conn.executemany("UPDATE pages SET file_size = ?, file_mtime_ns = ?, sidecar_mtime_ns = ? WHERE source_path = ?",
                        stats)


def write_page_parts(db: sqlite_utils.Database, path: str, items: list[dict], error: dict | None) -> None:
    """A page's listing items and its ingest_errors row, replacing what an earlier version of the page left."""
    db.conn.execute("DELETE FROM listing_items WHERE source_path = ?", [path])
    db.conn.execute("DELETE FROM ingest_errors WHERE source_path = ?", [path])
    if items:
        columns = ["source_path", "position", "title", "kicker", "teaser", "authors", "author_place", "date", "link",
                   "article_id"]
        db.conn.executemany(f"INSERT OR REPLACE INTO listing_items ({', '.join(columns)}) "
                            f"VALUES ({', '.join('?' * len(columns))})",
                            [tuple(item.get(column) for column in columns) for item in items])
    if error:
        db.conn.execute("INSERT OR REPLACE INTO ingest_errors (source_path, sha256, kind, reason, size) "
                        "VALUES (?, ?, ?, ?, ?)",
                        [error["source_path"], error["sha256"], error["kind"], error["reason"], error["size"]])


def listing_links(db: sqlite_utils.Database, paths: list[str]) -> set[str]:
    """Article ids the listing items of these pages point to."""
    out = set()
    for path in paths:
        out.update(row[0] for row in db.conn.execute(
            "SELECT article_id FROM listing_items WHERE source_path = ? AND article_id IS NOT NULL", [path]))
    return out


def delete_pages(db: sqlite_utils.Database, paths: list[str]) -> None:
    """Pages whose files are gone: the archive keeps nothing of them but their articles' old versions."""
    for path in paths:
        for table in ("pages", "listing_items", "ingest_errors"):
            db.conn.execute(f"DELETE FROM {table} WHERE source_path = ?", [path])


def warc_file_state(db: sqlite_utils.Database, rel: str) -> tuple | None:
    """(file_size, file_mtime_ns) recorded with the pages of one WARC file (paths `FILE#record`), None if none."""
    return db.conn.execute("SELECT file_size, file_mtime_ns FROM pages WHERE source_path >= ? AND source_path < ? "
                           "LIMIT 1", [rel + "#", rel + "$"]).fetchone()


def warc_file_pages(db: sqlite_utils.Database, rel: str) -> list[str]:
    return [row[0] for row in db.conn.execute("SELECT source_path FROM pages WHERE source_path >= ? AND source_path < ?",
                                              [rel + "#", rel + "$"])]


def index_pages(db: sqlite_utils.Database) -> None:
    db.conn.execute("CREATE INDEX IF NOT EXISTS idx_listing_items_article_id ON listing_items (article_id)")


def bylines(db: sqlite_utils.Database) -> frozenset[str]:
    """Every author name the archive's pages give by themselves."""
    return frozenset(row[0] for row in db.conn.execute(
        "SELECT DISTINCT je.value FROM (SELECT DISTINCT bylines FROM pages INDEXED BY idx_pages_bylines "
        "WHERE bylines != '[]') p, json_each(p.bylines) je"))


def second_look_pages(db: sqlite_utils.Database) -> list[str]:
    return [row[0] for row in db.conn.execute("SELECT source_path FROM pages WHERE second_look = 1 ORDER BY source_path")]


def regroup(db: sqlite_utils.Database, own_ids: set[str] | None, old_articles: set[str], preference: list[str]) -> set[str]:
    """Which article each page belongs to, worked out again for the groups of pages with these own ids (every group
    when None) and for every group that may share an article with them; returns the ids of the articles whose pages
    may have changed (old and new; none when every group was worked out).

    The pages of one own id form a group; a group's most complete page gives its content key; groups with the same
    content key are one article, under the id that comes first in `preference` (prefixes), then by id."""
    conn = db.conn
    conn.execute("DROP TABLE IF EXISTS temp.touched")
    conn.execute("CREATE TEMP TABLE touched (own TEXT PRIMARY KEY)")
    if own_ids is not None:
        conn.executemany("INSERT OR IGNORE INTO temp.touched VALUES (?)", [(key,) for key in own_ids])
        # groups that shared an article with a touched one, and groups whose pages have a touched group's content
        conn.execute("DROP TABLE IF EXISTS temp.articles_before")
        conn.execute("CREATE TEMP TABLE articles_before (id TEXT PRIMARY KEY)")
        conn.executemany("INSERT OR IGNORE INTO temp.articles_before VALUES (?)", [(key,) for key in old_articles])
        conn.execute("""INSERT OR IGNORE INTO temp.articles_before SELECT DISTINCT article_id FROM pages
                        WHERE own_article_id IN temp.touched AND article_id IS NOT NULL""")
        conn.execute("""INSERT OR IGNORE INTO temp.touched SELECT DISTINCT own_article_id FROM pages
                        WHERE article_id IN temp.articles_before AND own_article_id IS NOT NULL""")
        conn.execute("""INSERT OR IGNORE INTO temp.touched SELECT DISTINCT p.own_article_id FROM pages p
                        WHERE p.content_key IN (SELECT content_key FROM pages WHERE own_article_id IN temp.touched
                                                AND content_key IS NOT NULL)""")
    rank = "CASE " + " ".join(f"WHEN own LIKE '{prefix}%' THEN {i}" for i, prefix in enumerate(preference)) + \
           f" ELSE {len(preference)} END"
    conn.execute("DROP TABLE IF EXISTS temp.group_best")
    which = "own_article_id IS NOT NULL" if own_ids is None else "own_article_id IN temp.touched"
    conn.execute(f"""CREATE TEMP TABLE group_best AS
        SELECT own_article_id AS own, content_key AS content FROM (
            SELECT own_article_id, content_key, row_number() OVER (PARTITION BY own_article_id
                                                                    ORDER BY {MOST_COMPLETE_FIRST}) AS n
            FROM pages WHERE {which}) WHERE n = 1""")
    conn.execute("DROP TABLE IF EXISTS temp.group_article")
    conn.execute(f"""CREATE TEMP TABLE group_article AS
        SELECT g.own AS own, coalesce(c.own, g.own) AS article_id FROM temp.group_best g LEFT JOIN (
            SELECT content, own FROM (SELECT content, own, row_number() OVER (PARTITION BY content ORDER BY {rank}, own)
                                      AS n FROM temp.group_best WHERE content IS NOT NULL) WHERE n = 1
        ) c ON c.content = g.content""")
    conn.execute("CREATE INDEX temp.idx_group_article ON group_article (own)")
    affected = set(old_articles)
    if own_ids is not None:  # the articles these groups were in, and the ones they are in now
        affected.update(row[0] for row in conn.execute(
            "SELECT DISTINCT article_id FROM pages WHERE own_article_id IN temp.touched AND article_id IS NOT NULL"))
    if own_ids is not None:  # (for every group, the caller writes every article anyway)
        affected.update(row[0] for row in conn.execute("SELECT DISTINCT article_id FROM temp.group_article"))
    # driven from the groups (an UPDATE … FROM lets the planner scan every page and its record instead)
    conn.execute("""UPDATE pages SET article_id = (SELECT g.article_id FROM temp.group_article g
                                                   WHERE g.own = pages.own_article_id)
                    WHERE own_article_id IN (SELECT own FROM temp.group_article)
                      AND article_id IS NOT (SELECT g.article_id FROM temp.group_article g
                                             WHERE g.own = pages.own_article_id)""")
    return affected


def article_sources(db: sqlite_utils.Database, ids: list[str] | None) -> Iterator[tuple]:
    """(article id, source_path, sha256, record, listing items as JSON) of the most complete page of each article
    (of every article when ids is None), in id order; the items are those that link the article, in page order."""
    conn = db.conn
    conn.execute("DROP TABLE IF EXISTS temp.wanted")
    conn.execute("CREATE TEMP TABLE wanted (id TEXT PRIMARY KEY)")
    conn.executemany("INSERT OR IGNORE INTO temp.wanted VALUES (?)", [(key,) for key in ids or []])
    which = "" if ids is None else "AND article_id IN temp.wanted"
    conn.execute("DROP TABLE IF EXISTS temp.article_best")
    conn.execute(f"""CREATE TEMP TABLE article_best AS SELECT article_id, source_path FROM (
        SELECT article_id, source_path, row_number() OVER (PARTITION BY article_id ORDER BY {MOST_COMPLETE_FIRST}) AS n
        FROM pages WHERE status = 'article' AND article_id IS NOT NULL {which}) WHERE n = 1""")
    yield from conn.execute("""
        SELECT b.article_id, p.source_path, p.sha256, p.record,
               (SELECT json_group_array(json_array(title, kicker, teaser, authors, author_place)) FROM (
                   SELECT title, kicker, teaser, authors, author_place FROM listing_items li
                   WHERE li.article_id = b.article_id ORDER BY li.source_path, li.position))
        FROM temp.article_best b JOIN pages p ON p.source_path = b.source_path ORDER BY b.article_id""")


def articles_without_pages(db: sqlite_utils.Database, ids: set[str]) -> list[str]:
    """Of these article ids, those in the archive that no page holds any more."""
    return [key for key in sorted(ids) if db.conn.execute("SELECT 1 FROM articles WHERE id = ?", [key]).fetchone()
            and not db.conn.execute("SELECT 1 FROM pages WHERE article_id = ? AND status = 'article'", [key]).fetchone()]


def relink_aliases(db: sqlite_utils.Database, urls: set[str] | None) -> None:
    """Every URL an article page gave, to its article (the page with the last path wins a URL two articles share)."""
    conn = db.conn
    if urls is None:
        conn.execute("DELETE FROM aliases")
        where = ""
    else:
        conn.execute("DROP TABLE IF EXISTS temp.alias_urls")
        conn.execute("CREATE TEMP TABLE alias_urls (url TEXT PRIMARY KEY)")
        conn.executemany("INSERT OR IGNORE INTO temp.alias_urls VALUES (?)", [(url,) for url in urls])
        conn.execute("DELETE FROM aliases WHERE url IN temp.alias_urls")
        where = "AND article_url IN temp.alias_urls"
    conn.execute(f"""INSERT OR REPLACE INTO aliases (url, article_id, source_path)
                     SELECT article_url, article_id, max(source_path) FROM pages
                     WHERE status = 'article' AND article_url IS NOT NULL {where} GROUP BY article_url""")


def alias_urls_of(db: sqlite_utils.Database, ids: set[str]) -> set[str]:
    out = set()
    for key in ids:
        out.update(row[0] for row in db.conn.execute("SELECT url FROM aliases WHERE article_id = ?", [key]))
        out.update(row[0] for row in db.conn.execute(
            "SELECT article_url FROM pages WHERE article_id = ? AND article_url IS NOT NULL", [key]))
    return out


def forget_in_fts(db: sqlite_utils.Database, ids: set[str]) -> None:
    """Take these articles out of the full-text index (before they change or go): one statement, because FTS5
    writes a segment per statement and a few dozen small ones set off a merge that rewrites the whole index."""
    conn, fts = db.conn, FTS_TABLE
    conn.execute("DROP TABLE IF EXISTS temp.fts_ids")
    conn.execute("CREATE TEMP TABLE fts_ids (id TEXT PRIMARY KEY)")
    conn.executemany("INSERT OR IGNORE INTO temp.fts_ids VALUES (?)", [(key,) for key in ids])
    conn.execute(f"INSERT INTO [{fts}] ([{fts}], rowid, {FTS_VALUES}) SELECT 'delete', rowid, {FTS_VALUES} "
                 "FROM articles WHERE id IN temp.fts_ids ORDER BY rowid")


def index_in_fts(db: sqlite_utils.Database) -> None:
    """Put the articles forget_in_fts took out back into the index, as they are now (one statement again)."""
    conn, fts = db.conn, FTS_TABLE
    conn.execute(f"INSERT INTO [{fts}] (rowid, {FTS_VALUES}) SELECT rowid, {FTS_VALUES} FROM articles "
                 "WHERE id IN temp.fts_ids ORDER BY rowid")


def upsert_articles(db: sqlite_utils.Database, rows: list[dict]) -> None:
    """New and changed articles (a changed row keeps its rowid, which the full-text index refers to)."""
    columns = list(ARTICLE_COLUMNS)
    updates = ", ".join(f"[{column}] = excluded.[{column}]" for column in columns if column != "id")
    db.conn.executemany(f"INSERT INTO articles ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
                        f"ON CONFLICT (id) DO UPDATE SET {updates}",
                        [tuple(row.get(column) for column in columns) for row in rows])


def delete_articles(db: sqlite_utils.Database, ids: list[str]) -> None:
    """Articles no page holds any more (after forget_in_fts), with their many-to-many rows."""
    conn = db.conn
    for key in ids:
        for table in ("article_authors", "article_agencies", "article_topics"):
            conn.execute(f"DELETE FROM {table} WHERE article_id = ?", [key])
        conn.execute("DELETE FROM articles WHERE id = ?", [key])


def lookup_values(db: sqlite_utils.Database, ids: set[str]) -> dict[str, set]:
    """Section, place, agencies, authors and topics of these articles as they are now (before they change)."""
    out = {"sections": set(), "places": set(), "agencies": set(), "authors": set(), "topics": set()}
    for key in ids:
        row = db.conn.execute("SELECT section, place_id, agencies, authors, topics FROM articles WHERE id = ?",
                              [key]).fetchone()
        if row:
            section, place, agencies, authors, topics = row
            out["sections"].add(section)
            out["places"].add(place)
            out["agencies"].update(json.loads(agencies or "[]"))
            out["authors"].update(json.loads(authors or "[]"))
            out["topics"].update(json.loads(topics or "[]"))
    for values in out.values():
        values.discard(None)
    return out


def refresh_lookups(db: sqlite_utils.Database, ids: set[str], before: dict[str, set],
                    place_of: Callable[[str], dict], agency_of: Callable[[str], tuple[str, str]]) -> None:
    """Lookup tables and counts after these articles changed, as `finish` would make them from every article:
    `before` holds their values before the change; place_of(dateline) and agency_of(code) give a place's and an
    agency's details (ingest/enrich/)."""
    conn = db.conn
    after = lookup_values(db, ids)
    conn.execute("DROP TABLE IF EXISTS temp.changed")
    conn.execute("CREATE TEMP TABLE changed (id TEXT PRIMARY KEY)")
    conn.executemany("INSERT OR IGNORE INTO temp.changed VALUES (?)", [(key,) for key in ids])
    for table in ("article_agencies", "article_topics", "article_authors"):
        conn.execute(f"DELETE FROM {table} WHERE article_id IN temp.changed")
    conn.execute("""INSERT OR IGNORE INTO article_agencies (article_id, agency_code, position)
                    SELECT articles.id, je.value, je.key FROM articles, json_each(articles.agencies) je
                    WHERE articles.id IN temp.changed""")
    conn.execute("""INSERT OR IGNORE INTO article_topics (article_id, topic, position)
                    SELECT articles.id, je.value, je.key FROM articles, json_each(articles.topics) je
                    WHERE articles.id IN temp.changed""")
    names = after["authors"]
    known = {name for name in names if conn.execute("SELECT 1 FROM authors WHERE name = ?", [name]).fetchone()}
    conn.execute("""INSERT OR IGNORE INTO article_authors (article_id, author_id, position)
                    SELECT articles.id, authors.id, je.key FROM articles, json_each(articles.authors) je
                    JOIN authors ON authors.name = je.value WHERE articles.id IN temp.changed""")
    counted = _recount(conn, "authors", "name", "id", before["authors"] | names,
                       "SELECT count(*) FROM article_authors JOIN authors ON authors.id = article_authors.author_id "
                       "WHERE authors.name = ?")
    if known != names or 0 in counted.values():
        # author ids follow the names' order, as a rebuild numbers them: a new or vanished name numbers them anew
        _number_authors(conn)
    _recount(conn, "sections", "name", "name", before["sections"] | after["sections"],
             "SELECT count(*) FROM articles WHERE section = ?", insert="INSERT INTO sections (name) VALUES (?)")
    _recount(conn, "topics", "name", "name", before["topics"] | after["topics"],
             "SELECT count(*) FROM article_topics WHERE topic = ?", insert="INSERT INTO topics (name) VALUES (?)")
    for code in after["agencies"]:
        name, kind = agency_of(code)
        conn.execute("INSERT OR IGNORE INTO agencies (code, name, kind) VALUES (?, ?, ?)", [code, name, kind])
    _recount(conn, "agencies", "code", "code", before["agencies"] | after["agencies"],
             "SELECT count(*) FROM article_agencies WHERE agency_code = ?")
    for place_id in before["places"] | after["places"]:
        first = conn.execute("SELECT dateline FROM articles WHERE place_id = ? ORDER BY id LIMIT 1", [place_id]).fetchone()
        conn.execute("DELETE FROM places WHERE id = ?", [place_id])
        if first:  # the dateline of the first article in id order names the place, as in a rebuild
            place = dict(place_of(first[0]), dateline=first[0])
            columns = ["id", "dateline", "name", "country_code", "country", "latitude", "longitude", "population"]
            conn.execute(f"INSERT INTO places ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                         [place[column] for column in columns])
    _recount(conn, "places", "id", "id", before["places"] | after["places"],
             "SELECT count(*) FROM articles WHERE place_id = ?")
    # no ANALYZE: the planner's statistics of the last fresh build describe an archive a daily update hardly
    # changes, and even a sampled ANALYZE reads a few hundred MB of a million-article file


def _recount(conn, table: str, name: str, key: str, values: set, count_sql: str, insert: str | None = None) -> dict:
    """The article count of each value; a value no article has any more leaves its table."""
    counts = {}
    for value in values:
        counts[value] = conn.execute(count_sql, [value]).fetchone()[0]
        if counts[value] == 0:
            conn.execute(f"DELETE FROM {table} WHERE {name} = ?", [value])
            continue
        if insert and not conn.execute(f"SELECT 1 FROM {table} WHERE {name} = ?", [value]).fetchone():
            conn.execute(insert, [value])
        conn.execute(f"UPDATE {table} SET articles = ? WHERE {name} = ?", [counts[value], value])
    return counts


def _number_authors(conn: sqlite3.Connection, source: str = "articles") -> None:
    """Authors numbered in the order of their names, with every article's authors; `source`: the article table or
    a copy of its id and authors columns."""
    conn.execute("DELETE FROM article_authors")
    conn.execute("DELETE FROM authors")
    conn.execute(f"""INSERT INTO authors (name) SELECT DISTINCT je.value FROM {source} articles,
                                                                            json_each(articles.authors) je
                     ORDER BY je.value""")
    conn.execute(f"""INSERT OR IGNORE INTO article_authors (article_id, author_id, position)
                     SELECT articles.id, authors.id, je.key FROM {source} articles, json_each(articles.authors) je
                     JOIN authors ON authors.name = je.value""")
    _set_counts(conn, "authors", "id", "SELECT author_id, count(*) FROM article_authors GROUP BY 1")


def rejected(db: sqlite_utils.Database) -> list[tuple[str, str, str]]:
    """(source_path, kind, reason) of every page that gave no article or stands in with its previous record."""
    return db.conn.execute("SELECT source_path, kind, reason FROM ingest_errors ORDER BY source_path").fetchall()


def counts(db: sqlite_utils.Database) -> dict[str, int]:
    one = lambda sql: db.conn.execute(sql).fetchone()[0]  # noqa: E731
    return {"articles": one("SELECT count(*) FROM articles"),
            "article_pages": one("SELECT count(*) FROM pages WHERE status = 'article'"),
            "versions": one("SELECT count(*) FROM article_versions")}
