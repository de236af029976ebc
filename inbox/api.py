"""The inbox's REST API (/api/v1/, docs/api.md): conversations, messages, notes, customers,
departments, escalations, channel health, alerts.

Reads go through `visible_conversations` / `access_conversation` like the pages; writes
call the services in inbox/services/conversations.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters
from django import forms
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from care.api import CareListApi, QuickOutput, api_agent
from care.models import Agent
from care.pagination import OldestFirstPagination
from care.permissions import HasPerm
from inbox.models import (
    ChannelAccount,
    Conversation,
    Customer,
    CustomerIdentity,
    Department,
    Escalation,
    InternalNote,
    Message,
    Topic,
    VolumeAlert,
)
from inbox.selectors import (
    ConversationMerged,
    access_conversation,
    visible_channel_ids,
    visible_conversations,
)
from inbox.services import conversations as conversation_services


def api_conversation(request: Request, pk: int) -> Conversation:
    """`access_conversation` for the API: 404 if not visible, merged ones say where to."""
    try:
        return access_conversation(api_agent(request), pk)
    except ConversationMerged as merged:
        raise exceptions.NotFound(
            _("This conversation was merged into #%(id)s.") % {"id": merged.target.pk}
        ) from None


# --- Serializers -------------------------------------------------------------------------


class TagNamesField(serializers.ListField):
    """A conversation's tag names, by name. A list page reads them for all its rows in one
    query (`with_tag_names`): prefetch_related made a related manager and a queryset per
    row, a fifth of a 100-row page's time. A single conversation reads its own."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=serializers.CharField(), read_only=True, source="*", **kwargs)

    def get_attribute(self, instance: Any) -> list[str]:
        conversation: Conversation = instance
        names: list[str] | None = getattr(conversation, "tag_names", None)
        if names is None:
            names = [tag.name for tag in conversation.tags.all()]
        return names


def with_tag_names(conversations: list[Conversation]) -> list[Conversation]:
    """Sets `tag_names` (sorted, as Tag's ordering) on each conversation: one query."""
    names: dict[int, list[str]] = {c.pk: [] for c in conversations}
    if names:
        rows = (
            Conversation.tags.through.objects.filter(conversation_id__in=list(names))
            .order_by("tag__name")
            .values_list("conversation_id", "tag__name")
        )
        for conversation_id, name in rows:
            names[conversation_id].append(name)
    for conversation in conversations:
        conversation.tag_names = names[conversation.pk]  # type: ignore[attr-defined]
    return conversations


class ConversationOutputSerializer(QuickOutput):
    department: serializers.SlugRelatedField[Department] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    tags = TagNamesField()
    platform = serializers.CharField(source="channel_account.platform", read_only=True)

    class Meta:
        model = Conversation
        fields = [
            "id",
            "channel_account",
            "platform",
            "customer",
            "status",
            "priority",
            "assignee",
            "department",
            "tags",
            "language",
            "sentiment",
            "intent",
            "preview",
            "opened_at",
            "first_response_at",
            "response_due_at",
            "resolved_at",
            "last_activity_at",
            "created_at",
            "updated_at",
        ]


class ConversationUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Conversation.Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Conversation.Priority.choices, required=False)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=Agent.objects.all(), allow_null=True, required=False
    )
    department = serializers.SlugRelatedField(
        slug_field="slug", queryset=Department.objects.all(), allow_null=True, required=False
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=50, required=False
    )


class MessageOutputSerializer(QuickOutput):
    class Meta:
        model = Message
        fields = [
            "id",
            "direction",
            "kind",
            "external_id",
            "in_reply_to_external_id",
            "author_identity",
            "author_agent",
            "text",
            "attachments",
            "platform_created_at",
            "received_at",
            "edited_at",
            "deleted_at",
            "permalink",
            "language",
            "sentiment",
            "intent",
        ]


class NoteOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = InternalNote
        fields = ["id", "conversation", "author", "text", "created_at"]


class NoteInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)


class IdentityOutputSerializer(QuickOutput):
    class Meta:
        model = CustomerIdentity
        fields = [
            "id",
            "platform",
            "external_id",
            "handle",
            "name",
            "avatar_url",
            "followers_count",
            "verified",
            "language",
        ]


class CustomerOutputSerializer(QuickOutput):
    identities = IdentityOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = ["id", "display_name", "is_vip", "merged_into", "created_at", "identities"]


class DepartmentOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "slug"]


class EscalationOutputSerializer(QuickOutput):
    department: serializers.SlugRelatedField[Department] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    class Meta:
        model = Escalation
        fields = [
            "id",
            "conversation",
            "department",
            "raised_by",
            "summary",
            "due_at",
            "created_at",
            "handed_back_at",
            "hand_back_note",
        ]


class ChannelHealthOutputSerializer(serializers.ModelSerializer):
    """Health only: a channel account's credentials never leave the server."""

    class Meta:
        model = ChannelAccount
        fields = ["id", "platform", "name", "status", "last_success_at", "last_error_at"]


class AlertOutputSerializer(QuickOutput):
    topic: serializers.StringRelatedField[Topic] = serializers.StringRelatedField()

    class Meta:
        model = VolumeAlert
        fields = [
            "id",
            "kind",
            "topic",
            "channel_account",
            "window_start",
            "window_end",
            "count",
            "usual",
            "threshold",
            "created_at",
            "closed_at",
        ]


# --- Filters -----------------------------------------------------------------------------


ID_MAX = 2**63 - 1


class IdFilter(django_filters.Filter):
    """A row id: a whole number, positive and within a bigint, else a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, min_value=1, max_value=ID_MAX, **kwargs)


class UtcDateTimeField(IsoDateTimeField):
    """ISO 8601, with any offset Python reads; turned to UTC so PostgreSQL never sees an
    offset it refuses (it stops at ±15:59) and a year 1 with an offset is a 400."""

    def to_python(self, value: Any) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise ValidationError(_("Out of range."), code="invalid") from None


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


class ConversationFilter(django_filters.FilterSet):
    """An unknown status, priority or a malformed id or date is a 400, never ignored."""

    status = django_filters.ChoiceFilter(choices=Conversation.Status.choices)
    priority = django_filters.TypedChoiceFilter(choices=Conversation.Priority.choices, coerce=int)
    assignee = IdFilter(field_name="assignee_id")
    department = django_filters.CharFilter(method="filter_department")
    channel = IdFilter(field_name="channel_account_id")
    tag = django_filters.CharFilter(field_name="tags__name")
    updated_after = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gt")

    class Meta:
        model = Conversation
        fields = [
            "status",
            "priority",
            "assignee",
            "department",
            "channel",
            "tag",
            "updated_after",
        ]

    def filter_department(
        self, queryset: QuerySet[Conversation], name: str, value: str
    ) -> QuerySet[Conversation]:
        """By slug, through the department's id in a subquery rather than a join: PostgreSQL
        then reads conv_department_id_idx newest first and stops at the page, where the join
        walked the ids of every conversation (docs/benchmarks.md). An unknown slug: none."""
        team = Department.objects.filter(slug=value).values("pk")[:1]
        return queryset.filter(department_id=Subquery(team))


# --- Views -------------------------------------------------------------------------------

_work_inbox = CareListApi.permission_classes


@method_decorator(login_not_required, name="dispatch")
class ConversationListApi(CareListApi):
    serializer_class = ConversationOutputSerializer
    filterset_class = ConversationFilter

    def get_queryset(self) -> QuerySet[Conversation]:
        if self.schema_only:
            return Conversation.objects.none()
        # The channel account (for `platform`) prefetched, not joined: two or three rows
        # read once, instead of 25 columns (cursors, credentials…) parsed again per row.
        return (
            visible_conversations(api_agent(self.request))
            .select_related("department")
            .prefetch_related("channel_account")
        )

    def paginate_queryset(self, queryset: QuerySet[Any]) -> list[Any] | None:
        page = super().paginate_queryset(queryset)
        return None if page is None else with_tag_names(list(page))


@method_decorator(login_not_required, name="dispatch")
class ConversationDetailApi(generics.GenericAPIView):
    serializer_class = ConversationOutputSerializer
    permission_classes = _work_inbox
    queryset = Conversation.objects.none()  # for the schema; reads use api_conversation

    def get(self, request: Request, pk: int) -> Response:
        return Response(ConversationOutputSerializer(api_conversation(request, pk)).data)

    @extend_schema(request=ConversationUpdateSerializer, responses=ConversationOutputSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        """Change status, priority, assignee, department or tags (the full list)."""
        agent = api_agent(request)
        conversation = api_conversation(request, pk)
        data = ConversationUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes: dict[str, Any] = data.validated_data
        if "status" in changes:
            conversation_services.change_status(
                conversation=conversation, status=changes["status"], by=agent
            )
        if "priority" in changes:
            conversation_services.set_priority(
                conversation=conversation, priority=changes["priority"], by=agent
            )
        if "assignee" in changes and changes["assignee"] != conversation.assignee:
            conversation_services.assign_conversation(
                conversation=conversation, assignee=changes["assignee"], by=agent
            )
        if "department" in changes:
            conversation_services.set_department(
                conversation=conversation, department=changes["department"], by=agent
            )
        if "tags" in changes:
            wanted = conversation_services.clean_tag_names(changes["tags"])
            current = list(conversation.tags.values_list("name", flat=True))
            conversation_services.tag_conversation(
                conversation=conversation,
                add=[name for name in wanted if name not in current],
                remove=[name for name in current if name not in wanted],
                by=agent,
            )
        return Response(ConversationOutputSerializer(api_conversation(request, pk)).data)


@method_decorator(login_not_required, name="dispatch")
class MessageListApi(CareListApi):
    """A conversation's messages, oldest first."""

    serializer_class = MessageOutputSerializer
    pagination_class = OldestFirstPagination

    def get_queryset(self) -> QuerySet[Message]:
        if self.schema_only:
            return Message.objects.none()
        conversation = api_conversation(self.request, self.kwargs["pk"])
        return conversation.messages.all()


@method_decorator(login_not_required, name="dispatch")
class NoteListApi(CareListApi):
    """Internal notes: the team's, never posted to the customer."""

    serializer_class = NoteOutputSerializer
    pagination_class = OldestFirstPagination

    def get_queryset(self) -> QuerySet[InternalNote]:
        if self.schema_only:
            return InternalNote.objects.none()
        return api_conversation(self.request, self.kwargs["pk"]).notes.all()

    @extend_schema(request=NoteInputSerializer, responses={201: NoteOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        conversation = api_conversation(request, pk)
        data = NoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = conversation_services.add_note(
            conversation=conversation, text=data.validated_data["text"], by=api_agent(request)
        )
        return Response(NoteOutputSerializer(note).data, status=201)


def _visible_customers(agent: Agent) -> QuerySet[Customer]:
    customers = Customer.objects.prefetch_related("identities")
    channel_ids = visible_channel_ids(agent)
    if channel_ids is None:
        return customers
    # EXISTS, not a join + DISTINCT: PostgreSQL walks the customers newest first and stops
    # at a page, instead of sorting every customer of the channels (a page deep into
    # 150,000 customers took 470 ms; docs/benchmarks.md).
    wrote = Conversation.objects.filter(customer=OuterRef("pk"), channel_account_id__in=channel_ids)
    return customers.filter(Exists(wrote))


@method_decorator(login_not_required, name="dispatch")
class CustomerListApi(CareListApi):
    """Customers who wrote to a channel the agent works, with their identities."""

    serializer_class = CustomerOutputSerializer

    def get_queryset(self) -> QuerySet[Customer]:
        if self.schema_only:
            return Customer.objects.none()
        return _visible_customers(api_agent(self.request))


@method_decorator(login_not_required, name="dispatch")
class CustomerDetailApi(generics.RetrieveAPIView):
    serializer_class = CustomerOutputSerializer
    permission_classes = _work_inbox

    def get_queryset(self) -> QuerySet[Customer]:
        if getattr(self, "swagger_fake_view", False):
            return Customer.objects.none()
        return _visible_customers(api_agent(self.request))


@method_decorator(login_not_required, name="dispatch")
class DepartmentListApi(CareListApi):
    serializer_class = DepartmentOutputSerializer
    queryset = Department.objects.all()


@method_decorator(login_not_required, name="dispatch")
class EscalationListApi(CareListApi):
    """Escalations of the conversations the agent may see."""

    serializer_class = EscalationOutputSerializer

    def get_queryset(self) -> QuerySet[Escalation]:
        if self.schema_only:
            return Escalation.objects.none()
        visible = visible_conversations(api_agent(self.request))
        return Escalation.objects.filter(conversation__in=visible).select_related("department")


@method_decorator(login_not_required, name="dispatch")
class ChannelHealthListApi(generics.ListAPIView):
    """Supervisors: how each channel account is doing. Never its credentials."""

    serializer_class = ChannelHealthOutputSerializer
    permission_classes = [
        *generics.ListAPIView.permission_classes,
        HasPerm.of("care.view_dashboard"),
    ]
    queryset = ChannelAccount.objects.all()


@method_decorator(login_not_required, name="dispatch")
class AlertListApi(CareListApi):
    """Early-warning alerts: topics or channels far above their usual volume."""

    serializer_class = AlertOutputSerializer
    queryset = VolumeAlert.objects.select_related("topic")
