"""care.api.QuickOutput writes exactly what DRF's own to_representation writes.

The API's list serializers skip DRF's per-field machinery for speed (docs/benchmarks.md,
"The REST API at 1,000,000 messages"); the JSON must not change by a character: nulls,
foreign keys as ids, slugs, tags, nested identities, datetimes in the active time zone.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework import serializers

from inbox.api import (
    AlertOutputSerializer,
    ConversationOutputSerializer,
    CustomerOutputSerializer,
    EscalationOutputSerializer,
    IdentityOutputSerializer,
    MessageOutputSerializer,
)
from inbox.models import Conversation, Customer, Escalation, Message, Tag, Topic, VolumeAlert
from inbox.services.conversations import assign_conversation
from tests.factories import (
    ConversationFactory,
    CustomerIdentityFactory,
    DepartmentFactory,
    MessageFactory,
)

pytestmark = pytest.mark.django_db


def drf(serializer_class: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The same serializer with DRF's own to_representation."""
    return type(
        f"Drf{serializer_class.__name__}",
        (serializer_class,),
        {"to_representation": serializers.Serializer.to_representation},
    )


def same(serializer_class: Any, rows: list[Any]) -> list[dict[str, Any]]:
    quick = serializer_class(rows, many=True).data
    plain = drf(serializer_class)(rows, many=True).data
    assert json.dumps(quick) == json.dumps(plain)
    return quick


@pytest.mark.parametrize("zone", ["UTC", "Asia/Jakarta", "America/St_Johns"])
def test_every_list_serializer_writes_what_drf_writes(agent, zone):
    department = DepartmentFactory.create(slug="billing")
    bare = MessageFactory.create().conversation  # no assignee, no department, no tags
    full = MessageFactory.create(
        conversation=ConversationFactory.create(
            department=department, status=Conversation.Status.RESOLVED, priority=30
        ),
        attachments=[{"type": "photo", "url": "https://example.com/a.jpg"}],
    ).conversation
    assign_conversation(conversation=full, assignee=agent, by=agent)
    full.tags.add(Tag.objects.create(name="refund"), Tag.objects.create(name="vip"))
    Conversation.objects.filter(pk=full.pk).update(
        resolved_at=timezone.now(), first_response_at=timezone.now() - timedelta(hours=1)
    )
    CustomerIdentityFactory.create(customer=full.customer, verified=True)
    escalation = Escalation.objects.create(
        conversation=full, department=department, raised_by=agent, summary="Refund"
    )
    window = timezone.now() - timedelta(minutes=10)
    common = {"window_start": window, "window_end": window + timedelta(minutes=10)}
    numbers = {"count": 40, "peak_count": 12, "usual": 4.0, "spread": 1.5, "threshold": 12.5}
    VolumeAlert.objects.create(
        kind=VolumeAlert.Kind.TOPIC, topic=Topic.objects.create(name="Billing"), **common, **numbers
    )
    VolumeAlert.objects.create(
        kind=VolumeAlert.Kind.CHANNEL,
        channel_account=full.channel_account,
        closed_at=timezone.now(),
        **common,
        **numbers,
    )
    conversations = list(
        Conversation.objects.filter(pk__in=[bare.pk, full.pk])
        .select_related("channel_account", "department")
        .prefetch_related("tags")
        .order_by("pk")
    )
    with timezone.override(zone):
        [plain_row, full_row] = same(ConversationOutputSerializer, conversations)
        same(MessageOutputSerializer, list(Message.objects.order_by("pk")))
        same(CustomerOutputSerializer, list(Customer.objects.prefetch_related("identities")))
        same(
            IdentityOutputSerializer,
            [i for c in Customer.objects.all() for i in c.identities.all()],
        )
        same(EscalationOutputSerializer, [escalation])
        alerts = same(AlertOutputSerializer, list(VolumeAlert.objects.select_related("topic")))
    assert plain_row["assignee"] is None and plain_row["department"] is None
    assert plain_row["tags"] == []
    assert full_row["assignee"] == agent.pk
    assert full_row["department"] == "billing"
    assert sorted(full_row["tags"]) == ["refund", "vip"]
    assert {a["topic"] for a in alerts} == {"Billing", None}
    if zone == "UTC":
        assert full_row["resolved_at"].endswith("Z")
