"""Who is calling (OAuth 1.0a user context or Bearer) and their 15-minute rate limits."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable
from urllib.parse import quote, unquote

from werkzeug.wrappers import Request

from simulator.x.state import XState

REAL_HOSTS = ("https://api.twitter.com", "https://api.x.com")  # what OAuth 1.0a signs
WINDOW = 15 * 60

# Requests per 15 minutes as (app-only Bearer, user context); None = app-only is refused.
RATE_LIMITS: dict[str, tuple[int | None, int]] = {
    "mentions": (450, 300),
    "user_tweets": (1500, 900),
    "search": (450, 300),
    "lookup": (3500, 5000),
    "users": (300, 900),
    "me": (None, 75),
    "create_tweet": (None, 100),
    "delete_tweet": (None, 50),
    "dm_read": (None, 15),
    "dm_write": (None, 15),
    "media": (None, 500),
    "like": (None, 50),
}
# Endpoints that also have a cap per 24 hours per user [RL]: POST /2/users/:id/likes allows
# 1,000 a day besides its 50 per 15 minutes.
DAILY_LIMITS: dict[str, int] = {"like": 1000}
DAY_WINDOW = 24 * 3600


def oauth_signature(method: str, url: str, pairs: Iterable[tuple[str, str]], key: str) -> str:
    """RFC 5849 HMAC-SHA1, as requests-oauthlib computes it for tweepy."""

    def enc(value: str) -> str:
        return quote(value, safe="~")

    params = "&".join(f"{k}={v}" for k, v in sorted((enc(k), enc(v)) for k, v in pairs))
    base = "&".join((method.upper(), enc(url), enc(params)))
    digest = hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class XAuth(XState):
    """Authentication and rate-limit buckets, checked by XPlatform.dispatch."""

    # --- HTTP: auth, rate limits ---------------------------------------------------------
    def _identify(self, request: Request, path: str) -> str | None:
        """ "app" for the app's Bearer token, "user" for the brand's user context, else None."""
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            if value and value == self.config.x_bearer_token:
                return "app"
            if value and value == self.config.x_access_token:
                return "user"  # an OAuth 2.0 user access token
            return None
        if scheme != "OAuth":
            return None
        params = {k: unquote(v) for k, v in re.findall(r'(\w+)="([^"]*)"', value)}
        if (
            params.get("oauth_consumer_key") != self.config.x_consumer_key
            or params.get("oauth_token") != self.config.x_access_token
            or params.get("oauth_signature_method") != "HMAC-SHA1"
        ):
            return None
        pairs = [(k, v) for k, v in params.items() if k not in ("oauth_signature", "realm")]
        pairs += list(request.args.items(multi=True))
        if request.mimetype == "application/x-www-form-urlencoded":
            pairs += list(request.form.items(multi=True))
        key = (
            f"{quote(self.config.x_consumer_secret, safe='~')}&"
            f"{quote(self.config.x_access_token_secret, safe='~')}"
        )
        given = params.get("oauth_signature", "")
        for host in REAL_HOSTS:
            if hmac.compare_digest(oauth_signature(request.method, host + path, pairs, key), given):
                return "user"
        return None

    def _limit_headers(
        self, endpoint: str, identity: str, *, take: bool
    ) -> tuple[bool, dict[str, str]]:
        """Count a call against its 15-minute window (per token, per endpoint)."""
        app_limit, user_limit = RATE_LIMITS[endpoint]
        limit = app_limit if identity == "app" and app_limit is not None else user_limit
        now = self.sim.clock.now()
        bucket = self.buckets.get((endpoint, identity))
        if bucket is None or now >= bucket[1]:
            bucket = [limit, int(now) + WINDOW]  # [remaining, reset]
            if take:
                self.buckets[(endpoint, identity)] = bucket
        daily = self._daily_bucket(endpoint, identity, now, take=take)
        allowed = True
        # Limits lifted (benchmarks): nothing is counted, so nothing runs out.
        if take and self.config.enforce_rate_limits:
            if bucket[0] > 0 and (daily is None or daily[0] > 0):
                bucket[0] -= 1
                if daily is not None:
                    daily[0] -= 1
            else:
                allowed = False
        headers = {
            "x-rate-limit-limit": str(limit),
            "x-rate-limit-remaining": str(bucket[0]),
            "x-rate-limit-reset": str(bucket[1]),
        }
        if daily is not None:
            headers.update(
                {
                    "x-user-limit-24hour-limit": str(DAILY_LIMITS[endpoint]),
                    "x-user-limit-24hour-remaining": str(daily[0]),
                    "x-user-limit-24hour-reset": str(daily[1]),
                }
            )
        return allowed, headers

    def _daily_bucket(
        self, endpoint: str, identity: str, now: float, *, take: bool
    ) -> list[int] | None:
        """The 24-hour bucket of an endpoint that has one (DAILY_LIMITS), else None."""
        if endpoint not in DAILY_LIMITS:
            return None
        key = (endpoint + ":24h", identity)
        bucket = self.buckets.get(key)
        if bucket is None or now >= bucket[1]:
            bucket = [DAILY_LIMITS[endpoint], int(now) + DAY_WINDOW]
            if take:
                self.buckets[key] = bucket
        return bucket
