"""How the archive shows a date it did not read on the page: `~ März 2019` for an estimate, the day for one a
listing or the URL gave — on the article page (the `shown_date` filter) and in the table's `published` column."""
from __future__ import annotations

import html

from datasette import hookimpl
from datasette.plugins import pm
from markupsafe import Markup

MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
          "November", "Dezember"]
SOURCE_NOTES = {
    "listing": "date of the edition index, listing or feed that links the article; the page shows none",
    "url": "date of the edition in the article's old address; the page shows none",
    "estimated": "estimated from the article number, between the archive's dated articles; the page shows none",
}


def shown_date(published: str | None, published_date: str | None, date_source: str | None) -> str | None:
    """What a reader sees: the page's own date as it is, else the day another source gave, else `~ Monat Jahr`."""
    if published:
        return published
    if date_source == "estimated" and published_date:
        return f"~ {MONTHS[int(published_date[5:7]) - 1]} {published_date[:4]}"
    return published_date


def date_markup(published, published_date, date_source) -> Markup | None:
    shown = shown_date(published, published_date, date_source)
    if shown is None:
        return None
    note = SOURCE_NOTES.get(date_source) if not published else None
    if note is None:
        return Markup(html.escape(shown))
    return Markup(f'<span class="jw-date-{html.escape(date_source)}" title="{html.escape(note)}">'
                  f'{html.escape(shown)}</span>')


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["shown_date"] = lambda row: date_markup(row["published"], row["published_date"], row["date_source"])


FAST_TABLE = "fast_table.py"  # the name Datasette registers plugins/fast_table.py under
MAX_LOOKED_UP = 1000  # ids in one statement (the most rows a page shows: max_returned_rows)


async def undated_dates(datasette, database: str, article_id: str) -> tuple | None:
    """(published_date, date_source) of an article shown without a page date. Datasette asks per cell, one cell at
    a time, and each statement waits its turn for a thread (~0.6 ms each, 13 ms for a page of 20 undated rows):
    so the first asks for every undated article among the rows this request read (plugins/fast_table.py keeps
    them), in one statement, and the others find theirs in the request's memo."""
    fast_table = pm.get_plugin(FAST_TABLE)
    memo = fast_table.request_memo() if fast_table else None
    known = memo.setdefault(("undated dates", database), {}) if memo is not None else {}
    if article_id not in known:
        wanted = {article_id: None}
        for results in (fast_table.rows_read(database) or []) if memo is not None else []:
            if "published" in results.columns:
                wanted.update((row["id"], None) for row in results.rows if not row["published"]
                              and row["id"] not in known and isinstance(row["id"], str))
        ids = list(wanted)[:MAX_LOOKED_UP]
        found = await datasette.get_database(database).execute(
            f"select id, published_date, date_source from articles where id in ({', '.join('?' * len(ids))})", ids)
        known.update(dict.fromkeys(ids))
        known.update((row["id"], (row["published_date"], row["date_source"])) for row in found)
    return known[article_id]


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    # the table page selects only the reader's columns: an undated article's day is looked up by its id
    if column != "published" or table != "articles" or value or "id" not in row.keys():
        return None

    async def inner():
        found = await undated_dates(datasette, database, row["id"])
        if found is None or found[0] is None:
            return None
        return date_markup(None, *found)

    return inner
