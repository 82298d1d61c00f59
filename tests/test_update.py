"""Updates in place: a build onto an archive reads only what changed and gives the tables a rebuild gives."""
from __future__ import annotations

import os
import shutil
from sqlite_utils.utils import sqlite3  # the SQLite the archive code uses (pysqlite3 where installed)
from pathlib import Path

import pytest

from ingest import store
from ingest.build import Workers, build, plan_update
from test_build import PAYWALLED, SEED, page, short_item

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "fixtures" / "pages"
ART = "https://www.jungewelt.de/artikel/"
# History only an update has (a build from nothing has none; `rebuild` keeps it); FTS5 keeps its index in shadow tables whose segments differ by how they were filled
# (compared below through fts5vocab); sqlite_stat1 is ANALYZE's.
NOT_COMPARED = {"article_versions", "sqlite_stat1", "sqlite_sequence"}


def print_dump(title: str, words: str) -> str:
    return (f"18.08.2010 / Inland / Seite 4\n\n{title}\n\nBerlin. {words} Die Versammlung dauerte bis in den "
            f"Abend, danach wurde abgestimmt. (jW)\n")


def layout_a(title: str, byline: str, url: str) -> str:
    """An HTML page of layout A whose byline element names an author the compact dumps leave unsigned."""
    return (f'<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>{title}</title>'
            f'<link rel="canonical" href="{url}"></head><body><main class="container"><div class="view-article">'
            f'<article><header><div class="kicker"><div>Italien</div></div><h1>{title}</h1>'
            f'<address class="author mt-1">Von {byline}</address></header><div class="content">'
            f'<p>Genua. Die Hafenarbeiter haben ihren Streik am Abend beendet, die Waffenlieferungen ruhen.</p>'
            f'<p>Die Gewerkschaft kündigte weitere Aktionen an.</p></div></article></div></main></body></html>')


def tables(db: Path, history: bool = False) -> dict[str, list[tuple]]:
    """Every table of the archive, its rows in key order (rowids left out: an update appends, a rebuild sorts);
    with `history`, article_versions too."""
    conn = sqlite3.connect(db)
    names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    out = {}
    for name in names:
        if (name in NOT_COMPARED and not (history and name == "article_versions")) or name.startswith("articles_fts"):
            continue
        columns = [row[1] for row in conn.execute(f"PRAGMA table_info([{name}])")]
        out[name] = sorted(conn.execute(f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM [{name}]").fetchall(),
                           key=repr)
    # the full-text index: every term of every article at every position, by article id
    conn.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, articles_fts, 'instance')")
    out["articles_fts"] = conn.execute("""SELECT v.term, a.id, v.col, v.offset FROM temp.vocab v
                                          JOIN articles a ON a.rowid = v.doc ORDER BY 1, 2, 3, 4""").fetchall()
    conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    conn.close()
    return out


def schema(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
    conn.close()
    return rows


def first_pages(raw: Path) -> None:
    page(raw, "seed.txt", SEED, url=ART + "493101.trump-telefoniert-mit-putin.html")
    page(raw, "seed-login.txt", PAYWALLED, url="https://www.jungewelt.de/loginFailed.php?ref=%2Fartikel%2F493101.x.html")
    for n in range(4):
        page(raw, f"items/item-{n}.txt", short_item(n))
    # one article under its old print address and its new one: merged by content, the new id wins
    page(raw, "old/030.txt", print_dump("Abstimmung im Betrieb", "Die Belegschaft stimmte über den Tarif ab."),
         url="https://www.jungewelt.de/2010/08-18/030.php")
    page(raw, "new/149407.txt", print_dump("Abstimmung im Betrieb", "Die Belegschaft stimmte über den Tarif ab."),
         url=ART + "149407.abstimmung.html")
    # an unsigned compact page: its glued byline is a name only the archive's other pages can give
    shutil.copy(PAGES / "s3_known_author_p1.txt", raw / "s3_known_author_p1.txt")
    shutil.copy(PAGES / "s3_known_author_p1.txt.meta.json", raw / "s3_known_author_p1.txt.meta.json")
    page(raw, "art.txt", "Kein Ende in Sicht\nDie Lieferungen gehen weiter, die Verhandlungen ruhen ...\n"
                         "Artikel-Länge: 4012 Zeichen\nSie benötigen ein Online-Abo, um diesen Artikel zu lesen.\n",
         url="https://www.jungewelt.de/loginFailed.php?ref=/artikel/448123.kein-ende-in-sicht.html")
    page(raw, "broken.txt", b"")


def second_pages(raw: Path) -> None:
    """New, changed and vanished pages; a listing that fills an old article's gaps; a byline that signs an old page."""
    page(raw, "items/item-9.txt", short_item(9))
    (raw / "items" / "item-1.txt").write_text(short_item(1).replace("mehr Lohn", "zwölf Prozent mehr Lohn"), "utf-8")
    (raw / "items" / "item-2.txt").unlink()
    (raw / "new" / "149407.txt").unlink()  # the old address stands alone again
    (raw / "new" / "149407.txt.meta.json").unlink()
    page(raw, "genua.html", layout_a("Streik beendet", "Lisa DeLuca", ART + "486100.streik-beendet.html"),
         url=ART + "486100.streik-beendet.html")
    page(raw, "index.html", (PAGES / "listing" / "edition_index.html").read_bytes(),
         url="https://www.jungewelt.de/2023/03-31/index.php")
    page(raw, "broken.txt", short_item(20))  # a rejected page that reads now


def test_update_in_place_gives_the_rebuild_tables(tmp_path):
    raw, db, fresh = tmp_path / "raw", tmp_path / "archive.db", tmp_path / "fresh.db"
    first_pages(raw)
    first = build(raw, db, progress=False, workers=1)
    assert not first.updated_in_place and first.duplicates_merged == 2
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT authors FROM articles WHERE id = 'artikel-486040'").fetchone() == ("[]",)
    assert conn.execute("SELECT id FROM articles WHERE title = 'Abstimmung im Betrieb'").fetchall() == [("artikel-149407",)]
    conn.close()
    second_pages(raw)
    update = build(raw, db, progress=False, workers=2)
    assert update.updated_in_place
    assert (update.pages_parsed, update.pages_gone) == (5, 2)
    assert update.versions_kept == 1
    build(raw, fresh, progress=False, incremental=False, workers=1)
    got, want = tables(db), tables(fresh)
    assert got.keys() == want.keys()
    for name in want:
        assert got[name] == want[name], name
    assert schema(db) == schema(fresh)
    # `just rebuild` of the archive: a fresh file that keeps the history, so every table is the same
    rebuilt = tmp_path / "rebuilt.db"
    shutil.copy(db, rebuilt)
    assert not build(raw, rebuilt, progress=False, workers=1, rebuild=True).updated_in_place
    assert tables(db, history=True) == tables(rebuilt, history=True)
    conn = sqlite3.connect(db)
    # the second look signed the old compact page with the name the new HTML page gave
    assert conn.execute("SELECT authors FROM articles WHERE id = 'artikel-486040'").fetchone() == ('["Lisa DeLuca"]',)
    # the old address stands alone, the listing filled the paywalled article's kicker
    assert conn.execute("SELECT id FROM articles WHERE title = 'Abstimmung im Betrieb'").fetchall() == [
        ("print-2010-08-18-030",)]
    assert conn.execute("SELECT kicker FROM articles WHERE id = 'artikel-448123'").fetchone() == ("Ukraine-Krieg",)
    [(article_id, old_body)] = conn.execute("SELECT article_id, body_markdown FROM article_versions").fetchall()
    assert article_id == "file-items-item-1" and "zwölf" not in old_body
    conn.close()


def test_unchanged_and_touched_files_are_not_parsed(tmp_path):
    raw, db = tmp_path / "raw", tmp_path / "archive.db"
    first_pages(raw)
    build(raw, db, progress=False, workers=1)
    before = tables(db)
    again = build(raw, db, progress=False, workers=1)
    assert (again.pages_parsed, again.pages_reused, again.articles_changed) == (0, 11, 0)
    # a touched file with the same bytes is read and hashed, not parsed; a changed sidecar is a changed page
    os.utime(raw / "seed.txt", ns=(1, 1))
    page(raw, "items/item-0.txt", short_item(0), url=ART + "499000.streik.html")
    touched = build(raw, db, progress=False, workers=1)
    assert (touched.pages_parsed, touched.pages_reused) == (1, 10)
    after = tables(db)
    assert after["articles"] != before["articles"]
    assert {row[0] for row in after["articles"]} - {row[0] for row in before["articles"]} == {"artikel-499000"}
    assert sqlite3.connect(db).execute("SELECT file_mtime_ns FROM pages WHERE source_path = 'seed.txt'").fetchone() == (1,)


def test_a_folder_as_recorded_is_not_compared_file_by_file(tmp_path):
    """An update's walk skips each top-level folder whose page files (paths, sizes, modification times, sidecars)
    are what the archive recorded; a file changed in place, added or removed makes its folder compared again."""
    raw, db = tmp_path / "raw", tmp_path / "archive.db"
    first_pages(raw)
    page(raw, "old/deeper/031.txt", print_dump("Tarif steht", "Die Beschäftigten nahmen den Tarif an."),
         url="https://www.jungewelt.de/2010/08-18/031.php")
    build(raw, db, progress=False, workers=1)

    def plan():
        archive = store.connect(db)
        try:
            return plan_update(archive, raw, Workers(1, raw))
        finally:
            archive.conn.close()

    same = plan()
    assert same.as_recorded == {"items", "old", "new"}
    assert (same.loose, same.gone, same.unchanged) == ([], [], 12)
    # the same size, a new modification time, in a sub-folder: its folder is compared file by file again
    os.utime(raw / "old" / "deeper" / "031.txt", ns=(5, 5))
    (raw / "new" / "149407.txt").unlink()
    page(raw, "items/item-9.txt", short_item(9))
    changed = plan()
    assert changed.as_recorded == set()
    assert [task[0] for task in changed.loose] == ["items/item-9.txt", "old/deeper/031.txt"]
    assert changed.gone == ["new/149407.txt"] and changed.unchanged == 10
    update = build(raw, db, progress=False, workers=1)
    assert (update.pages_parsed, update.pages_gone) == (1, 1)
    after = plan()
    assert after.as_recorded == {"items", "old", "new"} and (after.loose, after.gone) == ([], [])
    shutil.rmtree(raw / "items")
    assert plan().gone == [f"items/item-{n}.txt" for n in (0, 1, 2, 3, 9)]


def test_a_listing_gone_leaves_no_stale_date(tmp_path):
    """An article dated by a listing is dated anew when the listing goes: as a rebuild without it dates it, not by
    the day the listing once gave."""
    raw, db, fresh = tmp_path / "raw", tmp_path / "archive.db", tmp_path / "fresh.db"
    first_pages(raw)
    second_pages(raw)
    build(raw, db, progress=False, workers=1)
    listed = sqlite3.connect(db).execute("SELECT count(*) FROM articles WHERE date_source = 'listing'").fetchone()
    assert listed[0] > 0
    (raw / "index.html").unlink()
    (raw / "index.html.meta.json").unlink()
    build(raw, db, progress=False, workers=1)
    build(raw, fresh, progress=False, incremental=False, workers=1)
    dates = "SELECT id, published_date, published_month, published_year, date_source FROM articles ORDER BY id"
    got, want = sqlite3.connect(db).execute(dates).fetchall(), sqlite3.connect(fresh).execute(dates).fetchall()
    assert got == want
    assert "listing" not in {row[-1] for row in got}


def test_every_core_gives_the_same_archive(tmp_path):
    raw = tmp_path / "raw"
    first_pages(raw)
    second_pages(raw)
    for n in range(60):
        page(raw, f"more/item-{n:03d}.txt", short_item(100 + n))
    build(raw, tmp_path / "one.db", progress=False, workers=1)
    build(raw, tmp_path / "two.db", progress=False, workers=2)
    assert tables(tmp_path / "one.db") == tables(tmp_path / "two.db")


@pytest.mark.parametrize("rebuild_first", [False, True])
def test_an_archive_older_than_the_pages_columns_is_built_anew(tmp_path, rebuild_first):
    raw, db = tmp_path / "raw", tmp_path / "archive.db"
    first_pages(raw)
    build(raw, db, progress=False, workers=1)
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO article_versions (article_id, title) VALUES ('artikel-1', 'alt')")
    if not rebuild_first:
        conn.execute("DROP INDEX idx_pages_second_look")
        conn.execute("ALTER TABLE pages DROP COLUMN second_look")  # as an archive of an earlier build
    conn.commit()
    conn.close()
    summary = build(raw, db, progress=False, workers=1)
    assert summary.updated_in_place is rebuild_first
    assert summary.versions_kept == 1  # its history is kept either way


def test_rebuild_writes_a_fresh_file_and_keeps_the_history(tmp_path):
    import subprocess
    import sys

    raw, db = tmp_path / "raw", tmp_path / "archive.db"
    page(raw, "item.txt", short_item(1))
    build(raw, db, progress=False, workers=1)
    page(raw, "item.txt", short_item(1).replace("mehr Lohn", "zwölf Prozent mehr Lohn"))
    assert build(raw, db, progress=False, workers=1).versions_kept == 1
    inode = db.stat().st_ino
    command = [sys.executable, "-m", "ingest", "build", "--raw", str(raw), "--db", str(db), "--quiet"]
    done = subprocess.run([*command, "--rebuild", "--workers", "2"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "updated in place" not in done.stdout and "old versions kept: 1" in done.stdout
    assert db.stat().st_ino != inode  # a new file, moved into place
    inode = db.stat().st_ino
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert "(0 new or changed, archive updated in place)" in done.stdout
    assert db.stat().st_ino == inode  # the same file, changed in place


def warc(path: Path, records: list[tuple[str, str, bytes | None, str]]) -> None:
    """(kind, url, body, date) records into a gzipped WARC file; a revisit refers to the same URL's response."""
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for kind, url, body, date in records:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            if kind == "response":
                record = writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=headers,
                                                   warc_headers_dict={"WARC-Date": date})
            else:
                digest = writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=headers)
                record = writer.create_revisit_record(url, digest.rec_headers.get_header("WARC-Payload-Digest"), url,
                                                      date, http_headers=headers)
            writer.write_record(record)


def html_item(n: int) -> bytes:
    return layout_a(f"Meldung {n} aus dem Hafen", "Lisa DeLuca", f"{ART}{486200 + n}.meldung.html").encode("utf-8")


def test_warc_files_are_updated_by_record(tmp_path):
    raw, db, fresh = tmp_path / "raw", tmp_path / "archive.db", tmp_path / "fresh.db"
    warc(raw / "a.warc.gz", [("response", f"{ART}{486200 + n}.meldung.html", html_item(n), "2026-05-01T10:00:00Z")
                             for n in range(3)])
    warc(raw / "b.warc.gz", [("response", f"{ART}486210.meldung.html", html_item(10), "2026-05-02T10:00:00Z")])
    first_pages(raw)
    assert build(raw, db, progress=False, workers=1).pages_read == 15
    # a later crawl: one page seen again with the same bytes (a revisit of a's response), one new; b is gone
    warc(raw / "c.warc.gz", [("revisit", f"{ART}486201.meldung.html", html_item(1), "2026-05-03T10:00:00Z"),
                             ("response", f"{ART}486220.meldung.html", html_item(20), "2026-05-03T10:00:00Z")])
    (raw / "b.warc.gz").unlink()
    update = build(raw, db, progress=False, workers=2)
    assert (update.pages_parsed, update.pages_reused, update.pages_gone) == (2, 14, 1)
    build(raw, fresh, progress=False, incremental=False, workers=1)
    got, want = tables(db), tables(fresh)
    for name in want:
        assert got[name] == want[name], name
    again = build(raw, db, progress=False, workers=1)
    assert (again.pages_parsed, again.pages_reused) == (0, 16)
    # a crawl goes on writing into its file: the records it had keep their ids and are not parsed again
    warc(tmp_path / "more.warc.gz", [("response", f"{ART}486230.meldung.html", html_item(30), "2026-05-04T10:00:00Z")])
    with open(raw / "c.warc.gz", "ab") as out:
        out.write((tmp_path / "more.warc.gz").read_bytes())
    appended = build(raw, db, progress=False, workers=1)
    assert (appended.pages_parsed, appended.pages_reused, appended.articles_changed) == (1, 16, 1)


def test_a_second_look_is_skipped_only_for_pages_without_the_names():
    """What the second look asks before parsing a page again: does any known name stand in it where the parser
    could take it from (a word's start, whitespace as the parser reads it)?"""
    from ingest.build import _holds_any, name_index

    names = name_index({"Lisa DeLuca", "Volker Hermsdorf"})
    assert _holds_any("Streik beendet\nLisa DeLucaGenua. Die Hafenarbeiter …", names)  # glued to the text
    assert _holds_any("Von Volker\u00a0Her\u00admsdorf, Havanna", names)  # no-break space, soft hyphen
    assert _holds_any("Von Lisa  DeLuca und Volker Hermsdorf", names)  # a run of spaces
    assert not _holds_any("Streik beendet\nGenua. Die Hafenarbeiter haben ihren Streik beendet.", names)
    assert not _holds_any("Die MeLisa DeLuca-Werft", names) and not _holds_any("Lisa De Luca", names)
    assert _holds_any("kein Name hier", name_index({"»Anonym«"}))  # a name the index cannot find: read again
    assert not _holds_any("Lisa DeLuca", name_index(set()))
    # names that share their beginnings, one the beginning of another
    shared = name_index({"Lisa DeLuca", "Lisa Fritsch", "Li Wei", "Lisa", "Volker Hermsdorf"})
    assert _holds_any("Von Li Wei, Peking", shared) and _holds_any("Von Lisa Fritsche", shared)
    assert _holds_any("Lisann schreibt", shared)  # "Lisa" from a word's start
    assert not _holds_any("Von Li Weng und Elisa Fritsch", shared) and not _holds_any("Von Volker Herms", shared)


def test_warc_files_read_by_workers_give_the_archive_one_process_gives(tmp_path):
    """Each WARC file read by a worker (its results spooled to a file, revisits resolved across files by the
    writer) gives the tables one process reading every file gives; the spool is gone afterwards."""
    import tempfile

    raw = tmp_path / "raw"
    for f in range(4):
        warc(raw / f"crawl-{f}.warc.gz", [("response", f"{ART}{486300 + 10 * f + n}.meldung.html", html_item(10 * f + n),
                                           "2026-05-01T10:00:00Z") for n in range(5)])
    # a later file's revisit of an earlier file's response, and one of its own file's
    warc(raw / "crawl-9.warc.gz", [("revisit", f"{ART}486301.meldung.html", html_item(1), "2026-05-05T10:00:00Z"),
                                   ("response", f"{ART}486399.meldung.html", html_item(99), "2026-05-05T10:00:00Z"),
                                   ("revisit", f"{ART}486399.meldung.html", html_item(99), "2026-05-06T10:00:00Z")])
    spools = set(Path(tempfile.gettempdir()).glob("jw-warc-*"))
    one = build(raw, tmp_path / "one.db", progress=False, workers=1)
    two = build(raw, tmp_path / "two.db", progress=False, workers=2)
    assert one.pages_read == two.pages_read == 23 and not one.rejected
    assert tables(tmp_path / "one.db") == tables(tmp_path / "two.db")
    assert set(Path(tempfile.gettempdir()).glob("jw-warc-*")) == spools
