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


def test_the_command_line_runs_on_the_systems_sqlite_not_pysqlite3():
    """pysqlite3's SQLite keeps a build's temporary tables in memory (ingest/__main__.py): `python -m ingest` runs
    with `import pysqlite3` failing, so sqlite-utils and the store use Python's own sqlite3 even where it is
    installed (as in this environment, on Linux x86-64: the serving side takes it)."""
    script = ("import runpy, sys\n"
              "sys.argv = ['ingest', '--help']\n"
              "try:\n    runpy.run_module('ingest', run_name='__main__')\nexcept SystemExit:\n    pass\n"
              "from sqlite_utils.utils import sqlite3\n"
              "from ingest import store\n"
              "print(sqlite3.__name__, type(store.connect(':memory:').conn).__module__)\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["sqlite3", "sqlite3"]
