"""GET /api/v1/metrics/: the dashboard's figures for other tools (supervisors' tokens)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.utils.decorators import method_decorator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from care.metrics.figures import CLOCKS, BadPeriod, cached_figures, parse_period
from care.permissions import HasPerm


@method_decorator(login_not_required, name="dispatch")
class MetricsApi(GenericAPIView):
    """The same figures as /dashboard/, defined in docs/metrics.md. Durations in seconds,
    shares in %, `previous` is the same-length period just before."""

    permission_classes = [IsAuthenticated, HasPerm.of("care.view_dashboard")]
    pagination_class = None

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="first day (local time)"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="last day, inclusive"),
            OpenApiParameter("days", OpenApiTypes.INT, description="the last N days (default 7)"),
            OpenApiParameter("clock", OpenApiTypes.STR, enum=list(CLOCKS)),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        clock = request.query_params.get("clock", "business")
        if clock not in CLOCKS:
            raise serializers.ValidationError({"clock": ["business or calendar"]})
        try:
            period = parse_period(request.query_params.dict())
        except BadPeriod as exc:
            raise serializers.ValidationError({"period": [str(exc)]}) from exc
        return Response(cached_figures(period, clock))
