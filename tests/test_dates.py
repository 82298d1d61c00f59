"""A date for every article: page, listing, old URL, or an estimate from the article number — and how it is shown."""
from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from ingest.build import build
from ingest.enrich.dates import date_from_url, estimate_dates, leave_one_out
from ingest.report import quality

ROOT = Path(__file__).resolve().parent.parent
ART = "https://www.jungewelt.de/artikel/"


def test_date_from_old_urls():
    assert date_from_url("https://www.jungewelt.de/2010/08-18/030.php") == "2010-08-18"
    assert date_from_url("https://jungewelt.de/loginFailed.php?ref=/2003/12-31/012.php") == "2003-12-31"
    assert date_from_url("https://www.jungewelt.de/loginFailed.php?ref=%2F2006%2F04-29%2F001.php") == "2006-04-29"
    assert date_from_url(ART + "365771.x.html") is None
    assert date_from_url("https://www.jungewelt.de/2010/02-30/030.php") is None  # no such day
    assert date_from_url("https://www.jungewelt.de/2010/08-18/index.php") is None  # an edition index, not an article


def _series(start: int, first_day: date, count: int, step: int = 40) -> dict[str, str]:
    """`count` articles numbered `step` apart, one a day."""
    return {f"artikel-{start + i * step}": (first_day + timedelta(days=i)).isoformat() for i in range(count)}


def test_estimate_between_neighbours():
    dated = _series(400000, date(2021, 3, 1), 30)
    # halfway between the 10th and 11th article: the 10th's day, give or take one
    got = estimate_dates(dated, ["artikel-400380", "artikel-400020"])
    assert abs(date.fromisoformat(got["artikel-400380"]) - date(2021, 3, 10)) <= timedelta(days=1)
    assert abs(date.fromisoformat(got["artikel-400020"]) - date(2021, 3, 1)) <= timedelta(days=1)


def test_one_misdated_neighbour_does_not_move_the_estimate():
    dated = _series(400000, date(2021, 3, 1), 30)
    dated["artikel-400400"] = "2024-01-01"  # a modification time taken for a date (format guide §2, D4)
    got = date.fromisoformat(estimate_dates(dated, ["artikel-400420"])["artikel-400420"])
    assert abs(got - date(2021, 3, 11)) <= timedelta(days=2)


def test_beyond_the_archive_the_site_numbering_carries_on():
    # no dated article at all: the real pairs of the format guide place a number
    assert estimate_dates({}, ["artikel-351052"]) == {"artikel-351052": "2019-03-15"}
    # above the archive's last dated article: the pace continues, and lands near the site's own pair
    dated = _series(500000, date(2025, 1, 1), 60, step=50)
    got = date.fromisoformat(estimate_dates(dated, ["artikel-522721"])["artikel-522721"])
    assert abs(got - date(2026, 5, 17)) <= timedelta(days=60)
    # supplements have numbers of their own: nothing dated in that series, nothing estimated
    assert estimate_dates(dated, ["beilage-263469", "file-x"]) == {}


def test_leave_one_out_error():
    dated = _series(400000, date(2021, 3, 1), 100)
    assert leave_one_out(dated) == {"articles": 100, "median_days": 0.0, "p90_days": 0.0}
    assert leave_one_out({}) == {"articles": 0, "median_days": None, "p90_days": None}
    # every second day missing from the numbering: estimates are off by about a day at most
    uneven = {key: day for i, (key, day) in enumerate(sorted(dated.items())) if i % 3}
    error = leave_one_out(uneven)
    assert error["articles"] == len(uneven) and error["p90_days"] <= 1.5


def print_page(day: date, title: str) -> str:
    return (f"Aus: Ausgabe vom {day:%d.%m.%Y}, Seite 3 / Inland\n\n{title}\n\nVon Erika Beispiel\n\n"
            f"Die Beschäftigten legten am Morgen die Arbeit nieder, berichtete die Gewerkschaft. Sie fordern "
            f"mehr Lohn und kürzere Schichten.\n")


def compact_page(title: str) -> str:
    """A paywalled compact dump (S5): no header, no date anywhere."""
    return (f"{title}\nDie Verhandlungen wurden am Dienstag ohne Ergebnis abgebrochen. Beide Seiten ...\n"
            f"Artikel-Länge: 4312 Zeichen\nUneingeschränkter Zugriff auf alle Inhalte\n")


def write(raw: Path, name: str, text: str, url: str, **meta) -> None:
    (raw / name).write_text(text, encoding="utf-8")
    (raw / f"{name}.meta.json").write_text(json.dumps({"url": url, "fetched_at": "2026-11-30T06:00:00Z", **meta}))


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("raw")
    first = date(2021, 3, 1)
    for i in range(40):  # dated print articles, one a day, numbers 40 apart
        write(raw, f"dated{i:02d}.txt", print_page(first + timedelta(days=i), f"Streik am Tag {i}"),
              f"{ART}{400000 + 40 * i}.streik-{i}.html")
    write(raw, "between.txt", compact_page("Ohne Datum zwischen den anderen"), f"{ART}400820.ohne-datum.html")
    write(raw, "fed.txt", compact_page("Aus dem Newsticker"), f"{ART}401900.ticker.html", listed_date="2021-04-20")
    write(raw, "indexed.txt", compact_page("Aus der Ausgabe"), f"{ART}401950.ausgabe.html")
    items = "".join(f'<article><p class="kicker">Streik</p><h3><a href="/artikel/{n}.x.html">{title}</a></h3>'
                    f'<p class="teaser">{title}: ein Teaser</p><p class="author">Von Max Beispiel</p></article>\n'
                    for n, title in [(401950, "Aus der Ausgabe"), (401951, "Noch ein Artikel"),
                                     (401952, "Dritter Artikel")])
    write(raw, "index.html", '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
          '<link rel="canonical" href="https://www.jungewelt.de/2021/04-22/index.php"></head><body><main>'
          f'<h1>Ausgabe vom 22.04.2021</h1><section class="issue">{items}</section></main></body></html>',
          "https://www.jungewelt.de/2021/04-22/index.php")
    write(raw, "old.txt", compact_page("Unter alter Adresse"), "https://www.jungewelt.de/2010/08-18/030.php")
    write(raw, "month.txt", " date 2021-03 Die Versammlung begann mit einer Schweigeminute. Danach sprach der "
          "Vorsitzende über die Lage in den Betrieben und die Forderungen der Belegschaft.\n",
          f"{ART}400500.versammlung.html")
    db = tmp_path_factory.mktemp("db") / "archive.db"
    summary = build(raw, db, progress=False)
    assert any(line.startswith("dated by:") and "estimated 1" in line for line in summary.lines())
    return db


def _articles(db: Path) -> dict[str, dict]:
    import sqlite3
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    return {row["id"]: dict(row) for row in conn.execute("select * from articles")}


def test_every_article_dated_with_its_source(archive):
    rows = _articles(archive)
    got = {key: (row["published"], row["published_date"], row["published_month"], row["published_year"],
                 row["date_source"]) for key, row in rows.items()}
    assert got["artikel-400040"] == ("2021-03-02", "2021-03-02", "2021-03", 2021, "page")
    assert got["artikel-400500"] == ("2021-03", None, "2021-03", 2021, "page")  # the page gives a month
    assert got["artikel-401900"] == (None, "2021-04-20", "2021-04", 2021, "listing")  # a feed's day
    assert got["print-2010-08-18-030"] == (None, "2010-08-18", "2010-08", 2010, "url")
    # 400820 is 20.5 steps after 400000 (2021-03-01): the 21st or 22nd of March
    published, day, month, year, source = got["artikel-400820"]
    assert (published, month, year, source) == (None, "2021-03", 2021, "estimated")
    assert day in ("2021-03-21", "2021-03-22")
    dated = sum(1 for row in rows.values() if row["published_month"])
    assert dated / len(rows) >= 0.99


def test_edition_index_dates_the_articles_it_lists(archive):
    row = _articles(archive)["artikel-401950"]
    assert (row["published"], row["published_date"], row["date_source"]) == (None, "2021-04-22", "listing")


def test_report_counts_sources_and_the_estimate_error(archive):
    report = quality(archive)
    sources = {row["date_source"]: row["articles"] for row in report["date_sources"]}
    assert sources == {"page": 41, "listing": 2, "url": 1, "estimated": 1}
    assert "(no date)" not in sources
    error = report["date_estimate_error"]
    # the 40 print articles, the feed's and the index's (the month-only page has no day; the old URL no number)
    assert error["articles"] == 42 and error["median_days"] <= 1.0


def test_estimated_dates_shown_as_such(archive):
    from datasette.app import Datasette

    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text("utf-8"))
    ds = Datasette([str(archive)], metadata=metadata, plugins_dir=str(ROOT / "plugins"),
                   template_dir=str(ROOT / "templates"))

    async def check():
        row_page = (await ds.client.get("/archive/articles/artikel-400820")).text
        assert "~ März 2021" in row_page
        assert "estimated from the article number" in row_page
        dated_page = (await ds.client.get("/archive/articles/artikel-400040")).text
        assert "2021-03-02" in dated_page and "~ " not in dated_page.split('class="jw-meta"')[1][:80]
        table = (await ds.client.get("/archive/articles?id=artikel-400820")).text
        assert "~ März 2021" in table
        # the date facets count the estimate where it falls
        facets = (await ds.client.get("/archive/articles.json?_facet=published_month&date_source=estimated")).json()
        assert {r["value"] for r in facets["facet_results"]["published_month"]["results"]} == {"2021-03"}

    asyncio.run(check())


def test_undated_articles_of_a_table_page_looked_up_at_once(archive):
    """Served as `just serve` serves (immutable: plugins/fast_table.py keeps the page's rows), a page of undated
    articles shows each one's date as its article page does, from one statement for all of them."""
    from datasette.app import Datasette

    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text("utf-8"))
    ds = Datasette(immutables=[str(archive)], metadata=metadata, plugins_dir=str(ROOT / "plugins"),
                   template_dir=str(ROOT / "templates"), settings={"trace_debug": True})

    async def check():
        await ds.invoke_startup()
        page = (await ds.client.get("/archive/articles?date_source__not=page&_trace=1")).text
        shown = {"artikel-401900": '<span class="jw-date-listing" title="date of the edition index, listing or feed',
                 "artikel-401950": ">2021-04-22</span>",
                 "print-2010-08-18-030": '<span class="jw-date-url" title="date of the edition in the article',
                 "artikel-400820": ">~ März 2021</span>"}
        rows = {row.split('">', 1)[0]: row for row in page.split('<a href="/archive/articles/')[1:]}
        for article, date_html in shown.items():
            assert date_html in rows[article].split("</tr>")[0], article
        trace = json.loads(page.rsplit("<pre>", 1)[1].split("</pre>")[0].replace("&#34;", '"').replace("&#39;", "'")
                           .replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
        lookups = [t for t in trace["traces"] if "published_date, date_source from articles where id in" in t["sql"]]
        assert len(lookups) == 1 and set(shown) <= set(lookups[0]["params"])

    asyncio.run(check())


def test_an_archive_of_every_fixture_is_dated(tmp_path):
    """Every page form the fixtures hold (text dumps of every shape, both HTML layouts, listings, the seed), each
    with the address it was fetched from: at least 99% of the articles get a day, and each says where it came from."""
    import shutil

    fixtures = ROOT / "tests" / "fixtures"
    raw = tmp_path / "raw"
    for source in [fixtures / "pages", fixtures / "site"]:
        shutil.copytree(source, raw / source.name, ignore=shutil.ignore_patterns("broken"))
    shutil.copy(ROOT / "data" / "raw" / "jw-2025-02-12-trump-putin.txt", raw)
    db = tmp_path / "archive.db"
    build(raw, db, progress=False)
    rows = _articles(db)
    assert len(rows) >= 50
    sources = {row["date_source"] for row in rows.values()}
    assert sources <= {"page", "listing", "url", "estimated"}
    assert {"page", "estimated"} <= sources
    dated = [row for row in rows.values() if row["published_month"]]
    assert len(dated) / len(rows) >= 0.99, sorted(key for key, row in rows.items() if not row["published_month"])
    # the text dumps' URLs (sidecars) give ids whose numbers place the undated compact pages
    assert rows["artikel-494406"]["date_source"] == "estimated"
    assert rows["artikel-494406"]["published_year"] in (2025, 2026)
