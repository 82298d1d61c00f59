"""jW-Archiv ingest: junge Welt pages → records → SQLite archive for Datasette."""
