"""Reading Graph requests (`fields=` syntax, form values) and cursor paging."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request

from simulator.graph.errors import GraphErrors


@dataclass
class _Context:
    request: Request
    path: str
    version: str | None
    data: dict[str, Any]


@dataclass
class FieldSpec:
    """One entry of `fields=`: `messages.limit(5){message,from}` → name, mods, sub."""

    name: str
    mods: dict[str, str] = field(default_factory=dict)
    sub: dict[str, FieldSpec] | None = None


def parse_fields(spec: str | None) -> dict[str, FieldSpec] | None:
    if not spec:
        return None
    result: dict[str, FieldSpec] = {}
    for token in _split_top(spec):
        parsed = _parse_field(token.strip())
        if parsed.name:
            result[parsed.name] = parsed
    return result


def _split_top(spec: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(spec):
        if ch in "{(":
            depth += 1
        elif ch in "})":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(spec[start:i])
            start = i + 1
    parts.append(spec[start:])
    return [p for p in parts if p.strip()]


def _parse_field(token: str) -> FieldSpec:
    i = 0
    while i < len(token) and (token[i].isalnum() or token[i] == "_"):
        i += 1
    spec = FieldSpec(name=token[:i])
    rest = token[i:]
    while rest.startswith("."):
        name_end = rest.find("(")
        close = rest.find(")")
        if name_end < 0 or close < 0:
            break
        spec.mods[rest[1:name_end]] = rest[name_end + 1 : close]
        rest = rest[close + 1 :]
    if rest.startswith("{") and rest.endswith("}"):
        spec.sub = parse_fields(rest[1:-1]) or {}
    return spec


def _json_field(value: Any) -> Any:
    # facebook-sdk put_object form-encodes: nested objects arrive as json.dumps strings.
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _cursor(key: int) -> str:
    return base64.b64encode(str(key).encode()).decode()


def _uncursor(cursor: str) -> int | None:
    try:
        return int(base64.b64decode(cursor.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        return None


class GraphPaging(GraphErrors):
    """Field picking and cursor paging, shared by every edge."""

    @staticmethod
    def _pick(
        values: dict[str, Any], fields: dict[str, FieldSpec] | None, default: tuple[str, ...]
    ) -> dict[str, Any]:
        wanted = list(fields) if fields else list(default)
        if "id" not in wanted:
            wanted.append("id")  # the Graph API always returns the id
        return {name: values[name] for name in wanted if name in values}

    # --- paging ------------------------------------------------------------------------------
    def _page(
        self,
        ctx: _Context,
        edge_path: str,
        keyed: list[tuple[int, Any]],
        params: dict[str, Any],
        *,
        descending: bool,
        render: Any,
    ) -> dict[str, Any]:
        """Cursor paging as the Graph API does it: cursors, `next` only while more exist."""
        try:
            limit = max(1, min(100, int(params.get("limit") or 25)))
        except ValueError as exc:
            raise self._param_error("(#100) Param limit must be a number") from exc
        after = _uncursor(str(params["after"])) if params.get("after") else None
        before = _uncursor(str(params["before"])) if params.get("before") else None

        def beyond(key: int, cursor: int) -> bool:
            return key < cursor if descending else key > cursor

        start, end = 0, limit
        if after is not None:
            start = next((i for i, (k, _) in enumerate(keyed) if beyond(k, after)), len(keyed))
            end = start + limit
        elif before is not None:
            end = next((i for i, (k, _) in enumerate(keyed) if not beyond(before, k)), len(keyed))
            start = max(0, end - limit)
        chunk = keyed[start:end]
        result: dict[str, Any] = {"data": [render(item) for _, item in chunk]}
        if not chunk:
            return result
        first, last = _cursor(chunk[0][0]), _cursor(chunk[-1][0])
        paging: dict[str, Any] = {"cursors": {"before": first, "after": last}}
        if start + len(chunk) < len(keyed):
            paging["next"] = self._paging_url(ctx, edge_path, params, limit, after=last)
        if start > 0:
            paging["previous"] = self._paging_url(ctx, edge_path, params, limit, before=first)
        result["paging"] = paging
        return result

    def _paging_url(
        self,
        ctx: _Context,
        edge_path: str,
        params: dict[str, Any],
        limit: int,
        **cursor: str,
    ) -> str:
        # facebook-sdk's get_all_connections deletes access_token from this URL's query.
        query = {k: v for k, v in params.items() if k not in ("after", "before", "access_token")}
        query.update(access_token=self.config.fb_page_token, limit=str(limit), **cursor)
        request = ctx.request
        prefix = request.path[: len(request.path) - len(ctx.path)] if ctx.path else ""
        base = request.host_url.rstrip("/") + prefix
        version = f"/{ctx.version}" if ctx.version else ""
        return f"{base}{version}/{edge_path}?{urlencode(query)}"

    @staticmethod
    def _time_filter(items: list[Any], params: dict[str, Any], when: Any) -> list[Any]:
        since, until = params.get("since"), params.get("until")
        if since:
            items = [i for i in items if when(i) >= float(since)]
        if until:
            items = [i for i in items if when(i) <= float(until)]
        return items
