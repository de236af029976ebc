"""Settings → SLA: business calendars with their holidays, and the SLA policies."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from care.errors import CareError
from care.permissions import access_agent, permission_required
from inbox.models import (
    BusinessCalendar,
    ChannelAccount,
    Conversation,
    Department,
    Holiday,
    SlaPolicy,
)
from inbox.services import sla

PRIORITIES = [("", gettext_lazy("Any priority")), *Conversation.Priority.choices]


class CalendarForm(forms.Form):
    name = forms.CharField(max_length=80, label=gettext_lazy("Name"))
    time_zone = forms.CharField(
        max_length=64, initial="Asia/Jakarta", label=gettext_lazy("Time zone")
    )
    is_default = forms.BooleanField(
        required=False,
        label=gettext_lazy("Default calendar"),
        help_text=gettext_lazy("For conversations no department has taken."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for day, label in sla.WEEKDAY_NAMES.items():
            self.fields[f"day_{day}"] = forms.CharField(
                required=False,
                max_length=100,
                label=label,
                help_text=gettext_lazy("e.g. 08:00-12:00, 13:00-17:00; empty: closed")
                if day == 1
                else "",
            )


class HolidayForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(max_length=120)


class PolicyForm(forms.Form):
    name = forms.CharField(max_length=80, label=gettext_lazy("Name"))
    priority = forms.TypedChoiceField(
        choices=PRIORITIES, coerce=int, empty_value=None, required=False,
        label=gettext_lazy("For priority"),
    )  # fmt: skip
    channel = forms.ModelChoiceField(
        queryset=ChannelAccount.objects.all(), required=False,
        empty_label=gettext_lazy("Any channel"), label=gettext_lazy("For channel"),
    )  # fmt: skip
    first_response_minutes = forms.IntegerField(
        min_value=1, max_value=60 * 24 * 30, label=gettext_lazy("First answer within (minutes)")
    )
    next_response_minutes = forms.IntegerField(
        min_value=1, max_value=60 * 24 * 30, label=gettext_lazy("Next answers within (minutes)")
    )
    resolution_minutes = forms.IntegerField(
        min_value=1, max_value=60 * 24 * 365, required=False,
        label=gettext_lazy("Resolved within (minutes, optional)"),
    )  # fmt: skip
    business_hours = forms.BooleanField(
        required=False, initial=True, label=gettext_lazy("Count business hours only")
    )
    escalate_on_breach = forms.ModelChoiceField(
        queryset=Department.objects.all(),
        required=False,
        empty_label=gettext_lazy("Nobody: the supervisors are told"),
        label=gettext_lazy("On a breach, escalate to"),
    )


@permission_required("care.manage_triage")
def sla_settings(request: HttpRequest) -> HttpResponse:
    calendars = BusinessCalendar.objects.prefetch_related("holidays", "departments")
    return render(
        request,
        "inbox/sla/index.html",
        {
            "calendars": calendars,
            "weekdays": [(str(day), label) for day, label in sla.WEEKDAY_NAMES.items()],
            "policies": SlaPolicy.objects.select_related("channel", "escalate_on_breach").order_by(
                "-priority", "channel_id", "name"
            ),
            "nav_section": "settings",
        },
    )


@permission_required("care.manage_triage")
def calendar_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    calendar = get_object_or_404(BusinessCalendar, pk=pk) if pk else None
    initial: dict[str, object] = {"time_zone": "Asia/Jakarta"}
    if calendar is not None:
        initial = {"name": calendar.name, "time_zone": calendar.time_zone,
                   "is_default": calendar.is_default}  # fmt: skip
        initial.update({f"day_{d}": (calendar.hours or {}).get(str(d), "") for d in sla.WEEKDAYS})
    form = CalendarForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = sla.save_calendar(
                calendar=calendar,
                name=data["name"],
                time_zone=data["time_zone"].strip(),
                hours={d: data[f"day_{d}"] for d in sla.WEEKDAYS},
                is_default=data["is_default"],
                by=access_agent(request.user),
            )
        except CareError as error:
            form.add_error("time_zone" if error.code == "time_zone" else None, error.message)
        else:
            messages.success(request, _("Calendar “%(name)s” saved.") % {"name": saved.name})
            return redirect("settings:calendar", pk=saved.pk)
    return render(
        request,
        "inbox/sla/calendar.html",
        {
            "form": form,
            "calendar": calendar,
            "holidays": calendar.holidays.all() if calendar else [],
            "holiday_form": HolidayForm(),
            "this_year": timezone.localdate().year,
            "nav_section": "settings",
        },
    )


@require_POST
@permission_required("care.manage_triage")
def calendar_holidays(request: HttpRequest, pk: int) -> HttpResponse:
    """Add one holiday, import a year of Indonesian public holidays, or remove one."""
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    agent = access_agent(request.user)
    if "remove" in request.POST:
        holiday = get_object_or_404(Holiday, pk=request.POST["remove"], calendar=calendar)
        sla.remove_holiday(holiday=holiday, by=agent)
        messages.success(request, _("Holiday removed."))
    elif "import_year" in request.POST:
        try:
            year = int(request.POST["import_year"])
        except ValueError:
            year = 0
        if not 2000 <= year <= 2100:
            messages.error(request, _("Choose a year between 2000 and 2100."))
        else:
            added = sla.import_public_holidays(calendar=calendar, year=year, by=agent)
            messages.success(
                request,
                _("%(count)s Indonesian public holidays of %(year)s added.")
                % {"count": added, "year": year},
            )
    else:
        form = HolidayForm(request.POST)
        if form.is_valid():
            sla.add_holiday(calendar=calendar, day=form.cleaned_data["date"],
                            name=form.cleaned_data["name"], by=agent)  # fmt: skip
            messages.success(request, _("Holiday added."))
        else:
            messages.error(request, _("Give the holiday a date and a name."))
    return redirect("settings:calendar", pk=calendar.pk)


@permission_required("care.manage_triage")
def policy_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    policy = get_object_or_404(SlaPolicy, pk=pk) if pk else None
    initial: dict[str, object] = {"business_hours": True}
    if policy is not None:
        initial = {
            "name": policy.name, "priority": policy.priority, "channel": policy.channel,
            "first_response_minutes": policy.first_response_minutes,
            "next_response_minutes": policy.next_response_minutes,
            "resolution_minutes": policy.resolution_minutes,
            "business_hours": policy.business_hours,
            "escalate_on_breach": policy.escalate_on_breach,
        }  # fmt: skip
    form = PolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = sla.save_policy(policy=policy, data=form.cleaned_data,
                                    by=access_agent(request.user))  # fmt: skip
        except CareError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Policy “%(name)s” saved.") % {"name": saved.name})
            return redirect("settings:sla")
    return render(
        request,
        "inbox/sla/policy.html",
        {"form": form, "policy": policy, "nav_section": "settings"},
    )


@require_POST
@permission_required("care.manage_triage")
def policy_delete(request: HttpRequest, pk: int) -> HttpResponse:
    policy = get_object_or_404(SlaPolicy, pk=pk)
    sla.delete_policy(policy=policy, by=access_agent(request.user))
    messages.success(request, _("Policy “%(name)s” deleted.") % {"name": policy.name})
    return redirect("settings:sla")
