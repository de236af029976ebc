"""Settings → Topics: supervisors keep the topic rules and try any text against triage."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from care.errors import CareError
from care.permissions import access_agent, permission_required
from inbox.models import Intent, Sentiment, Topic
from inbox.services import triage


class TopicForm(forms.Form):
    name = forms.CharField(max_length=60, label=gettext_lazy("Name"))
    phrases = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label=gettext_lazy("Phrases"),
        help_text=gettext_lazy(
            "One a line (or separated by commas); whole words, any case: “refund”, “kartu kredit”."
        ),
    )
    pattern = forms.CharField(
        required=False,
        max_length=200,
        label=gettext_lazy("Pattern (optional)"),
        help_text=gettext_lazy(
            "A regular expression for what phrases cannot say, e.g. paket\\s*(belum|blm)\\s*sampai."
        ),
    )
    is_active = forms.BooleanField(required=False, initial=True, label=gettext_lazy("Active"))


class TryForm(forms.Form):
    text = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    followers = forms.IntegerField(required=False, min_value=0, initial=0)
    verified = forms.BooleanField(required=False)
    vip = forms.BooleanField(required=False)


def _save(request: HttpRequest, form: TopicForm, topic: Topic | None) -> Topic | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return triage.save_topic(
            topic=topic,
            name=data["name"],
            phrases=triage.clean_phrases(data["phrases"]),
            pattern=data["pattern"].strip(),
            is_active=data["is_active"],
            by=access_agent(request.user),
        )
    except CareError as error:
        form.add_error("pattern" if error.code == "pattern" else None, error.message)
        return None


@permission_required("care.manage_triage")
def topics(request: HttpRequest) -> HttpResponse:
    form = TopicForm(request.POST or None)
    if request.method == "POST" and (topic := _save(request, form, None)):
        messages.success(request, _("Topic “%(name)s” saved.") % {"name": topic.name})
        return redirect("settings:topics")
    trial = TryForm(request.GET if "text" in request.GET else None)
    result = None
    if trial.is_bound and trial.is_valid():
        data = trial.cleaned_data
        result = triage.try_text(
            data["text"],
            followers=data["followers"] or 0,
            verified=data["verified"],
            is_vip=data["vip"],
        )
    return render(
        request,
        "inbox/triage/topics.html",
        {
            "topics": Topic.objects.all(),
            "form": form,
            "trial": trial,
            "result": result,
            "sentiments": dict(Sentiment.choices),
            "intents": dict(Intent.choices),
            "language_names": triage.LANGUAGES,
            "nav_section": "settings",
        },
    )


@permission_required("care.manage_triage")
def topic_edit(request: HttpRequest, pk: int) -> HttpResponse:
    topic = get_object_or_404(Topic, pk=pk)
    initial = {
        "name": topic.name,
        "phrases": "\n".join(topic.phrases),
        "pattern": topic.pattern,
        "is_active": topic.is_active,
    }
    form = TopicForm(request.POST or None, initial=initial)
    if request.method == "POST" and _save(request, form, topic):
        messages.success(request, _("Topic “%(name)s” saved.") % {"name": topic.name})
        return redirect("settings:topics")
    return render(
        request,
        "inbox/triage/topic_form.html",
        {"form": form, "topic": topic, "nav_section": "settings"},
    )


@require_POST
@permission_required("care.manage_triage")
def topic_delete(request: HttpRequest, pk: int) -> HttpResponse:
    topic = get_object_or_404(Topic, pk=pk)
    triage.delete_topic(topic=topic, by=access_agent(request.user))
    messages.success(request, _("Topic “%(name)s” deleted.") % {"name": topic.name})
    return redirect("settings:topics")
