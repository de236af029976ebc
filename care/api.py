"""The REST API's project-wide parts: pagination, the agent behind a request, agents.

The resources live with their apps (inbox/api.py, responses/api.py); docs/api.md.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db.models import QuerySet
from django.utils.decorators import method_decorator
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
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
