"""An article's other texts in `article_versions`: a page's record before its page changed (the build's
_write_batch), and an article's other captures, the raw pages of the same address (an older crawl, a web archive's
earlier capture, a later `--refresh` in a WARC file of its own) whose text differs from the page the article was
written from. The captures are worked out from the `pages` table alone, so that an update and a rebuild keep the
same rows."""
from __future__ import annotations

import sqlite_utils

from ingest import store

CAPTURE = "capture"  # article_versions.kind of these rows (NULL: a page that changed in place between builds)
_TEXT = ("title", "teaser", "body_markdown")  # what makes a capture a version of its own


def version_row(article_id: str, source_path: str, sha256: str, blob: bytes) -> dict:
    """The article_versions row of a page's stored record (pages.record) as the article `article_id`."""
    record = store.record_of(blob)
    record.pop("kept_previous", None)  # the page's own failure note, not the article's text
    return {"article_id": article_id, "source_path": source_path, "sha256": sha256, "title": record.get("title"),
            "teaser": record.get("teaser"), "published": record.get("published"),
            "body_markdown": record.get("body_markdown"), "record": store.JSON.encode(record)}


def keep_captures(db: sqlite_utils.Database, ids: set[str] | None) -> int:
    """The capture versions of these articles (of every article when None) worked out anew; how many there are.

    A capture is a full-text page of the address of the page the article was written from (the same own article
    id), read in this or an earlier build; one row per text that differs from the article's, the earliest capture
    of it. A paywalled page (only a teaser) is another view, not another text; a page the article only shares by
    content (its print address, say) is a duplicate, not a version."""
    conn = db.conn
    which = ""
    if ids is None:
        conn.execute("DELETE FROM article_versions WHERE kind = ?", [CAPTURE])
    else:
        conn.execute("DROP TABLE IF EXISTS temp.capture_articles")
        conn.execute("CREATE TEMP TABLE capture_articles (id TEXT PRIMARY KEY)")
        conn.executemany("INSERT OR IGNORE INTO temp.capture_articles VALUES (?)", [(key,) for key in ids])
        conn.execute("DELETE FROM article_versions WHERE kind = ? AND article_id IN temp.capture_articles", [CAPTURE])
        which = "AND c.article_id IN temp.capture_articles"
    # addresses with more than one page first: a scan of the own-id index, instead of every article's page
    conn.execute("DROP TABLE IF EXISTS temp.captured_addresses")
    conn.execute("""CREATE TEMP TABLE captured_addresses AS SELECT own_article_id AS own FROM pages
                    WHERE own_article_id IS NOT NULL GROUP BY own_article_id HAVING count(*) > 1""")
    rows = conn.execute(f"""
        SELECT a.id, c.source_path, c.sha256, c.record, p.source_path, p.sha256, p.fetched_at, p.record
        FROM temp.captured_addresses t
        JOIN pages c ON c.own_article_id = t.own
        JOIN articles a ON a.source_path = c.source_path AND a.id = c.article_id
        JOIN pages p ON p.own_article_id = t.own AND p.article_id = a.id AND p.source_path != c.source_path
        WHERE p.status = 'article' AND p.full_text = 1 AND p.sha256 != c.sha256 {which}
        ORDER BY a.id, coalesce(p.fetched_at, ''), p.source_path""")
    kept, seen, current = [], set(), None
    for article_id, chosen_path, chosen_sha256, chosen, path, sha256, fetched_at, blob in rows:
        if article_id != current:
            current, seen = article_id, {_text(version_row(article_id, chosen_path, chosen_sha256, chosen))}
        version = version_row(article_id, path, sha256, blob)
        text = _text(version)
        if text in seen:
            continue
        seen.add(text)
        kept.append({**version, "kind": CAPTURE, "captured_at": fetched_at})
    store.add_versions(db, kept)
    conn.execute("DROP TABLE IF EXISTS temp.capture_articles")
    conn.execute("DROP TABLE temp.captured_addresses")
    return len(kept)


def _text(version: dict) -> tuple:
    """What a reader reads of a version, spacing aside (a refetch that only moves spaces is not a new text)."""
    return tuple(" ".join(version[name].split()) if version[name] else None for name in _TEXT)
