"""bench/served.py's Served, which the tests and the benchmark start their servers with: a start that is stopped
midway (Ctrl-C, or a benchmark's SIGTERM) ends the server it started, before anyone holds it to stop it."""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from bench.served import Served, free_port


def running(marker: str) -> bool:
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0"):
                return True
        except OSError:
            continue  # gone meanwhile
    return False


def test_a_start_stopped_midway_leaves_no_server(tmp_path):
    marker = f"jw-served-test-{os.getpid()}"
    # a server that never answers: Served waits for it until the alarm stops the wait, as Ctrl-C would
    command = [sys.executable, "-c", "import time; time.sleep(120)", marker]
    seen = []

    def stop_the_wait(signum, frame):
        seen.append(running(marker))
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGALRM, stop_the_wait)
    signal.setitimer(signal.ITIMER_REAL, 1.0)
    try:
        with pytest.raises(KeyboardInterrupt):
            Served(command, free_port(), tmp_path / "server.log", start_timeout=30)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)
    assert seen == [True], "the server ran while Served waited for it"
    assert not running(marker)
