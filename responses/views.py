"""Settings → Saved replies (supervisors keep them) and the reply box's `;` picker."""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from care.errors import CareError
from care.permissions import access_agent, permission_required
from inbox import selectors
from inbox.selectors import ConversationMerged
from responses.models import CannedResponse, CannedWording
from responses.services import canned as saved

Language = CannedResponse.Language
# Wordings are written in one box, a line of dashes between them: quick to type, and
# nothing to click to add "one more".
WORDING_BREAK = re.compile(r"^[ \t]*-{3,}[ \t]*$", re.MULTILINE)
SEPARATOR = "\n---\n"


class CannedForm(forms.Form):
    title = forms.CharField(max_length=100, label=gettext_lazy("Title"))
    language = forms.ChoiceField(choices=Language.choices, label=gettext_lazy("Language"))
    shortcut = forms.CharField(
        required=False,
        max_length=100,
        label=gettext_lazy("Search words"),
        help_text=gettext_lazy(
            "Typing ; and one of these words in the reply box finds it too, e.g. ship kirim."
        ),
    )
    wordings = forms.CharField(
        max_length=30_000,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "true"}),
        label=gettext_lazy("Wordings"),
        help_text=gettext_lazy(
            "Two or three ways of saying it, so replies do not all read the same: put a line "
            "with --- between them. Variables: {customer_name}, {agent_first_name}, "
            "{case_number}."
        ),
    )
    is_active = forms.BooleanField(required=False, initial=True, label=gettext_lazy("Active"))

    def clean_wordings(self) -> list[str]:
        return WORDING_BREAK.split(self.cleaned_data["wordings"])


# Which field shows a service's refusal.
ERROR_FIELDS = {
    "no_title": "title",
    "duplicate": "title",
    "language": "language",
    "no_wording": "wordings",
    "too_long": "wordings",
    "placeholder": "wordings",
}


def _list_url(language: str = "") -> str:
    url = reverse("responses:canned")
    return f"{url}?language={language}" if language else url


@permission_required("care.manage_triage")
def canned_list(request: HttpRequest) -> HttpResponse:
    language = request.GET.get("language", "")
    if language not in Language.values:
        language = ""
    canned = CannedResponse.objects.prefetch_related("wordings")
    if language:
        canned = canned.filter(language=language)
    tabs = [("", _("All")), *Language.choices]
    return render(
        request,
        "responses/canned_list.html",
        {
            "canned_list": canned,
            "language": language,
            "tabs": tabs,
            "variables": [f"{{{name}}}" for name in saved.PLACEHOLDERS],
            "nav_section": "settings",
        },
    )


@permission_required("care.manage_triage")
def canned_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    canned = get_object_or_404(CannedResponse, pk=pk) if pk else None
    initial: dict[str, object] = {"is_active": True, "language": request.GET.get("language")}
    if canned is not None:
        initial = {
            "title": canned.title,
            "language": canned.language,
            "shortcut": canned.shortcut,
            "wordings": SEPARATOR.join(w.text for w in canned.wordings.all()),
            "is_active": canned.is_active,
        }
    form = CannedForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        agent = access_agent(request.user)
        try:
            if canned is None:
                canned = saved.create_canned(by=agent, **form.cleaned_data)
            else:
                saved.update_canned(canned=canned, by=agent, **form.cleaned_data)
        except CareError as error:
            form.add_error(ERROR_FIELDS.get(error.code), error.message)
        else:
            messages.success(request, _("Saved reply “%(title)s” saved.") % {"title": canned.title})
            return redirect(_list_url(canned.language))
    return render(
        request,
        "responses/canned_form.html",
        {"form": form, "canned": canned, "nav_section": "settings"},
    )


@permission_required("care.manage_triage")
def canned_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first (a page that works without JavaScript); POST deletes."""
    canned = get_object_or_404(CannedResponse, pk=pk)
    if request.method == "POST":
        saved.delete_canned(canned=canned, by=access_agent(request.user))
        messages.success(request, _("Saved reply “%(title)s” deleted.") % {"title": canned.title})
        return redirect(_list_url(canned.language))
    return render(
        request,
        "responses/canned_delete.html",
        {"canned": canned, "nav_section": "settings"},
    )


@require_GET
@permission_required("care.work_inbox")
def canned_search(request: HttpRequest) -> JsonResponse:
    """The `;` picker: up to 8 saved replies, each already filled in for this
    conversation and this agent."""
    agent = access_agent(request.user)
    try:
        conversation = selectors.access_conversation(
            agent, int(request.GET.get("conversation", ""))
        )
    except (ValueError, Http404, ConversationMerged):
        return JsonResponse(
            {"message": _("This conversation no longer exists."), "code": "gone"}, status=404
        )
    suggestions = saved.suggest_canned(
        request.GET.get("q", "")[:100], conversation=conversation, agent=agent
    )
    count = len(suggestions)
    return JsonResponse(
        {
            "results": [
                {
                    "id": suggestion.canned.pk,
                    "title": suggestion.canned.title,
                    "language": suggestion.canned.language,
                    "text": suggestion.text,
                    "wording": suggestion.wording.pk,
                    "used_url": reverse("responses:wording-used", args=[suggestion.wording.pk]),
                }
                for suggestion in suggestions
            ],
            # The picker's words, in the agent's language.
            "label": _("Saved replies"),
            "empty": _("No saved reply matches."),
            "status": ngettext("%(count)s saved reply", "%(count)s saved replies", count)
            % {"count": count},
        }
    )


@require_POST
@permission_required("care.work_inbox")
def wording_used(request: HttpRequest, pk: int) -> HttpResponse:
    """The picker inserted this wording: the agent gets another one next time."""
    wording = get_object_or_404(CannedWording, pk=pk, canned__is_active=True)
    saved.record_wording_use(wording=wording, agent=access_agent(request.user))
    return HttpResponse(status=204)
