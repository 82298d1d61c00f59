import sys

# Builds, crawls and imports run on Python's own sqlite3 (the system's SQLite), not on pysqlite3, which Datasette and
# sqlite-utils take when it is installed: pysqlite3's SQLite is compiled with SQLITE_TEMP_STORE=3, so every temporary
# table and sort of a build stays in memory, whatever PRAGMA temp_store says (a million pages: the writer's peak
# +1.2 GB, the build over its 2 GB target; bench/README.md). Serving keeps pysqlite3's faster FTS5.
sys.modules.setdefault("pysqlite3", None)  # `import pysqlite3` now fails, so every module falls back

from ingest.cli import main  # noqa: E402

main()
