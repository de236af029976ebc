from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the base template's navigation needs on every page."""
    user = request.user
    agent = getattr(user, "agent", None) if user.is_authenticated else None
    match = getattr(request, "resolver_match", None)
    return {
        "current_agent": agent,
        "nav_section": match.namespace or match.url_name if match else "",
    }
