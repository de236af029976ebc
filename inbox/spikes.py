"""Is this window's volume a spike? A robust statistic over the usual level.

The usual level of a topic (or a channel) is its counts in the same 15-minute window of
the week, and in the windows up to an hour either side of it, over the last four weeks:
36 past windows. Their median is the usual level and their median absolute deviation
(MAD, times 1.4826 so it estimates a standard deviation for normal data) its spread; both
ignore the odd past spike, which a mean and a standard deviation would not. A window is a
spike when its count is at least:

- `median + z x max(spread, √median, 1)` (z = 6 by default). Counts of independent
  messages vary at least like a Poisson count, whose standard deviation is √mean, so the
  spread never goes below √median; the floor of 1 keeps a topic that is usually silent
  from alerting on two messages;
- `ratio x median` (3 by default: a busy topic must at least triple), and
- `min_count` (10 by default: a handful of messages is never a firestorm).

Plain functions; inbox/services/alerts.py counts the messages and raises the alerts.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class Level:
    median: float
    spread: float  # 1.4826 x MAD
    threshold: float

    def score(self, count: float) -> float:
        """How many spreads above the usual level (a robust z-score)."""
        return (count - self.median) / noise(self.median, self.spread)


def usual_level(
    history: Sequence[float], *, z: float = 6.0, ratio: float = 3.0, min_count: float = 10
) -> Level:
    median = statistics.median(history) if history else 0.0
    mad = statistics.median([abs(x - median) for x in history]) if history else 0.0
    spread = MAD_TO_SIGMA * mad
    threshold = max(median + z * noise(median, spread), ratio * median, min_count)
    return Level(median=median, spread=spread, threshold=threshold)


def noise(median: float, spread: float) -> float:
    return max(spread, math.sqrt(median), 1.0)


def is_spike(count: float, level: Level) -> bool:
    return count >= level.threshold
