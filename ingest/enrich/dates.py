"""A date for every article: from its page, a listing that links it, its old URL, or its article number."""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import date
from typing import Iterator

import numpy as np

from ingest.urls import article_path

# What `articles.date_source` says, in the order the build tries the sources.
DATE_SOURCES = ("page", "listing", "url", "estimated")
_OLD_URL = re.compile(r"^/(\d{4})/(\d{2})-(\d{2})/\d+\.php")
_NUMBERED = re.compile(r"^(artikel|beilage|rlk)-(\d+)$")

# Article numbers grow with time. These real pairs (../shared/jw-html-format.md §6) place an article only where
# the archive has no dated article on that side of its number: between dated articles the archive's own win.
SITE_ANCHORS = {"artikel": [(66563, "2006-04-29"), (163055, "2011-04-28"), (257064, "2015-02-25"),
                            (351052, "2019-03-15"), (412558, "2021-10-16"), (474126, "2024-04-25"),
                            (522721, "2026-05-17")]}
# Each estimate is the median of the interpolations between the NEIGHBOURS nearest dated articles below and
# above: one misdated neighbour (a reprint, a late online item) does not move it.
NEIGHBOURS = 3


def date_from_url(url: str | None) -> str | None:
    """The edition day of an old `/YYYY/MM-DD/NNN.php` address (also inside `loginFailed.php?ref=…`)."""
    if not url:
        return None
    m = _OLD_URL.match(article_path(url))
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None


def numbered(article_id: str) -> tuple[str, int] | None:
    """`artikel-365771` → ("artikel", 365771): the series whose numbers grow with time, and the number."""
    m = _NUMBERED.match(article_id)
    return (m[1], int(m[2])) if m else None


@dataclass
class Numbering:
    """Dated articles of one number series, sorted by number: the ground an estimate stands on."""
    numbers: np.ndarray  # int64, ascending, unique
    days: np.ndarray     # float64 day ordinals

    @classmethod
    def of(cls, series: str, dated: dict[int, str], anchors: bool = True) -> "Numbering":
        """The dated numbers of a series; with `anchors`, the site's own pairs beyond the archive's ends."""
        return cls.of_days(series, np.fromiter(dated, dtype=np.int64, count=len(dated)),
                           np.array([date.fromisoformat(day).toordinal() for day in dated.values()], dtype=np.float64),
                           anchors)

    @classmethod
    def of_days(cls, series: str, numbers: np.ndarray, days: np.ndarray, anchors: bool = True) -> "Numbering":
        """The same from arrays: unique numbers and their day ordinals, in any order."""
        site = [(n, date.fromisoformat(day).toordinal()) for n, day in SITE_ANCHORS.get(series, [])] if anchors else []
        if len(numbers):  # between the archive's own dated articles, only they count
            low, high = numbers.min(), numbers.max()
            site = [(n, day) for n, day in site if n < low or n > high]
        if site:
            numbers = np.concatenate([numbers, np.array([n for n, _ in site], dtype=np.int64)])
            days = np.concatenate([days, np.array([day for _, day in site], dtype=np.float64)])
        order = np.argsort(numbers, kind="stable")
        return cls(np.asarray(numbers, dtype=np.int64)[order], np.asarray(days, dtype=np.float64)[order])

    def estimate(self, numbers: np.ndarray, leave_out: bool = False) -> np.ndarray:
        """Day ordinals for `numbers` (NaN where nothing can be said). With `leave_out`, `numbers` are the dated
        articles themselves and each is estimated without its own date (leave-one-out)."""
        numbers = np.asarray(numbers, dtype=np.int64)
        count = len(self.numbers)
        out = np.full(len(numbers), np.nan)
        if count < 2 or len(numbers) == 0:
            return out
        below_end = np.searchsorted(self.numbers, numbers, side="left")  # first index >= number
        above_start = np.searchsorted(self.numbers, numbers, side="right")  # first index > number
        if not leave_out:
            exact = below_end < above_start
            out[exact] = self.days[below_end[exact]]
        guesses = []
        for i in range(1, NEIGHBOURS + 1):
            lo = below_end - i
            for j in range(NEIGHBOURS):
                hi = above_start + j
                ok = (lo >= 0) & (hi < count)
                lo_c, hi_c = np.clip(lo, 0, count - 1), np.clip(hi, 0, count - 1)
                span = (self.numbers[hi_c] - self.numbers[lo_c]).astype(np.float64)
                share = np.divide(numbers - self.numbers[lo_c], span, out=np.zeros(len(numbers)), where=span > 0)
                guess = self.days[lo_c] + share * (self.days[hi_c] - self.days[lo_c])
                guesses.append(np.where(ok, guess, np.nan))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # no neighbour pair at all: NaN, handled below
            inside = np.nanmedian(np.vstack(guesses), axis=0)
        # beyond the first or last dated number: carry on at the pace of the nearest dated stretch, from the
        # nearest dated article that is not the one estimated
        low_pace, high_pace = self._pace()
        left, right = below_end == 0, above_start >= count
        first = np.clip(above_start, 0, count - 1)
        last = np.clip(below_end - 1, 0, count - 1)
        edge = np.where(left, self.days[first] + (numbers - self.numbers[first]) * low_pace,
                        self.days[last] + (numbers - self.numbers[last]) * high_pace)
        inside = np.where(left | right, edge, inside)
        fill = np.isnan(out)
        out[fill] = inside[fill]
        return out

    def _pace(self) -> tuple[float, float]:
        """Days per article number at the low and the high end (over up to 50 dated articles)."""
        def slope(a: int, b: int) -> float:
            span = self.numbers[b] - self.numbers[a]
            return float(self.days[b] - self.days[a]) / span if span else 0.0
        k = min(len(self.numbers) - 1, 50)
        return max(slope(0, k), 0.0), max(slope(len(self.numbers) - 1 - k, len(self.numbers) - 1), 0.0)


def _by_series(dated: dict[str, str]) -> dict[str, dict[int, str]]:
    """id → day, grouped as series → article number → day (ids without a number series left out)."""
    by_series: dict[str, dict[int, str]] = {}
    for key, day in dated.items():
        if (found := numbered(key)) is not None:
            by_series.setdefault(found[0], {})[found[1]] = day
    return by_series


_UNIX_EPOCH = date(1970, 1, 1).toordinal()


def iso_days(ordinals: np.ndarray) -> list[str]:
    """Day ordinals (an estimate's fractions rounded half to even, as round() does) → YYYY-MM-DD."""
    days = np.round(np.asarray(ordinals, dtype=np.float64)).astype(np.int64) - _UNIX_EPOCH
    return days.astype("datetime64[D]").astype(str).tolist()


def estimated(dated: dict[str, tuple[list[int], list[float]]],
              wanted: dict[str, tuple[list[str], list[int]]]) -> Iterator[tuple[str, str]]:
    """(id, YYYY-MM-DD) for the wanted ids that can be placed: `dated` is series → (numbers, day ordinals) of the
    dated articles, `wanted` series → (ids, numbers) of those to estimate."""
    for series, (keys, numbers) in wanted.items():
        dated_numbers, days = dated.get(series, ([], []))
        numbering = Numbering.of_days(series, np.array(dated_numbers, dtype=np.int64), np.array(days, dtype=np.float64))
        estimates = numbering.estimate(np.array(numbers, dtype=np.int64))
        known = ~np.isnan(estimates)
        yield from zip((key for key, ok in zip(keys, known.tolist()) if ok), iso_days(estimates[known]))


def estimate_dates(dated: dict[str, str], undated: list[str]) -> dict[str, str]:
    """id → estimated day for the undated ids of a number series, from the dated ids (id → YYYY-MM-DD)."""
    points: dict[str, tuple[list[int], list[float]]] = {}
    for series, by_number in _by_series(dated).items():
        points[series] = (list(by_number), [date.fromisoformat(day).toordinal() for day in by_number.values()])
    wanted: dict[str, tuple[list[str], list[int]]] = {}
    for key in undated:
        if (found := numbered(key)) is not None:
            keys, numbers = wanted.setdefault(found[0], ([], []))
            keys.append(key)
            numbers.append(found[1])
    return dict(estimated(points, wanted))


def leave_one_out(dated: dict[str, str]) -> dict:
    """How far off an estimate is: each dated article of a number series estimated from the others, in days."""
    errors = []
    for series, points in _by_series(dated).items():
        if len(points) < 3:
            continue
        numbering = Numbering.of(series, points, anchors=False)  # the archive's own articles only
        guesses = numbering.estimate(numbering.numbers, leave_out=True)
        ok = ~np.isnan(guesses)
        errors.append(np.abs(guesses[ok] - numbering.days[ok]))
    if not errors or not sum(len(e) for e in errors):
        return {"articles": 0, "median_days": None, "p90_days": None}
    all_errors = np.concatenate(errors)
    return {"articles": int(len(all_errors)), "median_days": round(float(np.median(all_errors)), 1),
            "p90_days": round(float(np.percentile(all_errors, 90)), 1)}
