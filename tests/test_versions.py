"""An article's other captures (an older crawl, a web archive's earlier capture) kept as its versions in
article_versions, the same after an update as after a rebuild."""
from __future__ import annotations

import json
from sqlite_utils.utils import sqlite3  # the SQLite the archive code uses (pysqlite3 where installed)
from pathlib import Path

from ingest.build import build
from test_warc import write_loose, write_warc

ART = "https://www.jungewelt.de/artikel/500001.abstimmung.html"


def capture(raw: Path, name: str, fetched_at: str, words: str, url: str = ART) -> None:
    """A text dump of the one article, as fetched at fetched_at."""
    path = raw / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"18.08.2025 / Inland / Seite 4\n\nAbstimmung im Betrieb\n\nBerlin. {words} Die Versammlung "
                    f"dauerte bis in den Abend, danach wurde abgestimmt. (jW)\n", "utf-8")
    path.with_name(path.name + ".meta.json").write_text(json.dumps({"url": url, "fetched_at": fetched_at}))


def versions(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    out = conn.execute("""SELECT article_id, source_path, kind, captured_at, replaced_at, body_markdown
                          FROM article_versions ORDER BY article_id, captured_at, source_path""").fetchall()
    conn.close()
    return out


def body_of(db: Path, article_id: str) -> str:
    conn = sqlite3.connect(db)
    [(body,)] = conn.execute("SELECT body_markdown FROM articles WHERE id = ?", [article_id]).fetchall()
    conn.close()
    return body


FIRST = "Die Belegschaft stimmte über den Tarif ab."
SECOND = "Die Belegschaft stimmte am Morgen mit großer Mehrheit über den neuen Tarif ab."
THIRD = "Die Belegschaft stimmte am Morgen mit großer Mehrheit über den neuen Tarif ab, der Vorstand schwieg dazu."


def test_other_captures_of_an_address_are_its_versions_and_an_update_keeps_what_a_rebuild_keeps(tmp_path):
    raw = tmp_path / "raw"
    capture(raw, "2025/a.txt", "2025-08-18T08:00:00Z", FIRST)
    capture(raw, "2025/a-again.txt", "2025-08-19T08:00:00Z", FIRST + " ")  # other bytes, the same text: no version
    capture(raw, "2026/a.txt", "2026-01-05T08:00:00Z", SECOND)
    # the same text under the print address: a duplicate merged by content, not a version
    capture(raw, "print/a.txt", "2025-08-18T09:00:00Z", SECOND, url="https://www.jungewelt.de/2025/08-18/030.php")
    archive = tmp_path / "archive.db"
    build(raw, archive, progress=False, workers=1)
    assert SECOND in body_of(archive, "artikel-500001")  # the most complete capture is the article
    [(article_id, path, kind, captured_at, replaced_at, body)] = versions(archive)
    assert (article_id, path, kind, captured_at, replaced_at) == (
        "artikel-500001", "2025/a.txt", "capture", "2025-08-18T08:00:00Z", None)
    assert FIRST in body and SECOND not in body

    # a later capture with a longer text: the article takes it, and both earlier texts are its versions
    capture(raw, "2026/b.txt", "2026-06-01T08:00:00Z", THIRD)
    summary = build(raw, archive, progress=False, workers=1)
    assert summary.updated_in_place
    assert THIRD in body_of(archive, "artikel-500001")
    assert [(v[1], v[3]) for v in versions(archive)] == [("2025/a.txt", "2025-08-18T08:00:00Z"),
                                                         ("2026/a.txt", "2026-01-05T08:00:00Z")]
    rebuilt = tmp_path / "rebuilt.db"
    build(raw, rebuilt, progress=False, workers=1)
    assert versions(rebuilt) == versions(archive)

    # the newest capture's file is gone: the article is the second text again, with one version as at first
    (raw / "2026" / "b.txt").unlink()
    build(raw, archive, progress=False, workers=1)
    assert SECOND in body_of(archive, "artikel-500001")
    assert [v[1] for v in versions(archive)] == ["2025/a.txt"]


def test_a_page_changed_in_place_stays_a_version_beside_the_captures(tmp_path):
    raw = tmp_path / "raw"
    capture(raw, "2025/a.txt", "2025-08-18T08:00:00Z", FIRST)
    capture(raw, "2026/a.txt", "2026-01-05T08:00:00Z", SECOND)
    archive = tmp_path / "archive.db"
    build(raw, archive, progress=False, workers=1)
    capture(raw, "2026/a.txt", "2026-02-01T08:00:00Z", THIRD)  # the same file, refetched with a longer text
    build(raw, archive, progress=False, workers=1)
    kinds = sorted((v[1], v[2] or "changed", SECOND in v[5], FIRST in v[5]) for v in versions(archive))
    assert kinds == [("2025/a.txt", "capture", False, True), ("2026/a.txt", "changed", True, False)]
    # a rebuild keeps the changed page's old text (copied from the archive) and works out the captures anew
    build(raw, archive, progress=False, workers=1, rebuild=True)
    assert sorted((v[1], v[2] or "changed") for v in versions(archive)) == [("2025/a.txt", "capture"),
                                                                            ("2026/a.txt", "changed")]


def test_warc_captures_are_versions_as_loose_files_are(tmp_path):
    """The test_warc pages hold two captures of one address with different texts (article_101_v1 and _v2) and a
    paywalled view of another (100 behind loginFailed.php): the same versions from loose files and from a WARC."""
    loose, warc = tmp_path / "loose", tmp_path / "warc"
    write_loose(loose)
    write_warc(warc / "crawl.warc.gz")
    build(loose, tmp_path / "loose.db", progress=False, workers=1)
    build(warc, tmp_path / "warc.db", progress=False, workers=1)
    from_loose = [(v[0], v[2], v[3], v[5]) for v in versions(tmp_path / "loose.db")]
    from_warc = [(v[0], v[2], v[3], v[5]) for v in versions(tmp_path / "warc.db")]
    assert [v[:3] for v in from_loose] == [("artikel-101", "capture", "2025-02-12T11:00:00Z")]
    assert from_warc == from_loose
    assert from_loose[0][3] != body_of(tmp_path / "loose.db", "artikel-101")
