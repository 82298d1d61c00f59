"""Atom feeds of the newest articles (per section, per search) and the front page's summary, from `just serve`."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(server, path: str, **params) -> list[dict]:
    response = server.get(path, params=params)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("application/xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    datetime.fromisoformat(feed.find(f"{ATOM}updated").text)
    found = []
    for entry in feed.findall(f"{ATOM}entry"):
        found.append({
            "id": entry.find(f"{ATOM}id").text,
            "title": entry.find(f"{ATOM}title").text,
            "updated": datetime.fromisoformat(entry.find(f"{ATOM}updated").text),
            "link": entry.find(f"{ATOM}link").get("href"),
            "content": entry.find(f"{ATOM}content").text,
        })
    return found


def test_section_feed_is_newest_first_and_only_that_section(site_server):
    ausland = entries(site_server, "/archive/feed.atom", section="Ausland")
    assert [e["title"] for e in ausland] == ["Trump telefoniert mit Putin: Einladung nach Moskau", "Stromausfall auf Kuba"]
    assert ausland[0]["updated"] > ausland[1]["updated"]
    assert ausland[0]["updated"].utcoffset() is not None  # Atom needs a time zone, also for date-only articles
    inland = entries(site_server, "/archive/feed.atom", section="Inland")
    assert [e["title"] for e in inland] == ["Streik bei der Bahn"]
    assert inland[0]["content"].startswith("Lokführer legen den Fernverkehr im Süden lahm")
    every = entries(site_server, "/archive/feed.atom")
    assert len(every) == 3  # every dated article; undated ones cannot be placed in a feed
    assert len({e["id"] for e in every}) == 3


def test_feed_links_lead_to_the_article_in_the_archive(site_server):
    entry = entries(site_server, "/archive/feed.atom", section="Inland")[0]
    assert entry["link"].startswith(site_server.url + "/archive/articles/")
    page = site_server.get(entry["link"].removeprefix(site_server.url))
    assert page.status_code == 200 and "Streik bei der Bahn" in page.text
    behind_proxy = site_server.get("/archive/feed.atom", params={"section": "Inland"},
                                   headers={"X-Forwarded-Proto": "https", "Host": "jw-archiv.example"})
    assert 'href="https://jw-archiv.example/archive/articles/' in behind_proxy.text


def test_search_feed(site_server):
    putin = entries(site_server, "/archive/feed_search.atom", q="Putin")
    assert [e["title"] for e in putin] == ["Trump telefoniert mit Putin: Einladung nach Moskau"]
    # German stemming as in the search query: »Streiks« finds the article about a »Streik«
    assert [e["title"] for e in entries(site_server, "/archive/feed_search.atom", q="Streiks")] == ["Streik bei der Bahn"]


def test_feed_without_articles_is_still_a_feed(site_server):
    for path, params in [("/archive/feed_search.atom", {"q": "Zyxwvutsrq"}), ("/archive/feed_search.atom", {"q": ""}),
                         ("/archive/feed.atom", {"section": "Feuilleton"})]:
        found = entries(site_server, path, **params)
        assert len(found) == 1 and found[0]["id"] == "urn:jw-archiv:feed:empty", (path, params)


def test_front_page_summary_and_feed_discovery(site_server):
    html = site_server.get("/").text
    assert "5 articles</a></strong> from 2023 to 2025" in html
    assert 'href="/archive/articles?section=Inland"' in html
    assert 'href="/archive/articles?agencies__arraycontains=PL"' in html
    assert 'href="/archive/articles?_facet=published_month"' in html
    assert 'type="application/atom+xml"' in html and 'href="/archive/feed.atom"' in html
    assert '<form class="front-search" action="/archive/search"' in html


def test_month_and_year_facets(site_server):
    facets = site_server.get("/archive/articles.json").json()["facet_results"]
    years = {r["value"]: r["count"] for r in facets["published_year"]["results"]}
    months = {r["value"]: r["count"] for r in facets["published_month"]["results"]}
    # the script page shows no date: its article number places it in November 2023 (date_source estimated)
    assert years == {2023: 2, 2024: 1, 2025: 1}
    assert months == {"2023-11": 2, "2024-04": 1, "2025-02": 1}
