"""`just import` against a real Wayback Machine on 127.0.0.1 (pywb: replay + CDX server) serving fixture pages,
behind a small front that counts requests and answers 503 where a test asks; Common Crawl's index → range request
path against the same CDX server and the collection's WARC file served with Range support."""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
from sqlite_utils.utils import sqlite3  # the SQLite the archive code uses (pysqlite3 where installed)
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

import httpx
import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from bench.served import free_port
from ingest.sources import webarchive

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CRAWL = ROOT / "tests" / "fixtures" / "crawl"
HTML = ROOT / "tests" / "fixtures" / "pages" / "html"
JW = "https://www.jungewelt.de"
AGENT = "jW-Archiv/0.1 (+mailto:test@example.org)"

# (capture name, fixture, URL, capture time): what the archive holds. Article 100 is captured twice with the
# same bytes (one fetch) and once behind loginFailed.php with bytes of its own; article 101 twice with different
# bytes (two fetches, the newest first).
CAPTURES = [
    ("A", CRAWL / "article_100.html", f"{JW}/artikel/100.eins.html", "20250212100000"),
    ("A2", CRAWL / "article_100.html", "http://jungewelt.de/artikel/100.eins.html", "20250220080000"),
    ("A3", CRAWL / "article_100.html", f"{JW}/loginFailed.php?ref=%2Fartikel%2F100.eins.html", "20250213090000"),
    ("B1", CRAWL / "article_101_v1.html", f"{JW}/artikel/101.zwei.html", "20250212110000"),
    ("B2", CRAWL / "article_101_v2.html", f"{JW}/artikel/101.zwei.html", "20250301110000"),
    ("C", CRAWL / "article_102.html", f"{JW}/artikel/102.drei.html", "20250212120000"),
    ("D", CRAWL / "article_200.html", f"{JW}/beilage/art/200", "20240212110000"),
    ("E", HTML / "article_d2_dateline.html", "http://www.jungewelt.de/2009/03-12/004.php", "20240601120000"),
    ("F", HTML / "article.html", f"{JW}/artikel/412345.hafenarbeiter-blockieren.html", "20240424080000"),
    ("G", CRAWL / "article_103.html", f"{JW}/blogs/hinterland/103", "20250115100000"),
    ("H", CRAWL / "article_105.html", f"{JW}/rlk/de/article/105.wackel.html", "20241201100000"),
    # not to be fetched: a listing page, a 404 capture, an image
    ("index", CRAWL / "edition_index.html", f"{JW}/2025/02-12/index.php", "20250212090000"),
]
BYTES_OF = {name: fixture.read_bytes() for name, fixture, _, _ in CAPTURES}
BYTES_OF["A3"] += b"<!-- hinter der Paywall -->\n"
OTHER = [(f"{JW}/artikel/104.weg.html", "404 Not Found", "text/html", "20250212130000"),
         (f"{JW}/img/450/178123.jpg", "200 OK", "image/jpeg", "20250212130000")]
# every capture with bytes of its own, in the order the import must fetch them
EXPECTED_ORDER = ["B2", "A2", "C", "G", "H", "E", "F", "D", "A3", "B1"]
URL_OF = {name: url for name, _, url, _ in CAPTURES}
STAMP_OF = {name: stamp for name, _, _, stamp in CAPTURES}


def write_collection_warc(path: Path) -> None:
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        rows = [(url, "200 OK", "text/html; charset=utf-8", stamp, BYTES_OF[name]) for name, _, url, stamp in CAPTURES]
        rows += [(url, status, kind, stamp, b"<html><body>nichts</body></html>") for url, status, kind, stamp in OTHER]
        for url, status, kind, stamp, body in rows:
            headers = StatusAndHeaders(status, [("Content-Type", kind), ("Content-Length", str(len(body)))],
                                       protocol="HTTP/1.1")
            date = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[8:10]}:{stamp[10:12]}:{stamp[12:]}Z"
            writer.write_record(writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=headers,
                                                          warc_headers_dict={"WARC-Date": date}))


class Front:
    """In front of pywb: notes every request (time, path, User-Agent, Range), answers the queued failures for a
    path, serves the collection's WARC files under /warcs/ with Range support, forwards the rest."""

    def __init__(self, upstream: str, warcs: Path):
        self.upstream, self.warcs = upstream, warcs
        self.seen: list[tuple[float, str, str, str]] = []
        self.failures: dict[str, list[tuple[int, dict]]] = {}
        front = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def send(self, status: int, body: bytes, headers: dict) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                front.seen.append((time.monotonic(), self.path, self.headers.get("User-Agent", ""),
                                   self.headers.get("Range", "")))
                for fragment, answers in front.failures.items():
                    if fragment in self.path and answers:
                        status, headers = answers.pop(0)
                        return self.send(status, b"busy", headers)
                if self.path.startswith("/warcs/"):
                    return self.warc(self.path.removeprefix("/warcs/"))
                answer = httpx.get(front.upstream + self.path, timeout=30)
                headers = {k: v for k, v in answer.headers.items()
                           if k.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding")}
                self.send(answer.status_code, answer.content, headers)

            def warc(self, name: str):
                data = (front.warcs / name).read_bytes()
                spec = self.headers.get("Range", "")
                if not spec.startswith("bytes="):
                    return self.send(200, data, {"Content-Type": "application/warc"})
                start, end = (int(n) for n in spec.removeprefix("bytes=").split("-"))
                self.send(206, data[start:end + 1], {"Content-Type": "application/warc",
                                                     "Content-Range": f"bytes {start}-{end}/{len(data)}"})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def replays(self) -> list[tuple[float, str, str]]:
        return [(t, path, agent) for t, path, agent, _ in self.seen if "id_/" in path]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def wayback(tmp_path_factory):
    """pywb's `wayback` on 127.0.0.1 with a collection `jw` made from the fixture pages, and a Front before it."""
    home = tmp_path_factory.mktemp("pywb")
    write_collection_warc(home / "captures.warc.gz")
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}
    for args in (["init", "jw"], ["add", "jw", str(home / "captures.warc.gz")]):
        subprocess.run([str(BIN / "wb-manager"), *args], cwd=home, env=env, check=True, capture_output=True)
    port = free_port()
    log = (home / "wayback.log").open("wb")
    proc = subprocess.Popen([str(BIN / "wayback"), "--port", str(port), "--bind", "127.0.0.1"], cwd=home, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    upstream = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{upstream}/jw/cdx?url=jungewelt.de/artikel/*", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"pywb did not start: {(home / 'wayback.log').read_text()[-2000:]}")
            time.sleep(0.2)
        front = Front(upstream, home / "collections" / "jw" / "archive")
        yield front
        front.stop()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
        log.close()


def import_args(front: Front, raw: Path, source: str = "ia", *extra: str) -> list[str]:
    replay = f"{front.url}/jw" if source == "ia" else f"{front.url}/warcs"
    return ["import", "--from", source, "--cdx-url", f"{front.url}/jw/cdx", "--replay-url", replay,
            "--delay", "0.05", "--backoff", "0.2", "--user-agent", AGENT, *extra]


def saved_order(raw: Path, source: str = "ia") -> list[str]:
    """Capture names in the order the state file says they were saved."""
    by_key = {f"{stamp} {url}": name for name, _, url, stamp in CAPTURES}
    lines = (raw / f"import-{source}" / ".state.jsonl").read_text().splitlines()
    return [by_key[entry["capture"]] for entry in map(json.loads, lines) if entry["outcome"] == "saved"]


def records(raw: Path, source: str = "ia") -> list:
    out = []
    for path in sorted((raw / f"import-{source}").glob("*.warc.gz")):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                payload = record.content_stream().read()
                out.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI"),
                            record.rec_headers.get_header("WARC-Date"), payload))
    return out


def built_articles(raw: Path, db: Path) -> tuple[set[str], dict[str, str]]:
    subprocess.run([str(BIN / "just"), "--set", "raw", str(raw), "--set", "db", str(db), "build"], cwd=ROOT,
                   check=True, capture_output=True)
    conn = sqlite3.connect(db)
    ids = {row[0] for row in conn.execute("SELECT id FROM articles")}
    fetched = dict(conn.execute("SELECT url, fetched_at FROM pages"))
    conn.close()
    return ids, fetched


EXPECTED_IDS = {"artikel-100", "artikel-101", "artikel-102", "beilage-200", "print-2009-03-12-004", "artikel-412345",
                "blog-hinterland-103", "rlk-105"}


def test_import_from_the_wayback_machine(wayback, tmp_path):
    raw = tmp_path / "raw"
    wayback.seen.clear()
    # the first replay of capture C is refused twice, the first time asking for a 1 s pause
    wayback.failures = {f"{STAMP_OF['C']}id_/": [(503, {"Retry-After": "1"}), (503, {})]}
    first = subprocess.run([str(BIN / "just"), "--set", "raw", str(raw), *import_args(wayback, raw, "ia", "--limit", "3")],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert saved_order(raw) == EXPECTED_ORDER[:3]
    assert "left for later:   7" in first.stdout
    c_tries = [t for t, path, _ in wayback.replays() if f"{STAMP_OF['C']}id_/" in path]
    assert len(c_tries) == 3 and c_tries[1] - c_tries[0] >= 1.0 and c_tries[2] - c_tries[1] >= 0.4  # 0.2 doubled
    # every request named us, cdx-toolkit's index queries included, and they came no faster than --delay
    assert {agent for _, _, agent, _ in wayback.seen} == {AGENT}
    times = [t for t, *_ in wayback.seen]
    assert min(b - a for a, b in zip(times, times[1:])) >= 0.045
    assert any("/jw/cdx" in path for _, path, _, _ in wayback.seen)

    second = webarchive.import_captures("ia", raw / "import-ia", cdx_url=f"{wayback.url}/jw/cdx",
                                        replay_url=f"{wayback.url}/jw", delay=0.05, backoff=0.2, user_agent=AGENT)
    assert saved_order(raw) == EXPECTED_ORDER and second.already_had == 3 and second.left == 0
    # the newest capture of the duplicated article is the one fetched; the index page, 404 and image never are
    fetched = [path for _, path, _ in wayback.replays()]
    assert not any("index.php" in p or "104.weg" in p or ".jpg" in p for p in fetched)
    assert sum(f"{STAMP_OF['A2']}id_/" in p for p in fetched) == 1
    assert not any(f"{STAMP_OF['A']}id_/" in p for p in fetched)
    assert sum("loginFailed.php?ref=%2Fartikel%2F100" in p for p in fetched) == 1

    before = len(wayback.replays())
    third = webarchive.import_captures("ia", raw / "import-ia", cdx_url=f"{wayback.url}/jw/cdx",
                                       replay_url=f"{wayback.url}/jw", delay=0.05, backoff=0.2, user_agent=AGENT)
    assert len(wayback.replays()) == before and third.saved == [] and third.already_had == len(EXPECTED_ORDER)

    warc = records(raw)
    responses = [(url, date, body) for kind, url, date, body in warc if kind == "response"]
    assert [url for url, _, _ in responses] == [URL_OF[name] for name in EXPECTED_ORDER]
    assert responses[0][1] == "2025-03-01T11:00:00Z"  # WARC-Date: when the archive captured the page
    assert responses[0][2] == (CRAWL / "article_101_v2.html").read_bytes()
    about = [json.loads(body) for kind, _, _, body in warc if kind == "metadata"]
    assert len(about) == len(EXPECTED_ORDER) and about[0]["archive"] == "ia"
    assert about[0]["capture"]["timestamp"] == STAMP_OF["B2"] and about[0]["capture"]["digest"]

    ids, fetched_at = built_articles(raw, tmp_path / "archive.db")
    assert ids == EXPECTED_IDS
    assert fetched_at[URL_OF["A2"]] == "2025-02-20T08:00:00Z"


def test_limit_and_dates_choose_what_is_fetched(wayback, tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    wayback.failures = {}
    # the endpoints from the environment this time
    monkeypatch.setenv(webarchive.CDX_URL_ENV, f"{wayback.url}/jw/cdx")
    monkeypatch.setenv(webarchive.REPLAY_URL_ENV, f"{wayback.url}/jw")
    summary = webarchive.import_captures("ia", raw / "import-ia", since=dt.date(2025, 1, 1), until=dt.date(2025, 2, 28),
                                         limit=2, delay=0.05, user_agent=AGENT)
    # in these two months: 100 (A2, A3), 101 (B1; B2 is from March), 102 (C), blog 103 (G): the two newest articles
    assert saved_order(raw) == ["A2", "C"] and summary.left == 3 and summary.articles == 4
    # captured in June 2024, the old address of a 2009 article
    june = tmp_path / "june"
    webarchive.import_captures("ia", june / "import-ia", since=dt.date(2024, 6, 1), until=dt.date(2024, 6, 30),
                               delay=0.05, user_agent=AGENT)
    assert saved_order(june) == ["E"]


def test_import_from_common_crawl_by_range_requests(wayback, tmp_path):
    raw = tmp_path / "raw"
    wayback.seen.clear()
    wayback.failures = {}
    done = subprocess.run([sys.executable, "-m", "ingest", *import_args(wayback, raw, "cc"), "--raw", str(raw)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert saved_order(raw, "cc") == EXPECTED_ORDER
    ranges = [(path, rng) for _, path, _, rng in wayback.seen if path.startswith("/warcs/")]
    assert len(ranges) == len(EXPECTED_ORDER) and all(rng.startswith("bytes=") for _, rng in ranges)
    responses = [(url, date, body) for kind, url, date, body in records(raw, "cc") if kind == "response"]
    assert responses[1] == (URL_OF["A2"], "2025-02-20T08:00:00Z", (CRAWL / "article_100.html").read_bytes())
    ids, _ = built_articles(raw, tmp_path / "archive.db")
    assert ids == EXPECTED_IDS


def test_an_unreachable_index_stops_the_import_with_a_message(tmp_path):
    closed = f"http://127.0.0.1:{free_port()}"
    done = subprocess.run([sys.executable, "-m", "ingest", "import", "--from", "ia", "--cdx-url", f"{closed}/cdx",
                           "--replay-url", closed, "--retries", "1", "--backoff", "0.1", "--delay", "0",
                           "--raw", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    last = done.stderr.strip().splitlines()[-1]
    assert done.returncode == 1 and last.startswith("import: Internet Archive Wayback Machine index (http"), done.stderr
    assert not (tmp_path / "import-ia").exists()
