"""The crawler's WARC files, against a real HTTP server on 127.0.0.1 that stands in for www.jungewelt.de as an
HTTP proxy (so the records carry the site's own URLs, as the build's WARC reader wants them)."""
from __future__ import annotations

import base64
import fcntl
import gzip
import hashlib
import json
import os
import re
import signal
from sqlite_utils.utils import sqlite3  # the SQLite the archive code uses (pysqlite3 where installed)
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

import test_crawl
import test_crawl_feeds
from ingest.build import build
from ingest.sources import crawl
from ingest.sources.crawl_store import OPEN_SUFFIX, WARC_INDEX, complete_members
from ingest.sources.warc import warc_pages

ROOT = Path(__file__).resolve().parent.parent
JW = "http://www.jungewelt.de"
FAST = dict(delay=0.02, timeout=2.0, retries=1, backoff=0.01)
DAILY_PAGES = {"/artikel/300.streik.html", "/artikel/301.tarif.html", "/artikel/302.ticker.html",
               "/artikel/303.grenze.html", "/artikel/304.buch.html", "/artikel/305.beilage.html",
               "/artikel/306.pokal.html", test_crawl_feeds.E14, test_crawl_feeds.E15}


def serve(make_handler, site, monkeypatch):
    """The test site at http://www.jungewelt.de: a local server every request of this process goes through."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(site, [JW]))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    site.url, site.proxy = JW, f"http://127.0.0.1:{httpd.server_address[1]}"
    for name in ("no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", site.proxy)  # httpx reads it when the crawler makes its client
    monkeypatch.setenv("HTTP_PROXY", site.proxy)
    return httpd


@pytest.fixture
def daily(monkeypatch):
    """The feeds' site: layout A and B articles, two edition indexes, RSS and Atom feeds."""
    site = test_crawl_feeds.Site()
    httpd = serve(test_crawl_feeds.make_handler, site, monkeypatch)
    yield site
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def edition(monkeypatch):
    """The edition site: a redirect, a 404, ETags, a page that changes."""
    site = test_crawl.Site()
    site.slow = False
    httpd = serve(test_crawl.make_handler, site, monkeypatch)
    yield site
    httpd.shutdown()
    httpd.server_close()


def warc_files(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if not p.name.startswith(".") and p.is_file())


def records(path: Path) -> list[dict]:
    """Every record of a WARC file, with its headers and its payload, read by warcio with digests checked."""
    out = []
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream, check_digests="raise"):
            payload = record.content_stream().read() if record.rec_type != "request" else b""
            raw = record.raw_stream.read()  # for a response: what is left of the block after warcio's reading
            out.append({"type": record.rec_type, "headers": dict(record.rec_headers.headers),
                        "http": record.http_headers, "payload": payload, "rest": raw})
    return out


def all_records(out: Path) -> list[dict]:
    return [r for path in warc_files(out) for r in records(path)]


def uri(record: dict) -> str:
    return record["headers"]["WARC-Target-URI"]


def responses(recs: list[dict], status: str = "200") -> dict[str, dict]:
    return {uri(r): r for r in recs if r["type"] == "response" and r["http"].get_statuscode() == status}


def sha1(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def page_hits(site) -> set[str]:
    return {p for p in site.paths() if p != "/robots.txt" and not p.startswith("/feeds/")}


def test_daily_update_into_warc(daily, tmp_path):
    out = tmp_path / "crawl"
    feeds = crawl.feed_urls(JW)
    first = crawl.crawl(out, [], feeds=feeds, base_url=JW, **FAST)
    assert set(first.saved) == {JW + p for p in DAILY_PAGES}

    # one closed, gzipped WARC file, nothing left open, every record readable with its digests right
    (warc,) = warc_files(out)
    assert warc.name.startswith("jw-") and warc.name.endswith(".warc.gz") and first.warc_files == [warc.name]
    assert complete_members(warc) == warc.stat().st_size
    recs = records(warc)
    assert recs[0]["type"] == "warcinfo"
    info = dict(line.split(": ", 1) for line in recs[0]["payload"].decode().splitlines())
    assert json.loads(info["crawl-options"])["base_url"] == JW and info["robots"] == "obey"

    # a request beside every response, and for each page a metadata record; robots.txt kept, no feed at all
    pages = responses(recs)
    assert set(pages) == {JW + p for p in DAILY_PAGES} | {JW + "/robots.txt"}
    by_id = {r["headers"]["WARC-Record-ID"]: r for r in recs}
    requests = [r for r in recs if r["type"] == "request"]
    assert len(requests) == len(pages)
    for request in requests:
        response = by_id[request["headers"]["WARC-Concurrent-To"]]
        assert uri(response) == uri(request) and response["headers"]["WARC-Date"] == request["headers"]["WARC-Date"]
        assert request["http"].protocol == "GET" and request["http"].get_header("User-Agent") == crawl.USER_AGENT
    for url, response in pages.items():
        assert response["headers"]["WARC-Payload-Digest"] == sha1(response["payload"])
        assert response["headers"]["WARC-Date"].endswith("Z")
    assert b"Streik in den Minen" in pages[JW + "/artikel/300.streik.html"]["payload"]
    assert not any("/feeds/" in uri(r) for r in recs if "WARC-Target-URI" in r["headers"])
    metadata = {uri(r): r for r in recs if r["type"] == "metadata"}
    assert set(metadata) == {JW + p for p in DAILY_PAGES}
    fields = {url: dict(line.split(": ", 1) for line in r["payload"].decode().splitlines())
              for url, r in metadata.items()}
    assert fields[JW + "/artikel/301.tarif.html"]["listed_date"] == "2025-03-15"
    assert "listed_date" not in fields[JW + "/artikel/306.pokal.html"]
    for url, r in metadata.items():
        assert by_id[r["headers"]["WARC-Concurrent-To"]]["type"] == "response"

    # the next day: the feeds again, only the new article fetched, into a new file; an article we had and a
    # feed now lists gets its day as a metadata record referring to its response
    daily.newsticker = "newsticker_v2.rss"
    daily.hits.clear()
    again = crawl.crawl(out, [], feeds=feeds, base_url=JW, **FAST)
    assert page_hits(daily) == {"/artikel/307.neu.html"} and again.saved == [JW + "/artikel/307.neu.html"]
    new = [path for path in warc_files(out) if path != warc]
    assert len(new) == 1 and again.warc_files == [new[0].name]
    later = records(new[0])
    assert set(responses(later)) == {JW + "/artikel/307.neu.html", JW + "/robots.txt"}
    (listed,) = [r for r in later if r["type"] == "metadata" and uri(r) == JW + "/artikel/305.beilage.html"]
    assert listed["payload"] == b"listed_date: 2025-03-15\r\n"
    assert listed["headers"]["WARC-Refers-To"] == pages[JW + "/artikel/305.beilage.html"]["headers"]["WARC-Record-ID"]

    # a run with nothing new asks for no page and writes no file
    daily.hits.clear()
    quiet = crawl.crawl(out, [], feeds=feeds, base_url=JW, **FAST)
    assert page_hits(daily) == set() and quiet.warc_files == [] and len(warc_files(out)) == 2

    # the state and the index lost: the WARC files themselves say what we have
    (out / crawl.STATE_FILE).unlink()
    (out / WARC_INDEX).unlink()
    daily.hits.clear()
    crawl.crawl(out, [JW + test_crawl_feeds.E14], feeds=feeds, base_url=JW, **FAST)
    assert page_hits(daily) == set() and len(warc_files(out)) == 2

    # the build reads the articles from the WARC files: both layouts, the listings not as articles
    db = tmp_path / "archive.db"
    build(out, db, progress=False)
    with sqlite3.connect(db) as conn:
        titles = dict(conn.execute("SELECT url, title FROM articles"))
    assert titles[JW.replace("http:", "https:") + "/artikel/300.streik.html"] == "Streik in den Minen"  # layout A
    assert len(titles) == 8 and all(titles.values())
    assert not any("index.php" in url for url in titles)


def test_refresh_writes_revisits_and_new_responses(edition, tmp_path):
    out = tmp_path / "crawl"
    crawl.crawl(out, [JW + test_crawl.INDEX], base_url=JW, **FAST)
    first = all_records(out)
    before = responses(first)
    # the redirect and the 404 are kept as they were answered; the page the redirect led to as a page
    assert responses(first, "301")[JW + "/artikel/107.alt.html"]["http"].get_header("Location") == "/artikel/107.neu.html"
    assert JW + "/artikel/104.weg.html" in responses(first, "404")
    assert JW + "/artikel/107.neu.html" in before
    meta_107 = [r for r in first if r["type"] == "metadata" and uri(r) == JW + "/artikel/107.neu.html"]
    assert b"requested_url: " + (JW + "/artikel/107.alt.html").encode() in meta_107[0]["payload"]

    time.sleep(1.1)  # WARC dates are to the second: the refetch must be later
    edition.article_101, edition.etag_101 = "article_101_v2.html", '"v2"'
    edition.hits.clear()
    summary = crawl.crawl(out, [JW + test_crawl.INDEX], base_url=JW, refresh=True, **FAST)
    assert summary.changed == [JW + "/artikel/101.zwei.html"]
    assert {JW + "/artikel/100.eins.html", JW + "/artikel/102.drei.html"} <= set(summary.unchanged)
    # a conditional GET with the ETag the WARC file holds
    assert [h["if_none_match"] for h in edition.hits if h["path"] == "/artikel/100.eins.html"] == ['"e100"']

    files = warc_files(out)
    assert len(files) == 2 and summary.warc_files == [files[1].name]
    recs = records(files[1])
    revisits = {uri(r): r for r in recs if r["type"] == "revisit"}
    # 304 and same bytes: revisits of the earlier response, by URI, date, record id and payload digest
    for url, status in ((JW + "/artikel/100.eins.html", "304"), (JW + "/artikel/102.drei.html", "200")):
        revisit, earlier = revisits[url], before[url]
        assert revisit["http"].get_statuscode() == status
        assert revisit["headers"]["WARC-Profile"].endswith("/revisit/identical-payload-digest")
        assert revisit["headers"]["WARC-Refers-To-Target-URI"] == url
        assert revisit["headers"]["WARC-Refers-To-Date"] == earlier["headers"]["WARC-Date"]
        assert revisit["headers"]["WARC-Refers-To"] == earlier["headers"]["WARC-Record-ID"]
        assert revisit["headers"]["WARC-Payload-Digest"] == earlier["headers"]["WARC-Payload-Digest"]
        assert revisit["headers"]["WARC-Date"] > earlier["headers"]["WARC-Date"]
    # changed bytes: a new response beside the old one
    changed = responses(recs)[JW + "/artikel/101.zwei.html"]
    assert b"zweiter, berichtigter Fassung" in changed["payload"]
    assert b"zweiter, berichtigter Fassung" not in before[JW + "/artikel/101.zwei.html"]["payload"]

    # the reader resolves the same-bytes revisit to the earlier payload
    read = [p for p in warc_pages(out) if getattr(p, "url", None) == JW + "/artikel/102.drei.html"]
    assert len(read) == 2 and read[0].data == read[1].data == before[JW + "/artikel/102.drei.html"]["payload"]

    # the build takes the newest capture of the page
    db = tmp_path / "archive.db"
    build(out, db, progress=False)
    with sqlite3.connect(db) as conn:
        (body,) = conn.execute("SELECT body_markdown FROM articles WHERE id = 'artikel-101'").fetchone()
    assert "zweiter, berichtigter Fassung" in body

    # the next refresh: the newest capture's ETag
    edition.hits.clear()
    crawl.crawl(out, [JW + test_crawl.INDEX], base_url=JW, refresh=True, **FAST)
    assert [h["if_none_match"] for h in edition.hits if h["path"] == "/artikel/101.zwei.html"] == ['"v2"']


def test_resume_after_max_pages_and_a_lost_index(edition, tmp_path):
    out = tmp_path / "crawl"
    first = crawl.crawl(out, [JW + test_crawl.SMALL_INDEX], base_url=JW, max_pages=2, **FAST)
    assert first.saved == [JW + test_crawl.SMALL_INDEX, JW + "/artikel/100.eins.html"] and first.queue_left == 2
    assert len(warc_files(out)) == 1

    # the state and the index lost: the index page in the WARC file still knows its links
    (out / crawl.STATE_FILE).unlink()
    (out / WARC_INDEX).unlink()
    edition.hits.clear()
    second = crawl.crawl(out, [JW + test_crawl.SMALL_INDEX], base_url=JW, **FAST)
    assert second.saved == [JW + "/artikel/102.drei.html", JW + "/beilage/art/200"]
    assert edition.paths() == {"/robots.txt", "/artikel/102.drei.html", "/beilage/art/200"}
    assert len(warc_files(out)) == 2

    # a page crawled as a loose file counts as had in WARC runs too (and back)
    files = tmp_path / "mixed"
    crawl.crawl(files, [JW + test_crawl.SMALL_INDEX], base_url=JW, max_pages=2, format="files", **FAST)
    edition.hits.clear()
    crawl.crawl(files, [JW + test_crawl.SMALL_INDEX], base_url=JW, **FAST)
    assert edition.paths() == {"/robots.txt", "/artikel/102.drei.html", "/beilage/art/200"}


def test_a_killed_crawl_leaves_whole_records(edition, tmp_path):
    out = tmp_path / "crawl"
    env = {**os.environ, "http_proxy": edition.proxy, "HTTP_PROXY": edition.proxy}
    command = [sys.executable, "-m", "ingest", "crawl", "--base-url", JW, "--start", JW + test_crawl.INDEX,
               "--delay", "0.2", "--timeout", "2", "--retries", "0", "--out", str(out), "--quiet"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while len(page_hits(edition)) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.1)  # mid-way between two pages, or in the middle of one: either must leave whole records
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    (left_open,) = list(out.glob("*" + OPEN_SUFFIX))
    # a crawl still writing its file holds it locked: another run leaves it open
    with open(left_open, "rb") as stream:
        fcntl.flock(stream, fcntl.LOCK_EX)
        crawl.Crawler(out, base_url=JW).client.close()
        assert left_open.exists()
    assert warc_files(out) == [left_open]  # nothing the build reads yet: it takes closed files only
    kept = responses(records(left_open))
    assert JW + test_crawl.INDEX in kept and len(kept) >= 2

    # a kill in the middle of a write: half a record at the end
    whole = left_open.stat().st_size
    with open(left_open, "ab") as stream:
        stream.write(left_open.read_bytes()[-300:-150])
    assert complete_members(left_open) == whole
    # and a kill in the middle of an index line
    with open(out / WARC_INDEX, "a") as index:
        index.write('{"kind": "response", "url": "http://www.jungewelt.de/artikel/1')

    # the next run cuts the half record off, closes and indexes the file, and fetches only what it lacks
    edition.hits.clear()
    summary = crawl.crawl(out, [JW + test_crawl.INDEX], base_url=JW, **FAST)
    assert not list(out.glob("*" + OPEN_SUFFIX))
    closed = out / left_open.name.removesuffix(OPEN_SUFFIX)
    assert closed.stat().st_size == whole
    assert not {JW + p for p in page_hits(edition)} & set(kept)
    assert set(summary.saved).isdisjoint(kept)
    # every line of the index whole again: a third run knows everything without reading a WARC file
    edition.hits.clear()
    crawler = crawl.Crawler(out, base_url=JW, **FAST)
    crawler.client.close()
    assert {JW + p for p in ("/artikel/100.eins.html", "/beilage/art/200")} <= crawler.had
    lines = (out / WARC_INDEX).read_text().splitlines()
    assert sum(1 for line in lines if not line.endswith("}")) == 1  # only the cut one
    everything = responses(all_records(out))
    assert {JW + p for p in ("/artikel/100.eins.html", "/artikel/101.zwei.html", "/artikel/102.drei.html",
                             "/artikel/105.wackel.html", "/artikel/107.neu.html", "/beilage/art/200")} <= set(everything)


def test_a_page_written_this_run_is_read_back_from_the_open_file(edition, tmp_path):
    url = JW + "/artikel/102.drei.html"
    crawler = crawl.Crawler(tmp_path / "crawl", base_url=JW, **FAST)
    response = crawler._send(url, None)
    crawler.client.close()
    assert crawler.pages.save(url, url, response, None) == "saved"
    assert crawler.pages.path.name.endswith(OPEN_SUFFIX)  # still being written
    assert b"Dritter Artikel" in crawler.pages.payload(url)
    crawler.pages.close()


def test_rotation_at_the_size_limit(edition, tmp_path):
    out = tmp_path / "crawl"
    summary = crawl.crawl(out, [JW + test_crawl.SMALL_INDEX], base_url=JW, warc_size=1, **FAST)
    files = warc_files(out)
    # every page fills a file: four pages, four files, serials in order, each beginning with its warcinfo
    assert [p.name for p in files] == summary.warc_files and len(files) == 4
    assert [p.name.rsplit("-", 1)[1] for p in files] == [f"{n:05d}.warc.gz" for n in range(4)]
    assert all(records(path)[0]["type"] == "warcinfo" for path in files)


def test_files_and_warc_give_the_same_articles(daily, tmp_path):
    tables = {}
    for format in ("files", "warc"):
        out = tmp_path / format
        crawl.crawl(out, [], feeds=crawl.feed_urls(JW), base_url=JW, format=format, **FAST)
        db = tmp_path / f"{format}.db"
        build(out, db, progress=False)
        with sqlite3.connect(db) as conn:
            conn.row_factory = sqlite3.Row
            rows = [dict(row) for row in conn.execute("SELECT * FROM articles ORDER BY id")]
        tables[format] = rows
    assert len(tables["files"]) == 7
    # only where each page came from differs: a file name, or a WARC file and record id
    assert [row.pop("source_path") for row in tables["files"]][0] == "artikel/300.streik.html"
    assert [row.pop("source_path") for row in tables["warc"]][0].startswith("jw-")
    assert tables["warc"] == tables["files"]


def test_listed_date_reaches_the_build_from_warc(daily, tmp_path):
    """The day a feed listed a page, from the metadata record beside its response or from a later one."""
    def listed_in_build(out: Path) -> dict:
        db = out.parent / (out.name + ".db")
        build(out, db, progress=False)
        with sqlite3.connect(db) as conn:
            return dict(conn.execute("SELECT url, listed_date FROM pages WHERE status = 'article'"))

    days = {}
    for format in ("files", "warc"):
        out = tmp_path / format
        crawl.crawl(out, [], feeds=crawl.feed_urls(JW), base_url=JW, format=format, **FAST)
        days[format] = listed_in_build(out)
    assert days["warc"][JW + "/artikel/301.tarif.html"] == "2025-03-15"
    assert days["warc"][JW + "/artikel/306.pokal.html"] is None
    assert days["warc"] == days["files"]

    # the next day a feed lists 305, which we have: a metadata record in the next file gives it its day
    daily.newsticker = "newsticker_v2.rss"
    for format in ("files", "warc"):
        out = tmp_path / format
        crawl.crawl(out, [], feeds=crawl.feed_urls(JW), base_url=JW, format=format, **FAST)
    listed = {p.url: p.listed_date for p in warc_pages(tmp_path / "warc")}
    assert listed[JW + "/artikel/305.beilage.html"] == "2025-03-15"
    assert listed_in_build(tmp_path / "files")[JW + "/artikel/305.beilage.html"] == "2025-03-15"
    # the build (streaming, one WARC file at a time, the earlier file left unread by the update) applies a metadata
    # record in a later file to a page of an earlier one, and dates its article by it as a rebuild does
    assert listed_in_build(tmp_path / "warc")[JW + "/artikel/305.beilage.html"] == "2025-03-15"
    rebuilt = tmp_path / "rebuilt.db"
    build(tmp_path / "warc", rebuilt, progress=False)
    dates = "SELECT id, published_date, date_source FROM articles ORDER BY id"
    with sqlite3.connect(tmp_path / "warc.db") as updated, sqlite3.connect(rebuilt) as fresh:
        assert updated.execute(dates).fetchall() == fresh.execute(dates).fetchall()
        assert dict(updated.execute("SELECT url, listed_date FROM pages")) == dict(fresh.execute(
            "SELECT url, listed_date FROM pages"))

def test_a_gzipped_chunked_answer_is_kept_as_sent(monkeypatch, tmp_path):
    """The body as it came over the wire (gzip'd, its chunks undone), its headers saying so; read back as HTML."""
    page = (test_crawl_feeds.FIXTURES / "article_300.html").read_text("utf-8").replace("{BASE}", JW).encode()

    class Site:
        hits: list = []

    def make_handler(site, base):
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                path = re.sub(r"^https?://[^/]+", "", self.path)
                site.hits.append(self.headers.get("Accept-Encoding"))
                if path == "/robots.txt":
                    body = b"User-agent: *\nAllow: /\n"
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    return self.wfile.write(body)
                body = gzip.compress(page)
                if path == "/artikel/301.kaputt.html":  # says gzip, is not
                    body = b"\x1f\x8b" + page[:200]
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for start in range(0, len(body), 500):
                    chunk = body[start:start + 500]
                    self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")

        return Handler

    site = Site()
    httpd = serve(make_handler, site, monkeypatch)
    try:
        out = tmp_path / "crawl"
        summary = crawl.crawl(out, [JW + "/artikel/301.kaputt.html", JW + "/artikel/300.streik.html"], base_url=JW,
                              follow_editions=False, **FAST)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert summary.saved == [JW + "/artikel/300.streik.html"] and "gzip" in site.hits[-1]
    # a body that does not ungzip is a failed page (asked for again next run), not the end of the crawl
    assert summary.failed[JW + "/artikel/301.kaputt.html"].startswith("undecodable body")
    (response,) = [r for r in all_records(out) if r["type"] == "response" and uri(r).endswith("300.streik.html")]
    assert response["http"].get_header("Content-Encoding") == "gzip"
    assert response["http"].get_header("Transfer-Encoding") is None
    assert response["payload"] == page  # warcio undoes the gzip; the digest is of the gzip'd body
    with open(warc_files(out)[0], "rb") as stream:
        (raw,) = [r.raw_stream.read() for r in ArchiveIterator(stream) if r.rec_type == "response"
                  and r.rec_headers.get_header("WARC-Target-URI").endswith("300.streik.html")]
    assert gzip.decompress(raw) == page
    assert response["headers"]["WARC-Payload-Digest"] == sha1(raw)
    assert int(response["http"].get_header("Content-Length")) == len(raw)
    (read,) = [p for p in warc_pages(out) if p.url == JW + "/artikel/300.streik.html"]
    assert read.data == page
