"""The columns a table page shows a reader unless asked for others.

The articles table has 30 columns, most of them plumbing: the search stems (longer than the text), hashes,
source paths, the facet helpers published_year/month/date, coordinates. A browser page that opens on all of
them is hard to read and, at a million articles, mostly spends its time rendering them (bench/README.md).
Datasette 0.65 has no metadata for default columns, but it has `?_col=`: for a table whose metadata names
`reader-columns`, an HTML page request without `_col`, `_nocol` or `_format` is served as if it asked for
those columns. Everything else stays as it was: the JSON, CSV and Atom renderers, row pages, and any page
that chooses its columns (the table description links to all of them). A page sorted by a column the reader's
columns leave out shows that column too: the rows carry the value the next page's link is made of.
"""
from __future__ import annotations

import urllib.parse

from datasette import hookimpl
from datasette.utils import tilde_decode

CONFIG = "reader-columns"
CHOOSING = {"_col", "_nocol", "_format"}
SORTING = ("_sort", "_sort_desc")


def default_columns(datasette, path: str) -> list[str] | None:
    """The configured columns of the table page at `path`, if it is one (`/database/table`, no extension)."""
    parts = path.strip("/").split("/")
    if len(parts) != 2 or not all(parts):
        return None
    database, table = (tilde_decode(part) for part in parts)
    if database not in datasette.databases:
        return None
    config = datasette.plugin_config(CONFIG, database=database, table=table, fallback=False)
    return list(config["columns"]) if config and config.get("columns") else None


def with_default_columns(datasette, scope: dict) -> dict:
    if scope.get("type") != "http" or scope.get("method") != "GET":
        return scope
    columns = default_columns(datasette, scope.get("path", ""))
    if not columns:
        return scope
    query = (scope.get("query_string") or b"").decode("latin-1")
    arguments = urllib.parse.parse_qsl(query, keep_blank_values=True)
    if any(key in CHOOSING for key, _ in arguments):
        return scope
    columns += [value for key, value in arguments if key in SORTING and value and value not in columns][:1]
    extra = urllib.parse.urlencode([("_col", column) for column in columns])
    return dict(scope, query_string=(f"{query}&{extra}" if query else extra).encode("latin-1"))


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def reader_columns(scope, receive, send):
            await app(with_default_columns(datasette, scope), receive, send)

        return reader_columns

    return wrap
