"""The command line as a user runs it: `python -m ingest parse|build`."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "raw" / "jw-2025-02-12-trump-putin.txt"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ingest", *args], cwd=cwd, capture_output=True, timeout=120)


def test_parse_prints_utf8_json(tmp_path):
    result = run("parse", str(SEED), "--db", str(tmp_path / "none.db"))
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode("utf-8")
    assert "US-Präsident" in out and "\\u00e4" not in out  # UTF-8, not ASCII-escaped
    record = json.loads(out)
    assert record["title"] == "Trump telefoniert mit Putin: Einladung nach Moskau"
    assert record["agencies"] == ["dpa", "jW"]


def test_parse_names_the_page_and_reason(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    result = run("parse", str(bad))
    assert result.returncode == 1
    assert result.stderr.decode().strip() == f"{bad}: empty page"


def test_build_prints_a_summary(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "seed.txt").write_bytes(SEED.read_bytes())
    (raw / "binary.txt").write_bytes(bytes(range(256)))
    result = run("build", "--raw", str(raw), "--db", str(tmp_path / "a.db"), "--quiet")
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode("utf-8")
    assert "pages read:        2 (2 parsed, 0 unchanged)" in out
    assert "articles written:  1" in out
    assert "pages rejected:    1" in out
    assert "binary.txt: binary content" in out
