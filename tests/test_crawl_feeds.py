"""The daily update against a real HTTP server on 127.0.0.1: the site's feeds, listed dates, edition links."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ingest.sources import crawl
from ingest.sources.files import page_paths

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "crawl" / "daily"
FAST = dict(delay=0.02, timeout=2.0, retries=1, backoff=0.01, format="files")
E14, E15 = "/2025/03-14/index.php", "/2025/03-15/index.php"
ARTICLES = {"/artikel/300.streik.html": "article_300.html", "/artikel/301.tarif.html": "article_301.html",
            "/artikel/302.ticker.html": "article_302.html", "/artikel/303.grenze.html": "article_303.html",
            "/artikel/304.buch.html": "article_304.html", "/artikel/305.beilage.html": "article_305.html",
            "/artikel/306.pokal.html": "article_306.html", "/artikel/307.neu.html": "article_307.html",
            E14: "edition_2025-03-14.html", E15: "edition_2025-03-15.html"}
FEEDS = {"/feeds/newsticker.rss": None, "/feeds/ausland.xml": "ausland.xml",  # RSS with a broken item
         "/feeds/feuilleton.xml": "feuilleton.xml",  # Atom, with an ETag
         "/feeds/sport.xml": "sport.xml"}  # an HTML maintenance page: not a feed; every other feed is 404
FIRST_RUN = {"artikel/300.streik.html", "artikel/301.tarif.html", "artikel/302.ticker.html",
             "artikel/303.grenze.html", "artikel/304.buch.html", "2025/03-14/index.php.html",
             "artikel/305.beilage.html", "2025/03-15/index.php.html", "artikel/306.pokal.html"}


class Site:
    def __init__(self):
        self.hits: list[dict] = []
        self.newsticker = "newsticker.rss"
        self.lock = threading.Lock()

    def count(self, path: str) -> int:
        return sum(1 for hit in self.hits if hit["path"] == path)

    def paths(self) -> set[str]:
        return {hit["path"] for hit in self.hits}


def make_handler(site: Site, base: list[str]):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def send(self, status: int, body: bytes = b"", content_type: str = "text/html; charset=utf-8",
                 headers: dict | None = None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def fixture(self, name: str) -> bytes:
            return (FIXTURES / name).read_text("utf-8").replace("{BASE}", base[0]).encode()

        def do_GET(self):
            # asked as a proxy (the WARC tests crawl http://www.jungewelt.de through this server): the path alone
            self.path = re.sub(r"^https?://[^/]+", "", self.path)
            with site.lock:
                site.hits.append({"path": self.path, "if_none_match": self.headers.get("If-None-Match")})
            p = self.path
            if p == "/robots.txt":
                return self.send(200, self.fixture("robots.txt"), "text/plain")
            if p == "/feeds/feuilleton.xml" and self.headers.get("If-None-Match") == '"f1"':
                return self.send(304)
            if p in FEEDS:
                name = FEEDS[p] or site.newsticker
                kind = "text/html; charset=utf-8" if name.endswith("sport.xml") else "application/rss+xml"
                return self.send(200, self.fixture(name), kind, {"ETag": '"f1"'} if "feuilleton" in p else None)
            if p in ARTICLES:
                return self.send(200, self.fixture(ARTICLES[p]))
            return self.send(404, b"Not found")

    return Handler


@pytest.fixture
def server():
    site = Site()
    base: list[str] = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(site, base))
    httpd.daemon_threads = True
    base.append(f"http://127.0.0.1:{httpd.server_address[1]}")
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    site.url = base[0]
    yield site
    httpd.shutdown()
    httpd.server_close()


def meta(out: Path, name: str) -> dict:
    return json.loads((out / (name + ".meta.json")).read_text("utf-8"))


def test_feeds_are_the_daily_update(server, tmp_path):
    out = tmp_path / "crawl"
    feeds = crawl.feed_urls(server.url)
    assert len(feeds) == 20 and feeds[0] == server.url + "/feeds/newsticker.rss"
    first = crawl.crawl(out, [], feeds=feeds, base_url=server.url, **FAST)

    # the articles the feeds list, the editions their print headers link, and those editions' articles
    assert set(first.saved) == FIRST_RUN
    assert first.listed == 5  # 300 (also as its paywall alias), 301, 302 (a guid only), 303 (relative link), 304 (Atom)
    assert first.editions_followed == [server.url + E14, server.url + E15]
    assert server.hits[0]["path"] == "/robots.txt" and server.count("/robots.txt") == 1
    for path in ARTICLES:
        assert server.count(path) == (path != "/artikel/307.neu.html")  # each page asked for once
    # not followed: off-site and non-article items, links in an article's text or navigation, the
    # edition an index's article names (one level only)
    assert not server.paths() & {"/aktuell/rubrik/inland.php", "/artikel/998.frueher.html", "/artikel/999.nie.html",
                                 "/2025/03-13/index.php", "/2025/03-07/index.php"}
    assert not any(p.startswith("/loginFailed.php") for p in server.paths())

    # every feed asked for once, except the one robots.txt forbids; none of them saved as a page
    feed_paths = {crawl.NEWSTICKER_FEED} | {f"/feeds/{name}.xml" for name in crawl.SECTION_FEEDS}
    assert {hit["path"] for hit in server.hits if hit["path"].startswith("/feeds/")} == feed_paths - {"/feeds/aktion.xml"}
    assert all(server.count(path) <= 1 for path in feed_paths)
    assert {p.relative_to(out).as_posix() for p in page_paths(out)} == FIRST_RUN
    assert not (out / "feeds").exists()

    # the broken feeds are noted and the crawl went on
    problems = first.feed_problems
    assert problems[server.url + "/feeds/inland.xml"] == "HTTP 404"
    assert problems[server.url + "/feeds/aktion.xml"] == "disallowed by robots.txt"
    assert problems[server.url + "/feeds/sport.xml"].startswith("not a feed")
    assert problems[server.url + "/feeds/ausland.xml"].startswith("malformed (")  # yet its good item was read
    assert len(problems) == 18 and sorted(first.feeds_read) == sorted(server.url + p for p in FEEDS if "sport" not in p)
    assert any(line == "feeds:       20 asked, 3 read, 18 with problems (below), 5 articles listed" for line in first.lines())
    state = json.loads((out / crawl.STATE_FILE).read_text())
    assert state["feeds"][server.url + "/feeds/newsticker.rss"] | {"checked_at": None} == {
        "checked_at": None, "status": 200, "items": 6, "articles": 3}
    assert state["feeds"][server.url + "/feeds/inland.xml"]["problem"] == "HTTP 404"
    assert not any("/feeds/" in url for url in state["gone"])  # a feed that failed is asked again next time

    # the day a feed listed an article, as a Berlin date; none for pages no feed listed
    listed = {name: meta(out, name).get("listed_date") for name in FIRST_RUN}
    assert listed == {"artikel/300.streik.html": "2025-03-13",  # the alias's later date does not win
                      "artikel/301.tarif.html": "2025-03-15",  # 23:30 GMT on the 14th
                      "artikel/302.ticker.html": "2025-03-15", "artikel/303.grenze.html": "2025-03-14",
                      "artikel/304.buch.html": "2025-03-14", "artikel/305.beilage.html": None,
                      "artikel/306.pokal.html": None, "2025/03-14/index.php.html": None,
                      "2025/03-15/index.php.html": None}

    # the next day: the feeds are read again, only the new article is fetched
    server.newsticker = "newsticker_v2.rss"
    server.hits.clear()
    page_305 = (out / "artikel/305.beilage.html").read_bytes()
    again = crawl.crawl(out, [], feeds=feeds, base_url=server.url, **FAST)
    assert server.paths() == {"/robots.txt", "/artikel/307.neu.html"} | (feed_paths - {"/feeds/aktion.xml"})
    assert again.saved == ["artikel/307.neu.html"] and again.editions_followed == []  # 307 is online only
    assert meta(out, "artikel/307.neu.html")["listed_date"] == "2025-03-16"
    # an article we had, now listed: its sidecar learns the day without a request for the page
    assert meta(out, "artikel/305.beilage.html")["listed_date"] == "2025-03-15"
    assert (out / "artikel/305.beilage.html").read_bytes() == page_305
    assert meta(out, "artikel/300.streik.html")["listed_date"] == "2025-03-13"
    # the feed with an ETag was asked conditionally and answered 304
    assert [h["if_none_match"] for h in server.hits if h["path"] == "/feeds/feuilleton.xml"] == ['"f1"']
    feuilleton = json.loads((out / crawl.STATE_FILE).read_text())["feeds"][server.url + "/feeds/feuilleton.xml"]
    assert feuilleton["status"] == 304 and feuilleton["articles"] == 1
    assert server.url + "/feeds/feuilleton.xml" in again.feeds_read


def test_interrupted_daily_update_keeps_listed_dates_and_edition_links(server, tmp_path):
    out = tmp_path / "crawl"
    first = crawl.crawl(out, [], feeds=crawl.feed_urls(server.url), base_url=server.url, max_pages=2, **FAST)
    assert first.saved == ["artikel/300.streik.html", "artikel/301.tarif.html"]  # feeds do not count as pages
    state = json.loads((out / crawl.STATE_FILE).read_text())
    assert state["listed"] == {server.url + "/artikel/302.ticker.html": "2025-03-15",
                               server.url + "/artikel/303.grenze.html": "2025-03-14",
                               server.url + "/artikel/304.buch.html": "2025-03-14"}
    assert state["follows_edition"] == sorted(state["listed"])

    # the next run without --feeds finishes the queue, with the dates and edition links the feeds gave
    server.hits.clear()
    second = crawl.crawl(out, [], base_url=server.url, **FAST)
    assert set(first.saved) | set(second.saved) == FIRST_RUN
    assert not any(p.startswith("/feeds/") for p in server.paths())
    assert meta(out, "artikel/302.ticker.html")["listed_date"] == "2025-03-15"
    assert meta(out, "artikel/304.buch.html")["listed_date"] == "2025-03-14"
    assert json.loads((out / crawl.STATE_FILE).read_text())["listed"] == {}


def test_an_article_from_start_brings_in_its_edition(server, tmp_path):
    out = tmp_path / "crawl"
    summary = crawl.crawl(out, [server.url + "/artikel/303.grenze.html"], base_url=server.url, **FAST)
    assert summary.saved == ["artikel/303.grenze.html", "2025/03-14/index.php.html", "artikel/300.streik.html",
                             "artikel/305.beilage.html"]
    assert "listed_date" not in meta(out, "artikel/303.grenze.html")

    only = crawl.crawl(tmp_path / "one", [server.url + "/artikel/303.grenze.html"], base_url=server.url,
                       follow_editions=False, **FAST)
    assert only.saved == ["artikel/303.grenze.html"]


def test_cli_feeds_without_edition_links(server, tmp_path):
    out = tmp_path / "crawl"
    result = subprocess.run(
        [sys.executable, "-m", "ingest", "crawl", "--feeds", "--no-edition-links", "--base-url", server.url,
         "--delay", "0.01", "--timeout", "2", "--retries", "0", "--out", str(out), "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "new pages:   5" in result.stdout  # the five listed articles; no edition, today's neither
    assert "feeds:       20 asked, 3 read, 18 with problems (below), 5 articles listed" in result.stdout
    assert f"  {server.url}/feeds/sport.xml: feed not a feed" in result.stdout
    assert not (out / "2025").exists()


def test_edition_link_is_the_print_headers():
    site = crawl.Site("https://www.jungewelt.de")
    page = "https://www.jungewelt.de/artikel/1.x.html"
    a = (FIXTURES / "article_300.html").read_text("utf-8")  # layout A; its navigation links another edition
    b = (FIXTURES / "article_301.html").read_text("utf-8")  # layout B
    assert crawl.edition_link(a, page, site) == "https://www.jungewelt.de/2025/03-14/index.php"
    assert crawl.edition_link(b, page, site) == "https://www.jungewelt.de/2025/03-15/index.php"
    assert crawl.edition_link((FIXTURES / "article_302.html").read_text("utf-8"), page, site) is None  # online only
    assert crawl.edition_link((FIXTURES / "article_307.html").read_text("utf-8"), page, site) is None


def test_feed_listing_reads_rss_and_atom():
    site = crawl.Site("https://www.jungewelt.de")
    feed = "https://www.jungewelt.de/feeds/titel.xml"
    atom = (b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
            b'<entry><id>https://jungewelt.de/artikel/5.a.html</id><published>2025-12-31T23:30:00Z</published></entry>'
            b'<entry><id>urn:jw:6</id><link href="/artikel/6.b.html"/></entry>'
            b'<entry><id>tag:jw,2025:7</id></entry></feed>')
    listing = crawl.feed_listing(atom, feed, site)
    # an id that is a URL counts as the link; the new year begins earlier in Berlin than in UTC
    assert listing.articles == {"https://www.jungewelt.de/artikel/5.a.html": "2026-01-01",
                                "https://www.jungewelt.de/artikel/6.b.html": None}
    assert listing.items == 3 and listing.problem is None
    rss = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
    assert crawl.feed_listing(rss, feed, site) == crawl.FeedListing({}, 0, None)  # empty, not broken
    assert crawl.feed_listing(b"", feed, site).problem == "not a feed"
