"""The REST API's project-wide parts: pagination, the agent behind a request, agents.

The resources live with their apps (inbox/api.py, responses/api.py); docs/api.md.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field, Model, QuerySet
from django.utils import timezone
from django.utils.decorators import method_decorator
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import ISO_8601, generics, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from care.models import Agent
from care.permissions import HasPerm, access_agent


class TokenScheme(OpenApiAuthenticationExtension):
    """Tells the schema (and Swagger UI's Authorize button) about our bearer tokens."""

    target_class = "care.tokens.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "An API token (docs/api.md)."}


def api_agent(request: Request) -> Agent:
    """The agent behind an API request (IsAgent already let only agents in)."""
    return access_agent(request.user)


class CareListApi(generics.ListAPIView):
    """A list needing `care.work_inbox` (reading cases), as the inbox pages do."""

    permission_classes = [*generics.ListAPIView.permission_classes, HasPerm.of("care.work_inbox")]

    @property
    def schema_only(self) -> bool:
        return getattr(self, "swagger_fake_view", False)


# One field of QuickOutput's plan: name, how to read it, how to write it, the DRF field.
_Step = tuple[str, Callable[[Any], Any] | None, str, serializers.Field]


class QuickOutput(serializers.ModelSerializer):
    """A read-only ModelSerializer for lists of a hundred rows: the same JSON as DRF's
    `to_representation`, without its per-field, per-row machinery.

    DRF resolves every field of every row through `get_attribute` (sources, callables,
    errors), builds a PKOnlyObject per foreign key and asks for the current time zone per
    datetime: at 100 conversations that was most of the API's list time
    (docs/benchmarks.md, "The REST API at 1,000,000 messages"). Here each field's way is
    worked out once per serializer: a model column read directly, a foreign key's id from
    its column, a datetime in the request's time zone as DRF writes it; anything else
    (dotted sources, many-to-many, nested serializers, methods) through DRF's own path.
    """

    def _quick_plan(self) -> list[_Step]:
        plan: list[_Step] | None = self.__dict__.get("_plan")
        if plan is not None:
            return plan
        model: type[Model] = self.Meta.model
        plan = []
        for field in self._readable_fields:
            name, source = str(field.field_name), str(field.source)
            try:
                column = model._meta.get_field(source) if "." not in source else None
            except FieldDoesNotExist:
                column = None
            if not isinstance(column, Field) or not column.concrete or column.many_to_many:
                plan.append((name, None, "drf", field))
            elif (
                isinstance(field, serializers.PrimaryKeyRelatedField)
                and field.pk_field is None
                and field.use_pk_only_optimization()
            ):
                # DRF's pk-only path: the foreign key's column, never the related row.
                plan.append((name, attrgetter(column.attname), "raw", field))
            elif (
                isinstance(field, serializers.DateTimeField)
                and getattr(field, "format", api_settings.DATETIME_FORMAT)
                == api_settings.DATETIME_FORMAT
                == ISO_8601
                and not hasattr(field, "timezone")
            ):
                plan.append((name, attrgetter(source), "datetime", field))
            else:
                plan.append((name, attrgetter(source), "field", field))
        self.__dict__["_plan"] = plan
        return plan

    def to_representation(self, instance: Any) -> dict[str, Any]:
        zone = timezone.get_current_timezone() if settings.USE_TZ else None
        out: dict[str, Any] = {}
        for name, read, how, field in self._quick_plan():
            if read is None:  # DRF's own way, as Serializer.to_representation does it
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
                empty = value.pk if isinstance(value, PKOnlyObject) else value
                out[name] = None if empty is None else field.to_representation(value)
                continue
            value = read(instance)
            if value is None or how == "raw":
                out[name] = value
            elif how == "datetime" and zone is not None and value.utcoffset() is not None:
                text = value.astimezone(zone).isoformat()
                out[name] = text[:-6] + "Z" if text.endswith("+00:00") else text
            else:
                out[name] = field.to_representation(value)
        return out


class AgentOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agent
        fields = [
            "id",
            "display_name",
            "initials",
            "role",
            "languages",
            "capacity",
            "time_zone",
            "is_away",
        ]


# The API answers 401/403 itself instead of redirecting to the login page.
@method_decorator(login_not_required, name="dispatch")
class MeApi(APIView):
    @extend_schema(responses=AgentOutputSerializer)
    def get(self, request: Request) -> Response:
        return Response(AgentOutputSerializer(access_agent(request.user)).data)


@method_decorator(login_not_required, name="dispatch")
class AgentListApi(CareListApi):
    """The team, without secrets: no e-mail, no login, no tokens."""

    serializer_class = AgentOutputSerializer

    def get_queryset(self) -> QuerySet[Agent]:
        return Agent.objects.filter(user__is_active=True)


@method_decorator(login_not_required, name="dispatch")
class AgentDetailApi(generics.RetrieveAPIView):
    serializer_class = AgentOutputSerializer
    permission_classes = CareListApi.permission_classes

    def get_queryset(self) -> QuerySet[Agent]:
        return Agent.objects.filter(user__is_active=True)


# The schema and its docs: for the team only, like everything else; IsAgent refuses others.
@method_decorator(login_not_required, name="dispatch")
class SchemaApi(SpectacularAPIView):
    pass


@method_decorator(login_not_required, name="dispatch")
class DocsView(SpectacularSwaggerView):
    pass
