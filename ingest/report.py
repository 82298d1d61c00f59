"""The data-quality report: articles per year and section, share of each field filled, pages rejected by reason.

The same three questions are canned queries in metadata.yml (quality_fields, quality_by_year_section,
rejected_by_reason), so the report is browsable in Datasette; tests/test_report.py checks both agree.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

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


def article_columns(conn: sqlite3.Connection) -> list[str]:
    return [row[1] for row in conn.execute("PRAGMA table_info(articles)")]


def fields_sql(columns: list[str]) -> str:
    """One pass over the articles, then one row per column (in table order): filled, articles, percent."""
    names = [col if col.isidentifier() else '"' + col.replace('"', '""') + '"' for col in columns]
    sums = "".join(f",\n    sum({FILLED.format(col=name)}) as {name}" for name in names)
    rows = [f"  select 1 as position, '{columns[0]}' as field, {names[0]} as filled, n as articles, "
            f"round(100.0 * {names[0]} / nullif(n, 0), 1) as percent from counts"]
    rows += [f"  union all select {i}, '{col}', {name}, n, round(100.0 * {name} / nullif(n, 0), 1) from counts"
             for i, (col, name) in enumerate(zip(columns[1:], names[1:]), 2)]
    body = "\n".join(rows)
    return (f"with counts as (\n  select count(*) as n{sums}\n  from articles\n)\n"
            f"select field, filled, articles, percent from (\n{body}\n)\norder by position")

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
    out += ["", f"pages rejected: {sum(row['pages'] for row in report['rejected'])}"]
    for row in report["rejected"]:
        out.append(f"  {row['pages']:7d}  {row['kind']:13} {row['reason']}  (e.g. {row['example']})")
    return "\n".join(out)
