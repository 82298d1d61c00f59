"""The crawler against a real HTTP server on 127.0.0.1 serving fixture pages: politeness, failures, resuming, refresh."""
from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from ingest.sources import crawl
from ingest.sources.files import page_paths, raw_pages

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "crawl"
INDEX = "/2025/02-12/index.php"
SMALL_INDEX = "/2025/02-13/index.php"
# tiny pauses keep the suite fast; the timeout is well under the slow page's 1 s
FAST = dict(delay=0.05, timeout=0.3, retries=2, backoff=0.01, format="files")


class Site:
    """What the test server serves, and every request it saw."""

    def __init__(self):
        self.hits: list[dict] = []
        self.article_101 = "article_101_v1.html"
        self.etag_101 = '"v1"'
        self.flaky_left = 1  # 105 fails this many times, then works
        self.slow = True
        self.robots_status = 200
        self.lock = threading.Lock()

    def count(self, path: str) -> int:
        return sum(1 for hit in self.hits if hit["path"] == path)

    def paths(self) -> set[str]:
        return {hit["path"] for hit in self.hits}


def make_handler(site: Site, base: list[str]):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep pytest output clean
            pass

        def send(self, status: int, body: bytes = b"", headers: dict | None = None):
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def page(self, name: str) -> bytes:
            return (FIXTURES / name).read_text("utf-8").replace("{BASE}", base[0]).encode()

        def do_GET(self):
            # asked as a proxy (the WARC tests crawl http://www.jungewelt.de through this server): the path alone
            self.path = re.sub(r"^https?://[^/]+", "", self.path)
            with site.lock:
                site.hits.append({"path": self.path, "ua": self.headers.get("User-Agent"),
                                  "if_none_match": self.headers.get("If-None-Match"), "at": time.monotonic()})
            try:
                self.route()
            except (BrokenPipeError, ConnectionResetError):  # the client gave up on a slow page
                pass

        def route(self):
            p = self.path
            if p == "/robots.txt":
                if site.robots_status != 200:
                    return self.send(site.robots_status)
                return self.send(200, (FIXTURES / "robots.txt").read_bytes(), {"Content-Type": "text/plain"})
            if p == INDEX:
                return self.send(200, self.page("edition_index.html"))
            if p == SMALL_INDEX:
                return self.send(200, self.page("edition_index_small.html"))
            if p == "/artikel/100.eins.html":
                if self.headers.get("If-None-Match") == '"e100"':
                    return self.send(304)
                return self.send(200, self.page("article_100.html"), {"ETag": '"e100"'})
            if p == "/artikel/101.zwei.html":
                return self.send(200, self.page(site.article_101), {"ETag": site.etag_101})
            if p == "/artikel/102.drei.html":
                return self.send(200, self.page("article_102.html"))
            if p == "/artikel/103.privat.html":
                return self.send(200, self.page("article_103.html"))
            if p == "/artikel/105.wackel.html":
                if site.flaky_left > 0:
                    site.flaky_left -= 1
                    return self.send(500, b"Internal Server Error")
                return self.send(200, self.page("article_105.html"))
            if p == "/artikel/106.langsam.html":
                if site.slow:
                    time.sleep(1.0)
                return self.send(200, self.page("article_106.html"))
            if p == "/artikel/107.alt.html":
                return self.send(301, b"", {"Location": "/artikel/107.neu.html"})
            if p == "/artikel/107.neu.html":
                return self.send(200, self.page("article_107.html"))
            if p == "/artikel/108.kaputt.html":
                return self.send(500, b"Internal Server Error")
            if p == "/beilage/art/200":
                return self.send(200, self.page("article_200.html"))
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


def test_crawl_edition_politely(server, tmp_path):
    out = tmp_path / "crawl"
    summary = crawl.crawl(out, [server.url + INDEX], base_url=server.url, **FAST)

    saved = {"2025/02-12/index.php.html", "artikel/100.eins.html", "artikel/101.zwei.html",
             "artikel/102.drei.html", "artikel/105.wackel.html", "artikel/107.neu.html", "beilage/art/200.html"}
    assert set(summary.saved) == saved
    for name in saved:
        assert (out / name).stat().st_size > 0
        m = meta(out, name)
        assert m["status"] == 200
        assert dt.datetime.fromisoformat(m["fetched_at"].replace("Z", "+00:00")).tzinfo is not None
    assert meta(out, "artikel/100.eins.html")["url"] == server.url + "/artikel/100.eins.html"
    assert meta(out, "artikel/100.eins.html")["etag"] == '"e100"'
    assert b"Erster Artikel" in (out / "artikel/100.eins.html").read_bytes()
    # the redirect: saved under the URL it led to, with the URL asked for beside it
    assert meta(out, "artikel/107.neu.html")["requested_url"] == server.url + "/artikel/107.alt.html"

    # robots.txt: read once, first; the disallowed article never requested
    assert server.hits[0]["path"] == "/robots.txt" and server.count("/robots.txt") == 1
    assert server.count("/artikel/103.privat.html") == 0
    assert summary.disallowed == [server.url + "/artikel/103.privat.html"]
    # not followed: off-site links, non-article links, links on article pages; the paywall alias is one page
    assert not server.paths() & {"/aktuell/rubrik/ausland.php", "/artikel/999.fremd.html", "/artikel/999.nie.html"}
    assert server.count("/artikel/100.eins.html") == 1
    # failures: 404 once, retries bounded (1 + 2 attempts), the flaky page saved on its second try
    assert summary.gone == {server.url + "/artikel/104.weg.html": 404}
    assert server.count("/artikel/104.weg.html") == 1
    assert server.count("/artikel/105.wackel.html") == 2
    assert server.count("/artikel/106.langsam.html") == 3
    assert server.count("/artikel/108.kaputt.html") == 3
    assert summary.failed == {server.url + "/artikel/106.langsam.html": "timeout after 3 attempts",
                              server.url + "/artikel/108.kaputt.html": "HTTP 500 after 3 attempts"}
    assert not (out / "artikel/104.weg.html").exists() and not (out / "artikel/108.kaputt.html").exists()
    # every request names the project, and requests keep their distance
    assert {hit["ua"] for hit in server.hits} == {crawl.USER_AGENT}
    # (summed, as single arrival times jitter with the machine's load; gaps after a timeout don't count)
    gaps = [b["at"] - a["at"] for a, b in zip(server.hits, server.hits[1:]) if a["path"] != "/artikel/106.langsam.html"]
    assert sum(gaps) >= len(gaps) * FAST["delay"] * 0.9

    state = json.loads((out / crawl.STATE_FILE).read_text())
    assert state["queue"] == [] and set(state["failed"]) == set(summary.failed)

    # the second run has everything it fetched: only last run's failures are tried again
    server.hits.clear()
    server.slow = False
    again = crawl.crawl(out, [server.url + INDEX], base_url=server.url, **FAST)
    assert server.paths() == {"/robots.txt", "/artikel/106.langsam.html", "/artikel/108.kaputt.html"}
    assert again.saved == ["artikel/106.langsam.html"]
    assert list(again.failed) == [server.url + "/artikel/108.kaputt.html"]
    assert server.url + INDEX in again.skipped

    # a third run fetches nothing but the page that still fails
    server.hits.clear()
    crawl.crawl(out, [server.url + INDEX], base_url=server.url, **FAST)
    assert server.paths() == {"/robots.txt", "/artikel/108.kaputt.html"}


def test_refresh_keeps_the_old_version(server, tmp_path):
    out = tmp_path / "crawl"
    server.slow = False  # timeouts are the first test's business; here they would only cost time
    crawl.crawl(out, [server.url + INDEX], base_url=server.url, **FAST)
    old = (out / "artikel/101.zwei.html").read_bytes()
    old_meta = meta(out, "artikel/101.zwei.html")

    server.article_101, server.etag_101 = "article_101_v2.html", '"v2"'
    server.hits.clear()
    plain = crawl.crawl(out, [server.url + INDEX], base_url=server.url, **FAST)
    assert "/artikel/101.zwei.html" not in server.paths() and plain.changed == []

    server.hits.clear()
    # two editions linking the same pages: each page is still asked for once
    summary = crawl.crawl(out, [server.url + INDEX, server.url + SMALL_INDEX], base_url=server.url,
                          refresh=True, **FAST)
    assert summary.changed == ["artikel/101.zwei.html"]
    assert b"zweiter, berichtigter Fassung" in (out / "artikel/101.zwei.html").read_bytes()
    assert meta(out, "artikel/101.zwei.html")["etag"] == '"v2"'
    versions = sorted((out / "artikel").glob("101.zwei.html.*" + crawl.VERSION_SUFFIX))
    assert len(versions) == 1 and versions[0].read_bytes() == old
    assert json.loads(Path(str(versions[0]) + ".meta.json").read_text()) == old_meta
    # conditional GET: the unchanged page answered 304 and was left alone
    assert [h["if_none_match"] for h in server.hits if h["path"] == "/artikel/100.eins.html"] == ['"e100"']
    assert "artikel/100.eins.html" in summary.unchanged
    assert "artikel/102.drei.html" in summary.unchanged  # no ETag: same bytes, file untouched
    # the build reads the current version only; the old one stays beside it
    names = {p.relative_to(out).as_posix() for p in page_paths(out)}
    assert "artikel/101.zwei.html" in names and not any(n.endswith(crawl.VERSION_SUFFIX) for n in names)
    pages = {p.path: p for p in raw_pages(out)}
    assert pages["artikel/101.zwei.html"].url == server.url + "/artikel/101.zwei.html"


def test_resume_after_max_pages_even_without_state(server, tmp_path):
    out = tmp_path / "crawl"
    first = crawl.crawl(out, [server.url + SMALL_INDEX], base_url=server.url, max_pages=2, **FAST)
    assert first.saved == ["2025/02-13/index.php.html", "artikel/100.eins.html"]
    assert first.queue_left == 2
    assert json.loads((out / crawl.STATE_FILE).read_text())["queue"] == [
        server.url + "/artikel/102.drei.html", server.url + "/beilage/art/200"]

    # the state file lost: the index on disk still knows its links
    (out / crawl.STATE_FILE).unlink()
    server.hits.clear()
    second = crawl.crawl(out, [server.url + SMALL_INDEX], base_url=server.url, **FAST)
    assert second.saved == ["artikel/102.drei.html", "beilage/art/200.html"]
    assert server.paths() == {"/robots.txt", "/artikel/102.drei.html", "/beilage/art/200"}

    # a crash between page and sidecar: the page without its sidecar is fetched again, and completed
    (out / "artikel/102.drei.html.meta.json").unlink()
    server.hits.clear()
    third = crawl.crawl(out, [server.url + SMALL_INDEX], base_url=server.url, **FAST)
    assert server.paths() == {"/robots.txt", "/artikel/102.drei.html"} and third.saved == ["artikel/102.drei.html"]
    assert meta(out, "artikel/102.drei.html")["url"] == server.url + "/artikel/102.drei.html"


def test_unreachable_robots_stops_the_crawl(server, tmp_path):
    server.robots_status = 503
    with pytest.raises(crawl.CrawlError, match="robots.txt: HTTP 503 after 3 attempts"):
        crawl.crawl(tmp_path, [server.url + SMALL_INDEX], base_url=server.url, **FAST)
    assert server.paths() == {"/robots.txt"}


def test_cli_crawls_an_edition_by_date(server, tmp_path):
    out = tmp_path / "crawl"
    result = subprocess.run(
        [sys.executable, "-m", "ingest", "crawl", "--base-url", server.url, "--since", "2025-02-13",
         "--until", "2025-02-13", "--delay", "0.01", "--timeout", "2", "--out", str(out), "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "new pages:   4" in result.stdout
    # WARC by default: one closed file, named by time and serial, holding the four pages
    warcs = [p.name for p in out.iterdir() if not p.name.startswith(".")]
    assert len(warcs) == 1 and re.fullmatch(r"jw-\d{14}-00000\.warc\.gz", warcs[0]), warcs
    assert f"warc files:  {warcs[0]}" in result.stdout
    with open(out / warcs[0], "rb") as stream:
        pages = {r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(stream) if r.rec_type == "response"}
    assert pages == {server.url + p for p in ("/robots.txt", SMALL_INDEX, "/artikel/100.eins.html",
                                               "/artikel/102.drei.html", "/beilage/art/200")}

    # --format files: a file per page and its sidecar
    files = tmp_path / "files"
    result = subprocess.run(
        [sys.executable, "-m", "ingest", "crawl", "--base-url", server.url, "--start", server.url + SMALL_INDEX,
         "--format", "files", "--delay", "0.01", "--timeout", "2", "--out", str(files), "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert (files / "2025/02-13/index.php.html").exists() and (files / "beilage/art/200.html.meta.json").exists()
    assert not list(files.glob("*.warc*"))


def test_edition_urls_skip_sundays():
    urls = crawl.edition_urls(dt.date(2025, 2, 8), dt.date(2025, 2, 10))
    assert urls == ["https://www.jungewelt.de/2025/02-08/index.php", "https://www.jungewelt.de/2025/02-10/index.php"]


def test_page_file_names():
    assert crawl.page_file("https://www.jungewelt.de/artikel/365771.stra%C3%9Fe.html") == "artikel/365771.stra%C3%9Fe.html"
    assert crawl.page_file("https://jungewelt.de/beilage/art/263469") == "beilage/art/263469.html"
    assert crawl.page_file("https://www.jungewelt.de/2010/08-18/030.php") == "2010/08-18/030.php.html"
    assert crawl.page_file("https://www.jungewelt.de/kultur/theater.php?start=10") == "kultur/theater.php_start=10.html"
    assert crawl.page_file("https://www.jungewelt.de/blogs/x/../../etc/") == "blogs/x/etc/index.html"
    long = crawl.page_file("https://www.jungewelt.de/artikel/1." + "a" * 300 + ".html")
    assert len(long.split("/")[-1]) < 130 and long.endswith(".html")


def test_links_normalized_to_one_spelling():
    site = crawl.Site("https://www.jungewelt.de")
    page = "https://www.jungewelt.de/2025/02-12/index.php"
    html = ('<a href="https://jungewelt.de/artikel/1.a.html#x">a</a>'
            '<a href="/loginFailed.php?ref=%2Fartikel%2F1.a.html">a again</a>'
            '<a href="/loginFailed.php?ref=%2Fbeilage%2Fart%2F7">b</a>'
            '<a href="030.php">old print url</a><a href="/aktuell/rubrik/ausland.php">listing</a>'
            '<a href="https://example.org/artikel/2.b.html">elsewhere</a>')
    assert crawl.article_links(html, page, site) == [
        "https://www.jungewelt.de/artikel/1.a.html", "https://www.jungewelt.de/beilage/art/7",
        "https://www.jungewelt.de/2025/02-12/030.php"]
