"""Percentiles read from duration buckets (care/metrics/durations.py) against exact ones."""

from __future__ import annotations

import random
from itertools import pairwise

import numpy as np
import pytest

from care.metrics.durations import (
    BAR_EDGES,
    BUCKETS,
    EDGES,
    Tally,
    add_up,
    bars,
    bucket_of,
    decode,
    encode,
    percentiles,
)
from care.metrics.figures import percentile


def histogram(values: list[float]) -> np.ndarray:
    tally = Tally()
    for v in values:
        tally.add(v, flagged=False, reopened=False)
    return add_up([([0], encode([tally]))], 1)[0]


@pytest.mark.parametrize("seed", range(20))
def test_percentiles_are_within_a_second_plus_two_percent_of_the_exact_ones(seed):
    rng = random.Random(seed)  # noqa: S311 -- test data, not secrets
    # Response times as they come: seconds, minutes, hours, a few days; sizes 1 to 3,000.
    n = rng.choice([1, 2, 3, 10, 57, 400, 3000])
    scale = rng.choice([20, 600, 7200, 86400, 5 * 86400])
    values = sorted(rng.expovariate(1 / scale) for _ in range(n))
    got = percentiles(histogram(values), (0.5, 0.9), max(values))
    for q, estimate in zip((0.5, 0.9), got, strict=True):
        exact = percentile(values, q)
        assert exact is not None and estimate is not None
        assert abs(estimate - exact) <= 1 + 0.02 * exact, (n, scale, q)


def test_distinct_whole_seconds_under_a_minute_are_exact():
    values = [0.0, 5.0, 12.0, 45.0, 59.0]
    assert percentiles(histogram(values), (0.5, 0.9), 59.0) == [12.0, percentile(values, 0.9)]


def test_no_durations_give_no_percentile():
    assert percentiles(np.zeros(BUCKETS, dtype=np.int64), (0.5,), 0.0) == [None]


def test_the_distribution_bars_are_exact_counts():
    values = [0, 299.9, 300, 899, 900, 3599, 3600, 86399, 86400, 10 * 86400, 400 * 86400]
    expected = [0] * (len(BAR_EDGES) + 1)
    for v in values:
        expected[sum(1 for edge in BAR_EDGES if v >= edge)] += 1
    assert bars(histogram(values)) == expected


def test_days_add_up_by_group_and_round_trip_through_their_bytes():
    a, b = Tally(), Tally()
    for v in (10, 10, 700):
        a.add(v, flagged=False, reopened=False)
    b.add(700, flagged=True, reopened=True)
    b.add(None, flagged=False, reopened=False)  # not answered: counted, not measured
    assert (b.cases, b.measured, b.flagged, b.reopened) == (2, 1, 1, 1)
    day1 = encode([a, b])
    assert decode(day1).tolist() == [[0, 10, 2], [0, bucket_of(700), 1], [1, bucket_of(700), 1]]
    # The second day knows only group b, as its row 0: it adds to the sum's row 1.
    sums = add_up([([0, 1], day1), ([1], encode([b]))], 2)
    assert sums[0, 10] == 2 and sums[0, bucket_of(700)] == 1
    assert sums[1, bucket_of(700)] == 2
    assert sums.sum() == 5


def test_buckets_are_at_most_two_percent_wide_above_a_minute():
    assert EDGES[:61] == tuple(range(61))
    for low, high in pairwise(EDGES[60:]):
        assert high - low <= max(1, 0.02 * low)
    assert set(BAR_EDGES) <= set(EDGES)
