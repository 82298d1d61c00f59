"""What the archive holds — articles, years, sections, sources — for the front page (templates/index.html)."""
from __future__ import annotations

import json
import os

from datasette import hookimpl
from datasette_render_markdown import render_markdown

DATABASE = "archive"
# The served file is immutable (`-i`), so its summary is worked out once per file. Keyed by path, size and
# mtime, not by Datasette's db.hash, which reads the whole file (minutes for a multi-GB archive).
_by_file: dict[tuple, dict] = {}


def _file_key(db) -> tuple | None:
    if db.is_mutable or not db.path:
        return None
    stat = os.stat(db.path)
    return (db.path, stat.st_size, stat.st_mtime_ns)


@hookimpl
def prepare_jinja2_environment(env):
    # the article page shows authors and agencies, stored as JSON arrays
    env.filters["json_list"] = _json_list
    # the article page renders the body itself, sanitised as datasette-render-markdown does everywhere else
    env.filters["markdown"] = lambda value: render_markdown(value, extra_tags=["mark"])


def _json_list(value) -> list:
    try:
        items = json.loads(value) if value else []
    except (TypeError, ValueError):
        return []
    return [str(item) for item in items] if isinstance(items, list) else []


@hookimpl
def extra_template_vars(template, datasette, database, table):
    if template != "index.html":
        # a facet's heading in the reader's words (`facet-labels` of the table's plugins in metadata.yml)
        config = datasette.plugin_config("facet-labels", database=database, table=table) if table else None
        return {"facet_labels": dict(config or {})}

    async def inner():
        return {"archive": await archive_summary(datasette)}

    return inner


async def archive_summary(datasette) -> dict | None:
    try:
        db = datasette.get_database(DATABASE)
    except KeyError:
        return None
    key = _file_key(db)
    if key in _by_file:
        return _by_file[key]
    tables = set(await db.table_names())
    if not {"articles", "sections", "agencies"} <= tables:
        return None
    totals = (await db.execute(
        """select count(*) as articles, min(published_year) as first_year, max(published_year) as last_year,
                  count(*) filter (where shape like 'html%') as html_pages,
                  count(*) filter (where shape like 'S%') as text_pages
           from articles"""
    )).first()
    summary = dict(totals)
    summary["years"] = [dict(r) for r in await db.execute(
        "select published_year as year, count(*) as articles from articles "
        "where published_year is not null group by published_year order by published_year"
    )]
    summary["sections"] = [dict(r) for r in await db.execute(
        "select name, articles from sections order by articles desc, name"
    )]
    summary["agencies"] = [dict(r) for r in await db.execute(
        "select code, name, articles from agencies where articles > 0 order by articles desc, code"
    )]
    summary["topics"] = [dict(r) for r in await db.execute(
        "select name, articles from topics where articles > 0 order by articles desc, name limit 30"
    )] if "topics" in tables else []
    summary["rejected"] = (await db.execute("select count(*) from ingest_errors")).first()[0] \
        if "ingest_errors" in tables else 0
    if key:
        _by_file[key] = summary
    return summary
