"""Build the simulator and serve it: `python -m simulator` or `start_in_thread()` in tests."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import cast

from werkzeug.serving import BaseWSGIServer, make_server

from simulator.core import SimConfig, Simulator
from simulator.graph_api import FacebookPlatform
from simulator.traffic import Traffic
from simulator.x_api import XPlatform


def build_simulator(config: SimConfig | None = None) -> Simulator:
    sim = Simulator(config)
    sim.register(XPlatform(sim), prefix="x")
    sim.register(FacebookPlatform(sim), prefix="graph")
    traffic = Traffic(sim)
    sim.control_handlers.append(traffic.control)
    sim.traffic = traffic  # type: ignore[attr-defined]
    return sim


@dataclass
class RunningSimulator:
    sim: Simulator
    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def base_url(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"

    @property
    def x(self) -> XPlatform:
        return cast(XPlatform, self.sim.platforms["x"])

    @property
    def facebook(self) -> FacebookPlatform:
        return cast(FacebookPlatform, self.sim.platforms["facebook"])

    @property
    def x_base_url(self) -> str:
        return f"{self.base_url}/x"

    @property
    def graph_base_url(self) -> str:
        return f"{self.base_url}/graph"

    def stop(self) -> None:
        traffic = getattr(self.sim, "traffic", None)
        if traffic is not None:
            traffic.stop()
        for platform in self.sim.platforms.values():
            stop = getattr(platform, "stop", None)
            if stop is not None:
                stop()
        self.server.shutdown()
        self.thread.join(timeout=5)


def start_in_thread(
    config: SimConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> RunningSimulator:
    """Serve a fresh simulator on a free port in this process (tests, benchmarks)."""
    sim = build_simulator(config)
    server = make_server(host, port, sim, threaded=True)
    # A short poll interval so stop() returns at once (tests start one per test).
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="simulator", daemon=True
    )
    thread.start()
    return RunningSimulator(sim=sim, server=server, thread=thread)
