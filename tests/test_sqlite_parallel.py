"""plugins/sqlite_parallel.py: SQLite's memory statistics (one mutex for every allocation) are turned off when
Datasette loads the plugin before any connection exists, and left alone when a connection is already open."""
from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT

PLUGIN = ROOT / "plugins" / "sqlite_parallel.py"

# runs in a fresh interpreter: the plugin loaded from its file as Datasette's --plugins-dir does
SCRIPT = """
import importlib.util, json, sqlite3, sys
open_first = sys.argv[1] == "open-first"
early = sqlite3.connect(":memory:") if open_first else None
if early:
    early.execute("create table t (x)")
spec = importlib.util.spec_from_file_location("sqlite_parallel.py", sys.argv[2])
plugin = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plugin)
conn = early or sqlite3.connect(":memory:")
conn.execute("create table if not exists t (x)")
conn.executemany("insert into t values (?)", [(i,) for i in range(1000)])
used = plugin._status(plugin._library(), plugin.SQLITE_STATUS_MEMORY_USED)
rows = conn.execute("select count(*) from t").fetchone()[0]
print(json.dumps({"state": plugin.STATE, "memory_used": used, "rows": rows, "again": plugin.memory_statistics_off()}))
"""


def run(mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", SCRIPT, mode, str(PLUGIN)], capture_output=True, text=True,
                         check=True, timeout=60)
    return json.loads(out.stdout)


def test_statistics_off_when_loaded_before_any_connection():
    result = run("fresh")
    assert result["state"] == "off"
    # with the statistics on, an open connection holding 1,000 rows always shows as memory in use
    assert result["memory_used"] == 0
    assert result["rows"] == 1000
    assert result["again"] == "off"  # a second load sees they are off and does not shut SQLite down again


def test_left_alone_while_a_connection_is_open():
    result = run("open-first")
    assert result["state"].startswith("left on: SQLite already holds memory")
    assert result["memory_used"] > 0
    assert result["rows"] == 1000  # the connection opened before the plugin still works
