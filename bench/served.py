"""A server command on 127.0.0.1, awaited until it answers and stopped with its process group: the tests' and
the benchmark's servers alike."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """A command serving Datasette on 127.0.0.1:`port`, awaited until /-/versions.json answers (at most
    `start_timeout` seconds); stop() ends its process group."""

    def __init__(self, cmd: list[str], port: int, log: Path, cwd: Path = ROOT, env: dict | None = None,
                 start_timeout: float = 60, name: str = "server"):
        self.port, self.log, self.name = port, log, name
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        try:
            self._await_start(time.monotonic() + start_timeout)
        except BaseException:  # a timeout, or the caller stopped (Ctrl-C, SIGTERM) while the server was starting:
            self.stop()        # no caller holds this object yet, so no one else could stop it
            raise

    def _await_start(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/-/versions.json", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start: {self.log.read_text()[-2000:]}")

    def get(self, path: str, **kwargs) -> httpx.Response:
        return httpx.get(self.url + path, timeout=30, **kwargs)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
