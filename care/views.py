"""Pages of the project as a whole: home, team, dashboard, settings, health."""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.i18n import set_language as django_set_language

from care import services
from care.forms import AgentForm, NewAgentForm, ProfileForm
from care.health import health_report
from care.models import Agent
from care.permissions import permission_required
from inbox.models import Department


def home(request: HttpRequest) -> HttpResponse:
    if request.user.has_perm("care.work_inbox"):
        return redirect("inbox:list")
    return redirect("settings:profile" if hasattr(request.user, "agent") else "team")


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    ok, report = health_report()
    return JsonResponse(report, status=200 if ok else 503)


@login_not_required
def team(request: HttpRequest) -> HttpResponse:
    """Public: the faces behind the initials that sign our replies."""
    agents = Agent.objects.filter(user__is_active=True).order_by("display_name")
    return render(request, "care/team.html", {"agents": agents})


@login_not_required
def agent_photo(request: HttpRequest, pk: int) -> FileResponse:
    agent = get_object_or_404(Agent, pk=pk, user__is_active=True)
    if not agent.photo:
        raise Http404
    content_type = mimetypes.guess_type(agent.photo.name)[0] or "application/octet-stream"
    response = FileResponse(agent.photo.open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=3600"
    return response


# The language switcher must work on the login page too.
set_language = login_not_required(django_set_language)


def settings_index(request: HttpRequest) -> HttpResponse:
    return render(request, "care/settings/index.html")


def profile(request: HttpRequest) -> HttpResponse:
    agent = getattr(request.user, "agent", None)
    if agent is None:
        raise Http404(_("Only members of the care team have a profile."))
    form = ProfileForm(request.POST or None, request.FILES or None, instance=agent)
    if request.method == "POST" and form.is_valid():
        services.update_agent(agent=agent, by=request.user, **form.cleaned_data)
        messages.success(request, _("Your profile is saved."))
        return redirect("settings:profile")
    return render(request, "care/settings/profile.html", {"form": form, "agent": agent})


@permission_required("care.manage_team")
def team_settings(request: HttpRequest) -> HttpResponse:
    agents = Agent.objects.select_related("user").prefetch_related("departments")
    return render(request, "care/settings/team.html", {"agents": agents})


@permission_required("care.manage_team")
def agent_new(request: HttpRequest) -> HttpResponse:
    form = NewAgentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        agent = services.create_agent(
            username=data["username"],
            email=data["email"],
            password=data["password"],
            display_name=data["display_name"],
            initials=data["initials"],
            role=data["role"],
            photo=data.get("photo") or None,
            languages=data["languages"],
            capacity=data["capacity"],
            departments=data["departments"],
            channels=data["channels"],
            by=request.user,
        )
        messages.success(request, _("%(name)s joined the team.") % {"name": agent.display_name})
        return redirect("settings:team")
    return render(request, "care/settings/agent_form.html", {"form": form, "agent": None})


@permission_required("care.manage_team")
def agent_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agent = get_object_or_404(Agent, pk=pk)
    previous_role = agent.role  # the form writes the new one onto the instance
    form = AgentForm(request.POST or None, request.FILES or None, instance=agent)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        role = data.pop("role")
        if role != previous_role:
            agent.role = previous_role
            services.set_agent_role(agent=agent, role=role, by=request.user)
        services.update_agent(agent=agent, by=request.user, **data)
        messages.success(request, _("%(name)s is saved.") % {"name": agent.display_name})
        return redirect("settings:team")
    return render(request, "care/settings/agent_form.html", {"form": form, "agent": agent})


def departments(request: HttpRequest) -> HttpResponse:
    rows = Department.objects.prefetch_related("members", "agents").order_by("name")
    return render(request, "care/settings/departments.html", {"departments": rows})
