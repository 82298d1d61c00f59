"""The crawler's two formats side by side: N article pages from a local server standing in for www.jungewelt.de.

    .venv/bin/python bench/crawl_formats.py [N]     # default 2000

For `--format files` and WARC: the crawl's wall time with no delay (what the crawler itself costs per page),
the bytes on disk (du) and the number of files, a second run that has everything, reading the pages back
(`read_pages`, what the build reads) and a full build. Pages are served gzip'd, as the site serves them.
"""
from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
JW = "http://www.jungewelt.de"
EDITION = "/2025/03-14/index.php"
ARTICLE = (ROOT / "tests/fixtures/crawl/daily/article_300.html").read_text("utf-8").replace("{BASE}", JW)


def handler(count: int):
    index = "<html><body>" + "".join(f'<a href="/artikel/{10000 + i}.x.html">a</a>' for i in range(count))
    index += "</body></html>"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            path = re.sub(r"^https?://[^/]+", "", self.path)  # asked as a proxy
            if path == "/robots.txt":
                body, kind = b"User-agent: *\nAllow: /\n", "text/plain"
            elif path == EDITION:
                body, kind = index.encode(), "text/html; charset=utf-8"
            else:
                number = re.match(r"/artikel/(\d+)\.x\.html", path)[1]
                body = ARTICLE.replace("300.streik", f"{number}.x").replace("Streik in den Minen", f"Streik {number}")
                body, kind = body.encode(), "text/html; charset=utf-8"
            coded = "gzip" in (self.headers.get("Accept-Encoding") or "")
            if coded:
                body = gzip.compress(body, mtime=0)
            head = (f"HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\n" + ("Content-Encoding: gzip\r\n" if coded else "")
                    + f"Content-Length: {len(body)}\r\n\r\n")
            self.wfile.write(head.encode() + body)  # one write: no delayed-ACK wait between head and body

    return Handler


def main(count: int) -> None:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler(count))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    os.environ["HTTP_PROXY"] = os.environ["http_proxy"] = f"http://127.0.0.1:{httpd.server_address[1]}"
    os.environ.pop("NO_PROXY", None), os.environ.pop("no_proxy", None)
    from ingest.build import build
    from ingest.sources import crawl
    from ingest.sources.files import read_pages

    work = Path(tempfile.mkdtemp(prefix="crawl_formats-"))
    try:
        for format in ("files", "warc"):
            out = work / format
            start = time.perf_counter()
            summary = crawl.crawl(out, [JW + EDITION], base_url=JW, delay=0, format=format)
            crawled = time.perf_counter() - start
            disk = int(subprocess.run(["du", "-sk", str(out)], capture_output=True, text=True).stdout.split()[0])
            files = sum(1 for p in out.rglob("*") if p.is_file())
            start = time.perf_counter()
            crawl.crawl(out, [JW + EDITION], base_url=JW, delay=0, format=format)
            again = time.perf_counter() - start
            start = time.perf_counter()
            pages = sum(1 for _ in read_pages(out))
            read = time.perf_counter() - start
            start = time.perf_counter()
            built = build(out, work / f"{format}.db", progress=False)
            building = time.perf_counter() - start
            print(f"{format:5}: {len(summary.saved)} pages crawled in {crawled:.1f} s ({len(summary.saved) / crawled:.0f}/s), "
                  f"{disk / 1024:.1f} MB on disk in {files} files; a second run {again:.2f} s; "
                  f"{pages} pages read back in {read:.2f} s; build {building:.1f} s, {built.articles_written} articles")
    finally:
        httpd.shutdown()
        shutil.rmtree(work)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
