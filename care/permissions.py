"""Who may do what: permission checks shared by pages and the API."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from care.models import Agent

if TYPE_CHECKING:  # importing views here would be circular: DRF loads this module
    from rest_framework.views import APIView

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])


def permission_required(perm: str) -> Callable[[ViewFunc], ViewFunc]:
    """Like Django's, but a logged-in user without the permission gets our 403 page
    instead of a redirect to the login page they are already past."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def access_agent(user: AbstractBaseUser | AnonymousUser) -> Agent:
    """The care-team profile of a logged-in user, or 403 for anyone else."""
    agent = getattr(user, "agent", None) if user.is_authenticated else None
    if agent is None or not user.is_active:
        raise PermissionDenied
    return agent


class IsAgent(BasePermission):
    """The API's default: a logged-in, active member of the care team."""

    message = "You are not a member of the care team."

    def has_permission(self, request: Request, view: APIView) -> bool:
        from care.tokens import token_allows  # care.tokens imports this module's models

        user = request.user
        if not (user and user.is_authenticated and user.is_active and hasattr(user, "agent")):
            return False
        if not token_allows(request):
            self.message = _("This token is read-only.")
            return False
        return True


class HasPerm(BasePermission):
    """The API's version of `permission_required`: `HasPerm.of("care.view_dashboard")`."""

    perm = ""

    @classmethod
    def of(cls, perm: str) -> type[BasePermission]:
        return type(f"HasPerm_{perm.replace('.', '_')}", (cls,), {"perm": perm})

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user.has_perm(self.perm))
