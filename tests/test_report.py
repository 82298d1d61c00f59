"""The data-quality report over a small archive built from pages: the command line and the Datasette canned queries."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ingest import report
from ingest.store import ARTICLE_COLUMNS

ROOT = Path(__file__).resolve().parent.parent


def article(title: str, date: str, section: str, page: int, kicker: str = "", byline: str = "",
            figure: str = "") -> str:
    return f"""<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>{title} (Tageszeitung junge Welt)</title></head>
<body><main><article><header>
{f'<div class="dachzeile">{kicker}</div>' if kicker else ''}
<h1>{title}</h1>
<div class="date">Aus: Ausgabe vom {date}, Seite {page} / {section}</div>
{f'<address class="author">{byline}</address>' if byline else ''}
</header>
{figure}
<p>Der Text des Artikels »{title}« ist lang genug, um als Artikel zu gelten, und endet hier.</p>
</article></main></body></html>
"""


def write_page(raw: Path, name: str, data: str | bytes, url: str | None = None) -> None:
    path = raw / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    if url:
        (raw / (name + ".meta.json")).write_text(json.dumps({"url": url, "fetched_at": "2024-04-25T06:00:00Z"}))


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("raw")
    base = "https://www.jungewelt.de"
    write_page(raw, "a1.html", article(
        "Hafenarbeiter blockieren Waffenfracht", "24.04.2024", "Ausland", 7, kicker="Italien",
        byline="Von Lisa Beispiel, Genua",
        figure='<figure><img src="/img/450/178123.jpg" alt=""><figcaption>Der Hafen von Genua</figcaption></figure>'),
        f"{base}/artikel/1001.hafen.html")
    write_page(raw, "a2.html", article("Streik bei der Bahn geht weiter", "25.04.2024", "Ausland", 6),
               f"{base}/artikel/1002.bahn.html")
    write_page(raw, "a3.html", article("Mieten steigen in allen Städten", "03.11.2023", "Inland", 4,
                                       kicker="Wohnen", byline="Von Tom Beispiel"),
               f"{base}/artikel/1003.mieten.html")
    write_page(raw, "index.html", "<!DOCTYPE html><html><body><ul><li><a href='/artikel/1001.hafen.html'>"
               "Hafenarbeiter</a></li></ul></body></html>", f"{base}/2024/04-24/index.php")
    write_page(raw, "rubrik.html", "<!DOCTYPE html><html><body><h1>Inland</h1></body></html>",
               f"{base}/aktuell/rubrik/inland.php")
    write_page(raw, "empty.txt", b"")
    db = tmp_path_factory.mktemp("db") / "archive.db"
    subprocess.run([sys.executable, "-m", "ingest", "build", "--raw", str(raw), "--db", str(db), "--quiet"],
                   cwd=ROOT, check=True, capture_output=True, timeout=120)
    return db


def test_report_numbers(archive):
    quality = report.quality(archive)
    assert quality["articles"] == 3
    assert quality["by_year_section"] == [
        {"year": 2024, "section": "Ausland", "articles": 2},
        {"year": 2023, "section": "Inland", "articles": 1},
    ]
    fields = {row["field"]: row for row in quality["fields"]}
    assert list(fields) == list(ARTICLE_COLUMNS)  # every article column, in table order
    assert all(row["articles"] == 3 for row in fields.values())
    filled = {name: (row["filled"], row["percent"]) for name, row in fields.items()}
    assert filled["title"] == (3, 100.0)
    assert filled["print_page"] == (3, 100.0)
    assert filled["kicker"] == (2, 66.7)
    assert filled["authors"] == (2, 66.7)  # an empty list "[]" is not filled
    assert filled["image"] == (1, 33.3)
    assert filled["article_length"] == (0, 0.0)
    assert quality["rejected"] == [
        {"kind": "listing", "reason": "listing page", "pages": 2, "example": "index.html"},
        {"kind": "error", "reason": "empty page", "pages": 1, "example": "empty.txt"},
    ]


def test_report_command(archive):
    result = subprocess.run([sys.executable, "-m", "ingest", "report", "--db", str(archive)],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "articles: 3" in lines
    assert any(line.split()[:5] == ["kicker", "2", "/", "3", "66.7%"] for line in lines)
    assert any(line.split() == ["2024", "Ausland", "2"] for line in lines)
    assert "pages rejected: 3" in lines
    as_json = subprocess.run([sys.executable, "-m", "ingest", "report", "--db", str(archive), "--json"],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert json.loads(as_json.stdout) == report.quality(archive)
    missing = subprocess.run([sys.executable, "-m", "ingest", "report", "--db", str(archive.with_name("none.db"))],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1 and "none.db: no archive" in missing.stderr


def test_datasette_quality_pages_agree_with_the_report(archive):
    from datasette.app import Datasette

    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text("utf-8"))
    # no plugins: the quality queries use plain SQLite only
    ds = Datasette([str(archive)], metadata=metadata)
    quality = report.quality(archive)

    async def rows(query: str) -> list[dict]:
        response = await ds.client.get(f"/archive/{query}.json?_shape=objects")
        assert response.status_code == 200, response.text[:500]
        return response.json()["rows"]

    async def page(query: str) -> str:
        response = await ds.client.get(f"/archive/{query}")
        assert response.status_code == 200
        return response.text

    async def check():
        assert await rows("quality_fields") == quality["fields"]
        assert await rows("quality_by_year_section") == quality["by_year_section"]
        assert await rows("rejected_by_reason") == quality["rejected"]
        assert "Data quality: share of each field filled" in await page("quality_fields")

    asyncio.run(check())
