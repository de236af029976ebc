"""The supervisors' dashboard: the page, its live data, CSV exports and the definitions."""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from care.metrics import exports
from care.metrics.figures import CLOCKS, BadPeriod, Period, cached_figures, parse_period
from care.permissions import permission_required

DEFINITIONS = Path(settings.BASE_DIR) / "docs" / "metrics.md"


def _query(request: HttpRequest) -> tuple[Period, str]:
    clock = request.GET.get("clock", "business")
    if clock not in CLOCKS:
        raise BadPeriod(_("The clock is “business” or “calendar”."))
    return parse_period(request.GET.dict()), clock


@never_cache
@permission_required("care.view_dashboard")
def dashboard(request: HttpRequest) -> HttpResponse:
    """The page; `?partial=1` is its body alone, which the page fetches every 30 seconds."""
    try:
        period, clock = _query(request)
        error = ""
    except BadPeriod as exc:
        period, clock, error = Period.last_days(7), "business", str(exc)
    figures = cached_figures(period, clock)
    query = urlencode(
        {"from": figures["period"]["from"], "to": figures["period"]["to"], "clock": clock}
    )
    partial = request.GET.get("partial") == "1"
    return render(
        request,
        "care/_dashboard_body.html" if partial else "care/dashboard.html",
        {
            "figures": figures,
            "error": error,
            "clock": clock,
            "query": query,
            "nav_section": "dashboard",
        },
        status=400 if error else 200,
    )


@never_cache
@permission_required("care.view_dashboard")
def dashboard_export(request: HttpRequest, chart: str) -> HttpResponse:
    if chart not in exports.CHARTS:
        raise Http404(_("There is no chart called “%(chart)s”.") % {"chart": chart})
    try:
        period, clock = _query(request)
    except BadPeriod as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    header, rows = exports.rows(chart, cached_figures(period, clock))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"care-{chart}-{period.since.date()}-{period.until.date()}-{clock}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(exports.safe(row) for row in rows)
    return response


@permission_required("care.view_dashboard")
def definitions(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "care/metrics_definitions.html",
        {"body": _definitions_html(), "nav_section": "dashboard"},
    )


@cache
def _definitions_html() -> SafeString:
    from markdown_it import MarkdownIt

    # Our own file, not user input; headings get ids so each chart links to its section.
    html = MarkdownIt("commonmark").enable("table").render(DEFINITIONS.read_text("utf-8"))

    def anchor(match: re.Match[str]) -> str:
        level, text = match.group(1), match.group(2)
        return f'<h{level} id="{slugify(re.sub("<[^>]+>", "", text))}">{text}</h{level}>'

    return mark_safe(re.sub(r"<h([23])>(.*?)</h\1>", anchor, html))  # noqa: S308
