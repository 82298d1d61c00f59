"""plugins/fast_table.py on a real `just serve`: counts, rows and facets of table pages equal what Datasette's
own SQL says, for the unfiltered table, a common word (the in-memory paths) and a search with a filter."""
from __future__ import annotations

import asyncio
import random
from sqlite_utils.utils import sqlite3  # the SQLite the archive code uses (pysqlite3 where installed)
import sys
from pathlib import Path

import numpy as np
import pytest

from ingest import store
from ingest.enrich.stems import german_stems
from conftest import Server  # pytest puts tests/ on the path (pywb installs a package named `tests`)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "plugins"))
import german_search  # noqa: E402  (the search functions the served archive uses)

ARTICLES = 3_000  # above fast_table.FEW_HITS, so a common word takes the in-memory row path
WORDS = ["Regierung", "Streik", "Hafen", "Wahl", "Krieg", "Miete", "Gewerkschaft", "Bahn", "Klima", "Schule"]
SECTIONS = ["Ausland", "Inland", "Feuilleton", "Sport", "Ansichten"]
AGENCIES = [[], ["jW"], ["dpa", "jW"], ["AFP"], ["dpa", "dpa"], ["Reuters", "jW"]]
TOPICS = [[], ["Peru", "Bergbau"], ["Gewerkschaften"], ["Peru"], ["Bergbau", "Gewerkschaften", "Streik"]]


def article(i: int, rng: random.Random) -> dict:
    body = " ".join(["und"] + rng.sample(WORDS, 3) + ["Text"] * rng.randint(1, 5))
    published = f"{rng.randint(1995, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    row = dict.fromkeys(store.ARTICLE_COLUMNS)
    row.update(id=f"artikel-{i}", title=f"Artikel {i}", published=published, published_date=published,
               published_month=published[:7], published_year=int(published[:4]), section=rng.choice(SECTIONS),
               agencies=store.json_list(rng.choice(AGENCIES)), authors="[]", body_markdown=body,
               search_stems=german_stems(f"Artikel {i}", None, None, body),
               topics=store.json_list(rng.choice(TOPICS)))
    return row


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    work = tmp_path_factory.mktemp("fast_table")
    db, raw = work / "archive.db", work / "raw"
    raw.mkdir()  # empty: `just serve` finds nothing newer than the archive and serves it as built
    rng = random.Random(4)
    with store.building(db) as built:
        store.insert_articles(built, (article(i, rng) for i in range(ARTICLES)))
        store.finish(built, {}, {})
    server = Server(raw, db)
    yield server, db
    server.stop()


def sql(db: Path, query: str, *params) -> list[tuple]:
    conn = sqlite3.connect(db)
    german_search.register(conn)
    conn.create_function("escape_fts", 1, german_search.german_match)
    try:
        return [tuple(r) for r in conn.execute(query, params)]
    finally:
        conn.close()


def facet_counts(data: dict) -> dict[str, list[tuple]]:
    return {name: [(r["value"], r["count"]) for r in facet["results"]] for name, facet in data["facet_results"].items()}


def expected_facets(db: Path, where: str, *params) -> dict[str, list[tuple]]:
    """Datasette's own facet SQL, in short: count desc, value; NULLs left out; array items once per row."""
    order = "order by 2 desc, 1 limit 30"
    return {
        "section": sql(db, f"select section, count(*) from articles where {where} and section is not null "
                           f"group by 1 {order}", *params),
        "agencies": sql(db, f"select value, count(*) from (select distinct articles.rowid, j.value from articles, "
                            f"json_each(articles.agencies) j where {where}) group by 1 {order}", *params),
        "topics": sql(db, f"select value, count(*) from (select distinct articles.rowid, j.value from articles, "
                          f"json_each(articles.topics) j where {where}) group by 1 {order}", *params),
        "published_year": sql(db, f"select published_year, count(*) from articles where {where} "
                                  f"and published_year is not null group by 1 {order}", *params),
        "published_month": sql(db, f"select published_month, count(*) from articles where {where} "
                                   f"and published_month is not null group by 1 {order}", *params),
        "published": sql(db, f"select date(published), count(*) from articles where {where} "
                             f"and date(published) is not null group by 1 {order}", *params),
    }


SEARCH = "articles.rowid in (select rowid from articles_fts where articles_fts match escape_fts(?))"


@pytest.mark.parametrize("query, where, params", [
    ("", "1", ()),
    ("_search=und", SEARCH, ("und",)),  # every article: hits, count, rows and facets from memory
    # a search next to filters: the hits that meet them, counted and sorted in memory
    ("_search=Hafen&section=Inland", f"section = 'Inland' and {SEARCH}", ("Hafen",)),
    ("_search=und&section=Inland", f"section = 'Inland' and {SEARCH}", ("und",)),
    ("_search=und&published_year=2001&agencies__arraycontains=dpa",
     f"published_year = 2001 and 'dpa' in (select value from json_each(agencies)) and {SEARCH}", ("und",)),
    ("_search=und&published_year__gte=2020&section__in=Sport,Ansichten",
     f"published_year >= 2020 and section in ('Sport', 'Ansichten') and {SEARCH}", ("und",)),
    # an OR outside parentheses binds the search to its right side only: left to Datasette's SQL, same answer
    ("_search=Hafen&_where=section='Sport' or section='Inland'", f"section='Sport' or section='Inland' and {SEARCH}",
     ("Hafen",)),
])
def test_table_page_equals_datasettes_sql(archive, query, where, params):
    server, db = archive
    data = server.get(f"/archive/articles.json?_facet_size=30&_size=50&_shape=objects&{query}").json()
    assert data["rows"], "every case matches some articles, or it would show nothing"
    assert data["filtered_table_rows_count"] == sql(db, f"select count(*) from articles where {where}", *params)[0][0]
    newest = sql(db, f"select published from articles where {where} order by published desc limit 50", *params)
    assert [row["published"] for row in data["rows"]] == [p for p, in newest]
    assert facet_counts(data) == expected_facets(db, where, *params)


def test_hits_of_a_search_of_most_rows_are_kept(archive, monkeypatch):
    """»und« is in every article and »Text« too: each one's hits are read once, and the same read-only array answers
    later pages; »Hafen« (in about three in ten) is read anew each time; of the searches of most rows, only the last
    DENSE_KEPT stay."""
    import fast_table
    from datasette.app import Datasette

    _, db = archive
    monkeypatch.setattr(fast_table, "DENSE_KEPT", 1)
    search = fast_table.Search(Datasette(immutables=[str(db)]).get_database("archive"), "articles", "articles_fts")
    search.check()
    reads, execute = [], search.execute

    async def counted(sql, *args, **kwargs):
        reads.append(sql)
        return await execute(sql, *args, **kwargs)

    search.execute = counted

    def expected(word):
        query = "select rowid from articles_fts where articles_fts match ? order by rowid"
        return [rowid for rowid, in sql(db, query, german_search.german_match(word))]

    async def run():
        async def hits(word):
            return await search.hits(":search", {"search": german_search.german_match(word)})

        und = await hits("und")
        assert und.tolist() == expected("und") and len(und) == ARTICLES and len(reads) == 1
        assert await hits("und") is und and len(reads) == 1
        assert not und.flags.writeable  # shared by every later page: nothing may change it in place
        hafen = [await hits("Hafen") for _ in range(2)]
        assert ARTICLES / 10 < len(hafen[0]) < ARTICLES * fast_table.DENSE_SHARE and len(reads) == 3
        assert hafen[0] is not hafen[1] and hafen[0].tolist() == hafen[1].tolist() == expected("Hafen")
        text = await hits("Text")
        assert text.tolist() == expected("Text") and len(reads) == 4
        assert await hits("Text") is text and len(reads) == 4
        again = await hits("und")  # pushed out by »Text«: read again
        assert again is not und and again.tolist() == und.tolist() and len(reads) == 5

    asyncio.run(run())


def test_second_page_of_a_common_word(archive):
    server, db = archive
    first = server.get("/archive/articles.json?_search=und&_size=50&_nofacet=1").json()
    second = server.get(first["next_url"].split("/archive/", 1)[1].join(["/archive/", ""])).json()
    assert len(second["rows"]) == 50 and second["filtered_table_rows_count"] == ARTICLES


@pytest.mark.parametrize("max_combinations", [5_000, 1])  # by combination, and by item when there are too many
def test_array_counts_equal_a_plain_count(monkeypatch, max_combinations):
    import fast_table

    monkeypatch.setattr(fast_table, "MAX_COMBINATIONS", max_combinations)
    rng = random.Random(7)
    arrays = {rowid: rng.choice(AGENCIES + [None, "not json", '{"a": 1}', '[1, "1", 1]'])
              for rowid in range(1, 400)}
    counts = fast_table._encode_arrays(
        (rowid, a if a is None or not isinstance(a, list) else store.json_list(a)) for rowid, a in arrays.items())
    assert (counts.combos is not None) == (max_combinations > 1)
    # the last: most rows, and rowids past the end
    for chosen in ([], [5, 17, 300], list(range(1, 400, 3)), list(range(0, 420))):
        expected = {}
        for rowid in chosen:
            array = arrays.get(rowid)
            if isinstance(array, str):
                array = {"not json": [], '{"a": 1}': []}.get(array, [1, "1"])
            for item in dict.fromkeys(array or []):
                expected[item] = expected.get(item, 0) + 1
        got = counts.count(np.array(chosen, dtype=np.int64))
        assert {counts.values[i]: int(n) for i, n in enumerate(got) if n} == expected


@pytest.mark.parametrize("force_https", [False, True])
def test_facet_toggle_urls_equal_datasettes(force_https):
    import fast_table
    from datasette.app import Datasette
    from datasette.utils import PrefixedUrlString
    from datasette.utils.asgi import Request

    ds = Datasette(memory=True, settings={"force_https_urls": force_https})
    paths = ["/archive/articles?_facet=section&section=Ausland", "/archive/articles", "/",
             "/archive/articles?_search=K%C3%A4se&_facet_array=agencies&agencies=dpa%2FjW",
             "/archive/a;b?x=1", "/archive/./articles?x", "/archive/../x?y=1", "/x?", "/x#frag", "//elsewhere/x",
             "relative?x=1", "/archive/articles?q=/../&r=%2E%2E"]
    for host in ("127.0.0.1:8001", "archive.example.org"):
        request = Request.fake("/archive/articles?_search=geld&_facet=section")
        request.scope["headers"] = [(b"host", host.encode())]
        answers = fast_table._Answers(ds, [])
        for path in paths:
            assert answers.absolute_url(request, PrefixedUrlString(path)) == ds.absolute_url(request, path), path


@pytest.mark.parametrize("where, conjunction", [
    ('"section" = :p0', True), ("(a = 1 or b = 2)", True), ('"or" = :p0', True), ("x = 'a or b'", True),
    ("[or] = 1", True), ("x between 1 and 2", True), ("not (a or b)", True),
    ("a = 1 or b = 2", False), ("a = 1 OR b = 1", False), ("a = 1) or (b = 2", False), ("x = 1 -- ", False),
    ("(a = 1", False),
])
def test_only_conjunctions_are_split_from_a_search(where, conjunction):
    import fast_table

    assert fast_table._conjunction(where) is conjunction


def test_first_rows_in_a_sort_order():
    import fast_table

    rng = np.random.default_rng(5)
    rowids = rng.permutation(np.arange(1, 5001))  # the table's rowids as SQLite sorts them
    order = fast_table.Order(rowids)
    place = {rowid: i for i, rowid in enumerate(rowids.tolist())}
    for share in (0.001, 0.01, 0.2, 0.3, 0.9, 1.0):  # argpartition below a quarter, a walk of the order above
        chosen = rng.choice(rowids, size=max(1, int(share * len(rowids))), replace=False)
        for limit in (1, 21, 50):
            expected = sorted(chosen.tolist(), key=place.get)[:limit]
            assert sorted(order.first(chosen, limit).tolist(), key=place.get) == expected, (share, limit)


def test_facets_of_most_rows_share_one_complement():
    import fast_table

    rng = random.Random(3)
    counts = fast_table._encode((rowid, rng.choice(["a", "b", None])) for rowid in range(1, 1001))
    chosen = np.arange(1, 950, dtype=np.int64)
    expected = counts._count(chosen)
    assert (counts.count(chosen) == expected).all()
    assert fast_table._LEFT_OUT[0][0] is chosen  # kept for the page's next facet …
    again = fast_table._left_out(chosen, counts.size)
    assert again is fast_table._LEFT_OUT[0][2]
    other = chosen.copy()  # … and a different array with the same values is worked out anew
    assert fast_table._left_out(other, counts.size) is not again
    assert (fast_table._left_out(other, counts.size) == again).all()


def test_facets_of_different_lengths_share_one_complement():
    # a facet's column is as long as its last row with a value: the section's, the agencies' (a few rows shorter)
    # and an empty one's (0) are one complement of the page's rows, cut to each length
    import fast_table

    rng = np.random.default_rng(7)
    chosen = np.sort(rng.choice(np.arange(1, 1001), size=900, replace=False)).astype(np.int64)
    sizes = (1001, 998, 0, 1001, 1200, 5)
    worked_out = []
    for size in sizes:
        assert (fast_table._left_out(chosen, size) == np.setdiff1d(np.arange(size), chosen)).all(), size
        worked_out.append(fast_table._LEFT_OUT[0][2])
    # worked out for 1001, cut for 998, 0 and 1001 again; worked out anew only for the longer 1200, cut for 5
    assert worked_out[0] is worked_out[1] is worked_out[2] is worked_out[3]
    assert worked_out[4] is not worked_out[0] and worked_out[4] is worked_out[5]
    for size in (1001, 998, 0, 1200):
        counts = fast_table._encode((rowid, rowid % 3 or None) for rowid in range(1, size))
        assert (counts.count(chosen) == counts._count(chosen[chosen < counts.size])).all(), size


@pytest.mark.parametrize("sql, schema_only", [
    ("PRAGMA schema_version", True), ("select sql from sqlite_master where name = :n and type=:t", True),
    ("select name from sqlite_master where type in ('table', 'view') and name = ? collate nocase", True),
    ("select rowid from sqlite_master", True),
    ("select * from articles", False), ("select a from sqlite_master, articles", False),
    ("select (select count(*) from articles) from sqlite_master", False),
    ("select x from sqlite_master where x in (select id from articles)", False),
    ("select count(*) from articles join sqlite_master", False), ("select rowid from sqlite_master_x", False),
    ("pragma table_info(articles)", False), ("select name from sqlite_master; delete from articles", False),
])
def test_only_schema_statements_are_kept(sql, schema_only):
    """An immutable file's schema statements are answered once; anything reading the rows is asked every time."""
    import fast_table

    assert fast_table._reads_schema_only(sql) == schema_only
