"""Builds that lose nothing: atomic, incremental, deduplicated, and killed at any moment without harm."""
from __future__ import annotations

import hashlib
import json
import signal
from sqlite_utils.utils import sqlite3  # the SQLite the archive code uses (pysqlite3 where installed)
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.build import build

ROOT = Path(__file__).resolve().parent.parent
SEED = (ROOT / "data" / "raw" / "jw-2025-02-12-trump-putin.txt").read_text("utf-8")

PAYWALLED = """Trump telefoniert mit Putin: Einladung nach Moskau
Washington. US-Präsident Donald Trump hat mit dem russischen Präsidenten Wladimir Putin telefoniert ...
Artikel-Länge: 2841 Zeichen
Uneingeschränkter Zugriff auf alle Inhalte
"""


def page(raw: Path, name: str, text: str | bytes, url: str | None = None) -> Path:
    path = raw / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    if url:
        path.with_name(path.name + ".meta.json").write_text(json.dumps({"url": url, "fetched_at": "2025-02-13T08:00:00Z"}))
    return path


def table(db: Path, name: str, order: str, columns: str = "*") -> list[tuple]:
    conn = sqlite3.connect(db)
    rows = conn.execute(f"SELECT {columns} FROM {name} ORDER BY {order}").fetchall()
    conn.close()
    return rows


def short_item(n: int) -> str:
    return (f"Meldung Nummer {n}: Streik in Werk {n}\n"
            f"Berlin. Die Belegschaft von Werk {n} legt die Arbeit nieder und fordert mehr Lohn. (dpa/jW)\n")


def test_duplicate_urls_are_one_article_and_full_text_wins(tmp_path):
    raw = tmp_path / "raw"
    page(raw, "a.txt", PAYWALLED,
         url="https://www.jungewelt.de/loginFailed.php?ref=%2Fartikel%2F493101.trump-telefoniert.html")
    page(raw, "b.txt", SEED, url="https://jungewelt.de/artikel/493101.trump-telefoniert-mit-putin.html")
    summary = build(raw, tmp_path / "archive.db", progress=False)
    assert summary.articles_written == 1 and summary.duplicates_merged == 1
    [(article_id, paywalled, source)] = table(tmp_path / "archive.db", "articles", "id", "id, paywalled, source_path")
    assert (article_id, paywalled, source) == ("artikel-493101", 0, "b.txt")
    aliases = table(tmp_path / "archive.db", "aliases", "url", "article_id, source_path")
    assert sorted(aliases) == [("artikel-493101", "a.txt"), ("artikel-493101", "b.txt")]


def test_incremental_build_reuses_unchanged_pages_and_equals_rebuild(tmp_path):
    raw = tmp_path / "raw"
    page(raw, "seed.txt", SEED)
    for n in range(5):
        page(raw, f"item-{n}.txt", short_item(n))
    db = tmp_path / "archive.db"
    first = build(raw, db, progress=False)
    assert (first.pages_parsed, first.pages_reused, first.articles_written) == (6, 0, 6)
    page(raw, "item-9.txt", short_item(9))
    second = build(raw, db, progress=False)
    assert (second.pages_parsed, second.pages_reused, second.articles_written) == (1, 6, 7)
    fresh = tmp_path / "fresh.db"
    build(raw, fresh, progress=False, incremental=False)
    for name, order in [("articles", "id"), ("aliases", "url"), ("ingest_errors", "source_path"),
                        ("authors", "id"), ("article_agencies", "article_id, agency_code"), ("places", "id")]:
        assert table(db, name, order) == table(fresh, name, order), name


def test_changed_page_keeps_old_version(tmp_path):
    raw = tmp_path / "raw"
    path = page(raw, "item.txt", short_item(1))
    db = tmp_path / "archive.db"
    build(raw, db, progress=False)
    path.write_text(short_item(1).replace("mehr Lohn", "zwölf Prozent mehr Lohn"), "utf-8")
    summary = build(raw, db, progress=False)
    assert summary.versions_kept == 1
    [(body,)] = table(db, "articles", "id", "body_markdown")
    assert "zwölf Prozent" in body
    [(article_id, old_body)] = table(db, "article_versions", "id", "article_id, body_markdown")
    assert article_id == "file-item" and "zwölf" not in old_body and "mehr Lohn" in old_body
    build(raw, db, progress=False)  # an unchanged third build keeps the history
    assert len(table(db, "article_versions", "id")) == 1


def test_bad_pages_are_recorded_and_never_lose_an_article(tmp_path):
    raw = tmp_path / "raw"
    good = page(raw, "item.txt", short_item(1))
    page(raw, "empty.txt", b"")
    page(raw, "binary.txt", bytes(range(256)) * 4)
    page(raw, "latin1.txt", "Überschrift\nDer Bürgermeister läßt grüßen.".encode("latin-1"))
    db = tmp_path / "archive.db"
    summary = build(raw, db, progress=False)
    assert summary.articles_written == 1
    errors = dict(table(db, "ingest_errors", "source_path", "source_path, reason"))
    assert set(errors) == {"empty.txt", "binary.txt", "latin1.txt"}
    assert errors["empty.txt"] == "empty page"
    assert "binary" in errors["binary.txt"] and "UTF-8" in errors["latin1.txt"]
    good.write_bytes(b"\x00\x01garbage")  # the page is overwritten by a broken fetch
    build(raw, db, progress=False)
    [(title,)] = table(db, "articles", "id", "title")
    assert title == "Meldung Nummer 1: Streik in Werk 1"
    kinds = dict(table(db, "ingest_errors", "source_path", "source_path, kind"))
    assert kinds["item.txt"] == "kept_previous"


def test_sigkill_at_any_moment_leaves_the_archive_untouched(tmp_path):
    raw = tmp_path / "raw"
    for n in range(150):
        page(raw, f"item-{n:04d}.txt", short_item(n))
    db = tmp_path / "archive.db"
    build(raw, db, progress=False)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    for n in range(150, 1500):
        page(raw, f"item-{n:04d}.txt", short_item(n))
    command = [sys.executable, "-m", "ingest", "build", "--raw", str(raw), "--db", str(db), "--quiet"]
    for delay in (0.3, 0.7, 1.2, 1.8, 2.5):
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if proc.poll() is not None:
            break  # finished before the kill: nothing to test at this delay
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone() == ("ok",)
        if hashlib.sha256(db.read_bytes()).hexdigest() != before:
            # killed after the swap, while exiting: then the new archive must be complete
            assert len(table(db, "articles", "id", "id")) == 1500, f"half-written archive after a kill at {delay}s"
            break
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert len(table(db, "articles", "id", "id")) == 1500
    assert not list(tmp_path.glob("archive.db.tmp-*")), "stale temporary files left behind"


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_killed_fresh_build_leaves_no_process_and_the_next_build_no_file(tmp_path):
    raw = tmp_path / "raw"
    for n in range(3000):
        page(raw, f"item-{n:04d}.txt", short_item(n))
    db = tmp_path / "archive.db"
    command = [sys.executable, "-m", "ingest", "build", "--raw", str(raw), "--db", str(db), "--quiet"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children: set[int] = set()
    deadline = time.monotonic() + 60
    # the workers and the full-text index's process (it waits from the start for the articles)
    while len(children) < 3 and proc.poll() is None and time.monotonic() < deadline:
        children |= _children(proc.pid)
        time.sleep(0.05)
    assert len(children) >= 3, "a fresh build runs its workers and the index's process"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 15
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in children if _alive(pid)], "processes of a killed build are still running"
    assert list(tmp_path.glob("archive.db.tmp-*")), "the killed build's files are there until the next build"
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert len(table(db, "articles", "id", "id")) == 3000
    assert not list(tmp_path.glob("archive.db.tmp-*")), "stale temporary files left behind"


@pytest.fixture(scope="module")
def seed_archive(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("seed")
    raw = tmp / "raw"
    page(raw, "seed.txt", SEED, url="https://www.jungewelt.de/artikel/493101.trump-telefoniert-mit-putin.html")
    build(raw, tmp / "archive.db", progress=False)
    return tmp / "archive.db"


def test_seed_row_and_lookup_tables(seed_archive):
    conn = sqlite3.connect(seed_archive)
    conn.row_factory = sqlite3.Row
    row = dict(conn.execute("SELECT * FROM articles").fetchone())
    assert row["id"] == "artikel-493101"
    assert row["published"] == "2025-02-12T18:46:06+01:00"
    assert (row["published_date"], row["published_month"], row["published_year"]) == ("2025-02-12", "2025-02", 2025)
    assert json.loads(row["agencies"]) == ["dpa", "jW"]
    assert row["dateline"] == "Washington"
    assert (round(row["latitude"], 2), round(row["longitude"], 2)) == (38.9, -77.04)  # Washington, D.C.
    assert row["sha256"] == hashlib.sha256(SEED.encode("utf-8")).hexdigest()
    agencies = {r["code"]: (r["name"], r["articles"]) for r in conn.execute("SELECT * FROM agencies")}
    assert agencies == {"dpa": ("Deutsche Presse-Agentur", 1), "jW": ("junge Welt", 1)}
    assert [tuple(r) for r in conn.execute("SELECT name, articles FROM sections")] == [("Ausland", 1)]
    place = dict(conn.execute("SELECT * FROM places").fetchone())
    assert (place["name"], place["country_code"], place["dateline"]) == ("Washington", "US", "Washington")


def test_indexes_and_fts_are_there(seed_archive):
    conn = sqlite3.connect(seed_archive)
    indexed = {row[0] for row in conn.execute(
        "SELECT il.name FROM pragma_index_list('articles') AS l, pragma_index_info(l.name) AS il")}
    assert {"section", "page_kind", "published", "published_date", "published_month", "dateline"} <= indexed
    expressions = [row[0] for row in conn.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND sql LIKE '%date(published)%'")]
    assert expressions, "no index on date(published)"
    # INDEXED BY fails with "no query solution" unless the index serves date(published) lookups
    day = conn.execute("SELECT count(*) FROM articles INDEXED BY idx_articles_published_day "
                       "WHERE date(published) = '2025-02-12'").fetchone()[0]
    assert day == 1
    hits = conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'Telefonat'").fetchone()[0]
    assert hits == 1


def test_data_quality_of_the_built_archive(seed_archive):
    """Facts that must hold for every row of any archive we publish."""
    conn = sqlite3.connect(seed_archive)
    checks = {
        "published_date matches published": "SELECT count(*) FROM articles WHERE published_date IS NOT substr(published, 1, 10) AND length(published) >= 10",
        "agencies is a JSON array": "SELECT count(*) FROM articles WHERE json_type(agencies) IS NOT 'array'",
        "authors is a JSON array": "SELECT count(*) FROM articles WHERE json_type(authors) IS NOT 'array'",
        "coordinates only with a dateline": "SELECT count(*) FROM articles WHERE latitude IS NOT NULL AND dateline IS NULL",
        "no boilerplate in bodies": "SELECT count(*) FROM articles WHERE body_markdown LIKE '%Mehr aus:%' OR body_markdown LIKE '%GenossInnen herausgegeben%' OR body_markdown LIKE '%Artikel-Länge%'",
        "every article in the FTS index": "SELECT (SELECT count(*) FROM articles) - (SELECT count(*) FROM articles_fts)",
    }
    failures = {name: conn.execute(sql).fetchone()[0] for name, sql in checks.items()}
    assert failures == {name: 0 for name in checks}


def test_listing_items_fill_gaps_of_a_paywalled_article(tmp_path):
    raw = tmp_path / "raw"
    index = (ROOT / "tests" / "fixtures" / "pages" / "listing" / "edition_index.html").read_bytes()
    page(raw, "index.html", index, url="https://www.jungewelt.de/2023/03-31/index.php")
    page(raw, "art.txt", "Kein Ende in Sicht\nDie Lieferungen gehen weiter, die Verhandlungen ruhen ...\n"
                         "Artikel-Länge: 4012 Zeichen\nSie benötigen ein Online-Abo, um diesen Artikel zu lesen.\n",
         url="https://www.jungewelt.de/loginFailed.php?ref=/artikel/448123.kein-ende-in-sicht.html")
    db = tmp_path / "archive.db"
    summary = build(raw, db, progress=False)
    assert summary.articles_written == 1 and summary.rejected == {"listing page": 1}
    [row] = table(db, "articles", "id", "id, kicker, teaser, authors, paywalled, article_length")
    assert row == ("artikel-448123", "Ukraine-Krieg", "Westliche Staaten kündigen weitere Waffenlieferungen an",
                   '["Karla Beispiel"]', 1, 4012)
    items = table(db, "listing_items", "position", "title, article_id")
    assert items[0] == ("Kein Ende in Sicht", "artikel-448123") and len(items) == 5
    # the page's own record stays what the page says
    assert build(raw, db, progress=False).pages_reused == 2
    assert table(db, "articles", "id", "kicker") == [("Ukraine-Krieg",)]
