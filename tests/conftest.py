"""Shared fixtures: a real archive built from pages, and a real `just serve` on 127.0.0.1."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from hypothesis import settings

# CI replays the same examples every run, so a red build is reproducible; locally fuzzing explores anew
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "raw" / "jw-2025-02-12-trump-putin.txt"
JUST = str(Path(sys.executable).with_name("just"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """A command serving HTTP on 127.0.0.1:`port`, awaited until it answers; stop() ends its process group."""

    def __init__(self, cmd: list[str], port: int, log: Path, cwd: Path = ROOT, env: dict | None = None):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/-/versions.json", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")

    def get(self, path: str, **kwargs) -> httpx.Response:
        return httpx.get(self.url + path, timeout=30, **kwargs)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


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
