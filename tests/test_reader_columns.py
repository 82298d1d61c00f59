"""plugins/reader_columns.py on a real `just serve`: the articles page opens on the reader's columns; any page
that chooses its columns, and the JSON API, get what they ask for."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "plugins"))
import reader_columns  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
READER = yaml.safe_load((ROOT / "metadata.yml").read_text())["databases"]["archive"]["tables"]["articles"][
    "plugins"]["reader-columns"]["columns"]


def header(html: str) -> list[str]:
    return re.findall(r'<th [^>]*data-column="([^"]+)"', html)


def test_articles_page_shows_the_reader_columns(server):
    html = server.get("/archive/articles?_search=Telefonat").text
    assert header(html) == ["id", *READER]
    assert "search_stems" not in header(html) and "sha256" not in header(html)
    # links on the page keep the choice, so a facet click or the next page shows the same columns
    facet_link = re.search(r'href="([^"]*section=Ausland[^"]*)"', html)[1]
    assert "_col=title" in facet_link and "_search=Telefonat" in facet_link


def test_pages_that_choose_columns_get_them(server):
    every = all_columns(server)
    assert header(server.get("/archive/articles?_nocol=search_stems").text) == [c for c in every if c != "search_stems"]
    assert header(server.get("/archive/articles?_col=title").text) == ["id", "title"]


def test_sorted_by_a_column_the_reader_columns_leave_out(server):
    # the next page's link is made of the last row's sort value: without the column on the page it was a 500
    assert "url" not in READER
    for sort in ("_sort", "_sort_desc"):
        page = server.get(f"/archive/articles?{sort}=url&_size=1")
        assert page.status_code == 200
        assert header(page.text) == ["id", *READER, "url"]
        assert re.search(r'href="[^"]*_next=[^"]*"', page.text)


def all_columns(server) -> list[str]:
    return server.get("/archive/articles.json?_size=1").json()["columns"]


def test_json_and_other_tables_untouched(server):
    columns = all_columns(server)
    assert "search_stems" in columns and "sha256" in columns and len(columns) > len(READER) + 1
    assert "articles" in header(server.get("/archive/sections").text)  # a table without reader-columns


class Stub:
    """Just what default_columns asks of Datasette."""

    databases = {"archive": None}

    def plugin_config(self, name, database=None, table=None, fallback=True):
        assert name == reader_columns.CONFIG and fallback is False
        return {"columns": ["title", "published"]} if (database, table) == ("archive", "articles") else None


def scope(path: str, query: str = "", method: str = "GET") -> dict:
    return {"type": "http", "method": method, "path": path, "query_string": query.encode()}


def test_which_requests_get_the_default():
    ds = Stub()
    added = reader_columns.with_default_columns(ds, scope("/archive/articles", "_search=x"))
    assert added["query_string"] == b"_search=x&_col=title&_col=published"
    assert reader_columns.with_default_columns(ds, scope("/archive/articles"))["query_string"] == \
        b"_col=title&_col=published"
    assert reader_columns.with_default_columns(ds, scope("/archive/articles", "_sort_desc=url"))["query_string"] == \
        b"_sort_desc=url&_col=title&_col=published&_col=url"
    assert reader_columns.with_default_columns(ds, scope("/archive/articles", "_sort=title"))["query_string"] == \
        b"_sort=title&_col=title&_col=published"
    for unchanged in (scope("/archive/articles.json"), scope("/archive/articles", "_nocol=title"),
                      scope("/archive/articles", "_col=id"), scope("/archive/articles", "_format=json"),
                      scope("/archive/articles", method="POST"), scope("/archive/sections"),
                      scope("/archive/articles/artikel-1"), scope("/other/articles"), scope("/")):
        assert reader_columns.with_default_columns(ds, unchanged) is unchanged
