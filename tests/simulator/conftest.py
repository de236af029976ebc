"""A fresh simulator on a free port for each test, and the real clients pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulator.server import RunningSimulator, start_in_thread


@pytest.fixture
def sim() -> Iterator[RunningSimulator]:
    running = start_in_thread()
    try:
        yield running
    finally:
        running.stop()
