"""The synthetic rows for one archive size, made on every core and kept under bench/work/ between runs."""
from __future__ import annotations

import hashlib
import multiprocessing
import pickle
import time
from pathlib import Path

from bench.synth import Archive

CHUNK = 10_000
HERE = Path(__file__).resolve().parent


def _chunk(args: tuple[int, int, int, int]) -> tuple[list[dict], dict, dict]:
    count, seed, start, stop = args
    archive = Archive(count, seed)
    rows = list(archive.rows(start, stop))
    return rows, archive.places, archive.agencies


def make_rows(count: int, seed: int, cache_dir: Path, processes: int | None = None) -> tuple[list, dict, dict, float]:
    """(rows, places, agencies, seconds to make them); a cached pickle is reused while synth.py is unchanged."""
    version = hashlib.sha256((HERE / "synth.py").read_bytes()).hexdigest()[:12]
    cache = cache_dir / f"rows-{count}-{seed}-{version}.pickle"
    if cache.exists():
        with cache.open("rb") as f:
            rows, places, agencies = pickle.load(f)
        return rows, places, agencies, 0.0
    started = time.perf_counter()
    rows, places, agencies = [], {}, {}
    jobs = [(count, seed, start, min(start + CHUNK, count)) for start in range(0, count, CHUNK)]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        for part, part_places, part_agencies in pool.imap(_chunk, jobs):
            rows.extend(part)
            places.update(part_places)
            agencies.update(part_agencies)
    seconds = time.perf_counter() - started
    cache_dir.mkdir(parents=True, exist_ok=True)
    for stale in cache_dir.glob(f"rows-{count}-*.pickle"):
        stale.unlink()
    with cache.open("wb") as f:
        pickle.dump((rows, places, agencies), f, protocol=pickle.HIGHEST_PROTOCOL)
    return rows, places, agencies, seconds
