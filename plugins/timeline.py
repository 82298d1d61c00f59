"""A timeline of every search: matching articles per year (per month when the hits span three years or less).

Drawn server-side as SVG above the results of `/archive/articles?_search=…` and of the ranked search
`/archive/search?q=…`; each bar links to the same search filtered to its year or month (`published_year=2019`,
`published_month=2019-03`, Datasette's own facet filters). `&_timeline=share` draws each period's share of all
articles of that period instead, so that a thin year does not look like a quiet topic. `/-/timeline?q=Streik&q=Krieg`
compares several searches as lines; `/-/timeline.json?q=…` has the same numbers, and the JSON of the two pages
above carries them as `timeline` (the `json` output renderer is Datasette's own, with that key added).

The counting is plugins/fast_table.py's: the page's rows are the hits it already read for the page's count and
facets (once per request), counted per year and month with a bincount over the published_year / published_month
columns it keeps in memory for their facets. A database fast_table does not serve (a mutable file) is counted by
SQL `group by`. Articles whose date was estimated have published_year and published_month filled, so they count
where their estimate falls; date_source says which they are, and they are the lighter top of their bar.
"""
from __future__ import annotations

import math
import re
import urllib.parse
from typing import NamedTuple

import numpy as np
from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.filters import Filters
from datasette.plugins import pm
from datasette.renderer import json_renderer
from datasette.utils import await_me_maybe, escape_sqlite, path_with_replaced_args
from datasette.utils.asgi import Response
from datasette.views.base import ureg
from markupsafe import Markup, escape

DATABASE, TABLE = "archive", "articles"
YEAR, MONTH = "published_year", "published_month"
SOURCE, ESTIMATED = "date_source", "estimated"  # how an article's date was found; an estimate is shown as such
CANNED_SEARCHES = {"search", "search_by_date"}  # canned queries whose `q` is a search of the articles
MONTHS_WITHIN_YEARS = 3  # hits spanning this many years or fewer are drawn per month
MAX_WORDS = 6  # searches compared on /-/timeline
FAST_TABLE = "fast_table.py"  # the name Datasette registers plugins/fast_table.py under (its file name)
SHARE = "share"  # ?_timeline=share
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class Period(NamedTuple):
    """One bar: `period` ('2019' or '2019-03'), the matching articles (`estimated` of them dated by estimate), and
    all articles of that period."""
    period: str
    count: int
    articles: int
    estimated: int = 0

    @property
    def share(self) -> float:
        return self.count / self.articles if self.articles else 0.0


# ---------------------------------------------------------------------------------------------------- counting

async def tally(datasette, database: str, table: str, column: str, where: str, params: dict,
                estimated: bool = False) -> dict | None:
    """Articles per value of `column` among the rows `where` names ('' for all), the undated under the key None;
    only those dated by estimate if `estimated`; None when it cannot be counted in time."""
    fast_table = pm.get_plugin(FAST_TABLE)
    if fast_table is not None:
        counts = await fast_table.STORE.counts(datasette, database, table, "column", column)
        sources = await fast_table.STORE.counts(datasette, database, table, "column", SOURCE) if estimated else None
        if counts is not None and (sources is not None or not estimated):
            try:
                rowids = await fast_table.page_rowids(datasette, database, table, where, params)
            except QueryInterrupted:
                return None
            if estimated:
                rowids = _estimated(sources, rowids)
            counted = counts.count(rowids)
            found = {counts.values[i]: int(counted[i]) for i in np.flatnonzero(counted)}
            if rowids is not None:
                found[None] = len(rowids) - sum(found.values())
            return found
    if estimated:
        where = f"({where}) and {escape_sqlite(SOURCE)} = '{ESTIMATED}'" if where else f"{escape_sqlite(SOURCE)} = '{ESTIMATED}'"
    sql = f"select {escape_sqlite(column)}, count(*) from {escape_sqlite(table)} {'where ' + where if where else ''} group by 1"
    try:
        rows = await datasette.get_database(database).execute(
            sql, params, custom_time_limit=datasette.setting("sql_time_limit_ms"))
    except QueryInterrupted:
        return None
    return {value: count for value, count in rows}


def _estimated(sources, rowids: np.ndarray | None) -> np.ndarray:
    """The rows among `rowids` (None: all) whose date is an estimate, from date_source's in-memory column."""
    if ESTIMATED not in sources.values:
        return np.zeros(0, dtype=np.int64)
    code = sources.values.index(ESTIMATED)
    if rowids is None:
        return np.flatnonzero(sources.codes == code)
    inside = rowids[rowids < len(sources.codes)]
    return inside[sources.codes[inside] == code]


def month_range(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def years_of(found: dict) -> dict[int, int]:
    return {value: count for value, count in found.items() if isinstance(value, int) and count}


def months_of(found: dict) -> dict[str, int]:
    return {value: count for value, count in found.items() if isinstance(value, str) and _MONTH.match(value) and count}


class Counted(NamedTuple):
    """What one search matched, per year and per month, and how many of its articles have no date; of those per
    year and month, how many are dated by estimate (in `estimated`, by the same keys as a string)."""
    matching: int
    undated: int
    years: dict[int, int]
    months: dict[str, int] | None  # counted only when needed: hits within MONTHS_WITHIN_YEARS years
    estimated: dict[str, int] = {}


async def count(datasette, database: str, table: str, where: str, params: dict, months: bool | None = None) -> Counted | None:
    """The rows `where` names per year, and per month when `months` (None: when their years are few)."""
    found = await tally(datasette, database, table, YEAR, where, params)
    if found is None:
        return None
    years = years_of(found)
    undated = found.get(None, 0)
    if months is None:
        months = bool(years) and max(years) - min(years) < MONTHS_WITHIN_YEARS
    per_month = None
    if months:
        by_month = await tally(datasette, database, table, MONTH, where, params)
        per_month = months_of(by_month) if by_month is not None else None
    estimated = {}
    if years and await has_estimates(datasette, database, table):
        if per_month is not None:
            estimated = months_of(await tally(datasette, database, table, MONTH, where, params, estimated=True) or {})
        else:
            found = await tally(datasette, database, table, YEAR, where, params, estimated=True) or {}
            estimated = {str(y): n for y, n in years_of(found).items()}
    return Counted(sum(years.values()) + undated, undated, years, per_month, estimated)


async def all_articles(datasette, database: str, table: str, column: str) -> dict:
    return (await tally(datasette, database, table, column, "", {})) or {}


async def periods(datasette, database: str, table: str, counted: list[Counted]) -> tuple[str, list[str], dict]:
    """The axis for one or more searches: ('year' or 'month', every period from the first hit to the last, zeros
    included, and all articles per period)."""
    if all(c.months is not None for c in counted) and any(c.months for c in counted):
        months = [m for c in counted for m in c.months]
        axis = month_range(min(months), max(months))
        return "month", axis, months_of(await all_articles(datasette, database, table, MONTH))
    years = [y for c in counted for y in c.years]
    if not years:
        return "year", [], {}
    axis = [str(y) for y in range(min(years), max(years) + 1)]
    return "year", axis, {str(y): n for y, n in years_of(await all_articles(datasette, database, table, YEAR)).items()}


def bars(unit: str, axis: list[str], counted: Counted, totals: dict) -> list[Period]:
    per = counted.months if unit == "month" else {str(y): n for y, n in counted.years.items()}
    # estimates counted per month or per year, as the search's own axis was chosen; a compare page may draw
    # per year what was counted per month
    estimated = counted.estimated
    if unit == "year" and any(len(k) == 7 for k in estimated):
        estimated = {}
        for month, n in counted.estimated.items():
            estimated[month[:4]] = estimated.get(month[:4], 0) + n
    return [Period(p, per.get(p, 0), totals.get(p, 0), estimated.get(p, 0)) for p in axis]


# ------------------------------------------------------------------------------------------------- the request

async def page_where(datasette, request, database: str, table: str) -> tuple[str, dict]:
    """The conditions of a table page as Datasette's table view writes them for its count: the query string's
    filters, then every filters_from_request hook (the search, `_where`, `_through`); no pagination. The same
    text and parameters, so fast_table answers both from the one reading of the hits."""
    args = request.args  # parsed anew on each access: once here, not once per argument
    filter_args = [(key, value) for key in args if not (key.startswith("_") and "__" not in key)
                   for value in args.getlist(key)]
    units = datasette.table_metadata(database, table).get("units", {})
    where_clauses, params = Filters(sorted(filter_args), units, ureg).build_where_clauses(table)
    for hook in pm.hook.filters_from_request(request=request, table=table, database=database, datasette=datasette):
        arguments = await await_me_maybe(hook)
        if arguments:
            where_clauses.extend(arguments.where_clauses)
            params.update(arguments.params)
    return " and ".join(where_clauses), params


def search_where(fts: str) -> str:
    # what Datasette's search filter writes for ?_search= (escape_fts is the German match, german_search.py)
    f = escape_sqlite(fts)
    return f"rowid in (select rowid from {f} where {f} match escape_fts(:search))"


_SEARCHABLE: dict[tuple, tuple[str | None, bool]] = {}


async def _table_facts(datasette, database: str, table: str) -> tuple[str | None, bool]:
    """(the FTS table of a table that has the columns a timeline counts, else None; whether it says which dates
    are estimates), asked once per table of an immutable file (three statements, a tenth of the timeline's time)."""
    try:
        db = datasette.get_database(database)
    except KeyError:
        return None, False
    key = (database, db.path, table)
    if key in _SEARCHABLE:
        return _SEARCHABLE[key]
    facts = None, False
    columns = set(await db.table_columns(table)) if table and await db.table_exists(table) else set()
    if {YEAR, MONTH} <= columns:
        facts = await db.fts_table(table), SOURCE in columns
    if not db.is_mutable:
        _SEARCHABLE[key] = facts
    return facts


async def has_timeline(datasette, database: str, table: str) -> str | None:
    return (await _table_facts(datasette, database, table))[0]


async def has_estimates(datasette, database: str, table: str) -> bool:
    return (await _table_facts(datasette, database, table))[1]


class Timeline(NamedTuple):
    """One search's timeline as the page and its JSON show it."""
    search: str
    unit: str
    bars: list[Period]
    matching: int
    undated: int
    share: bool
    urls: list[str | None]  # per bar: the search filtered to that period (None for an empty period)
    selected: list[bool]

    def as_json(self) -> dict:
        return {"search": self.search, "unit": self.unit, "matching": self.matching, "undated": self.undated,
                "periods": [{"period": b.period, "count": b.count, "estimated": b.estimated, "articles": b.articles,
                             "share": round(b.share, 6), "url": url} for b, url in zip(self.bars, self.urls)]}


def filter_for(unit: str) -> str:
    return MONTH if unit == "month" else YEAR


async def table_timeline(datasette, request, database: str, table: str) -> Timeline | None:
    """The timeline of a table page with ?_search=: its rows (search and filters) per period."""
    search = request.args.get("_search")
    if not search or not await has_timeline(datasette, database, table):
        return None
    where, params = await page_where(datasette, request, database, table)
    counted = await count(datasette, database, table, where, params)
    if counted is None:
        return None
    unit, axis, totals = await periods(datasette, database, table, [counted])
    column = filter_for(unit)
    chosen = request.args.getlist(column)
    # the page without this period filter (nor its pagination), joined once: each bar adds its period to it
    without = datasette.absolute_url(
        request, datasette.urls.path(path_with_replaced_args(request, {column: None, "_next": None})))
    glue = "&" if "?" in without else "?"
    drawn = bars(unit, axis, counted, totals)
    urls, selected = [], []
    for bar in drawn:
        is_selected = bar.period in chosen
        # a selected period's bar takes its filter away again, as a selected facet value does
        urls.append((without if is_selected else f"{without}{glue}{urllib.parse.urlencode({column: bar.period})}")
                    if bar.count else None)
        selected.append(is_selected)
    return Timeline(search, unit, drawn, counted.matching, counted.undated, request.args.get("_timeline") == SHARE,
                    urls, selected)


def search_url(table_url: str, search: str, column: str | None = None, period: str | None = None) -> str:
    """The articles page of a search, filtered to a period; `table_url` is the table's absolute URL (table_url()):
    joined with the request's URL once per page, not for each of its bars (~25 µs each)."""
    args = [("_search", search)] + ([(column, period)] if column else [])
    return table_url + "?" + urllib.parse.urlencode(args)


def table_url(datasette, request, database: str, table: str) -> str:
    return datasette.absolute_url(request, datasette.urls.table(database, table))


async def search_timeline(datasette, request, search: str, database: str = DATABASE,
                          table: str = TABLE) -> Timeline | None:
    """The timeline of a search alone (the ranked search page): its bars link to the articles page."""
    fts = await has_timeline(datasette, database, table)
    if not search or not fts:
        return None
    counted = await count(datasette, database, table, search_where(fts), {"search": search})
    if counted is None:
        return None
    unit, axis, totals = await periods(datasette, database, table, [counted])
    column = filter_for(unit)
    periods_ = bars(unit, axis, counted, totals)
    base = table_url(datasette, request, database, table)
    urls = [search_url(base, search, column, b.period) if b.count else None for b in periods_]
    return Timeline(search, unit, periods_, counted.matching, counted.undated, request.args.get("_timeline") == SHARE,
                    urls, [False] * len(periods_))


# ---------------------------------------------------------------------------------------------------- drawing

WIDTH, HEIGHT, LEFT, TOP, BOTTOM = 760, 190, 56, 12, 30  # SVG user units: plot area and its margins


def _label(value: float, share: bool) -> str:
    if share:
        return f"{100 * value:.2f}%" if value < 0.1 else f"{100 * value:.1f}%"
    return f"{value:,.0f}"


def _ticks(axis: list[str], unit: str, x_of) -> list[dict]:
    """Labels under the axis: every n-th year, or the first month and each January (with its year)."""
    if unit == "month":
        chosen = [i for i, p in enumerate(axis) if i == 0 or p.endswith("-01")]
        if len(axis) <= 14:
            chosen = list(range(len(axis)))
        return [{"x": x_of(i), "text": axis[i] if (i == 0 or axis[i].endswith("-01")) else axis[i][5:]}
                for i in chosen]
    step = max(1, math.ceil(len(axis) / 12))
    return [{"x": x_of(i), "text": p} for i, p in enumerate(axis) if i % step == 0]


def bar_chart(timeline: Timeline) -> dict:
    """The geometry of a timeline's bars, for templates/_timeline.html."""
    n = max(1, len(timeline.bars))
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - TOP - BOTTOM
    slot = plot_w / n
    values = [b.share if timeline.share else b.count for b in timeline.bars]
    top = max(values, default=0) or 1
    drawn = []
    for i, (b, value, url, selected) in enumerate(zip(timeline.bars, values, timeline.urls, timeline.selected)):
        height = plot_h * value / top
        what = f"{b.count:,} article{'s' if b.count != 1 else ''}"
        title = (f"{b.period}: {what} of {b.articles:,} ({100 * b.share:.2f}%)" if b.articles
                 else f"{b.period}: {what}")
        title += f", {b.estimated:,} of them dated by estimate" if b.estimated else ""
        title += " (chosen: click to show every period)" if selected else ""
        drawn.append({"x": round(LEFT + i * slot + slot * 0.1, 2), "slot_x": round(LEFT + i * slot, 2),
                      "slot_width": round(slot, 2), "width": round(max(slot * 0.8, 1), 2),
                      "y": round(TOP + plot_h - height, 2), "height": round(height, 2), "top": TOP,
                      "plot_height": plot_h, "url": url, "title": title, "selected": selected,
                      "period": b.period, "count": b.count, "estimated": b.estimated,
                      "estimated_height": round(height * b.estimated / b.count, 2) if b.count else 0})
    chart = {"width": WIDTH, "height": HEIGHT, "left": LEFT, "top": TOP, "bottom": TOP + plot_h,
             "right": WIDTH - 8, "bars": drawn, "max_label": _label(top, timeline.share),
             "ticks": _ticks([b.period for b in timeline.bars], timeline.unit, lambda i: round(LEFT + (i + 0.5) * slot, 2))}
    chart["svg"] = bar_svg(chart, f"Articles matching »{timeline.search}« per {timeline.unit}")
    return chart


def bar_svg(chart: dict, label: str) -> Markup:
    """The bars as SVG, every value escaped. Written here, not in a template: Jinja took 2 ms for 30 bars, a tenth
    of a search page's Python time, which under load is what its p95 is made of (bench/README.md)."""
    e = escape
    out = [f'<svg viewBox="0 0 {chart["width"]} {chart["height"]}" role="group" aria-label="{e(label)}">',
           f'<line class="axis" x1="{chart["left"]}" y1="{chart["bottom"]}" x2="{chart["right"]}" y2="{chart["bottom"]}"></line>',
           f'<line class="axis" x1="{chart["left"]}" y1="{chart["top"]}" x2="{chart["left"]}" y2="{chart["bottom"]}"></line>',
           f'<text x="{chart["left"] - 4}" y="{chart["top"] + 8}" text-anchor="end">{e(chart["max_label"])}</text>',
           f'<text x="{chart["left"] - 4}" y="{chart["bottom"]}" text-anchor="end">0</text>']
    for bar in chart["bars"]:
        period, title = e(bar["period"]), e(bar["title"])
        shapes = (f'<title>{title}</title><rect x="{bar["slot_x"]}" y="{bar["top"]}" width="{bar["slot_width"]}" '
                  f'height="{bar["plot_height"]}" fill="transparent"></rect><rect class="bar'
                  f'{" selected" if bar["selected"] else ""}" x="{bar["x"]}" y="{bar["y"]}" width="{bar["width"]}" '
                  f'height="{bar["height"]}"></rect>')
        if bar["estimated"]:  # the part dated by estimate: the top of the bar, lighter
            shapes += (f'<rect class="bar estimated" x="{bar["x"]}" y="{bar["y"]}" width="{bar["width"]}" '
                       f'height="{bar["estimated_height"]}"></rect>')
        if bar["url"]:
            out.append(f'<a href="{e(bar["url"])}" class="timeline-bar" data-period="{period}" data-count="{bar["count"]}"'
                       f' data-estimated="{bar["estimated"]}" aria-label="{title}">{shapes}</a>')
        else:
            out.append(f'<g class="timeline-empty" data-period="{period}" data-count="0">{shapes}</g>')
    out += [f'<text x="{t["x"]}" y="{chart["bottom"] + 14}" text-anchor="middle">{e(t["text"])}</text>' for t in chart["ticks"]]
    return Markup("\n".join(out + ["</svg>"]))


COLOURS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9"]  # Okabe–Ito: told apart by most eyes


def line_chart(unit: str, axis: list[str], series: list[dict], share: bool) -> dict:
    """Several searches over one axis: a line and a dot per period each (each dot links to its articles)."""
    n = max(1, len(axis))
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - TOP - BOTTOM
    step = plot_w / n
    top = max((p["share"] if share else p["count"] for s in series for p in s["periods"]), default=0) or 1
    lines = []
    for i, s in enumerate(series):
        points = []
        for j, p in enumerate(s["periods"]):
            value = p["share"] if share else p["count"]
            points.append({"x": round(LEFT + (j + 0.5) * step, 2), "y": round(TOP + plot_h * (1 - value / top), 2),
                           "url": p["url"], "title": f"{s['search']} {p['period']}: {p['count']:,} of "
                                                     f"{p['articles']:,} articles ({100 * p['share']:.2f}%)"})
        lines.append({"search": s["search"], "colour": COLOURS[i % len(COLOURS)], "points": points,
                      "path": " ".join(f"{p['x']},{p['y']}" for p in points), "url": s["url"],
                      "matching": s["matching"]})
    return {"width": WIDTH, "height": HEIGHT, "left": LEFT, "top": TOP, "bottom": TOP + plot_h, "right": WIDTH - 8,
            "lines": lines, "max_label": _label(top, share),
            "ticks": _ticks(axis, unit, lambda i: round(LEFT + (i + 0.5) * step, 2))}


def mode_links(datasette, request) -> dict:
    path = lambda mode: datasette.urls.path(path_with_replaced_args(request, {"_timeline": mode}))  # noqa: E731
    return {"count": path(None), "share": path(SHARE)}


# ------------------------------------------------------------------------------------------- comparing searches

async def compare(datasette, request, searches: list[str]) -> dict:
    """/-/timeline(.json): several searches over one axis, counts and shares."""
    searches = [s.strip() for s in searches if s and s.strip()][:MAX_WORDS]
    fts = await has_timeline(datasette, DATABASE, TABLE)
    result = {"searches": searches, "unit": "year", "periods": [], "articles": [], "series": []}
    if not fts or not searches:
        return result
    counted = []
    for search in searches:
        c = await count(datasette, DATABASE, TABLE, search_where(fts), {"search": search}, months=True)
        counted.append(c or Counted(0, 0, {}, {}))
    years = [y for c in counted for y in c.years]
    few_years = bool(years) and max(years) - min(years) < MONTHS_WITHIN_YEARS
    unit, axis, totals = await periods(datasette, DATABASE, TABLE,
                                       counted if few_years else [c._replace(months=None) for c in counted])
    column = filter_for(unit)
    result.update(unit=unit, periods=axis, articles=[totals.get(p, 0) for p in axis])
    base = table_url(datasette, request, DATABASE, TABLE)
    for search, c in zip(searches, counted):
        result["series"].append({
            "search": search, "matching": c.matching, "undated": c.undated,
            "url": search_url(base, search),
            "periods": [{"period": b.period, "count": b.count, "estimated": b.estimated, "articles": b.articles,
                         "share": round(b.share, 6),
                         "url": search_url(base, search, column, b.period)}
                        for b in bars(unit, axis, c, totals)]})
    return result


async def timeline_page(datasette, request):
    searches = request.args.getlist("q")
    data = await compare(datasette, request, searches)
    if request.url_vars.get("format") == ".json":
        return Response.json(data)
    share = request.args.get("_timeline") == SHARE
    chart = line_chart(data["unit"], data["periods"], data["series"], share) if data["periods"] else None
    json_url = datasette.urls.path("/-/timeline.json") + ("?" + urllib.parse.urlencode([("q", s) for s in data["searches"]])
                                                         if data["searches"] else "")
    return Response.html(await datasette.render_template("timeline.html", {
        "searches": data["searches"], "data": data, "chart": chart, "share": share, "json_url": json_url,
        "modes": mode_links(datasette, request), "max_words": MAX_WORDS}, request=request))


# ------------------------------------------------------------------------------------------------------- hooks

@hookimpl
def startup(datasette):
    # which dates are estimates: loaded with the facets' columns, so the first search does not wait for it
    async def inner():
        fast_table = pm.get_plugin(FAST_TABLE)
        for name, db in datasette.databases.items():
            if fast_table and not db.is_mutable and await has_estimates(datasette, name, TABLE):
                fast_table.STORE.start(datasette, name, TABLE, "column", SOURCE)

    return inner


@hookimpl
def register_routes():
    return [(r"^/-/timeline(?P<format>\.json)?$", timeline_page)]


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    if request is None or view_name != "table":
        return {}

    async def inner():
        if template.startswith("query"):  # a canned query: the ranked search pages
            name = request.url_vars.get("table")
            if name not in CANNED_SEARCHES or not request.args.get("q"):
                return {}
            timeline = await search_timeline(datasette, request, request.args["q"])
        else:
            timeline = await table_timeline(datasette, request, database, table)
        if timeline is None:
            return {}
        return {"timeline": timeline, "timeline_chart": bar_chart(timeline), "timeline_modes": mode_links(datasette, request),
                "timeline_compare": datasette.urls.path("/-/timeline") + "?" + urllib.parse.urlencode({"q": timeline.search})}

    return inner


async def render_json(datasette, request, database, table, query_name, view_name, args, data):
    """Datasette's own JSON, with the timeline of a search (articles table, ranked search) as `timeline`."""
    if view_name == "table" and isinstance(data, dict) and not data.get("error"):
        timeline = None
        if query_name in CANNED_SEARCHES and request.args.get("q"):
            timeline = await search_timeline(datasette, request, request.args["q"], database)
        elif not query_name and table:
            timeline = await table_timeline(datasette, request, database, table)
        if timeline is not None:
            data["timeline"] = timeline.as_json()
    return json_renderer(args, data, view_name)


@hookimpl
def register_output_renderer(datasette):
    # registered after Datasette's own `json`, so this one serves .json: the same output plus `timeline`
    return {"extension": "json", "render": render_json, "can_render": lambda: True}
