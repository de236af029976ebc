"""The API's pagination: a module of its own, as DRF loads it from the settings."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request

MAX_PAGE_SIZE = 100


class CarePagination(CursorPagination):
    """Cursor pages of 50 (`page_size` up to 100), newest first, by id: stable under inserts.

    A wrong `page_size` or cursor is a 400 with a message, not a silent default.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "-id"

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError(
                {"page_size": [_("A whole number from 1 to %(max)s.") % {"max": MAX_PAGE_SIZE}]}
            )
        return size

    def decode_cursor(self, request: Request) -> Any:
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError({"cursor": [_("Invalid cursor.")]}) from None


class OldestFirstPagination(CarePagination):
    """For a conversation's thread: messages and notes in the order they came."""

    ordering = "id"
