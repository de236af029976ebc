"""Who may do what: permission checks shared by pages and the API."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
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

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and hasattr(user, "agent"))
