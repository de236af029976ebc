"""The simulator's shared parts: clock, ids, faults, JSON responses and the WSGI router.

One process plays both platforms, behind three prefixes:

XX
    /graph/...  Graph API       (facebook-sdk's https://graph.facebook.com/ is rewritten to here)
    /_sim/...   control API     (inject posts, set faults, read what the brand published)

Each platform is an object with the small `SimPlatform` interface; the core applies
faults and routes requests, the platforms keep their own state under the one lock.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

# "latency" sleeps before the platform runs; "slow_response" lets the platform do the work
# (a tweet is posted, a message sent) and then sleeps before answering, so a client with a
# shorter timeout gives up on a call that did succeed.
FAULT_KINDS = (
    "rate_limit",
    "server_error",
    "latency",
    "slow_response",
    "token_expired",
    "token_revoked",
)


@dataclass(frozen=True)
class SimConfig:
    """The simulated world. Defaults match the demo's channel accounts (care/demo.py)."""

    # The brand's X account and its tokens.
    x_user_id: str = "1600000000000000001"
    x_username: str = "NusantaraCares"
    x_name: str = "Nusantara Tech Care"
    x_bearer_token: str = "sim-x-bearer-token"  # noqa: S105 -- simulator placeholder
    x_consumer_key: str = "sim-x-consumer-key"
    x_consumer_secret: str = "sim-x-consumer-secret"  # noqa: S105
    x_access_token: str = "sim-x-access-token"  # noqa: S105
    x_access_token_secret: str = "sim-x-access-token-secret"  # noqa: S105
    # The brand's Facebook Page, its token and the app's webhook secret.
    fb_page_id: str = "104000000000001"
    fb_page_name: str = "Nusantara Tech Indonesia"
    fb_page_token: str = "sim-fb-page-token"  # noqa: S105
    fb_app_id: str = "900000000000001"
    fb_app_secret: str = "sim-fb-app-secret"  # noqa: S105
    fb_verify_token: str = "sim-fb-verify-token"  # noqa: S105
    # Where webhooks are delivered ("" = not delivered).
    facebook_webhook_url: str = ""
    x_webhook_url: str = ""
    seed: int = 2026
    # Real limits by default; benchmarks lift them to measure care, not X's quotas.
    enforce_rate_limits: bool = True
    x_mentions_reach: int = 800  # only the newest 800 mentions are reachable on X


class Clock:
    """Wall time plus an offset tests can move forward (rate-limit windows, 24 h windows)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def reset(self) -> None:
        self.offset = 0.0


class Ids:
    """Increasing ids. X ids are snowflake-like (time-ordered 19 digits), as real ones are."""

    X_EPOCH_MS = 1288834974657  # Twitter's snowflake epoch

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._last_x = 0
        self._fb = itertools.count(1)

    def x_id(self) -> str:
        with self._lock:
            candidate = (int(self.clock.now() * 1000) - self.X_EPOCH_MS) << 22
            self._last_x = max(candidate, self._last_x + 1)
            return str(self._last_x)

    def fb_id(self) -> str:
        # Facebook object ids are opaque digit strings; 15-17 digits like the real ones.
        with self._lock:
            return str(122000000000000 + next(self._fb))


@dataclass
class Fault:
    platform: str  # "x" or "facebook"
    kind: str  # one of FAULT_KINDS
    remaining: int | None = 1  # calls it still affects; None = until cleared
    reset_in: int = 900  # rate_limit: seconds until the window resets
    latency_ms: int = 0  # latency / slow_response: added to each affected call
    code: int | None = None  # Graph API: which rate-limit code (4/17/32/613) or 190 subcode
    id: int = 0
    created_at: float = field(default_factory=time.time)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Faults:
    """Faults set through /_sim/faults; each call to a platform consumes at most one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add(self, fault: Fault) -> Fault:
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}; one of {', '.join(FAULT_KINDS)}")
        if fault.platform not in ("x", "facebook"):
            raise ValueError("platform must be 'x' or 'facebook'")
        if fault.kind == "slow_response" and fault.latency_ms <= 0:
            raise ValueError("slow_response needs latency_ms > 0")
        with self._lock:
            fault.id = next(self._ids)
            self._faults.append(fault)
        return fault

    def take(self, platform: str) -> Fault | None:
        """The first active fault for this platform, counting this call against it."""
        with self._lock:
            for fault in self._faults:
                if fault.platform != platform:
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                return fault
        return None

    def clear(self, platform: str | None = None) -> None:
        with self._lock:
            self._faults = [f for f in self._faults if platform and f.platform != platform]

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.as_dict() for f in self._faults]


def json_response(
    data: Any,
    status: int = 200,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json; charset=utf-8",
) -> Response:
    # Both platforms always send a JSON content type; facebook-sdk raises KeyError without one.
    return Response(
        json.dumps(data, ensure_ascii=False),
        status=status,
        headers=headers or {},
        content_type=content_type,
    )


def request_data(request: Request) -> dict[str, Any]:
    """Form fields or a JSON body, as both platforms accept either."""
    if request.mimetype == "application/json":
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else {}
    data: dict[str, Any] = dict(request.form.items())
    return data


class SimPlatform(Protocol):
    """What the core needs from a platform."""

    name: str  # "x" or "facebook": the fault key and the control-API prefix

    def dispatch(self, request: Request, path: str) -> Response:
        """Answer an API call; `path` is what follows the platform prefix, with a leading /."""
        ...

    def fault_response(self, fault: Fault, request: Request) -> Response | None:
        """The platform's real answer to a fault (429 body and headers, 5xx…), or None."""
        ...

    def control(self, request: Request, path: str) -> Response | None:
        """Handle /_sim/<name>/<path> (inject posts…); None when the path is unknown."""
        ...

    def published(self) -> list[dict[str, Any]]:
        """Everything the brand published, oldest first."""
        ...

    def stats(self) -> dict[str, Any]: ...

    def reset(self) -> None: ...


class Simulator:
    """The WSGI application: routes by prefix and applies faults before the platform runs."""

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        self.clock = Clock()
        self.ids = Ids(self.clock)
        self.faults = Faults()
        # One lock for all platform state: calls are short and a simple lock cannot deadlock.
        self.lock = threading.RLock()
        self.platforms: dict[str, SimPlatform] = {}
        self.prefixes: dict[str, str] = {}  # URL prefix -> platform name
        self.control_handlers: list[Any] = []  # extra /_sim handlers (traffic generator)
        self.requests_served = 0

    def register(self, platform: SimPlatform, *, prefix: str) -> None:
        self.platforms[platform.name] = platform
        self.prefixes[prefix] = platform.name

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            response = self.handle(request)
        except HTTPException as exc:
            response = json_response({"error": exc.description}, status=exc.code or 500)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        head, _, rest = request.path.lstrip("/").partition("/")
        if head == "_sim":
            return self.control(request, "/" + rest)
        if head in self.prefixes:
            platform = self.platforms[self.prefixes[head]]
            self.requests_served += 1
            fault = self.faults.take(platform.name)
            if fault is None:
                return platform.dispatch(request, "/" + rest)
            if fault.kind == "slow_response":
                # The work is done (and visible to other callers) before the answer is late.
                response = platform.dispatch(request, "/" + rest)
                time.sleep(fault.latency_ms / 1000)
                return response
            if fault.kind == "latency":
                time.sleep(fault.latency_ms / 1000)
            else:
                faulted = platform.fault_response(fault, request)
                if faulted is not None:
                    return faulted
            return platform.dispatch(request, "/" + rest)
        return json_response({"error": f"no such path {request.path}"}, status=404)

    # --- /_sim control API ------------------------------------------------------------
    def control(self, request: Request, path: str) -> Response:
        if path in ("/", ""):
            return json_response(self.state())
        if path == "/reset" and request.method == "POST":
            self.reset()
            return json_response({"reset": True})
        if path == "/published":
            items: list[dict[str, Any]] = []
            for platform in self.platforms.values():
                items.extend(platform.published())
            items.sort(key=lambda item: item.get("published_at", 0))
            return json_response({"data": items})
        if path == "/faults":
            return self.control_faults(request)
        if path == "/clock" and request.method == "POST":
            body = request_data(request)
            self.clock.advance(float(body.get("advance_seconds", 0)))
            return json_response({"now": self.clock.now(), "offset": self.clock.offset})
        for handler in self.control_handlers:
            handled = handler(request, path)
            if handled is not None:
                return handled
        name, _, rest = path.lstrip("/").partition("/")
        if name in self.platforms:
            with self.lock:
                handled = self.platforms[name].control(request, "/" + rest)
            if handled is not None:
                return handled
        return json_response({"error": f"unknown control path {path}"}, status=404)

    def control_faults(self, request: Request) -> Response:
        if request.method == "GET":
            return json_response({"data": self.faults.list()})
        if request.method == "DELETE":
            self.faults.clear(request.args.get("platform"))
            return json_response({"data": []})
        body = request_data(request)
        try:
            # A token stays expired until the fault is cleared (a new token is "issued").
            kind = str(body.get("kind", ""))
            remaining = body.get("count", None if kind.startswith("token") else 1)
            fault = self.faults.add(
                Fault(
                    platform=str(body.get("platform", "")),
                    kind=str(body.get("kind", "")),
                    remaining=None if remaining is None else int(remaining),
                    reset_in=int(body.get("reset_in", 900)),
                    latency_ms=int(body.get("latency_ms", 0)),
                    code=int(body["code"]) if body.get("code") is not None else None,
                )
            )
        except (TypeError, ValueError) as exc:
            return json_response({"error": str(exc)}, status=400)
        return json_response({"data": fault.as_dict()}, status=201)

    def state(self) -> dict[str, Any]:
        return {
            "now": self.clock.now(),
            "requests_served": self.requests_served,
            "faults": self.faults.list(),
            "platforms": {name: p.stats() for name, p in self.platforms.items()},
        }

    def reset(self) -> None:
        with self.lock:
            self.faults.clear()
            self.clock.reset()
            for platform in self.platforms.values():
                platform.reset()
