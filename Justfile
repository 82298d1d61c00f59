# jW-Archiv recipes. Run with `.venv/bin/just RECIPE` (or `just RECIPE` with the venv active).
set shell := ["bash", "-euo", "pipefail", "-c"]
export PATH := justfile_directory() + "/.venv/bin:" + env_var("PATH")

db := "data/archive.db"
raw := "data/raw"
port := "8001"
# Datasette settings shared by serve and publish (the benchmarks chose them, see bench/README.md)
settings := "--setting sql_time_limit_ms 3000 --setting facet_time_limit_ms 1000 --setting suggest_facets off --setting default_page_size 50 --setting max_returned_rows 1000 --setting allow_download off --setting default_cache_ttl 3600"
serve_opts := "-m metadata.yml --plugins-dir plugins --template-dir templates " + settings

default:
    @just --list

# read every page under data/raw/ and write data/archive.db (atomically)
build:
    python -m ingest build --raw {{raw}} --db {{db}}

# throw the archive away and build it from scratch
rebuild:
    rm -f {{db}}
    python -m ingest build --raw {{raw}} --db {{db}}

# build if any raw page is newer than the archive, then serve it on http://127.0.0.1:{{port}}
serve:
    if [ ! -f {{db}} ] || [ -n "$(find {{raw}} -newer {{db}} -type f | head -1)" ]; then python -m ingest build --raw {{raw}} --db {{db}}; fi
    datasette serve -i {{db}} {{serve_opts}} -h 127.0.0.1 -p {{port}}

# print the normalized record of one page
parse path:
    python -m ingest parse {{path}}

# run the test suite
test *args:
    python -m pytest -q {{args}}
