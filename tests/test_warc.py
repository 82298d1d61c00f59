"""WARC files under data/raw/: the same pages built from loose files and from one WARC.gz give the same archive."""
from __future__ import annotations

import gzip
import json
import shutil
from sqlite_utils.utils import sqlite3  # the SQLite the archive code uses (pysqlite3 where installed)
from io import BytesIO
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from ingest.build import build
from ingest.sources.files import RawPage, Unreadable
from ingest.sources.warc import WarcReader, _Records, warc_pages, warc_paths

FIXTURES = Path(__file__).parent / "fixtures"
CRAWL = FIXTURES / "crawl"
HTML = FIXTURES / "pages" / "html"
JW = "https://www.jungewelt.de"

# (fixture, URL, fetched_at, loose file name): the same article under several URLs and fetch times
PAGES = [
    (CRAWL / "article_100.html", f"{JW}/artikel/100.eins.html", "2025-02-12T10:00:00Z", "a/100.html"),
    (CRAWL / "article_100.html", f"{JW}/loginFailed.php?ref=%2Fartikel%2F100.eins.html", "2025-02-12T10:05:00Z",
     "a/100-login.html"),
    (CRAWL / "article_101_v1.html", f"{JW}/artikel/101.zwei.html", "2025-02-12T11:00:00Z", "a/101-v1.html"),
    (CRAWL / "article_101_v2.html", "http://jungewelt.de/artikel/101.zwei.html", "2025-03-01T11:00:00Z",
     "b/101-v2.html"),
    (CRAWL / "article_102.html", f"{JW}/artikel/102.drei.html", "2025-02-12T12:00:00Z", "a/102.html"),
    # seen again with the same bytes: a revisit record in the WARC
    (CRAWL / "article_102.html", f"{JW}/artikel/102.drei.html", "2025-04-01T12:00:00Z", "b/102.html"),
    (CRAWL / "article_103.html", f"{JW}/artikel/103.privat.html", "2025-02-12T13:00:00Z", "a/103.html"),
    (CRAWL / "article_200.html", f"{JW}/beilage/art/200", "2025-02-12T14:00:00Z", "a/200.html"),
    (CRAWL / "edition_index.html", f"{JW}/2025/02-12/index.php", "2025-02-12T09:00:00Z", "a/index.html"),
    (HTML / "article.html", f"{JW}/artikel/412345.hafenarbeiter-blockieren.html", "2024-04-24T08:00:00Z",
     "a/412345.html"),
    (HTML / "article_d2_dateline.html", "http://www.jungewelt.de/2009/03-12/004.php", "2009-03-12T08:00:00Z",
     "a/004.html"),
    (HTML / "article_paywall.html", f"{JW}/artikel/400001.wohnungsnot.html", "2023-11-04T10:00:00Z",
     "a/400001.html"),
]
# the day a feed listed a page: in a sidecar, or in the crawler's metadata record right after its response
LISTED = {f"{JW}/artikel/102.drei.html": "2025-02-11"}
# … or in a record of its own further on (a feed seen on a later day): the build gives it to the page as the
# loose page's sidecar does
LISTED_LATER = {f"{JW}/artikel/100.eins.html": "2025-02-10"}


def http_headers(status: str, body: bytes, content_type: str = "text/html; charset=utf-8") -> StatusAndHeaders:
    return StatusAndHeaders(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))],
                            protocol="HTTP/1.1")


def write_loose(raw: Path) -> None:
    for fixture, url, fetched_at, name in PAGES:
        path = raw / name
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(fixture, path)
        meta = {"url": url, "fetched_at": fetched_at, "listed_date": (LISTED | LISTED_LATER).get(url)}
        path.with_name(path.name + ".meta.json").write_text(json.dumps(meta))


def write_warc(path: Path) -> None:
    """One WARC.gz of PAGES as a crawler writes it: requests beside responses, a revisit for bytes seen before,
    and records the build must skip (off-site, 404, an image, metadata)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests/test_warc.py"}))
        seen: dict[bytes, tuple[str, str]] = {}
        for fixture, url, fetched_at, _ in PAGES:
            body = fixture.read_bytes()
            request = StatusAndHeaders(f"GET {url.split('jungewelt.de', 1)[1]} HTTP/1.1", [("Host", "jungewelt.de")],
                                       is_http_request=True)
            writer.write_record(writer.create_warc_record(url, "request", http_headers=request,
                                                          warc_headers_dict={"WARC-Date": fetched_at}))
            if body in seen and seen[body][0] == url:
                record = writer.create_revisit_record(url, digest=seen[body][1], refers_to_uri=url,
                                                      refers_to_date=fetched_at,
                                                      http_headers=http_headers("200 OK", body))
                record.rec_headers.replace_header("WARC-Date", fetched_at)
            else:
                record = writer.create_warc_record(url, "response", payload=BytesIO(body),
                                                   http_headers=http_headers("200 OK", body),
                                                   warc_headers_dict={"WARC-Date": fetched_at})
                seen[body] = (url, record.rec_headers.get_header("WARC-Payload-Digest"))
            writer.write_record(record)
            if "102" in url:
                about, kind = f"fetched_at: {fetched_at}\r\nlisted_date: {LISTED[url]}\r\n".encode(), "application/warc-fields"
            else:
                about, kind = b'{"via": "test", "listed_date": "1999-01-01"}', "application/json"
            writer.write_record(writer.create_warc_record(url, "metadata", payload=BytesIO(about),
                                                          warc_content_type=kind,
                                                          warc_headers_dict={"WARC-Date": fetched_at}))
        for url, status, content_type in [("https://example.org/artikel/999.fremd.html", "200 OK", "text/html"),
                                          (f"{JW}/artikel/104.weg.html", "404 Not Found", "text/html"),
                                          (f"{JW}/img/450/178123.jpg", "200 OK", "image/jpeg")]:
            body = b"<html><body><h1>nicht hier</h1><p>Berlin. Kein Artikel. (jW)</p></body></html>"
            writer.write_record(writer.create_warc_record(url, "response", payload=BytesIO(body),
                                                          http_headers=http_headers(status, body, content_type)))
        for url, day in LISTED_LATER.items():
            writer.write_record(writer.create_warc_record(url, "metadata", warc_content_type="application/warc-fields",
                                                          payload=BytesIO(f"listed_date: {day}\r\n".encode())))


def rows(db: Path, table: str, drop: tuple[str, ...]) -> list[tuple]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    out = sorted(tuple((k, r[k]) for k in r.keys() if k not in drop)
                 for r in conn.execute(f"SELECT * FROM {table}"))
    conn.close()
    return out


def test_loose_files_and_one_warc_build_the_same_archive(tmp_path):
    write_loose(tmp_path / "loose")
    write_warc(tmp_path / "warc" / "crawl" / "2025-04-01.warc.gz")
    loose = build(tmp_path / "loose", tmp_path / "loose.db", progress=False)
    warc = build(tmp_path / "warc", tmp_path / "warc.db", progress=False)
    assert warc.pages_read == loose.pages_read == len(PAGES)
    assert warc.articles_written == loose.articles_written >= 7
    # only where a page came from differs; its bytes (sha256), URL, fetch time and record are the same
    for table, drop in [("articles", ("source_path",)), ("aliases", ("source_path",)),
                        ("pages", ("source_path", "file_size", "file_mtime_ns", "sidecar_mtime_ns")), ("listing_items", ("source_path",)),
                        ("ingest_errors", ("source_path",)), ("article_authors", ()), ("sections", ())]:
        assert rows(tmp_path / "warc.db", table, drop) == rows(tmp_path / "loose.db", table, drop), table
    conn = sqlite3.connect(tmp_path / "warc.db")
    paths = [p for (p,) in conn.execute("SELECT source_path FROM pages")]
    dates = dict(conn.execute("SELECT url, max(fetched_at) FROM pages GROUP BY url"))
    conn.close()
    assert all(p.startswith("crawl/2025-04-01.warc.gz#") for p in paths) and len(set(paths)) == len(PAGES)
    assert dates[f"{JW}/artikel/102.drei.html"] == "2025-04-01T12:00:00Z"  # the revisit, with the first payload
    listed = {p.url: p.listed_date for p in warc_pages(tmp_path / "warc") if p.listed_date}
    assert listed == LISTED | LISTED_LATER


def test_warc_pages_are_reused_by_the_next_build(tmp_path):
    write_warc(tmp_path / "raw" / "x.warc.gz")
    first = build(tmp_path / "raw", tmp_path / "archive.db", progress=False)
    again = build(tmp_path / "raw", tmp_path / "archive.db", progress=False)
    assert first.pages_parsed == len(PAGES) and again.pages_reused == len(PAGES) and again.pages_parsed == 0


def test_a_damaged_warc_keeps_the_records_before_the_damage(tmp_path):
    raw = tmp_path / "raw"
    write_warc(raw / "good.warc.gz")
    data = (raw / "good.warc.gz").read_bytes()
    complete = [p for p in warc_pages(raw)]
    (raw / "good.warc.gz").rename(tmp_path / "good.warc.gz")
    # cut in the middle of the record two thirds of the way in: the records before it are read, the file is an error
    spans = []
    with BytesIO(data) as stream:
        records = ArchiveIterator(stream)
        for _ in records:
            spans.append((records.get_record_offset(), records.get_record_length()))
    start, length = spans[len(spans) * 2 // 3]
    (raw / "cut.warc.gz").write_bytes(data[: start + length // 2])
    # an uncompressed copy with one page's bytes overwritten: that record is an error, every other is read
    plain = gzip.decompress(data)
    at = plain.index(b"Zweiter Artikel")
    (raw / "garbled.warc").write_bytes(plain[:at] + b"\x00garbage\xff!!!!" + plain[at + 15:])
    summary = build(raw, tmp_path / "archive.db", progress=False)
    conn = sqlite3.connect(tmp_path / "archive.db")
    errors = dict(conn.execute("SELECT source_path, reason FROM ingest_errors WHERE reason LIKE 'damaged%'"))
    from_files = dict(conn.execute("SELECT substr(source_path, 1, instr(source_path, '#') - 1), count(*) "
                                   "FROM pages WHERE source_path LIKE '%#%' AND status IN ('article', 'listing') GROUP BY 1"))
    conn.close()
    assert errors["cut.warc.gz"].startswith("damaged WARC file: ")
    [(garbled, reason)] = [(path, reason) for path, reason in errors.items() if path.startswith("garbled.warc#")]
    assert reason.startswith("damaged WARC record: block digest failed") and len(errors) == 2, errors
    assert len(complete) // 3 <= from_files["cut.warc.gz"] < len(complete)
    assert from_files["garbled.warc"] == len(complete) - 1
    assert summary.articles_written >= 3


def test_a_cut_anywhere_is_reported_or_falls_between_records(tmp_path):
    """warcio ends quietly at a cut: wherever a WARC file ends, either the reader reports damage or the file
    ends (within a few bytes) where a record does, and no page it gives differs from the whole file's."""
    write_warc(tmp_path / "whole.warc.gz")
    packed = (tmp_path / "whole.warc.gz").read_bytes()
    for name, data in (("cut.warc.gz", packed), ("cut.warc", gzip.decompress(packed))):
        ends = []
        with BytesIO(data) as stream:
            records = ArchiveIterator(stream)
            for _ in records:
                records.read_to_end()
                ends.append(records.offset)
        (tmp_path / "whole").mkdir(exist_ok=True)
        (tmp_path / "whole" / name).write_bytes(data)
        whole = {(p.url, p.data, p.fetched_at) for p in WarcReader(tmp_path / "whole").read(tmp_path / "whole" / name)}
        for cut in range(1, len(data), 41):
            (tmp_path / name).write_bytes(data[:cut])
            read = list(WarcReader(tmp_path).read(tmp_path / name))
            pages = {(p.url, p.data, p.fetched_at) for p in read if isinstance(p, RawPage)}
            assert pages <= whole, (name, cut)
            assert any(isinstance(p, Unreadable) for p in read) or min(abs(cut - end) for end in ends) <= 4, (name, cut)


def test_a_gzipped_chunked_response_is_read_as_its_html(tmp_path):
    html = (CRAWL / "article_100.html").read_bytes()
    packed = gzip.compress(html)
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (packed[:100], packed[100:])) + b"0\r\n\r\n"
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), ("Content-Encoding", "gzip"),
                                          ("Transfer-Encoding", "chunked")], protocol="HTTP/1.1")
    with open(tmp_path / "x.warc.gz", "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warc_record(f"{JW}/artikel/100.eins.html", "response",
                                                      payload=BytesIO(chunked), http_headers=headers))
    [page] = warc_pages(tmp_path)
    assert page.data == html and page.url == f"{JW}/artikel/100.eins.html"


# --- FastWARC reads what it can vouch for, warcio the rest: the same pages and messages either way ---------------

def read_all(raw: Path, fast: bool) -> tuple:
    """Everything a reader gives and keeps for every WARC file under raw: pages, errors, revisits, listed days."""
    reader = WarcReader(raw, fast=fast)
    given = [(type(p).__name__, *vars(p).values()) for path in warc_paths(raw) for p in reader.read(path)]
    given += [(type(p).__name__, *vars(p).values()) for p in reader.unresolved()]
    return given, reader.listed, reader.payloads


def gzip_members(packed: bytes) -> list[bytes]:
    """Each record's gzip member, as the file holds them."""
    spans = []
    with BytesIO(packed) as stream:
        records = ArchiveIterator(stream)
        for _ in records:
            records.read_to_end()
            spans.append((records.get_record_offset(), records.get_record_length()))
    return [packed[start: start + length] for start, length in spans]


def encoded_responses(path: Path) -> bytes:
    """A WARC.gz with a chunked, gzip-encoded response and a brotli-encoded one, each followed by another record
    (the last record of a file is warcio's to read); the HTML each should give."""
    import brotli
    html = (CRAWL / "article_100.html").read_bytes()
    packed = gzip.compress(html)
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (packed[:100], packed[100:])) + b"0\r\n\r\n"
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        encoded = [(f"{JW}/artikel/100.eins.html", chunked, [("Content-Encoding", "gzip"),
                                                             ("Transfer-Encoding", "chunked")]),
                   (f"{JW}/artikel/101.zwei.html", brotli.compress(html), [("Content-Encoding", "br")])]
        for url, body, encoding in encoded:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), *encoding], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=BytesIO(body),
                                                          http_headers=headers))
        writer.write_record(writer.create_warc_record(f"{JW}/artikel/101.zwei.html", "metadata",
                                                      warc_content_type="application/warc-fields",
                                                      payload=BytesIO(b"listed_date: 2025-02-11\r\n")))
    return html


def test_fastwarc_reads_every_record_but_the_last(tmp_path):
    """The speed is FastWARC's only where it reads the records: every one of a sound file but the last, which
    warcio reads for its checks of a file's end — gzipped or not."""
    write_warc(tmp_path / "x.warc.gz")
    (tmp_path / "x.warc").write_bytes(gzip.decompress((tmp_path / "x.warc.gz").read_bytes()))
    for name in ("x.warc.gz", "x.warc"):
        kinds = [type(record).__name__ for record in _Records(tmp_path / name)]
        assert kinds == ["_FastRecord"] * (len(kinds) - 1) + ["ArcWarcRecord"] and len(kinds) > 40, name


def test_encoded_responses_read_by_fastwarc_give_their_html(tmp_path):
    html = encoded_responses(tmp_path / "x.warc.gz")
    assert [type(record).__name__ for record in _Records(tmp_path / "x.warc.gz")][:2] == ["_FastRecord"] * 2
    pages = list(warc_pages(tmp_path))
    assert [(p.url, p.data, p.listed_date) for p in pages] == [(f"{JW}/artikel/100.eins.html", html, None),
                                                              (f"{JW}/artikel/101.zwei.html", html, "2025-02-11")]
    assert read_all(tmp_path, fast=True) == read_all(tmp_path, fast=False)


def damaged_variants(tmp_path: Path) -> dict[str, bytes]:
    """The fixture WARC damaged or written oddly in every way we know FastWARC and warcio read differently."""
    write_warc(tmp_path / "x.warc.gz")
    packed = (tmp_path / "x.warc.gz").read_bytes()
    members = gzip_members(packed)
    records = [gzip.decompress(member) for member in members]
    plain = b"".join(records)
    k = len(records) // 2
    head, body = records[k].split(b"\r\n\r\n", 1)
    before, after = b"".join(members[:k]), b"".join(members[k + 1:])
    variants = {
        "sound.warc.gz": packed, "sound.warc": plain,
        # gzip: a member that is not one record, or a member damaged where FastWARC reads on quietly
        "two-in-one-member.warc.gz": before + gzip.compress(records[k] + records[k + 1]) + b"".join(members[k + 2:]),
        "one-member.warc.gz": gzip.compress(plain),
        "split-in-block.warc.gz": before + gzip.compress(records[k][:-40]) + gzip.compress(records[k][-40:]) + after,
        "split-in-blank-lines.warc.gz": before + gzip.compress(records[k][:-2]) + gzip.compress(b"\r\n") + after,
        "blank-member.warc.gz": before + gzip.compress(b"\r\n") + b"".join(members[k:]),
        "empty-member.warc.gz": before + gzip.compress(b"") + b"".join(members[k:]),
        "member-trailer-cut.warc.gz": before + members[k][:-5] + after,
        "no-blank-lines.warc.gz": before + gzip.compress(records[k].rstrip(b"\r\n")) + after,
        "junk-in-member.warc.gz": before + gzip.compress(records[k] + b"junk\r\n") + after,
        "junk-between-members.warc.gz": before + b"junk\r\n" + b"".join(members[k:]),
        "junk-after-the-end.warc.gz": packed + b"junk",
        # plain: stray lines, blank lines, a record cut short
        "stray-line.warc": b"".join(records[:k]) + b"stray\r\n" + b"".join(records[k:]),
        "extra-blank-lines.warc": b"".join(records[:k]) + b"\r\n\r\n" + b"".join(records[k:]),
        "no-blank-lines.warc": b"".join(records[:k]) + records[k].rstrip(b"\r\n") + b"".join(records[k + 1:]),
        "body-garbled.warc": b"".join(records[:k]) + head + b"\r\n\r\n" + body.replace(b"e", b"3", 1)
        + b"".join(records[k + 1:]),
        # header forms warcio reads otherwise: folded, Latin-1, <URL>, LF line ends, no colon
        "folded.warc": plain.replace(b"\r\nWARC-Date: ", b"\r\nWARC-Date:\r\n\t", 3),
        "latin-1.warc": plain.replace(b"/artikel/102.drei", b"/artikel/102.dr\xe4i"),
        "angle-url.warc": plain.replace(b"URI: https://www.jungewelt.de/artikel/102.drei.html\r",
                                        b"URI: <https://www.jungewelt.de/artikel/102.drei.html>\r"),
        "space-in-url.warc": plain.replace(b"/artikel/102.drei.html\r", b"/artikel/102 drei.html\r"),
        "lf-only.warc": b"".join(records[:k]) + head.replace(b"\r\n", b"\n") + b"\r\n\r\n" + body
        + b"".join(records[k + 1:]),
        "no-colon.warc": b"".join(records[:k]) + head + b"\r\nNo colon here\r\n\r\n" + body + b"".join(records[k + 1:]),
        "odd-digest.warc": plain.replace(b"WARC-Payload-Digest: sha1:", b"WARC-Payload-Digest: sha1:Z", 5),
    }
    for step, cut in enumerate(range(100, len(packed), 997)):
        variants[f"cut-{step}.warc.gz"] = packed[:cut]
    for step, cut in enumerate(range(100, len(plain), 1499)):
        variants[f"cut-{step}.warc"] = plain[:cut]
    (tmp_path / "x.warc.gz").unlink()
    return variants


def test_fastwarc_and_warcio_give_the_same_pages_and_messages_for_damaged_files(tmp_path):
    for name, data in damaged_variants(tmp_path).items():
        raw = tmp_path / name.replace(".", "-")
        raw.mkdir()
        (raw / name).write_bytes(data)
        fast, warcio = read_all(raw, fast=True), read_all(raw, fast=False)
        assert fast == warcio, name
        if name.startswith("sound"):
            assert not any(kind == "Unreadable" for kind, *_ in fast[0])
        elif name.startswith(("two-in-one", "one-member", "split-in", "blank-member", "member-trailer", "junk",
                              "stray", "body-garbled")):
            assert any(kind == "Unreadable" for kind, *_ in fast[0]), name
