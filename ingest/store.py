"""The archive database: every schema fact (tables, columns, indexes, FTS) and the atomic swap of the finished file."""
from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

import sqlite_utils

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
FTS_TOKENIZE = "unicode61 remove_diacritics 2"
FACET_INDEXES = [
    ["section"], ["page_kind"], ["published"], ["published_date"], ["published_month"], ["published_year"],
    ["dateline"], ["place_id"], ["paywalled"], ["print_edition_date"], ["author_place"], ["date_source"],
    ["shape"],
]
EXPRESSION_INDEXES = {"idx_articles_published_day": "date(published)"}


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
    db["pages"].create(
        {"source_path": str, "sha256": str, "url": str, "fetched_at": str, "listed_date": str, "status": str,
         "article_id": str, "record": bytes},
        pk="source_path", if_not_exists=True,
    )
    db["article_versions"].create(
        {"id": int, "article_id": str, "source_path": str, "sha256": str, "replaced_at": str, "title": str,
         "teaser": str, "published": str, "body_markdown": str, "record": str},
        pk="id", if_not_exists=True,
    )
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


def insert_articles(db: sqlite_utils.Database, rows: Iterable[dict], batch_size: int = 2000) -> None:
    # one prepared statement for every row: at a million articles sqlite-utils' per-batch SQL building and
    # type checks cost more than SQLite itself (bench/README.md); rows carry every column of ARTICLE_COLUMNS
    columns = list(ARTICLE_COLUMNS)
    sql = (f"INSERT OR REPLACE INTO articles ({', '.join(columns)}) "
           f"VALUES ({', '.join('?' * len(columns))})")
    batch = []
    for row in rows:
        batch.append(tuple(row.get(column) for column in columns))
        if len(batch) >= batch_size:
            db.conn.executemany(sql, batch)
            batch.clear()
    if batch:
        db.conn.executemany(sql, batch)


def insert_errors(db: sqlite_utils.Database, errors: Iterable[dict]) -> None:
    db["ingest_errors"].insert_all(errors, replace=True)


def insert_aliases(db: sqlite_utils.Database, aliases: Iterable[dict]) -> None:
    db["aliases"].insert_all(aliases, replace=True)


def insert_listing_items(db: sqlite_utils.Database, items: Iterable[dict]) -> None:
    db["listing_items"].insert_all(items, replace=True)


def insert_pages(db: sqlite_utils.Database, pages: Iterable[dict]) -> None:
    db["pages"].insert_all(pages, replace=True, batch_size=2000)


def insert_versions(db: sqlite_utils.Database, versions: Iterable[dict]) -> None:
    db["article_versions"].insert_all(versions, batch_size=2000)


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


def read_previous(path: str | Path) -> tuple[dict[str, dict], list[dict]]:
    """What the published archive already knows: each page's hash and parsed record, and old versions."""
    def read(conn):
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        pages = ({row["source_path"]: dict(row) for row in conn.execute("SELECT * FROM pages")}
                 if "pages" in tables else {})
        versions = ([{k: v for k, v in dict(row).items() if k != "id"}
                     for row in conn.execute("SELECT * FROM article_versions ORDER BY id")]
                    if "article_versions" in tables else [])
        return pages, versions

    return _read_archive(path, read, ({}, []))


def known_authors(path: str | Path) -> frozenset[str]:
    """Every author name in an archive (empty when there is none yet)."""
    return _read_archive(path, lambda conn: frozenset(row[0] for row in conn.execute("SELECT name FROM authors")),
                         frozenset())


def finish(db: sqlite_utils.Database, places: dict[int, dict], agencies: dict[str, tuple[str, str]],
           name_variants: dict[str, str] | None = None) -> None:
    """Lookup tables, many-to-many tables, FTS and indexes, once every article is in."""
    conn = db.conn
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
    conn.execute("DELETE FROM article_agencies")
    conn.execute("""INSERT OR IGNORE INTO article_agencies (article_id, agency_code, position)
                    SELECT articles.id, je.value, je.key FROM articles, json_each(articles.agencies) je""")
    _set_counts(conn, "agencies", "code", "SELECT agency_code, count(*) FROM article_agencies GROUP BY 1")
    conn.execute("DELETE FROM article_authors")
    conn.execute("DELETE FROM authors")
    conn.execute("""INSERT INTO authors (name) SELECT DISTINCT je.value FROM articles, json_each(articles.authors) je
                    ORDER BY je.value""")
    conn.execute("""INSERT OR IGNORE INTO article_authors (article_id, author_id, position)
                    SELECT articles.id, authors.id, je.key FROM articles, json_each(articles.authors) je
                    JOIN authors ON authors.name = je.value""")
    _set_counts(conn, "authors", "id", "SELECT author_id, count(*) FROM article_authors GROUP BY 1")
    conn.execute("DELETE FROM article_topics")
    conn.execute("DELETE FROM topics")
    conn.execute("""INSERT OR IGNORE INTO article_topics (article_id, topic, position)
                    SELECT articles.id, je.value, je.key FROM articles, json_each(articles.topics) je""")
    conn.execute("INSERT INTO topics (name, articles) SELECT topic, count(*) FROM article_topics GROUP BY topic")
    conn.commit()
    if "articles_fts" in db.table_names():
        db["articles"].disable_fts()
    fill_fts(db)
    for columns in FACET_INDEXES:
        db["articles"].create_index(columns, if_not_exists=True)
    for name, expression in EXPRESSION_INDEXES.items():
        conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON articles({expression})")
    for table, column in [("article_authors", "author_id"), ("article_agencies", "agency_code"), ("article_topics", "topic"),
                          ("aliases", "article_id"), ("article_versions", "article_id"), ("pages", "article_id"),
                          ("listing_items", "article_id")]:
        db[table].create_index([column], if_not_exists=True)
    conn.execute("ANALYZE")
    conn.commit()


def undated_articles(db: sqlite_utils.Database) -> list[str]:
    """Ids of the articles whose page gave no date (whatever dated them since)."""
    return [row[0] for row in db.conn.execute("SELECT id FROM articles WHERE date_source IS NOT 'page'")]


def dated_articles(db: sqlite_utils.Database) -> dict[str, str]:
    """id → day of every article with a known (not estimated) day."""
    return dict(db.conn.execute("SELECT id, published_date FROM articles WHERE published_date IS NOT NULL "
                                "AND date_source IS NOT 'estimated'"))


def listed_dates(db: sqlite_utils.Database) -> dict[str, str]:
    """id → the first day a listing page or a feed gave for the article (edition index, section page, feed item)."""
    return dict(db.conn.execute(
        """SELECT article_id, min(day) FROM (
             SELECT article_id, date AS day FROM listing_items WHERE article_id IS NOT NULL AND date IS NOT NULL
             UNION ALL
             SELECT article_id, listed_date FROM pages WHERE article_id IS NOT NULL AND listed_date IS NOT NULL)
           GROUP BY article_id"""))


def article_urls(db: sqlite_utils.Database) -> Iterator[tuple[str, str]]:
    """(article id, url) for every URL an article was seen under."""
    yield from db.conn.execute("SELECT id, url FROM articles WHERE url IS NOT NULL UNION "
                               "SELECT article_id, url FROM aliases WHERE article_id IS NOT NULL")


def set_dates(db: sqlite_utils.Database, dates: dict[str, tuple[str, str]]) -> None:
    """id → (day, date_source) for articles the page did not date, (None, None) for no date at all;
    `published` stays what the page said."""
    db.conn.executemany(
        "UPDATE articles SET published_date = ?, published_month = substr(?, 1, 7), "
        "published_year = CAST(substr(?, 1, 4) AS INTEGER), date_source = ? WHERE id = ?",
        [(day, day, day, source, key) for key, (day, source) in dates.items()])


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


def fill_fts(db: sqlite_utils.Database) -> None:
    """The same table as sqlite-utils' enable_fts(FTS_COLUMNS, tokenize=FTS_TOKENIZE), filled in bulk."""
    conn, fts = db.conn, FTS_TABLE
    columns = ", ".join(f"[{column}]" for column in FTS_COLUMNS)
    conn.execute(f"CREATE VIRTUAL TABLE [{fts}] USING FTS5 ({columns}, tokenize='{FTS_TOKENIZE}', content=[articles])")
    conn.execute(f"INSERT INTO [{fts}] ([{fts}], rank) VALUES ('hashsize', {FTS_BUILD_HASHSIZE})")
    conn.execute(f"INSERT INTO [{fts}] ([{fts}], rank) VALUES ('automerge', 0)")
    conn.execute(f"INSERT INTO [{fts}] (rowid, {columns}) SELECT rowid, {columns} FROM articles")
    conn.execute(f"INSERT INTO [{fts}] ([{fts}]) VALUES ('optimize')")
    conn.execute(f"INSERT INTO [{fts}] ([{fts}], rank) VALUES ('hashsize', {FTS_DEFAULT_HASHSIZE})")
    conn.execute(f"INSERT INTO [{fts}] ([{fts}], rank) VALUES ('automerge', {FTS_DEFAULT_AUTOMERGE})")


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


def json_list(values: list) -> str:
    return json.dumps(values, ensure_ascii=False)
