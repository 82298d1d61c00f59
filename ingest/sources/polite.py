"""Polite GETs for the crawler and the web-archive import: bounded retries, doubling backoff, Retry-After honoured."""
from __future__ import annotations

import time
from typing import Callable

import httpx

# a server asking for a longer pause than this gets our own backoff instead of stalling a run
MAX_RETRY_AFTER = 60.0


class FetchFailed(Exception):
    """One URL could not be fetched after the bounded retries; the message is the reason."""


def retry_after(response: httpx.Response) -> float:
    try:
        return min(float(response.headers.get("Retry-After", 0)), MAX_RETRY_AFTER)
    except ValueError:  # an HTTP date: fall back to our own backoff
        return 0.0


def get_with_retries(send: Callable[[], httpx.Response], url: str, *, retries: int, backoff: float,
                     pace: Callable[[], None], log: Callable[[str], None]) -> httpx.Response:
    """`send()` until it answers below 500 and not 429: 1 + `retries` attempts, each after `pace()`, backoff
    doubling from `backoff` seconds (longer when Retry-After says so); FetchFailed names the last reason."""
    reason = "no attempt"
    for attempt in range(retries + 1):
        pace()
        wait = backoff * 2 ** attempt
        try:
            response = send()
        except httpx.TimeoutException:
            reason = "timeout"
        except httpx.TransportError as err:
            reason = f"network error: {type(err).__name__}: {err}"
        except httpx.DecodingError as err:  # a gzip'd body cut short or garbled: perhaps whole next time
            reason = f"undecodable body: {err}"
        else:
            if response.status_code < 500 and response.status_code != 429:
                return response
            reason = f"HTTP {response.status_code}"
            wait = max(wait, retry_after(response))
        if attempt < retries:
            log(f"{url}: {reason}, retry {attempt + 1}/{retries} in {wait:.2f}s")
            time.sleep(wait)
    raise FetchFailed(f"{reason} after {retries + 1} attempts")
