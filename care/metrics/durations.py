"""Durations as histograms: what a day of cases keeps, and percentiles read from them.

A range's medians and p90s by channel, department, priority, agent and hour were exact
percentiles over every case of the range: five sorts of all its cases per page, 1 s for
a quarter at 2,700 cases a day (docs/benchmarks.md). Now each day keeps, per group, how
many durations fell in each bucket (`DurationDay`); a range adds its days' buckets up,
whatever its length, and reads percentiles from the sums.

The buckets are 1 second wide below a minute, then at most 2 % of their lower edge wide
(and never narrower than a second), up to a year; one more holds anything longer. The
first-response distribution's bar edges are bucket edges, so its bars are exact. A
percentile is read as `percentile_cont` would read the sorted values, with each bucket's
values taken as evenly spread from its lower edge: it is within one bucket's width of
the exact value, so within 1 s + 2 % of it (docs/metrics.md, "Percentiles").
"""

from __future__ import annotations

import math
import zlib
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

CLOCKS = ("business", "calendar")
# The groupings of "by channel, department, priority, agent, hour": CaseFact columns.
COLUMNS = {
    "channel": "channel_account_id",
    "department": "department_id",
    "priority": "priority",
    "agent": "responder_id",
    "hour": "local_hour",
}
# measure -> which cases (the time field a day or period is about) and the SLA flag
MEASURES = {
    "first_response": ("started_at", "answer_breached"),
    "resolution": ("resolved_at", "resolution_breached"),
}


def value_column(measure: str, clock: str) -> str:
    base = "first_response" if measure == "first_response" else "resolution"
    return f"{base}_business_seconds" if clock == "business" else f"{base}_seconds"


# The first-response distribution's bar edges (seconds), which must be bucket edges.
BAR_EDGES = (300, 900, 1800, 3600, 7200, 14400, 28800, 86400)
YEAR = 365 * 86400


def _edges() -> tuple[int, ...]:
    edges = list(range(61))  # 0, 1, … 60: one-second buckets below a minute
    while edges[-1] < YEAR:
        edges.append(edges[-1] + max(1, edges[-1] // 50))  # 2 % of the lower edge
    return tuple(sorted(set(edges) | set(BAR_EDGES)))


# Lower edges; bucket i holds [EDGES[i], EDGES[i + 1]), the last one everything above.
EDGES = _edges()
BUCKETS = len(EDGES)
_EDGE_ARRAY = np.array(EDGES, dtype=np.float64)


def bucket_of(seconds: float) -> int:
    return max(0, bisect_right(EDGES, seconds) - 1)


@dataclass
class Tally:
    """One group's cases: how many, how many measured (a duration), how many flagged
    (SLA breached) and reopened, and the measured durations' buckets."""

    cases: int = 0
    measured: int = 0
    flagged: int = 0
    reopened: int = 0
    buckets: Counter[int] = field(default_factory=Counter)

    def add(self, seconds: float | None, flagged: bool, reopened: bool) -> None:
        self.cases += 1
        self.flagged += flagged
        self.reopened += reopened
        if seconds is not None:
            self.measured += 1
            self.buckets[bucket_of(seconds)] += 1


def encode(groups: Sequence[Tally]) -> bytes:
    """(group, bucket, count) triples of the non-empty buckets, as little-endian int32."""
    flat = [
        n for g, tally in enumerate(groups) for b, c in tally.buckets.items() for n in (g, b, c)
    ]
    return zlib.compress(np.asarray(flat, dtype="<i4").tobytes())


def decode(cells: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(zlib.decompress(bytes(cells)), dtype="<i4").reshape(-1, 3)


def add_up(days: Iterable[tuple[list[int], bytes | memoryview]], size: int) -> np.ndarray:
    """Sum of the days' buckets: `size` groups by BUCKETS. Each day gives, per its group
    row, the row of the sum it adds to, and its encoded cells."""
    flat_index: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    for rows, cells in days:
        triples = decode(cells)
        if not len(triples):
            continue
        where = np.asarray(rows, dtype=np.int64)[triples[:, 0]]
        flat_index.append(where * BUCKETS + triples[:, 1])
        weights.append(triples[:, 2])
    if not flat_index:
        return np.zeros((size, BUCKETS), dtype=np.int64)
    sums = np.bincount(
        np.concatenate(flat_index), weights=np.concatenate(weights), minlength=size * BUCKETS
    )
    return sums.astype(np.int64).reshape(size, BUCKETS)


def percentiles(counts: np.ndarray, qs: Sequence[float], top: float) -> list[float | None]:
    """`qs` of one group's bucket counts, as `percentile_cont` (linear interpolation
    between the two nearest ranks); the values in a bucket are spread evenly from its
    lower edge. `top` is the longest duration, the upper end of the last bucket."""
    n = int(counts.sum())
    if n == 0:
        return [None for _ in qs]
    cumulative = np.cumsum(counts)

    def value(rank: int) -> float:  # the rank-th smallest (0-based)
        b = int(np.searchsorted(cumulative, rank, side="right"))
        before = int(cumulative[b - 1]) if b else 0
        low = _EDGE_ARRAY[b]
        high = _EDGE_ARRAY[b + 1] if b + 1 < BUCKETS else max(top, low)
        return float(low + (high - low) * (rank - before) / int(counts[b]))

    out: list[float | None] = []
    for q in qs:
        position = (n - 1) * q
        low = math.floor(position)
        high = min(low + 1, n - 1)
        a = value(low)
        out.append(a + (value(high) - a) * (position - low))
    return out


def bars(counts: np.ndarray) -> list[int]:
    """The distribution's bars: counts below each BAR_EDGES edge, and above the last."""
    cuts = [0, *(EDGES.index(edge) for edge in BAR_EDGES), BUCKETS]
    return [int(counts[a:b].sum()) for a, b in pairwise(cuts)]
