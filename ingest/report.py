"""The data-quality report: articles per year and section, share of each field filled (in all and per page shape),
where the dates come from, fields where a page's metadata and its text disagree, pages rejected by reason.

The same questions are canned queries in metadata.yml (quality_fields, quality_fields_by_shape,
quality_by_year_section, date_sources, disagreements, rejected_by_reason), so the report is browsable in Datasette;
tests/test_report.py checks both agree.
"""
from __future__ import annotations

from pathlib import Path

from sqlite_utils.utils import sqlite3  # pysqlite3 (a newer SQLite) where it is installed

from ingest.enrich.dates import leave_one_out

# JSON arrays ("[]") and blank strings are as empty as NULL: the field tells the reader nothing
FILLED = "coalesce(trim({col}), '') not in ('', '[]')"

BY_YEAR_SECTION_SQL = """
select published_year as year, section, count(*) as articles
from articles
group by published_year, section
order by year desc, articles desc, section
"""

# a listing page is one reason whatever its URL; other reasons up to the first colon, so
# "parser failed: ValueError: …" and "not UTF-8: byte 0xe4 …" group by what went wrong
REJECTED_SQL = """
select
  kind,
  case when kind = 'listing' then 'listing page'
       else trim(substr(reason, 1, instr(reason || ':', ':') - 1)) end as reason,
  count(*) as pages,
  min(source_path) as example
from ingest_errors
group by 1, 2
order by pages desc, kind, reason
"""


DATE_SOURCES_SQL = """
select coalesce(date_source, '(no date)') as date_source, count(*) as articles,
  round(100.0 * count(*) / (select count(*) from articles), 1) as percent
from articles
group by 1
order by articles desc, date_source
"""

# a page whose metadata says one thing and whose visible text another keeps the text; these are the fields
DISAGREEMENTS_SQL = """
select je.value as field, count(*) as articles, min(articles.id) as example
from articles, json_each(articles.disagreements) je
group by 1
order by articles desc, field
"""

# the articles whose day the page, a listing or an old URL gave: the ground truth for estimated dates
KNOWN_DAYS_SQL = "select id, published_date from articles where date_source in ('page', 'listing', 'url') and published_date is not null"


def article_columns(conn: sqlite3.Connection) -> list[str]:
    return [row[1] for row in conn.execute("PRAGMA table_info(articles)")]


def _quoted(columns: list[str]) -> list[str]:
    """Column names as SQL identifiers (quoted where they need it)."""
    return [col if col.isidentifier() else '"' + col.replace('"', '""') + '"' for col in columns]


def fields_sql(columns: list[str]) -> str:
    """One pass over the articles, then one row per column (in table order): filled, articles, percent."""
    names = _quoted(columns)
    sums = "".join(f",\n    sum({FILLED.format(col=name)}) as {name}" for name in names)
    rows = [f"  select 1 as position, '{columns[0]}' as field, {names[0]} as filled, n as articles, "
            f"round(100.0 * {names[0]} / nullif(n, 0), 1) as percent from counts"]
    rows += [f"  union all select {i}, '{col}', {name}, n, round(100.0 * {name} / nullif(n, 0), 1) from counts"
             for i, (col, name) in enumerate(zip(columns[1:], names[1:]), 2)]
    body = "\n".join(rows)
    return (f"with counts as (\n  select count(*) as n{sums}\n  from articles\n)\n"
            f"select field, filled, articles, percent from (\n{body}\n)\norder by position")

def fields_by_shape_sql(columns: list[str]) -> str:
    """One row per page shape: its articles and the percent of them with each column filled."""
    names = _quoted(columns)
    shares = "".join(f",\n  round(100.0 * sum({FILLED.format(col=name)}) / count(*), 1) as {name}" for name in names)
    return (f"select coalesce(shape, '(none)') as page_shape, count(*) as articles{shares}\n"
            f"from articles\ngroup by 1\norder by 1")


def _rows(conn: sqlite3.Connection, sql: str) -> list[dict]:
    cursor = conn.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor]


def quality(db_path: str | Path) -> dict:
    """The report as plain data: {fields, by_year_section, rejected}, each a list of rows."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in conn.execute("select name from sqlite_master where type = 'table'")}
        if "articles" not in tables:
            raise ValueError(f"{db_path}: no articles table; not an archive built by `python -m ingest build`")
        fields = _rows(conn, fields_sql(article_columns(conn)))
        for row in fields:  # an empty archive: every share 0, not NULL
            row["filled"] = row["filled"] or 0
        return {
            "articles": conn.execute("select count(*) from articles").fetchone()[0],
            "fields": fields,
            "fields_by_shape": _rows(conn, fields_by_shape_sql(article_columns(conn))),
            "date_sources": _rows(conn, DATE_SOURCES_SQL),
            "date_estimate_error": leave_one_out(dict(conn.execute(KNOWN_DAYS_SQL))),
            "disagreements": _rows(conn, DISAGREEMENTS_SQL),
            "by_year_section": _rows(conn, BY_YEAR_SECTION_SQL),
            "rejected": _rows(conn, REJECTED_SQL) if "ingest_errors" in tables else [],
        }
    finally:
        conn.close()


def render(report: dict) -> str:
    out = [f"articles: {report['articles']}", "", "articles per year and section"]
    for row in report["by_year_section"]:
        out.append(f"  {row['year'] or '(no date)'!s:9} {row['section'] or '(no section)':30} {row['articles']:7d}")
    out += ["", "share of each field filled (not NULL, not blank, not [])"]
    for row in report["fields"]:
        percent = row["percent"] if row["percent"] is not None else 0.0
        bar = "#" * round(percent / 5)
        out.append(f"  {row['field']:20} {row['filled']:7d} / {row['articles']:<7d} {percent:5.1f}%  {bar}")
    shapes = report["fields_by_shape"]
    if shapes:
        out += ["", "percent of each field filled, per page shape"]
        out.append(f"  {'':20} " + " ".join(f"{row['page_shape']:>12}" for row in shapes))
        out.append(f"  {'(articles)':20} " + " ".join(f"{row['articles']:>12d}" for row in shapes))
        for field in [row["field"] for row in report["fields"]]:
            out.append(f"  {field:20} " + " ".join(f"{row[field]:>12.1f}" for row in shapes))
    out += ["", "where the dates come from (date_source)"]
    for row in report["date_sources"]:
        out.append(f"  {row['date_source']:12} {row['articles']:7d}  {row['percent']:5.1f}%")
    error = report["date_estimate_error"]
    if error["articles"]:
        out.append(f"  an estimate from the article number is off by {error['median_days']} days (median) and "
                   f"{error['p90_days']} days (90th percentile), leave-one-out over {error['articles']} dated articles")
    out += ["", "fields where a page's metadata and its visible text disagree (the text is kept)"]
    for row in report["disagreements"] or [{"field": "(none)", "articles": 0, "example": "-"}]:
        out.append(f"  {row['field']:20} {row['articles']:7d}  (e.g. {row['example']})")
    out += ["", f"pages rejected: {sum(row['pages'] for row in report['rejected'])}"]
    for row in report["rejected"]:
        out.append(f"  {row['pages']:7d}  {row['kind']:13} {row['reason']}  (e.g. {row['example']})")
    return "\n".join(out)
