"""Shared fixtures: a real archive built from pages, and a real `just serve` on 127.0.0.1."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from bench.served import Served, free_port  # noqa: F401  (test_publish imports both from here)

# CI replays the same examples every run, so a red build is reproducible; locally fuzzing explores anew
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "raw" / "jw-2025-02-12-trump-putin.txt"
JUST = str(Path(sys.executable).with_name("just"))


class Server(Served):
    """`just serve` (the archive's real configuration) on a free port."""

    def __init__(self, raw: Path, db: Path):
        port = free_port()
        super().__init__([JUST, "--set", "raw", str(raw), "--set", "db", str(db), "--set", "port", str(port),
                          "serve"], port, db.with_suffix(".log"))


@pytest.fixture(scope="session")
def sample_raw(tmp_path_factory) -> Path:
    """The bundled sample pages plus a hostile page, copied to a scratch raw directory."""
    raw = tmp_path_factory.mktemp("raw")
    shutil.copy(SEED, raw / SEED.name)
    (raw / "hostile.txt").write_text(
        "Skript im Text: Ein Test\n"
        "Berlin. Dieser Text enthält <script>document.title='pwned'</script> und "
        "<img src=x onerror=\"document.title='pwned'\"> als Zeichen, die nie ausgeführt werden dürfen. (jW)\n",
        encoding="utf-8",
    )
    (raw / "empty.txt").write_bytes(b"")
    return raw


@pytest.fixture(scope="session")
def server(sample_raw, tmp_path_factory):
    db = tmp_path_factory.mktemp("db") / "archive.db"
    srv = Server(sample_raw, db)
    yield srv
    srv.stop()


SITE = ROOT / "tests" / "fixtures" / "site"


@pytest.fixture(scope="session")
def site_raw(sample_raw, tmp_path_factory) -> Path:
    """sample_raw plus pages from other sections, years, agencies and datelines (tests/fixtures/site/),
    so that facets, feeds and the map have more than one value to show."""
    raw = tmp_path_factory.mktemp("site_raw")
    for page in [*sample_raw.iterdir(), *SITE.iterdir()]:
        shutil.copy(page, raw / page.name)
    return raw


@pytest.fixture(scope="session")
def site_server(site_raw, tmp_path_factory):
    srv = Server(site_raw, tmp_path_factory.mktemp("site_db") / "archive.db")
    yield srv
    srv.stop()
