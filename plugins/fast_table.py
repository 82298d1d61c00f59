"""Table pages that stay fast on a million articles: the page's rows, its count and its facets.

Datasette answers a table page with one SQL statement for the rows, one for the count and one per facet,
each over the filtered rows. On the full archive a facet's scan takes longer than facet_time_limit_ms and
the facet silently disappears, and a search for a common word looks up every hit in the article table
three times over (bench/README.md). Here, for an immutable file:

- a search's hits are read once per request from the FTS index (`select group_concat(rowid) ... match`), and kept
  across requests only for a search that matches most rows (a common word: a million hits to read each time);
  next to filters (ANDed, as Datasette writes them), they are the hits among the filters' rows; page_rowids()
  hands them to plugins/timeline.py too, which counts them per year and month like a facet;
- facets are counted from compact in-memory columns keyed by rowid, for any filter (the filter runs once);
- the count of a search is the number of those rows, and the unfiltered count is counted once;
- the rows of a search sorted by an indexed column are the first of those rows in that sort, one lookup each.

URLs, JSON and HTML stay Datasette's own: its facet classes build the results, only their counting query
is answered from memory; the count and row statements are rewritten to equivalent ones. Anything else — a
mutable database, an OR next to a search, a column with too many values, a second page — goes to Datasette's
SQL unchanged.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import json
import os
import re
import threading
import urllib.parse

import numpy as np
from datasette import hookimpl
from datasette.database import QueryInterrupted, Results
from datasette.facets import ArrayFacet, ColumnFacet, DateFacet
from datasette.utils import escape_sqlite
from datasette.utils.sqlite import sqlite3  # the module Datasette uses (pysqlite3 where installed)

# A column with more distinct values than this is not a facet anyone reads; leave it to SQL.
MAX_DISTINCT = 100_000
# An array facet is counted by each row's combination of items while there are no more combinations than this.
MAX_COMBINATIONS = 5_000
# Fewer hits than this: SQLite's own plan (look up each hit, sort) is already quick.
FEW_HITS = 2_000
# A search that matches more than this share of the rows (a common word: und, die, Jahr) reads about a million hits
# at a million articles — ~70 ms of FTS5, ~25 of group_concat and ~15–20 of parsing under the GIL — for every page,
# though in an immutable file they are the same each time. The hits of the last DENSE_KEPT such searches are kept
# (8 MB each at a million articles), as Lucene's query cache keeps the documents of costly filters; rarer searches
# read theirs anew, in a few milliseconds.
DENSE_SHARE = 0.5
DENSE_KEPT = 8
_NO_ROWS = np.zeros(0, dtype=np.int64)
# What one request has worked out (a search's hits, a filter's rows), shared by its statements and facets;
# set per request by asgi_wrapper, so nothing is reused across requests (the hits of a common word aside: Search.dense).
_REQUEST = contextvars.ContextVar("fast_table_request", default=None)


async def read_rowids(execute, from_where: str, params, **kwargs) -> np.ndarray:
    """The rowids of the rows `from … where …` names, through `execute` (a Datasette database's), read as one blob
    of `group_concat`: as text, Datasette's text_factory would decode a million rowids under the GIL."""
    text = (await execute(f"select cast(group_concat(rowid) as blob) {from_where}", params, **kwargs)).single_value()
    return np.fromstring(text, dtype=np.int64, sep=",") if text else _NO_ROWS


def rows_read(database: str) -> list[Results] | None:
    """The results with an `id` column this request has read from `database` so far (a table page's rows among
    them), for plugins/article_dates.py; None outside a request or for a database this plugin does not serve."""
    memo = _REQUEST.get()
    return None if memo is None else memo.get(("rows read", database), [])


def request_memo() -> dict | None:
    """What this request has worked out so far, for other plugins to keep theirs beside it (None outside one)."""
    return _REQUEST.get()


async def once_per_request(key, make):
    """`await make()` once per request and key; outside a request, every time."""
    memo = _REQUEST.get()
    if memo is None:
        return await make()
    if key not in memo:
        memo[key] = asyncio.ensure_future(make())
    return await memo[key]


class Counts:
    """One facet's values for every row: `codes[rowid]` indexes `values` (sorted as SQLite sorts), -1 for NULL.
    For array facets `codes[rowid]` indexes the row's combination of items, and `combos` holds which values
    each combination has (one row of 0/1 per combination): counting stays one gather, as for a column; when
    rows have too many different combinations, `items`/`item_rows` list each row's distinct items instead."""

    def __init__(self, values: list, codes: np.ndarray | None = None, combos: np.ndarray | None = None,
                 items: np.ndarray | None = None, item_rows: np.ndarray | None = None):
        self.values, self.codes, self.combos, self.items, self.item_rows = values, codes, combos, items, item_rows
        self.size = len(codes) if codes is not None else int(item_rows.max(initial=-1)) + 1
        self._all: np.ndarray | None = None

    def count(self, rowids: np.ndarray | None) -> np.ndarray:
        """Rows per value among `rowids` (None: every row)."""
        size = self.size
        if rowids is None:
            if self._all is None:
                self._all = self._count(np.arange(size, dtype=np.int64))
            return self._all
        if len(rowids) > size // 2:
            # most rows chosen (a word in every article): count the few left out, take them from the totals
            return self.count(None) - self._count(_left_out(rowids, size))
        return self._count(rowids[rowids < size])  # rowids are distinct: hits of a search, rows of a filter

    def _count(self, rowids: np.ndarray) -> np.ndarray:
        if self.codes is not None:
            codes = self.codes[rowids]
            codes = codes[codes >= 0]
            if self.combos is None:
                return np.bincount(codes, minlength=len(self.values))
            return np.bincount(codes, minlength=len(self.combos)) @ self.combos
        chosen = np.zeros(self.size, dtype=bool)
        chosen[rowids] = True
        return np.bincount(self.items[chosen[self.item_rows]], minlength=len(self.values))

    def top(self, rowids: np.ndarray | None, limit: int) -> list[dict]:
        """Datasette's order: count descending, then value; NULLs and zero counts left out."""
        counts = self.count(rowids)
        present = np.flatnonzero(counts)
        order = present[np.lexsort((present, -counts[present]))][:limit]
        return [{"value": self.values[i], "count": int(counts[i])} for i in order]


_LEFT_OUT: list = []  # (rowids, bound, the rows of 0..bound-1 not among them, sorted): the last rowids asked for


def _left_out(rowids: np.ndarray, size: int) -> np.ndarray:
    """The rows below `size` that are not in `rowids`, worked out once for all facets of a page (the same array
    object), whatever their sizes: a facet's column is as long as its last row with a value (1,000,001 for the
    section, 999,998 for the agencies, 0 for a column no row fills), and working the complement out anew for each
    size cost ~3 ms of a million rows each time. So it is worked out up to the largest size asked for and cut for a
    smaller one. The entry holds `rowids` itself, so its id cannot be another array's while it is kept."""
    if _LEFT_OUT and _LEFT_OUT[0][0] is rowids and _LEFT_OUT[0][1] >= size:
        _, bound, result = _LEFT_OUT[0]
        return result if bound == size else result[:np.searchsorted(result, size)]
    left_out = np.ones(size, dtype=bool)
    left_out[rowids[rowids < size]] = False
    result = np.flatnonzero(left_out)
    _LEFT_OUT[:] = [(rowids, size, result)]
    return result


def _sort_key(value):
    # SQLite's order: numbers before text, text by code point (BINARY collation)
    return (0, value, "") if isinstance(value, (int, float)) else (1, 0, str(value))


def _encode(pairs) -> Counts | None:
    """(rowid, value) pairs → Counts, or None when the column has too many distinct values."""
    pairs = [(rowid, value) for rowid, value in pairs]
    values = sorted({value for _, value in pairs if value is not None}, key=_sort_key)
    if len(values) > MAX_DISTINCT:
        return None
    index = {value: i for i, value in enumerate(values)}
    size = max((rowid for rowid, _ in pairs), default=-1) + 1
    codes = np.full(size, -1, dtype=np.int32)
    if pairs:
        rowids = np.fromiter((rowid for rowid, _ in pairs), dtype=np.int64, count=len(pairs))
        codes[rowids] = np.fromiter((-1 if v is None else index[v] for _, v in pairs), dtype=np.int32,
                                    count=len(pairs))
    return Counts(values, codes=codes)


def _encode_arrays(pairs) -> Counts | None:
    rows, row_items = [], []
    for rowid, text in pairs:
        try:
            array = json.loads(text) if text else []
        except (TypeError, ValueError):
            continue
        if isinstance(array, list):
            distinct = tuple(dict.fromkeys(x for x in array if isinstance(x, (str, int, float))))
            if distinct:
                rows.append(rowid)
                row_items.append(distinct)
    values = sorted({item for items in row_items for item in items}, key=_sort_key)
    if len(values) > MAX_DISTINCT:
        return None
    index = {value: i for i, value in enumerate(values)}
    combos = {items: i for i, items in enumerate(dict.fromkeys(row_items))}
    if len(combos) > MAX_COMBINATIONS:
        item_rows = [rowid for rowid, items in zip(rows, row_items) for _ in items]
        return Counts(values, items=np.array([index[i] for items in row_items for i in items], dtype=np.int32),
                      item_rows=np.array(item_rows, dtype=np.int64))
    has = np.zeros((len(combos), len(values)), dtype=np.int64)
    for items, combo in combos.items():
        has[combo, [index[i] for i in items]] = 1
    codes = np.full(max(rows, default=-1) + 1, -1, dtype=np.int32)
    codes[np.array(rows, dtype=np.int64)] = np.fromiter((combos[items] for items in row_items), dtype=np.int32,
                                                         count=len(row_items))
    return Counts(values, codes=codes, combos=has)


class Store:
    """Counts (and sort ranks) per (database file, table, kind, column), loaded once in a thread of our own; the file is
    served immutable. Futures of `concurrent.futures`, because Datasette's startup hook runs in another event
    loop than the requests."""

    def __init__(self):
        self._loading: dict[tuple, concurrent.futures.Future] = {}
        self._lock = threading.Lock()
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="fast-table")

    def start(self, datasette, database: str, table: str, kind: str, column: str) -> concurrent.futures.Future | None:
        return self.start_for(datasette.get_database(database), table, kind, column)

    def start_for(self, db, table: str, kind: str, column: str) -> concurrent.futures.Future | None:
        if db.is_mutable or db.is_memory or not db.path:
            return None  # a database that may change under us is counted by SQL
        # the file itself, not db.hash: Datasette hashes an immutable file on first use, reading all of it
        stat = os.stat(db.path)
        key = (db.path, stat.st_mtime_ns, stat.st_size, table, kind, column)
        with self._lock:
            if key not in self._loading:
                self._loading[key] = self._executor.submit(_load, db.path, table, kind, column)
            return self._loading[key]

    async def counts(self, datasette, database: str, table: str, kind: str, column: str) -> Counts | Order | None:
        return await self.counts_of(datasette.get_database(database), table, kind, column)

    async def counts_of(self, db, table: str, kind: str, column: str) -> Counts | Order | None:
        future = self.start_for(db, table, kind, column)
        return None if future is None else await asyncio.wrap_future(future)

    def submit(self, fn) -> concurrent.futures.Future:
        return self._executor.submit(fn)


class Order:
    """A sort of the table as SQLite orders it: `rowids` in that order, and each rowid's place in it (`ranks`)."""

    def __init__(self, rowids: np.ndarray):
        self.rowids = rowids
        self.ranks = np.full(int(rowids.max(initial=-1)) + 1, np.iinfo(np.int64).max, dtype=np.int64)
        self.ranks[rowids] = np.arange(len(rowids))

    def first(self, chosen: np.ndarray, limit: int) -> np.ndarray:
        """The `limit` first of the `chosen` rowids (distinct) in this order."""
        chosen = chosen[chosen < len(self.ranks)]
        if len(chosen) <= limit:
            return chosen
        if len(chosen) < len(self.rowids) // 4:
            return chosen[np.argpartition(self.ranks[chosen], limit - 1)[:limit]]
        # most rows chosen (a word in every article): walk the order until `limit` of them came by
        wanted = np.zeros(len(self.ranks), dtype=bool)
        wanted[chosen] = True
        step = limit * 4 * len(self.rowids) // len(chosen)
        start, found = 0, []
        while sum(map(len, found)) < limit and start < len(self.rowids):
            part = self.rowids[start:start + step]
            found.append(part[wanted[part]])
            start += step
        return np.concatenate(found)[:limit]


def _order(rows) -> Order:
    return Order(np.fromiter((rowid for rowid, in rows), dtype=np.int64))


def _load(path: str, table: str, kind: str, column: str) -> Counts | Order | None:
    t, c = escape_sqlite(table), escape_sqlite(column)
    if kind in ("asc", "desc"):
        sql, encode = f"select rowid from {t} order by {c} {kind}", _order
    elif kind == "array":
        sql, encode = f"select rowid, {c} from {t} where {c} is not null and {c} not in ('', '[]')", _encode_arrays
    elif kind == "date":
        sql, encode = f"select rowid, date({c}) from {t}", _encode
    else:
        sql, encode = f"select rowid, {c} from {t}", _encode
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            return encode(conn.execute(sql))
        finally:
            conn.close()
    except Exception:  # no such column, malformed JSON ...: Datasette's own SQL will say what is wrong
        return None


STORE = Store()


class Search:
    """A table with an FTS index of exactly its rows (checked once): the hits of a search, and the page's
    count and row statements answered from them."""

    def __init__(self, db, table: str, fts: str):
        self.db, self.table, self.fts = db, table, fts
        self.execute = db.execute  # Datasette's own, before install() wraps it
        self.total: int | None = None
        self.indexed: set[str] = set()
        self.dense: dict[tuple, np.ndarray] = {}  # (match, search) → the hits of a search of most rows, oldest first
        t, f = escape_sqlite(table), escape_sqlite(fts)
        self.clause = {m: f"rowid in (select rowid from {f} where {f} match {m})" for m in ("escape_fts(:search)", ":search")}
        self.count_sql = re.compile(rf"^select count\(\*\) from {re.escape(t)} where (.+) $", re.S)
        self.rows_sql = re.compile(
            rf"^(select .+ from {re.escape(t)}) where (.+) order by (\[?\w+\]?)( desc)? limit (\d+)$", re.S)

    def check(self) -> None:
        """In our thread: does the FTS index hold exactly the table's rows? Then remember count and indexes."""
        t, docsize = escape_sqlite(self.table), escape_sqlite(self.fts + "_docsize")
        conn = sqlite3.connect(f"file:{self.db.path}?mode=ro&immutable=1", uri=True)
        try:
            total = conn.execute(f"select count(*) from {t}").fetchone()[0]
            docs = conn.execute(f"select count(*) from {docsize}").fetchone()[0]
            stray = conn.execute(f"select count(*) from {docsize} where id not in (select rowid from {t})").fetchone()[0]
            indexed = {"rowid"}
            for index in conn.execute("select name from pragma_index_list(?)", [self.table]).fetchall():
                first = conn.execute("select name from pragma_index_info(?) where seqno = 0", index).fetchone()
                if first and first[0]:
                    indexed.add(first[0])
        finally:
            conn.close()
        if docs == total and stray == 0:
            self.indexed, self.total = indexed, total

    async def hits(self, match: str, params) -> np.ndarray:
        """The rowids the search matches, in order (read-only when kept: the same array serves later pages)."""
        search = (params or {}).get("search")
        key = (match, search)  # `match` reads the search from the parameter `search` alone
        if key in self.dense:
            self.dense[key] = self.dense.pop(key)  # the newest again
            return self.dense[key]

        async def read():
            f = escape_sqlite(self.fts)
            found = await read_rowids(self.execute, f"from {f} where {f} match {match}", params)
            if self.total and len(found) > self.total * DENSE_SHARE:
                found.flags.writeable = False
                self.dense[key] = found
                while len(self.dense) > DENSE_KEPT:
                    del self.dense[next(iter(self.dense))]
            return found

        return await once_per_request(("hits", self.db.name, self.table, match, search), read)

    def split(self, where: str) -> tuple[str, str] | None:
        """(match, other conditions) when `where` is a search of this index, alone (other conditions '') or ANDed
        with conditions each row meets on its own, as Datasette writes a search next to filters; else None."""
        for match, clause in self.clause.items():
            if where == clause:
                return match, ""
            rest = (where[len(clause) + 5:] if where.startswith(clause + " and ")
                    else where[:-len(clause) - 5] if where.endswith(" and " + clause) else "")
            if rest and _conjunction(rest):
                return match, rest
        return None

    async def rows_of(self, match: str, rest: str, params) -> np.ndarray:
        """The rowids of a search (`rest` ''), or of a search and other conditions: the hits that meet them."""
        hits = await self.hits(match, params)
        if not rest:
            return hits

        async def read():
            others = await read_rowids(self.execute, f"from {escape_sqlite(self.table)} where {rest}", params)
            return np.intersect1d(hits, others, assume_unique=True)

        key = ("search and", self.db.name, self.table, match, rest, json.dumps(params, sort_keys=True, default=str))
        return await once_per_request(key, read)

    async def answer(self, sql: str, params) -> str | Results:
        """The statement to run instead of `sql`, or its result; `sql` itself when nothing applies."""
        if self.total is None:
            return sql
        if sql == f"select count(*) from {escape_sqlite(self.table)} ":
            return Results([(self.total,)], False, [("count(*)",)])
        count = self.count_sql.match(sql)
        if count and (split := self.split(count[1])):
            return Results([(len(await self.rows_of(*split, params)),)], False, [("count(*)",)])
        rows = self.rows_sql.match(sql)
        if rows and (split := self.split(rows[2])) and rows[3].strip("[]") in self.indexed:
            return await self._rows(rows, *split, params) or sql
        return sql

    async def _rows(self, rows: re.Match, match: str, rest: str, params) -> str | None:
        select, column, desc, limit = rows[1], rows[3].strip("[]"), rows[4], int(rows[5])
        found = await self.rows_of(match, rest, params)
        if len(found) <= limit:
            first = found
        elif not rest and len(found) < FEW_HITS:
            return None  # a search alone with few hits: SQLite's own plan is quick
        else:
            order = await STORE.counts_of(self.db, self.table, "desc" if desc else "asc", column)
            if order is None:
                return None
            first = order.first(found, limit)
        # the same statement over the `limit` first rows in this order, so SQLite sorts them as it would all
        ids = ", ".join(map(str, sorted(first.tolist())))
        return f"{select} where rowid in ({ids}) order by {rows[3]}{desc or ''} limit {limit}"

    def install(self) -> None:
        schema: dict[tuple, Results] = {}

        async def execute(sql, *args, **kwargs):
            params = args[0] if args else kwargs.get("params")
            if _reads_schema_only(sql):
                key = (sql, json.dumps(params, sort_keys=True, default=str))
                if key not in schema:
                    if len(schema) >= SCHEMA_KEPT:
                        schema.clear()
                    schema[key] = await self.execute(sql, *args, **kwargs)
                return schema[key]
            try:
                answer = await self.answer(sql, params)
            except QueryInterrupted:  # reading the hits took too long: let Datasette's own statement say so
                answer = sql
            if isinstance(answer, Results):
                return answer
            results = await self.execute(answer, *args, **kwargs)
            memo = _REQUEST.get()
            if memo is not None and "id" in results.columns:  # rows of the page, for rows_read()
                memo.setdefault(("rows read", self.db.name), []).append(results)
            return results

        self.db.execute = execute


SEARCHES: dict[tuple[str, str], Search] = {}
SCHEMA_KEPT = 256  # schema statements remembered per file: Datasette asks the same few on every page


def _reads_schema_only(sql: str) -> bool:
    """Is `sql` a question about the file's schema alone (sqlite_master, the schema version)? Datasette asks ~10 per
    page (views, table definitions, the version for its schema cache), each a turn in the thread pool; in an
    immutable file the answers never change, so they are kept."""
    words = " ".join(sql.lower().split())
    if words == "pragma schema_version":
        return True
    head, found, rest = words.partition(" from sqlite_master")
    return (bool(found) and rest[:1] in ("", " ") and head.startswith("select ") and " from " not in head and "select" not in head[7:]
            and "select" not in rest and " join " not in rest and ";" not in rest and "," not in rest.split(" where ")[0])
_SQL_TOKENS = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|\[[^\]]*\]|`(?:[^`]|``)*`|--|/\*|[()]|\b[oO][rR]\b""")


def _conjunction(where: str) -> bool:
    """Does `where`, ANDed after or before a search, keep its meaning on its own? Not if it has an OR (or anything
    unbalanced) outside parentheses: »a or b and search« is »a or (b and search)«."""
    depth = 0
    for token in _SQL_TOKENS.findall(where):
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
            if depth < 0:
                return False
        elif token in ("--", "/*") or (depth == 0 and token.lower() == "or"):
            return False
    return depth == 0


async def _filtered_rowids(facet) -> np.ndarray | None:
    """The rowids of the page's filtered rows; None for the unfiltered table."""
    t = escape_sqlite(facet.table)
    head, found, where = facet.sql.partition(f" from {t} ")
    if not found or not head.startswith("select "):
        raise LookupError("not a table query")
    return await page_rowids(facet.ds, facet.database, facet.table, where.strip().removeprefix("where "),
                             facet.params)


async def page_rowids(datasette, database: str, table: str, where: str, params) -> np.ndarray | None:
    """The rowids of the rows `where` (a table page's conditions as Datasette writes them) names, read once per
    request: a search's are its hits, shared by the page's count, facets and timeline (plugins/timeline.py).
    None for the unfiltered table (`where` '')."""
    if not where:
        return None
    search = SEARCHES.get((database, table))
    if search and search.total is not None and (split := search.split(where)):
        return await search.rows_of(*split, params)

    async def read():
        return await read_rowids(datasette.get_database(database).execute, f"from {escape_sqlite(table)} where {where}",
                                 params, custom_time_limit=datasette.setting("sql_time_limit_ms"))

    key = ("rows", database, "where " + where, json.dumps(params, sort_keys=True, default=str))
    return await once_per_request(key, read)


def _plain_absolute_path(path: str) -> bool:
    """A path urljoin(base, path) puts after base's origin unchanged: absolute, no host, no dot segments or
    path parameters, no empty query or fragment to drop."""
    before_query = path.partition("?")[0]
    return (path.startswith("/") and not path.startswith("//") and "/." not in before_query
            and ";" not in before_query and not path.endswith("?") and "#" not in path)


class _QueryArgs:
    """Datasette's path_with_added_args, with the request's own arguments parsed and encoded once per query string:
    a facet page builds one toggle URL per facet value (~140 on the articles page), and Datasette parses and
    encodes the whole query string for each. On an HTML page that string carries the reader's nine `_col`
    arguments (plugins/reader_columns.py), which made those URLs ~5 ms of a search page's Python time at 1M.
    urlencode(a + b) is urlencode(a) + "&" + urlencode(b), so the URL is the same."""

    KEPT = 64  # query strings remembered; a page asks with one

    def __init__(self):
        self._kept: dict[tuple, str] = {}

    def encoded(self, query_string: str, removed: frozenset) -> str:
        key = (query_string, removed)
        found = self._kept.get(key)
        if found is None:
            if len(self._kept) >= self.KEPT:
                self._kept.clear()
            found = self._kept[key] = urllib.parse.urlencode(
                [(k, v) for k, v in urllib.parse.parse_qsl(query_string) if k not in removed])
        return found

    def path_with_added_args(self, request, args, path=None):
        path = path or request.path
        if isinstance(args, dict):
            args = args.items()
        args = list(args)
        kept = self.encoded(request.query_string, frozenset(k for k, v in args if v is None))
        added = urllib.parse.urlencode([(k, v) for k, v in args if v is not None])
        query_string = f"{kept}&{added}" if kept and added else kept or added
        return f"{path}?{query_string}" if query_string else path


QUERY_ARGS = _QueryArgs()


def speed_up_toggle_urls() -> None:
    """Datasette's facet classes build their toggle URLs with the faster twin (the only module that is changed)."""
    import datasette.facets

    datasette.facets.path_with_added_args = QUERY_ARGS.path_with_added_args


class _Answers:
    """Stands in for the Datasette object inside the parent's facet_results(): the counting query of each
    facet config is answered from memory, in the order the parent asks; everything else goes to Datasette."""

    def __init__(self, ds, answers: list[Results | None]):
        self._ds, self._answers = ds, list(answers)
        self._origin: str | None = None

    def __getattr__(self, name):
        return getattr(self._ds, name)

    def absolute_url(self, request, path):
        """What Datasette's absolute_url returns, for the one URL per facet value a facet page builds: Datasette
        hands urljoin a PrefixedUrlString, which lists dir(str) on every method call, and joins it with the
        request's URL each time; for a path that urljoin would only put after the origin, the origin is
        worked out once (~5% of a facet page's Python time at 1M)."""
        path = str(path)
        if not _plain_absolute_path(path):
            return self._ds.absolute_url(request, path)
        if self._origin is None:
            parts = urllib.parse.urlsplit(request.url)
            self._origin = f"{parts.scheme}://{parts.netloc}"
        url = self._origin + path
        if url.startswith("http://") and self._ds.setting("force_https_urls"):
            url = "https://" + url[len("http://"):]
        return url

    async def execute(self, *args, **kwargs):
        answer = self._answers.pop(0) if self._answers else None
        if answer is None:
            return await self._ds.execute(*args, **kwargs)
        return answer


class _Fast:
    """Mixin: count every config of this facet type in memory, then let Datasette's class build the JSON."""

    kind = "column"

    async def facet_results(self):
        try:
            answers = await self._answers()
        except (LookupError, QueryInterrupted):  # not a plain table query, or too slow: Datasette's SQL decides
            answers = None
        if not answers or not any(answers):
            return await super().facet_results()
        real, self.ds = self.ds, _Answers(self.ds, answers)
        try:
            return await super().facet_results()
        finally:
            self.ds = real

    async def _answers(self) -> list[Results | None] | None:
        configs = self.get_configs()
        if not configs or not self.table:
            return None
        db = self.ds.get_database(self.database)
        if db.is_mutable or db.is_memory or self.table in await db.view_names():
            return None
        limit = self.get_facet_size() + 1
        rowids = await _filtered_rowids(self)
        answers = []
        for config in configs:
            column = config["config"].get("column") or config["config"]["simple"]
            counts = await STORE.counts(self.ds, self.database, self.table, self.kind, column)
            rows = counts.top(rowids, limit) if counts else None
            answers.append(None if rows is None else Results(rows, False, [("value",), ("count",)]))
        return answers


class FastColumnFacet(_Fast, ColumnFacet):
    kind = "column"


class FastDateFacet(_Fast, DateFacet):
    kind = "date"


class FastArrayFacet(_Fast, ArrayFacet):
    kind = "array"


_REPLACEMENTS = {ColumnFacet: FastColumnFacet, DateFacet: FastDateFacet, ArrayFacet: FastArrayFacet}


@hookimpl(hookwrapper=True)
def register_facet_classes():
    # Datasette registers its three facet classes itself; swap each for its in-memory twin, keep any others
    outcome = yield
    outcome.force_result([[_REPLACEMENTS.get(klass, klass) for klass in classes] for classes in outcome.get_result()])


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def per_request(scope, receive, send):
            token = _REQUEST.set({})
            try:
                await app(scope, receive, send)
            finally:
                _REQUEST.reset(token)

        return per_request

    return wrap


def remember_plugin_config(datasette) -> bool:
    """Datasette answers plugin_config() by merging the whole metadata anew (~40 µs with ours); plugins ask
    for it on every cell of every page (datasette-render-markdown's render_cell: ~5% of a table page's Python
    time at 1M). Metadata read from a file does not change while serving, so each answer is kept; not when a
    plugin supplies metadata of its own (get_metadata), which may change from request to request."""
    from datasette.plugins import pm

    original = datasette.plugin_config
    if getattr(original, "remembers", False) or pm.hook.get_metadata.get_hookimpls():
        return False
    known: dict[tuple, object] = {}

    def plugin_config(plugin_name, database=None, table=None, fallback=True):
        key = (plugin_name, database, table, fallback)
        if key not in known:
            known[key] = original(plugin_name, database=database, table=table, fallback=fallback)
        return known[key]

    plugin_config.remembers = True
    datasette.plugin_config = plugin_config
    return True


@hookimpl
def startup(datasette):
    remember_plugin_config(datasette)
    speed_up_toggle_urls()

    async def inner():
        for name, db in datasette.databases.items():
            if db.is_mutable or db.is_memory or not db.path:
                continue
            for table in await db.table_names():
                fts = await db.fts_table(table)
                if fts and fts != table and (name, table) not in SEARCHES:
                    search = SEARCHES[(name, table)] = Search(db, table, fts)
                    STORE.submit(search.check)
                    search.install()
            # start loading what the tables' metadata asks for, so the first visitor does not wait for it
            for table, meta in (datasette.metadata("tables", database=name) or {}).items():
                for facet in meta.get("facets", []):
                    kind, column = ("column", facet) if isinstance(facet, str) else next(iter(facet.items()))
                    STORE.start(datasette, name, table, kind, column)
                for kind, key in (("asc", "sort"), ("desc", "sort_desc")):
                    if meta.get(key):
                        STORE.start(datasette, name, table, kind, meta[key])

    return inner
