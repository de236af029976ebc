"""Refusals with a message for people and a code for programs."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler


class CareError(Exception):
    """A service refused an action; the message is shown to the user as it is."""

    def __init__(self, message: str, *, code: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every API error body is {"message", "code", "extra"}."""
    if isinstance(exc, CareError):
        return Response({"message": exc.message, "code": exc.code, "extra": exc.extra}, status=400)
    if isinstance(exc, ValidationError):
        detail: Any = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body: dict[str, Any] = {
            "message": "Invalid input.",
            "code": "invalid",
            "extra": {"fields": response.data},
        }
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        body = {"message": str(detail), "code": code, "extra": {}}
    response.data = body
    return response
