"""plugins/timeline.py on a real `just serve`: a search's articles per year and month equal SQL's `group by` on the
same archive — alone, next to filters, as shares, on the ranked search, compared on /-/timeline — and the same on a
mutable file, which is counted by SQL instead of fast_table's arrays."""
from __future__ import annotations

import random
import re
from sqlite_utils.utils import sqlite3  # the SQLite the archive code uses (pysqlite3 where installed)
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from bench.served import Served, free_port
from ingest import store
from ingest.enrich.stems import german_stems
from conftest import Server  # pytest puts tests/ on the path (pywb installs a package named `tests`)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "plugins"))
import german_search  # noqa: E402  (the search functions the served archive uses)

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = 2_500  # above fast_table.FEW_HITS: a common word takes the in-memory paths
SECTIONS = ["Ausland", "Inland", "Feuilleton"]


def article(i: int, rng: random.Random) -> dict:
    year = rng.randint(1996, 2024)
    published = None if i % 50 == 0 else f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    words = ["und", "Text"] + (["Streik"] if rng.random() < 0.3 else [])
    if published and published[:4] in ("2019", "2020") and rng.random() < 0.4:
        words.append("Hafen")  # a word of two years only: its timeline is drawn per month
    if published is None and i % 100 == 0:
        words.append("Streik")  # some hits have no date
    body = " ".join(words)
    row = dict.fromkeys(store.ARTICLE_COLUMNS)
    row.update(id=f"artikel-{i}", title=f"Artikel {i}", published=published, published_date=published,
               published_month=published and published[:7], published_year=published and int(published[:4]),
               section=rng.choice(SECTIONS), authors="[]", agencies="[]", body_markdown=body,
               search_stems=german_stems(f"Artikel {i}", None, None, body),
               date_source=published and ("estimated" if i % 7 == 0 else "page"))
    return row


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    work = tmp_path_factory.mktemp("timeline")
    db, raw = work / "archive.db", work / "raw"
    raw.mkdir()
    rng = random.Random(11)
    with store.building(db) as built:
        store.insert_articles(built, (article(i, rng) for i in range(1, ARTICLES + 1)))
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


SEARCH = "rowid in (select rowid from articles_fts where articles_fts match escape_fts(?))"


def expected(db: Path, where: str, params: tuple, column: str) -> tuple[dict, int]:
    """SQL's answer: articles per value of `column` from the first to the last period with a hit (zeros included):
    (matching, all articles, matching dated by estimate); and how many hits have no date."""
    per = dict(sql(db, f"select {column}, count(*) from articles where {where} and {column} is not null "
                       f"group by 1", *params))
    estimated = {str(k): v for k, v in sql(db, f"select {column}, count(*) from articles where {where} and "
                                               f"date_source = 'estimated' group by 1", *params)}
    undated = sql(db, f"select count(*) from articles where {where} and published_year is null", *params)[0][0]
    all_articles = dict(sql(db, f"select {column}, count(*) from articles where {column} is not null group by 1"))
    if column == "published_year":
        axis = [str(y) for y in range(min(per), max(per) + 1)]
        per, all_articles = ({str(k): v for k, v in d.items()} for d in (per, all_articles))
    else:  # every calendar month from the first hit to the last, months the archive has nothing of included
        first, last = (int(m[:4]) * 12 + int(m[5:]) - 1 for m in (min(per), max(per)))
        axis = [f"{n // 12}-{n % 12 + 1:02d}" for n in range(first, last + 1)]
    return {p: (per.get(p, 0), all_articles.get(p, 0), estimated.get(p, 0)) for p in axis}, undated


def periods(timeline: dict) -> dict:
    return {p["period"]: (p["count"], p["articles"], p["estimated"]) for p in timeline["periods"]}


@pytest.mark.parametrize("query, where, params", [
    ("_search=Streik", SEARCH, ("Streik",)),
    ("_search=und", SEARCH, ("und",)),  # every article: counted from the rows left out
    ("_search=Streik&section=Inland", f"section = 'Inland' and {SEARCH}", ("Streik",)),
    ("_search=Streik&published_year__gte=2010", f"published_year >= 2010 and {SEARCH}", ("Streik",)),
    # FTS5 syntax as typed: Datasette's own match, which fast_table reads the hits of as well
    ("_search=streik OR hafen&_searchmode=raw",
     "rowid in (select rowid from articles_fts where articles_fts match ?)", ("streik OR hafen",)),
])
def test_years_equal_sql_group_by(archive, query, where, params):
    server, db = archive
    data = server.get(f"/archive/articles.json?{query}&_size=1").json()
    timeline = data["timeline"]
    assert timeline["unit"] == "year"
    per_year, undated = expected(db, where, params, "published_year")
    assert periods(timeline) == per_year
    assert timeline["undated"] == undated
    assert timeline["matching"] == data["filtered_table_rows_count"] == sum(c for c, _, _ in per_year.values()) + undated
    for p in timeline["periods"]:
        assert p["share"] == pytest.approx(p["count"] / p["articles"], abs=1e-6)
        if p["count"]:  # the bar's link: the same page filtered to its year
            args = parse_qs(urlsplit(p["url"]).query)
            assert args["published_year"] == [p["period"]] and args["_search"] == [params[0]]
        else:
            assert p["url"] is None


def test_few_years_are_drawn_per_month(archive):
    server, db = archive
    timeline = server.get("/archive/articles.json?_search=Hafen&_size=1").json()["timeline"]
    assert timeline["unit"] == "month"
    per_month, _ = expected(db, SEARCH, ("Hafen",), "published_month")
    assert periods(timeline) == per_month
    assert list(periods(timeline))[0] == "2019-01" and list(periods(timeline))[-1] == "2020-12"
    # a month's bar filters the page to that month, and the page then counts exactly that bar
    march = next(p for p in timeline["periods"] if p["period"] == "2019-03")
    path = urlsplit(march["url"])
    filtered = server.get(f"{path.path}?{path.query}").json()
    assert filtered["filtered_table_rows_count"] == march["count"]
    assert {p["period"]: p["count"] for p in filtered["timeline"]["periods"]} == {"2019-03": march["count"]}


def test_no_timeline_without_a_search(archive):
    server, _ = archive
    assert "timeline" not in server.get("/archive/articles.json?_size=1").json()
    assert "timeline" not in server.get("/archive/articles.json?_search=Streik&_shape=array").text
    assert server.get("/archive/articles.json?_search=Zyxwv&_size=1").json()["timeline"]["periods"] == []


def bars(html: str) -> list[dict]:
    return [dict(re.findall(r'([\w-]+)="([^"]*)"', tag)) for tag in re.findall(r"<a [^>]*class=\"timeline-bar\"[^>]*>", html)]


def test_html_bars_link_to_their_period_and_show_shares(archive):
    server, db = archive
    html = server.get("/archive/articles?_search=Streik").text
    drawn = bars(html)
    per_year, _ = expected(db, SEARCH, ("Streik",), "published_year")
    assert {b["data-period"]: int(b["data-count"]) for b in drawn} == {p: c for p, (c, _, _) in per_year.items() if c}
    # the part of a bar dated by estimate is drawn lighter on its top, and said in its title
    assert {b["data-period"]: int(b["data-estimated"]) for b in drawn} == {p: e for p, (c, _, e) in per_year.items() if c}
    assert 'class="bar estimated"' in html and "dated by estimate" in html
    first = drawn[0]
    assert "published_year=" + first["data-period"] in first["href"]
    assert first["aria-label"].startswith(f"{first['data-period']}: {int(first['data-count']):,} article")
    assert "<svg" in html and "<script" not in html.split('id="timeline"')[1].split("</figure>")[0]
    share = server.get("/archive/articles?_search=Streik&_timeline=share").text
    assert "as a share of all articles of each year" in share
    assert 'class="timeline-share" aria-current="true"' in share


def test_what_was_searched_is_shown_escaped(archive):
    server, _ = archive
    hostile = 'Streik OR "<script>alert(1)</script>" OR x"onerror=alert(1)'  # matches Streik: bars are drawn
    for path in ("/archive/articles", "/archive/search", "/-/timeline"):
        html = server.get(path, params={"_search" if path == "/archive/articles" else "q": hostile}).text
        assert "timeline-bar" in html or "<circle" in html
        assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert '"onerror=alert(1)' not in html


def test_ranked_search_has_the_timeline_of_its_search(archive):
    server, db = archive
    data = server.get("/archive/search.json?q=Streik").json()
    per_year, undated = expected(db, SEARCH, ("Streik",), "published_year")
    assert periods(data["timeline"]) == per_year and data["timeline"]["undated"] == undated
    args = parse_qs(urlsplit(data["timeline"]["periods"][0]["url"]).query)
    assert urlsplit(data["timeline"]["periods"][0]["url"]).path == "/archive/articles"
    assert args["_search"] == ["Streik"] and "published_year" in args
    html = server.get("/archive/search?q=Streik").text
    assert len(bars(html)) == sum(1 for c, _, _ in per_year.values() if c)
    assert periods(server.get("/archive/search_by_date.json?q=Streik").json()["timeline"]) == per_year
    assert "timeline" not in server.get("/archive/quality_fields.json").json()  # other canned queries: none


def test_compare_searches(archive):
    server, db = archive
    data = server.get("/-/timeline.json", params=[("q", "Streik"), ("q", "Hafen")]).json()
    assert data["unit"] == "year" and [s["search"] for s in data["series"]] == ["Streik", "Hafen"]
    streik, _ = expected(db, SEARCH, ("Streik",), "published_year")
    hafen, _ = expected(db, SEARCH, ("Hafen",), "published_year")
    assert data["periods"] == list(streik)  # the axis spans every search
    for series, per_year in zip(data["series"], (streik, hafen)):
        got = periods(series)
        assert {p: c for p, c in got.items() if c[0]} == {p: c for p, c in per_year.items() if c[0]}
    html = server.get("/-/timeline", params=[("q", "Streik"), ("q", "Hafen"), ("_timeline", "share")]).text
    assert html.count("<polyline") == 2 and "Share of all articles per year" in html
    assert server.get("/-/timeline.json", params={"q": "Hafen"}).json()["unit"] == "month"


@pytest.mark.parametrize("search", ["und", "Telefonat", "Streik"])
def test_real_pages_per_month_equal_sql_group_by(site_server, search):
    """The archive built from real pages (tests/fixtures/site/ and the seed; dates from the page, listings or
    estimated): its articles fall within three years, so per month."""
    db = site_server.log.with_name("archive.db")
    timeline = site_server.get(f"/archive/articles.json?_search={search}&_size=1").json()["timeline"]
    assert timeline["unit"] == "month"
    per_month, undated = expected(db, SEARCH, (search,), "published_month")
    assert periods(timeline) == per_month and timeline["undated"] == undated


def test_a_mutable_file_is_counted_by_sql(archive, tmp_path):
    _, db = archive
    port = free_port()
    served = Served([str(ROOT / ".venv" / "bin" / "datasette"), "serve", str(db), "-p", str(port), "-h", "127.0.0.1",
                     "--plugins-dir", str(ROOT / "plugins"), "--template-dir", str(ROOT / "templates")],
                    port, tmp_path / "mutable.log")
    try:
        timeline = served.get("/archive/articles.json?_search=Streik&section=Inland&_size=1").json()["timeline"]
        per_year, undated = expected(db, f"section = 'Inland' and {SEARCH}", ("Streik",), "published_year")
        assert periods(timeline) == per_year and timeline["undated"] == undated
    finally:
        served.stop()


@pytest.mark.parametrize("settings", [{}, {"base_url": "/jw/"}, {"force_https_urls": True}])
def test_bar_links_are_datasettes_own_urls(settings):
    # a page joins the table's URL with the request's once, and each bar adds its search and period to it: the
    # same URL as Datasette's absolute_url of the whole path, under a base_url and with https forced as well
    import asyncio
    from urllib.parse import urlencode

    from datasette.app import Datasette
    from datasette.utils.asgi import Request

    import timeline

    datasette = Datasette(settings=settings)
    datasette.add_memory_database("archive")
    asyncio.run(datasette.invoke_startup())
    request = Request.fake("/archive/search?q=Streik%20Hafen")
    base = timeline.table_url(datasette, request, "archive", "articles")
    for search, column, period in [("Streik Hafen", None, None), ("Streik", "published_year", "2019"),
                                   ("»Krieg« & Co/2", "published_month", "2019-03")]:
        args = [("_search", search)] + ([(column, period)] if column else [])
        expected = datasette.absolute_url(request, datasette.urls.table("archive", "articles") + "?" + urlencode(args))
        assert timeline.search_url(base, search, column, period) == expected
