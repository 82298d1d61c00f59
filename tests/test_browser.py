"""The archive in a real Chromium (Playwright) against `just serve`: front page, search, facets, articles, map.

Every request that does not go to 127.0.0.1 is blocked, so these tests also prove the site works offline
(map tiles come from the internet and are optional; the markers are not). Screenshots go to tests/screenshots/.
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium`, as .ci/run does)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Visit:
    """One browser tab on the served archive, offline, recording what a hostile page might do."""

    def __init__(self, browser, server):
        self.server = server
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server.url)
        self.page = self.context.new_page()
        self.blocked: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.route("**/*", self._only_local)
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _only_local(self, route):
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def shot(self, name: str) -> None:
        SHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def visit(browser, site_server):
    v = Visit(browser, site_server)
    yield v
    assert v.errors == [], f"JavaScript errors: {v.errors}"
    v.context.close()


def count(server, path: str) -> int:
    return server.get(path + ("&" if "?" in path else "?") + "_size=0").json()["filtered_table_rows_count"]


def test_front_page_says_what_the_archive_holds_and_searches(visit):
    page = visit.page
    page.goto("/")
    articles = count(visit.server, "/archive/articles.json")
    holds = page.locator("#holds-articles").inner_text()
    assert f"{articles} articles from 2023 to 2025" in holds
    assert page.locator("#holds-sections a").all_inner_texts() == ["Ausland", "Inland"]
    assert {"AFP", "dpa", "jW", "PL"} <= set(page.locator("#holds-sources a").all_inner_texts())
    assert page.locator("#holds-years a").all_inner_texts() == ["2023", "2024", "2025"]
    visit.shot("front")

    page.fill("#front-q", "Telefonat")
    page.press("#front-q", "Enter")
    page.wait_for_url("**/archive/search?q=Telefonat")
    marks = page.locator("table.rows-and-columns mark")
    assert marks.count() >= 1
    assert {m.lower() for m in marks.all_inner_texts()} == {"telefonat"}
    assert "Trump telefoniert mit Putin" in page.locator("table.rows-and-columns").inner_text()
    assert "<mark>" not in page.locator("table.rows-and-columns").inner_text()  # rendered, not shown as text
    visit.shot("search")


def test_section_and_agency_facets(visit):
    page = visit.page
    page.goto("/")
    page.click("#holds-articles a")
    page.wait_for_url("**/archive/articles")
    for facet in ["section", "agencies", "published_year", "published_month", "published"]:
        assert page.locator(f"#facet-{facet}").is_visible(), facet
    assert set(page.locator("#facet-published_year li a").all_inner_texts()) == {"2023", "2024", "2025"}
    assert set(page.locator("#facet-published_month li a").all_inner_texts()) == {"2023-11", "2024-04", "2025-02"}

    page.locator("#facet-section li a", has_text="Ausland").click()
    page.wait_for_url("**section=Ausland**")
    assert page.locator("table.rows-and-columns tbody tr").count() == 2
    page.locator("#facet-agencies li a", has_text="dpa").click()
    page.wait_for_url("**agencies__arraycontains=dpa**")
    rows = page.locator("table.rows-and-columns tbody tr")
    assert rows.count() == 1
    assert "Trump telefoniert mit Putin" in rows.inner_text()
    visit.shot("facets")


def test_article_body_is_rendered_markdown(visit):
    page = visit.page
    page.goto("/archive/articles?section=Inland")
    page.locator("table.rows-and-columns tbody tr td.col-id a").first.click()
    page.wait_for_url("**/archive/articles/*")
    assert page.locator(".jw-article h1").inner_text() == "Streik bei der Bahn"
    assert page.locator(".jw-article .jw-kicker").inner_text() == "Tarifkampf"
    body = page.locator(".jw-article .jw-body")
    assert body.locator("h2").inner_text() == "Forderungen der Gewerkschaft"
    assert body.locator("em").inner_text() == "zwei Drittel aller Züge"
    assert body.locator("li").all_inner_texts() == ["kürzere Arbeitszeit", "mehr Lohn"]
    assert body.locator("a").get_attribute("href") == "https://example.org/aufruf"
    text = body.inner_text()
    assert "##" not in text and "*zwei" not in text and "](" not in text
    visit.shot("article")


@pytest.mark.parametrize("title", ["Skript im Text: Ein Test", "Alarm im Text: Noch ein Test"])
def test_hostile_text_renders_inert(visit, title):
    page = visit.page
    rows = visit.server.get("/archive/articles.json", params={"title": title, "_shape": "objects"}).json()["rows"]
    assert len(rows) == 1
    for path in ["/archive/articles?_sort=title", f"/archive/articles/{rows[0]['id']}"]:
        page.goto(path)
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)  # room for an onerror/onload handler to fire, if one got through
        assert page.title() != "pwned"
        assert page.evaluate("document.title") != "pwned"
        assert visit.dialogs == []
        bodies = "td.col-body_markdown, .jw-body"
        cells = page.locator(bodies)
        assert cells.count() >= 1
        assert page.locator(f":is({bodies}) :is(script, iframe, svg, object, embed, style)").count() == 0
        handlers = page.evaluate(f"""[...document.querySelectorAll(':is({bodies}) *')]
            .flatMap(el => [...el.attributes].map(a => a.name + '=' + a.value))
            .filter(a => a.startsWith('on') || a.includes('javascript:'))""")
        assert handlers == []
        assert "dürfen" in " ".join(cells.all_inner_texts())  # the text itself is still there
    visit.shot("hostile-" + rows[0]["id"])


def test_map_shows_one_marker_per_dateline_place_offline(visit):
    page = visit.page
    places = count(visit.server, "/archive/places.json")
    assert places >= 3
    page.goto("/archive/places")
    # plain markers plus the counts on cluster bubbles: every place is on the map exactly once
    page.wait_for_function(
        """(places) => {
            const plain = document.querySelectorAll('.leaflet-marker-icon:not(.marker-cluster)').length;
            const clustered = [...document.querySelectorAll('.marker-cluster')]
                .reduce((n, el) => n + parseInt(el.textContent, 10), 0);
            return plain + clustered === places;
        }""",
        arg=places, timeout=15000,
    )
    # the marker icons are served by the archive itself, so they load with the internet blocked
    page.wait_for_function(
        "[...document.querySelectorAll('img.leaflet-marker-icon')].every(img => img.complete && img.naturalWidth > 0)"
    )
    assert any("tile.openstreetmap.org" in url for url in visit.blocked), visit.blocked[:5]
    assert not any(urlparse(url).hostname == "127.0.0.1" for url in visit.blocked)
    visit.shot("map")
