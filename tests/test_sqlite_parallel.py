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
import importlib.util, json, sys
from datasette.utils.sqlite import sqlite3  # the SQLite the plugin configures (pysqlite3's where installed)
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


# --- the time limit, kept by a watchdog thread instead of a Python progress handler ----------------------------

import asyncio  # noqa: E402
import importlib.util  # noqa: E402
import sqlite3  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import pytest  # noqa: E402

# counts far past any limit here: minutes of work if nothing stopped it
ENDLESS = "with recursive n(i) as (select 1 union all select i + 1 from n where i < 10000000000) select count(*) from n"


def loaded():
    """The plugin module as Datasette's --plugins-dir loads it (its file; a second load is a no-op for SQLite)."""
    spec = importlib.util.spec_from_file_location("sqlite_parallel.py", PLUGIN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_statement_past_its_limit_is_interrupted_and_the_connection_goes_on():
    watchdog = loaded().Watchdog()
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="interrupted"):
        with watchdog.limit(conn, 100):
            conn.execute(ENDLESS).fetchall()
    assert time.monotonic() - started < 10
    # a limit that ran out after its statement had finished leaves the connection's next statements alone
    with watchdog.limit(conn, 50):
        assert conn.execute("select 1").fetchone() == (1,)
    time.sleep(0.2)
    assert conn.execute("select count(*) from (select 1 union all select 2)").fetchone() == (2,)


def test_each_connection_has_its_own_deadline():
    watchdog = loaded().Watchdog()
    outcome = {}

    def run(name: str, ms: int, sql: str):
        conn = sqlite3.connect(":memory:")
        try:
            with watchdog.limit(conn, ms):
                outcome[name] = conn.execute(sql).fetchone()[0]
        except sqlite3.OperationalError as error:
            outcome[name] = str(error)

    # the long limit is registered first; the short one, due earlier, must wake the watchdog for itself
    slow_but_in_time = "with recursive n(i) as (select 1 union all select i + 1 from n where i < 300000) select count(*) from n"
    threads = [threading.Thread(target=run, args=("patient", 60_000, slow_but_in_time)),
               threading.Thread(target=run, args=("hasty", 100, ENDLESS))]
    for thread in threads:
        thread.start()
        time.sleep(0.01)
    for thread in threads:
        thread.join(60)
    assert outcome == {"patient": 300000, "hasty": "interrupted"}


def test_datasette_time_limit_goes_through_the_watchdog(tmp_path):
    from datasette.app import Datasette
    from datasette.database import QueryInterrupted

    db_path = tmp_path / "t.db"
    sqlite3.connect(db_path).close()
    ds = Datasette([str(db_path)], plugins_dir=str(PLUGIN.parent), settings={"sql_time_limit_ms": 200})
    import datasette.database
    assert datasette.database.sqlite_timelimit.__qualname__ == "Watchdog.limit"
    db = ds.get_database("t")

    async def queries():
        with pytest.raises(QueryInterrupted):
            await db.execute(ENDLESS)
        return (await db.execute("select 41 + 1")).single_value()

    assert asyncio.run(queries()) == 42


def test_a_connection_closed_before_its_deadline_does_not_stop_the_watchdog():
    watchdog = loaded().Watchdog()
    closed = sqlite3.connect(":memory:", check_same_thread=False)
    with watchdog.limit(closed, 20):
        closed.close()
        time.sleep(0.2)  # its deadline passes while it is still registered: interrupting it raises
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    with pytest.raises(sqlite3.OperationalError, match="interrupted"):
        with watchdog.limit(conn, 100):
            conn.execute(ENDLESS).fetchall()
