"""The HTML of a table page's rows and facet values and of a query's rows, written in Python for templates/_table.html,
templates/_facet_results.html and templates/query-archive.html: the same characters their Jinja loops wrote.

Datasette renders templates with Jinja's async mode, where every `{{ … }}` goes through an await check and
every loop through an async iterator: the ~180 cells of a 20-row articles page and the ~150 facet values of a
search page cost ~10 ms of Python per page at 1M articles, which under load is what a search page's p95 is made
of (bench/README.md, issue 12). Written out here they cost a tenth of that. Everything is escaped as Jinja's
autoescape escapes it (markupsafe.escape; Markup, such as a render_cell hook's result, passes unchanged).
"""
from __future__ import annotations

from functools import lru_cache

from datasette import hookimpl
from datasette.utils import to_css_class
from markupsafe import Markup, escape


@lru_cache(maxsize=1024)
def _css_class(column: str) -> str:
    return str(escape(to_css_class(column)))


def table_rows(display_rows) -> Markup:
    """The <tr>s of _table.html's <tbody>, with the whitespace its loop wrote around them."""
    out = []
    for row in display_rows:
        out.append("\n            <tr>\n                ")
        for cell in row:
            out.append(f'\n                    <td class="col-{_css_class(cell["column"])} type-{escape(cell["value_type"])}">'
                       f'{escape(cell["value"])}</td>\n                ')
        out.append("\n            </tr>\n        ")
    return Markup("".join(out))


def query_rows(columns, display_rows) -> Markup:
    """The <tr>s of query.html's <tbody> (a canned query's or any SQL's results), with the whitespace its loop wrote."""
    classes = [_css_class(column) for column in columns]
    out = []
    for row in display_rows:
        out.append("\n        <tr>\n            ")
        for css_class, value in zip(classes, row):
            out.append(f'\n                <td class="col-{css_class}">{escape(value)}</td>\n            ')
        out.append("\n        </tr>\n    ")
    return Markup("".join(out))


def _soft_str(value) -> str:
    # Jinja's `string` filter: a str (or Markup) as it is, anything else str()
    return value if isinstance(value, str) else str(value)


def facet_values(results) -> Markup:
    """The <li>s of one facet in _facet_results.html: a value links to the page filtered by it, a chosen value
    shows a cross that takes the filter away."""
    out = []
    for value in results:
        count = "{:,}".format(value["count"])
        if not value["selected"]:
            out.append(f'\n                    \n                        <li><a href="{escape(value["toggle_url"])}">'
                       f'{escape(_soft_str(value["label"]) or "-")}</a> {escape(count)}</li>\n                    '
                       f'\n                ')
        else:
            out.append(f'\n                    \n                        <li>{escape(value["label"] or "-")} &middot; '
                       f'{escape(count)} <a href="{escape(value["toggle_url"])}" class="cross">&#x2716;</a></li>'
                       f'\n                    \n                ')
    return Markup("".join(out))


@hookimpl
def prepare_jinja2_environment(env):
    env.globals["table_rows"] = table_rows
    env.globals["facet_values"] = facet_values
    env.globals["query_rows"] = query_rows
