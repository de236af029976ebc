"""Serve the simulator: `python -m simulator --port 8700 --traffic-rate 6`.

Every option can also come from the environment (SIM_HOST, SIM_PORT, SIM_FACEBOOK_WEBHOOK_URL,
SIM_X_WEBHOOK_URL, SIM_TRAFFIC_RATE, SIM_TRAFFIC_MODE, SIM_SEED, SIM_NO_RATE_LIMITS);
the command line wins.
"""

from __future__ import annotations

import argparse
import os
import signal
from collections.abc import Mapping, Sequence
from types import FrameType

from werkzeug.serving import make_server

from simulator.core import SimConfig
from simulator.server import build_simulator
from simulator.traffic import MODES, Traffic


def parse_args(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
) -> argparse.Namespace:
    env = os.environ if environ is None else environ
    parser = argparse.ArgumentParser(
        prog="python -m simulator", description="X API v2 and Graph API simulator for care."
    )
    parser.add_argument("--host", default=env.get("SIM_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env.get("SIM_PORT", "8700")))
    parser.add_argument(
        "--facebook-webhook-url",
        default=env.get("SIM_FACEBOOK_WEBHOOK_URL", ""),
        help="where Page webhooks are POSTed (empty: not sent)",
    )
    parser.add_argument(
        "--x-webhook-url",
        default=env.get("SIM_X_WEBHOOK_URL", ""),
        help="where Account Activity webhooks are POSTed (empty: not sent)",
    )
    parser.add_argument(
        "--traffic-rate",
        type=float,
        default=float(env.get("SIM_TRAFFIC_RATE", "0")),
        help="customer events per minute over both platforms (0: no traffic)",
    )
    parser.add_argument(
        "--traffic-mode", choices=MODES, default=env.get("SIM_TRAFFIC_MODE", "normal")
    )
    parser.add_argument(
        "--no-rate-limits",
        action="store_true",
        default=env.get("SIM_NO_RATE_LIMITS", "").lower() in ("1", "true", "yes", "on"),
        help="lift the platforms' rate limits (benchmarks)",
    )
    parser.add_argument("--seed", type=int, default=int(env.get("SIM_SEED", "2026")))
    args = parser.parse_args(argv)
    if args.traffic_mode not in MODES:  # a bad SIM_TRAFFIC_MODE skips argparse's check
        parser.error(f"--traffic-mode must be one of {', '.join(MODES)}")
    return args


def config_from(args: argparse.Namespace) -> SimConfig:
    return SimConfig(
        facebook_webhook_url=args.facebook_webhook_url,
        x_webhook_url=args.x_webhook_url,
        seed=args.seed,
        enforce_rate_limits=not args.no_rate_limits,
    )


def stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # serve_forever ends on KeyboardInterrupt; SIGTERM (docker stop, honcho) then exits cleanly.
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    sim = build_simulator(config_from(args))
    traffic: Traffic = sim.traffic  # type: ignore[attr-defined]
    server = make_server(args.host, args.port, sim, threaded=True)
    base = f"http://{args.host}:{server.port}"
    if args.traffic_rate > 0:
        traffic.start(rate_per_minute=args.traffic_rate, mode=args.traffic_mode)
    print(
        f"simulator: X {base}/x  Graph {base}/graph  control {base}/_sim  "
        f"traffic {args.traffic_rate:g}/min {args.traffic_mode}",
        flush=True,
    )
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    try:
        server.serve_forever()
    finally:
        traffic.stop()
        for platform in sim.platforms.values():
            stop = getattr(platform, "stop", None)
            if stop is not None:
                stop()


if __name__ == "__main__":
    main()
