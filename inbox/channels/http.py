"""The one seam where the platforms' base URLs are set.

tweepy hard-codes https://api.twitter.com and facebook-sdk https://graph.facebook.com/.
Rather than patch either library, each client gets a requests.Session whose adapter
rewrites those hosts to the configured base URL (X_API_BASE_URL, GRAPH_API_BASE_URL),
the platform simulator in the demo and tests. With the real base URLs nothing is
rewritten. OAuth 1.0a is signed before the adapter runs, so signatures still cover the
real URL, as X expects.
"""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter

X_REAL_BASE_URL = "https://api.twitter.com"
GRAPH_REAL_BASE_URL = "https://graph.facebook.com"
# Platform calls never hang a worker: connect and read timeouts, in seconds.
DEFAULT_TIMEOUT = (5.0, 30.0)


class RewritingAdapter(HTTPAdapter):
    """Sends requests for `real_base` to `base_url` instead, with a default timeout."""

    def __init__(self, real_base: str, base_url: str, timeout: Any = DEFAULT_TIMEOUT) -> None:
        super().__init__()
        self.real_base = real_base.rstrip("/")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        url = request.url or ""
        if url.startswith(self.real_base):
            request.url = self.base_url + url[len(self.real_base) :]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def platform_session(
    *, real_base: str, base_url: str, read_timeout: float | None = None
) -> requests.Session:
    """A session for one platform client; requests to `real_base` go to `base_url`."""
    session = requests.Session()
    timeout = (DEFAULT_TIMEOUT[0], read_timeout) if read_timeout else DEFAULT_TIMEOUT
    adapter = RewritingAdapter(real_base, base_url or real_base, timeout)
    session.mount(real_base, adapter)
    return session
