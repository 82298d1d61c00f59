"""A search's timeline and an article's related articles in a real Chromium (Playwright) against `just serve`:
the bars are drawn, carry their counts, and a click on one filters the results to its year; offline, like
tests/test_browser.py. Screenshots go to tests/screenshots/."""
from __future__ import annotations

import random

import pytest

from conftest import Server  # pytest puts tests/ on the path (pywb installs a package named `tests`)
from ingest import store
from test_browser import Visit, browser  # noqa: F401  (the module's Chromium, offline)
from test_timeline import ARTICLES, article

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def archive_server(tmp_path_factory):
    work = tmp_path_factory.mktemp("timeline_browser")
    db, raw = work / "archive.db", work / "raw"
    raw.mkdir()
    rng = random.Random(11)
    with store.building(db) as built:
        store.insert_articles(built, (article(i, rng) for i in range(1, ARTICLES + 1)))
        store.finish(built, {}, {})
    server = Server(raw, db)
    yield server
    server.stop()


@pytest.fixture
def visit(browser, archive_server):  # noqa: F811
    v = Visit(browser, archive_server)
    yield v
    assert v.errors == [], f"JavaScript errors: {v.errors}"
    assert v.blocked == []  # the chart is the page's own SVG: nothing is fetched from elsewhere
    v.context.close()


def count_rows(page) -> int:
    return int(page.locator(".page-header ~ h3").first.inner_text().split()[0].replace(",", ""))


def test_a_click_on_a_year_filters_the_search(visit):
    page = visit.page
    page.goto("/archive/articles?_search=Streik")
    bars = page.locator("#timeline a.timeline-bar")
    assert bars.count() >= 20
    total = count_rows(page)
    counts = [int(c) for c in bars.evaluate_all("bars => bars.map(b => b.dataset.count)")]
    undated = page.locator("#timeline figcaption").inner_text()
    assert sum(counts) + (int(undated.split("(")[1].split()[0]) if "without a date" in undated else 0) == total
    # every bar says what it is, for a screen reader and as a tooltip
    assert bars.first.get_attribute("aria-label") == bars.first.locator("title").text_content()
    page.locator("#timeline").screenshot(path=str(shot_path("timeline")))

    bar = bars.nth(5)
    year, expected = bar.get_attribute("data-period"), int(bar.get_attribute("data-count"))
    bar.locator("rect.bar").first.click()
    page.wait_for_url(f"**published_year={year}**")
    assert "_search=Streik" in page.url
    assert count_rows(page) == expected < total
    years = page.locator("table.rows-and-columns td.col-published").all_inner_texts()
    assert years and all(y.startswith(year) for y in years)
    # within one year the timeline is drawn per month, the months adding up to the year
    months = page.locator("#timeline a.timeline-bar")
    assert all(p.startswith(year + "-") for p in months.evaluate_all("bars => bars.map(b => b.dataset.period)"))
    assert sum(int(c) for c in months.evaluate_all("bars => bars.map(b => b.dataset.count)")) == expected
    visit.shot("timeline-year")


def test_shares_and_comparing_searches(visit):
    page = visit.page
    page.goto("/archive/articles?_search=Streik")
    page.locator("#timeline a.timeline-share").click()
    page.wait_for_url("**_timeline=share**")
    assert "%)" in page.locator("#timeline a.timeline-bar").first.get_attribute("aria-label")
    page.locator("#timeline a", has_text="compare with other words").click()
    page.wait_for_url("**/-/timeline?q=Streik")
    page.locator("input[name=q]").nth(1).fill("Hafen")
    page.locator("input[type=submit][value=Compare]").click()
    page.wait_for_url("**q=Hafen**")
    assert page.locator("g.timeline-line").count() == 2
    assert page.locator(".jw-legend li").all_inner_texts()[1].startswith("Hafen")
    page.locator(".jw-compare").screenshot(path=str(shot_path("timeline-compare")))


def test_ranked_search_shows_the_timeline(visit):
    page = visit.page
    page.goto("/archive/search?q=Hafen")
    bars = page.locator("#timeline a.timeline-bar")
    assert bars.count() >= 12 and bars.first.get_attribute("data-period").startswith("2019-")
    bars.first.locator("rect.bar").first.click()
    page.wait_for_url("**/archive/articles?_search=Hafen&published_month=2019-**")
    assert count_rows(page) == int(page.locator("#timeline a.timeline-bar").first.get_attribute("data-count"))


def test_related_articles_lead_to_neighbours(visit):
    page = visit.page
    hafen = visit.server.get("/archive/articles.json?_search=Hafen&_shape=objects&_size=1").json()["rows"][0]["id"]
    page.goto(f"/archive/articles/{hafen}")
    links = page.locator(".jw-related li a")
    assert links.count() == 5
    assert page.locator(".jw-related li .jw-meta").first.inner_text()[2:6].isdigit()  # the date, then the section
    page.locator(".jw-related").screenshot(path=str(shot_path("related")))
    links.first.click()
    page.wait_for_url("**/archive/articles/artikel-*")
    assert not page.url.endswith("/" + hafen)
    assert "Hafen" in page.locator(".jw-article .jw-body").inner_text()


def shot_path(name: str):
    from test_browser import SHOTS

    SHOTS.mkdir(exist_ok=True)
    return SHOTS / f"{name}.png"
