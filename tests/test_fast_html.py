"""plugins/fast_html.py: the rows and facet values it writes are the characters Datasette 0.65's own templates
(_table.html, _facet_results.html) write for the same context, escaping included; and fast_table's toggle URLs
are Datasette's path_with_added_args."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from datasette.app import Datasette
from datasette.utils import path_with_added_args, path_with_replaced_args
from datasette.utils.asgi import Request
from markupsafe import Markup

ROOT = Path(__file__).resolve().parent.parent

# cells as Datasette's table view hands them over: plain text that needs escaping, a render_cell hook's Markup,
# numbers, an empty cell, a column name that is no CSS class
ROWS = [
    [{"column": "id", "value_type": "pk", "value": Markup('<a href="/archive/articles/a-1">a-1</a>'), "raw": "a-1"},
     {"column": "title", "value_type": "str", "value": 'Streik & "Krieg" <b>', "raw": "x"},
     {"column": "published", "value_type": "str", "value": Markup('<span class="jw-date-estimated">~ März 2019</span>')},
     {"column": "word_count", "value_type": "int", "value": 1234},
     {"column": "dateline", "value_type": "none", "value": Markup("&nbsp;")},
     {"column": "odd column/ä", "value_type": "float", "value": 1.5}],
    [{"column": "id", "value_type": "pk", "value": Markup('<a href="/archive/articles/a-2">a-2</a>')},
     {"column": "title", "value_type": "str", "value": "Ärger über <script>alert(1)</script>"},
     {"column": "published", "value_type": "str", "value": "2020-01-02"},
     {"column": "word_count", "value_type": "int", "value": 0},
     {"column": "dateline", "value_type": "str", "value": "Berlin"},
     {"column": "odd column/ä", "value_type": "none", "value": None}],
]
COLUMNS = [{"name": c["column"], "type": "text", "notnull": 0, "is_pk": c["column"] == "id", "sortable": False,
            "description": None} for c in ROWS[0]]
FACETS = [
    {"name": "section", "type": "column", "truncated": True, "hideable": True, "toggle_url": "/x?_facet=y&z=<>",
     "results": [{"value": "Ausland", "label": "Ausland", "count": 12345, "selected": False,
                  "toggle_url": "http://127.0.0.1/archive/articles?_search=geld&section=Ausland"},
                 {"value": "Inland & <Welt>", "label": "Inland & <Welt>", "count": 3, "selected": True,
                  "toggle_url": "http://127.0.0.1/archive/articles?a=1&b=%22"},
                 {"value": "", "label": "", "count": 1, "selected": False, "toggle_url": "/u"},
                 {"value": 0, "label": 0, "count": 1, "selected": True, "toggle_url": "/v"},
                 {"value": 0, "label": 0, "count": 2, "selected": False, "toggle_url": "/w"},
                 {"value": None, "label": None, "count": 1_000_000, "selected": False, "toggle_url": "/n"},
                 {"value": "m", "label": Markup("<b>m</b>"), "count": 7, "selected": False, "toggle_url": "/m"}]},
    {"name": "published_year", "type": "date", "truncated": False, "hideable": False, "toggle_url": "/t",
     "results": [{"value": 2019, "label": 2019, "count": 9, "selected": False, "toggle_url": "/y?published_year=2019"}]},
]


@pytest.fixture(scope="module")
def datasette():
    ds = Datasette(memory=True, plugins_dir=str(ROOT / "plugins"), template_dir=str(ROOT / "templates"))
    asyncio.run(ds.invoke_startup())
    return ds


def render(ds, template: str, context: dict) -> str:
    request = Request.fake("/archive/articles?_search=geld&_facet=section")
    request.scope["csrftoken"] = lambda: ""
    return asyncio.run(ds.render_template(template, context, request=request))


def between(html: str, start: str, end: str) -> list[str]:
    return re.findall(re.escape(start) + ".*?" + re.escape(end), html, re.S)


def test_rows_are_datasettes(datasette):
    context = {"display_rows": ROWS, "display_columns": COLUMNS, "database": "archive", "table": "articles",
               "sort": None, "sort_desc": None, "fix_path": datasette.urls.path,
               "path_with_replaced_args": path_with_replaced_args}
    ours = between(render(datasette, "_table.html", context), "<tbody>", "</tbody>")
    theirs = between(render(datasette, "default:_table.html", context), "<tbody>", "</tbody>")
    assert ours == theirs and len(ours) == 1
    assert "&lt;script&gt;" in ours[0] and '<span class="jw-date-estimated">' in ours[0]


def test_facet_values_are_datasettes(datasette):
    context = {"sorted_facet_results": FACETS, "database": "archive", "table": "articles",
               "path_with_replaced_args": path_with_replaced_args}
    ours = between(render(datasette, "_facet_results.html", context), '<ul class="tight-bullets">', "</ul>")
    theirs = between(render(datasette, "default:_facet_results.html", context), '<ul class="tight-bullets">', "</ul>")
    assert ours == theirs and len(ours) == 2
    assert "Inland &amp; &lt;Welt&gt; &middot; 3" in ours[0] and "1,000,000" in ours[0]


@pytest.mark.parametrize("query", ["", "_search=geld", "_search=K%C3%A4se&_col=title&_col=kicker&x=",
                                   "a=1&a=2&b=%2F", "_facet=section&section=Ausland&_next=20"])
@pytest.mark.parametrize("args", [{}, {"section": "Inland"}, {"published_year": 2019}, {"_next": None},
                                  {"a": None, "c": "ä ö&"}, {"section": None, "x": None}, [("a", "1"), ("a", "2")]])
def test_toggle_urls_are_datasettes(query, args):
    import sys
    sys.path.insert(0, str(ROOT / "plugins"))
    import fast_table

    request = Request.fake("/archive/articles" + ("?" + query if query else ""))
    for path in (None, "/archive/other"):
        expected = path_with_added_args(request, args, path)
        assert fast_table.QUERY_ARGS.path_with_added_args(request, args, path) == expected
        assert fast_table.QUERY_ARGS.path_with_added_args(request, args, path) == expected  # remembered


def test_query_rows_are_datasettes(datasette):
    """The rows of a query page (the ranked search): Datasette's own loop from its query.html, rendered by its Jinja
    environment, against query_rows()."""
    import datasette as package

    source = (Path(package.__file__).parent / "templates" / "query.html").read_text()
    loop = source[source.index("{% for row in display_rows %}"):source.index("</tbody>")]
    columns = ["id", "published", "snippet", "odd column/ä"]
    rows = [[Markup('<a href="/x">a-1</a>'), "2020-01-02", Markup("… <mark>Geld</mark> & mehr"), None],
            ["<script>", 3, 1.5, Markup("&nbsp;")]]
    theirs = asyncio.run(datasette.jinja_env.from_string(loop).render_async(
        columns=columns, display_rows=rows, zip=zip))
    ours = asyncio.run(datasette.jinja_env.from_string("{{ query_rows(columns, display_rows) }}\n    ").render_async(
        columns=columns, display_rows=rows))
    assert ours == theirs
    assert "&lt;script&gt;" in ours and "<mark>Geld</mark> &amp; mehr" not in ours and "<mark>Geld</mark> & mehr" in ours
