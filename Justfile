# jW-Archiv recipes. Run with `.venv/bin/just RECIPE` (or `just RECIPE` with the venv active).
set shell := ["bash", "-euo", "pipefail", "-c"]
export PATH := justfile_directory() + "/.venv/bin:" + env_var("PATH")

db := "data/archive.db"
raw := "data/raw"
port := "8001"
# Datasette settings shared by serve and publish (the benchmarks chose them, see bench/README.md)
settings := "--setting sql_time_limit_ms 3000 --setting facet_time_limit_ms 1000 --setting suggest_facets off --setting default_page_size 20 --setting max_returned_rows 1000 --setting allow_download off --setting default_cache_ttl 3600 --setting truncate_cells_html 400"
serve_opts := "-m metadata.yml --plugins-dir plugins --template-dir templates " + settings

default:
    @just --list

# read every page under data/raw/ on every core into data/archive.db: an existing archive is updated in place, in
# one transaction (only new and changed pages are parsed); restart a running `just serve` afterwards
build *args:
    python -m ingest build --raw {{raw}} --db {{db}} {{args}}

# parse every page anew into a fresh file and swap it in when complete (the archive's article_versions are kept)
rebuild *args:
    python -m ingest build --rebuild --raw {{raw}} --db {{db}} {{args}}

# build when there is no archive, a raw page is newer than it, or an update was stopped (a journal beside the
# archive: the build rolls it back, a server or an image reading the file immutable would not)
_fresh:
    if [ ! -f {{db}} ] || [ -f {{db}}-journal ] || [ -n "$(find {{raw}} -newer {{db}} -type f | head -1)" ]; then python -m ingest build --raw {{raw}} --db {{db}}; fi

# build if any raw page is newer than the archive, then serve it on http://127.0.0.1:{{port}}
serve: _fresh
    datasette serve -i {{db}} {{serve_opts}} -h 127.0.0.1 -p {{port}}

# print the normalized record of one page
parse path:
    python -m ingest parse {{path}}

# fetch today's edition index and its articles into data/raw/crawl/ (e.g. `just crawl --since 2025-02-01`)
[positional-arguments]
crawl *args:
    python -m ingest crawl --out {{raw}}/crawl "$@"

# (positional arguments: a quoted --user-agent 'jW-Archiv/0.1 (+mailto:…)' stays one argument)
# fetch old article pages from a web archive as WARC files into data/raw/import-<ia|cc>/ (e.g. `just import --from ia --since 2010-01-01 --limit 500`)
[positional-arguments]
import *args:
    python -m ingest import --raw {{raw}} "$@"

# data quality of the archive: articles per year and section, share of each field filled, pages rejected
report *args:
    python -m ingest report --db {{db}} {{args}}

# run the test suite
test *args:
    python -m pytest -q {{args}}

# (needs `pip install -e '.[bench]'` and wrk; extra args go to bench/run.py, e.g. `just bench --sizes 100000 --runs 1`)
# synthetic archives of 100k and 1M articles: build rate, then our Datasette next to plain Datasette under wrk → bench/README.md
bench *args:
    python -m bench.run {{args}}
    -just bench-search

# builds from raw pages (dumps and HTML, loose and WARC.gz): full build, +100 pages, next to the plain limits → bench/README.md
bench-raw *args:
    python -m bench.raw_build {{args}}

# precision and recall of the German search next to a plain unicode61 index → bench/results/search_quality.json
bench-search:
    python bench/search_quality.py

# What a published image installs: Datasette and the plugins pinned as in pyproject.toml (tests/test_publish.py
# checks), plus this project itself, because plugins/ import the `ingest` package (German stemming).
publish_dir := "build/publish"
publish_opts := "-m metadata.yml --plugins-dir plugins --template-dir templates --static project:" + publish_dir + "/project --install datasette==0.65.5 --install datasette-cluster-map==0.18.2 --install datasette-leaflet==0.2.2 --install datasette-render-markdown==2.2.1 --install datasette-atom==0.9 --install /app/project"

# build the archive if stale and stage the `ingest` package for the image (publishers copy --static dirs into it)
_publishable: _fresh
    rm -rf {{publish_dir}}/project && mkdir -p {{publish_dir}}/project
    cp pyproject.toml {{publish_dir}}/project/ && tar -c --exclude=__pycache__ ingest | tar -x -C {{publish_dir}}/project

# publish the archive read-only to Google Cloud Run (needs gcloud, logged in); extra args go to `datasette publish cloudrun`
publish service="jw-archiv" *args: _publishable
    datasette publish cloudrun {{db}} --service {{service}} {{publish_opts}} --extra-options '{{settings}}' --version-note "jw-archiv $(git describe --always --dirty 2>/dev/null || echo unknown)" {{args}}

# publish the archive read-only to Fly (needs flyctl, logged in); `just publish-fly APP --generate-dir DIR` only writes the files
# (cloudrun turns force_https_urls on by itself; Fly's proxy speaks HTTPS to readers and HTTP to Datasette too)
publish-fly app="jw-archiv" *args: _publishable
    datasette publish fly {{db}} --app {{app}} {{publish_opts}} --extra-options '{{settings}} --setting force_https_urls on' --version-note "jw-archiv $(git describe --always --dirty 2>/dev/null || echo unknown)" {{args}}
