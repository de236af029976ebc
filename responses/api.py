"""Replies through the REST API (docs/api.md): list a conversation's replies, send one.

Sending calls `send_reply` with the client's `Idempotency-Key`: the same key returns the
same reply (200 instead of 201) and the platform sees one post, however often a tool
retries.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_not_required
from django.db.models import QuerySet
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from care.api import CareListApi, api_agent
from care.errors import CareError
from care.pagination import OldestFirstPagination
from inbox.api import api_conversation
from responses.models import Reply
from responses.services.outbox import send_reply

IDEMPOTENCY_HEADER = "Idempotency-Key"


class ReplyOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reply
        fields = [
            "id",
            "conversation",
            "author",
            "text",
            "private",
            "status",
            "delivery",
            "platform_id",
            "permalink",
            "error",
            "created_at",
            "sent_at",
        ]


class ReplyInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10000)
    private = serializers.BooleanField(default=False)


def idempotency_key(request: Request) -> uuid.UUID:
    raw = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not raw:
        raise CareError(
            _("Send an Idempotency-Key header (a UUID) so a retry never posts twice."),
            code="idempotency_key",
        )
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise CareError(
            _("The Idempotency-Key header must be a UUID."), code="idempotency_key"
        ) from None


@method_decorator(login_not_required, name="dispatch")
class ReplyListApi(CareListApi):
    """A conversation's replies with their delivery: status, platform id, link."""

    serializer_class = ReplyOutputSerializer
    pagination_class = OldestFirstPagination

    def get_queryset(self) -> QuerySet[Reply]:
        if self.schema_only:
            return Reply.objects.none()
        return api_conversation(self.request, self.kwargs["pk"]).replies.all()

    @extend_schema(
        request=ReplyInputSerializer,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                OpenApiTypes.UUID,
                OpenApiParameter.HEADER,
                required=True,
                description="A UUID the client makes per reply; a retry sends the same one.",
            )
        ],
        responses={
            201: ReplyOutputSerializer,
            200: ReplyOutputSerializer,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        """Queue a reply (or send it for approval): 201, or 200 when the key was seen."""
        key = idempotency_key(request)
        conversation = api_conversation(request, pk)
        data = ReplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        seen = Reply.objects.filter(idempotency_key=key).exists()
        reply = send_reply(
            conversation=conversation,
            by=api_agent(request),
            text=data.validated_data["text"],
            private=data.validated_data["private"],
            idempotency_key=key,
            # A tool has no "opened the page" moment to compare new activity against.
            confirmed=True,
        )
        return Response(ReplyOutputSerializer(reply).data, status=200 if seen else 201)
