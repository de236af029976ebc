"""The REST API's project-wide endpoints (the resources arrive with their apps)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.utils.decorators import method_decorator
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from care.models import Agent
from care.permissions import access_agent


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
    def get(self, request: Request) -> Response:
        return Response(AgentOutputSerializer(access_agent(request.user)).data)
