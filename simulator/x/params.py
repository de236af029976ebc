"""Request parameters as X checks them, snowflake ids and newest-first id pages."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request

from simulator.core import Ids
from simulator.x.errors import invalid

ID_PATTERN = re.compile(r"^[0-9]{1,19}$")
CURSOR_PREFIX = "7140dibdnow9"  # real next_tokens are opaque lowercase base36 strings


def snowflake_at(timestamp: float) -> int:
    """The smallest id a post made at `timestamp` can have."""
    return (int(timestamp * 1000) - Ids.X_EPOCH_MS) << 22


def encode_token(last_id: int) -> str:
    return CURSOR_PREFIX + base36(last_id)


def base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


def fields_param(request: Request, names: tuple[str, ...], valid: frozenset[str]) -> set[str]:
    out: set[str] = set()
    for name in names:
        for value in request.args.get(name, "").split(","):
            value = value.strip()
            if not value:
                continue
            if value not in valid:
                raise invalid(
                    name,
                    value,
                    f"The `{name}` query parameter value [{value}] is not "
                    f"one of [{','.join(sorted(valid))}]",
                )
            out.add(value)
    return out


def int_param(request: Request, name: str, low: int, high: int, default: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.strip().lstrip("-").isdigit():
        raise invalid(name, raw, f"The `{name}` query parameter value [{raw}] is not a number")
    value = int(raw)
    if not low <= value <= high:
        raise invalid(
            name, raw, f"The `{name}` query parameter value [{raw}] is not between {low} and {high}"
        )
    return value


def check_id(name: str, value: str) -> int:
    if not ID_PATTERN.match(value):
        raise invalid(
            name,
            value,
            f"The `{name}` query parameter value [{value}] does not match ^[0-9]{{1,19}}$",
        )
    return int(value)


def id_param(request: Request, name: str) -> int | None:
    raw = request.args.get(name)
    return None if raw is None else check_id(name, raw)


def time_param(request: Request, name: str) -> float | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(UTC).timestamp()
    except ValueError:
        raise invalid(
            name, raw, f"Invalid '{name}':'{raw}'. '{name}' must be a valid RFC 3339 timestamp."
        ) from None


def token_param(request: Request, *names: str) -> int | None:
    for name in names:
        raw = request.args.get(name)
        if raw is None:
            continue
        try:
            if raw.startswith(CURSOR_PREFIX):
                return int(raw[len(CURSOR_PREFIX) :], 36)
        except ValueError:
            pass
        raise invalid(name, raw, f"The `{name}` query parameter value [{raw}] is not valid")
    return None


def json_body(request: Request) -> dict[str, Any]:
    body = request.get_json(silent=True, force=True)
    if not isinstance(body, dict):
        raise invalid("body", "", "Request body must be a JSON object")
    return body


def page(
    ids: list[int], low: int, since: int | None, until: int | None, limit: int
) -> tuple[list[int], bool]:
    """Newest-first ids in (since, until) from ids[low:], and whether older ones remain."""
    start = low if since is None else max(low, bisect_right(ids, since))
    end = len(ids) if until is None else bisect_left(ids, until)
    if end <= start:
        return [], False
    first = max(start, end - limit)
    return ids[first:end][::-1], first > start


def lowest(*bounds: int | None) -> int | None:
    present = [b for b in bounds if b is not None]
    return min(present) if present else None


def highest(*bounds: int | None) -> int | None:
    present = [b for b in bounds if b is not None]
    return max(present) if present else None


def person_param(value: Any) -> dict[str, Any] | None:
    """An author/sender object from the control API (JSON only; anything else: generated)."""
    return value if isinstance(value, dict) else None
