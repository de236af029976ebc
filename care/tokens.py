"""API tokens: created in the UI, shown once, stored hashed, scoped, revocable (docs/api.md).

The services here are shared by the "API tokens" page (care/token_views.py) and by DRF
(`TokenAuthentication`, the throttles).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions, throttling
from rest_framework.request import Request

from care.audit import record_audit
from care.models import Agent, ApiToken

Scope = ApiToken.Scope
# last_used_at is written at most this often: not one UPDATE for every API request.
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    # SHA-256, not a password hasher: the token is 32 random bytes, so there is nothing
    # to brute-force from the hash, and each API request has to look it up quickly.
    return hashlib.sha256(token.encode()).hexdigest()


def oversees_tokens(agent: Agent) -> bool:
    """Supervisors and admins see and revoke everyone's tokens."""
    return agent.user.has_perm("care.view_dashboard")


def visible_api_tokens(agent: Agent) -> QuerySet[ApiToken]:
    tokens = ApiToken.objects.select_related("agent")
    return tokens if oversees_tokens(agent) else tokens.filter(agent=agent)


def access_api_token(agent: Agent, pk: int) -> ApiToken:
    token = visible_api_tokens(agent).filter(pk=pk).first()
    if token is None:
        raise Http404("token")
    return token


@transaction.atomic
def create_api_token(*, agent: Agent, name: str, scope: str) -> tuple[ApiToken, str]:
    """A new token for the agent; the plaintext is returned here and never again."""
    # Local: DRF loads this module from its settings, and care.errors imports DRF's views.
    from care.errors import CareError

    name = name.strip()
    if not name:
        raise CareError(_("Give the token a name."), code="empty")
    if scope not in Scope.values:
        raise CareError(_("Unknown scope."), code="bad_scope")
    plaintext = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        agent=agent,
        name=name[:80],
        prefix=plaintext[:8],
        secret_hash=hash_token(plaintext),
        scope=scope,
    )
    record_audit(actor=agent.user, verb="api_token_created", target=token, scope=scope)
    return token, plaintext


@transaction.atomic
def revoke_api_token(*, token: ApiToken, by: Agent) -> ApiToken:
    from care.errors import CareError

    if token.agent_id != by.pk and not oversees_tokens(by):
        raise CareError(_("You can only revoke your own tokens."), code="not_yours")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_audit(actor=by.user, verb="api_token_revoked", target=token)
    return token


def authenticate_api_token(plaintext: str) -> ApiToken | None:
    """The live token with this text, its agent still on the team; else None."""
    token = (
        ApiToken.objects.select_related("agent__user")
        .filter(secret_hash=hash_token(plaintext), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.agent.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>`; a wrong or revoked token is a 401."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid Authorization header."))
        try:
            plaintext = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        token = authenticate_api_token(plaintext)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        return token.agent.user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) when no credentials came.
        return 'Bearer realm="api"'


def token_allows(request: Request) -> bool:
    """A read-only token may only read."""
    token = request.auth
    if isinstance(token, ApiToken) and token.scope == Scope.READ:
        return request.method in ("GET", "HEAD", "OPTIONS")
    return True


class _ScopedThrottle(throttling.SimpleRateThrottle):
    """Per token (per user for a browser session); reads and writes counted apart."""

    safe: bool

    def allow_request(self, request: Request, view: Any) -> bool:
        if (request.method in ("GET", "HEAD", "OPTIONS")) != self.safe:
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ReadThrottle(_ScopedThrottle):
    scope = "read"
    safe = True


class WriteThrottle(_ScopedThrottle):
    scope = "write"
    safe = False
