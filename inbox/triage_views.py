"""Settings → Topics and Routing: supervisors keep the topic and routing rules, and try
any text against triage and routing before a customer writes it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from care.errors import CareError
from care.models import Agent
from care.permissions import access_agent, permission_required
from inbox.models import (
    ChannelAccount,
    Conversation,
    Department,
    Intent,
    RoutingRule,
    Sentiment,
    Topic,
)
from inbox.services import routing, triage
from responses.models import CannedResponse


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
            "corrections": triage.corrections_to_train_on(),
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


# --- Settings → Routing ----------------------------------------------------------------

PRIORITY_CHOICES = [("", "—"), *Conversation.Priority.choices]


def _words(text: str) -> list[str]:
    return [w.lstrip("@") for w in text.replace(",", " ").split() if w.strip("@")]


class RoutingRuleForm(forms.Form):
    name = forms.CharField(max_length=80, label=gettext_lazy("Name"))
    is_active = forms.BooleanField(required=False, initial=True, label=gettext_lazy("Active"))
    channels = forms.ModelMultipleChoiceField(
        queryset=ChannelAccount.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Channel is any of"),
    )
    languages = forms.MultipleChoiceField(
        choices=list(triage.LANGUAGES.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Language is any of"),
    )
    intents = forms.MultipleChoiceField(
        choices=Intent.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Intent is any of"),
    )
    sentiments = forms.MultipleChoiceField(
        choices=Sentiment.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Sentiment is any of"),
    )
    topics = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Topic is any of"),
    )
    min_priority = forms.TypedChoiceField(
        choices=PRIORITY_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        label=gettext_lazy("Priority at least"),
    )
    vip_only = forms.BooleanField(required=False, label=gettext_lazy("VIP customers only"))
    handles = forms.CharField(
        required=False,
        max_length=1000,
        label=gettext_lazy("Customer handle is any of"),
        help_text=gettext_lazy("Separated by spaces or commas, with or without @."),
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(),
        required=False,
        label=gettext_lazy("Send to department"),
    )
    set_priority = forms.TypedChoiceField(
        choices=PRIORITY_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        label=gettext_lazy("Set priority"),
    )
    add_tags = forms.CharField(required=False, max_length=300, label=gettext_lazy("Add tags"))
    assign_to = forms.ModelChoiceField(
        queryset=Agent.objects.filter(user__is_active=True),
        required=False,
        label=gettext_lazy("Assign to"),
    )
    acknowledge_with = forms.ModelChoiceField(
        queryset=CannedResponse.objects.filter(is_active=True),
        required=False,
        label=gettext_lazy("Acknowledge with a saved reply"),
        help_text=gettext_lazy("Sent at once on the customer's channel, signed by a person."),
    )
    acknowledge_as = forms.ModelChoiceField(
        queryset=Agent.objects.filter(user__is_active=True),
        required=False,
        label=gettext_lazy("Signed by (when the rule assigns nobody)"),
    )

    def clean_handles(self) -> list[str]:
        return _words(self.cleaned_data["handles"])

    def clean_add_tags(self) -> list[str]:
        return _words(self.cleaned_data["add_tags"])


class RouteTryForm(forms.Form):
    text = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    channel = forms.ModelChoiceField(queryset=ChannelAccount.objects.all(), empty_label=None)
    handle = forms.CharField(required=False, max_length=60)
    followers = forms.IntegerField(required=False, min_value=0, initial=0)
    verified = forms.BooleanField(required=False)
    vip = forms.BooleanField(required=False)


@permission_required("care.manage_triage")
def routing_rules(request: HttpRequest) -> HttpResponse:
    trial_form = RouteTryForm(request.GET if "text" in request.GET else None)
    trial = None
    if trial_form.is_bound and trial_form.is_valid():
        data = trial_form.cleaned_data
        trial = routing.try_route(
            data["text"],
            channel=data["channel"],
            handle=data["handle"],
            followers=data["followers"] or 0,
            verified=data["verified"],
            vip=data["vip"],
        )
    rules = RoutingRule.objects.select_related(
        "department", "assign_to", "acknowledge_with", "acknowledge_as"
    ).prefetch_related("channels", "topics")
    return render(
        request,
        "inbox/triage/routing.html",
        {
            "rules": rules,
            "trial_form": trial_form,
            "trial": trial,
            "sentiments": dict(Sentiment.choices),
            "intents": dict(Intent.choices),
            "language_names": triage.LANGUAGES,
            "has_channels": ChannelAccount.objects.exists(),
            "nav_section": "settings",
        },
    )


@permission_required("care.manage_triage")
def routing_rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    rule = get_object_or_404(RoutingRule, pk=pk) if pk else None
    initial: dict[str, object] = {"is_active": True}
    if rule is not None:
        initial = {
            "name": rule.name,
            "is_active": rule.is_active,
            "channels": list(rule.channels.all()),
            "languages": rule.languages,
            "intents": rule.intents,
            "sentiments": rule.sentiments,
            "topics": list(rule.topics.all()),
            "min_priority": rule.min_priority,
            "vip_only": rule.vip_only,
            "handles": " ".join(rule.handles),
            "department": rule.department,
            "set_priority": rule.set_priority,
            "add_tags": " ".join(rule.add_tags),
            "assign_to": rule.assign_to,
            "acknowledge_with": rule.acknowledge_with,
            "acknowledge_as": rule.acknowledge_as,
        }
    form = RoutingRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            saved = routing.save_rule(
                rule=rule,
                data=data,
                channels=list(data.pop("channels")),
                topics=list(data.pop("topics")),
                by=access_agent(request.user),
            )
        except CareError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Rule “%(name)s” saved.") % {"name": saved.name})
            return redirect("settings:routing")
    return render(
        request,
        "inbox/triage/routing_form.html",
        {"form": form, "rule": rule, "nav_section": "settings"},
    )


@require_POST
@permission_required("care.manage_triage")
def routing_rule_move(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(RoutingRule, pk=pk)
    up = request.POST.get("direction") == "up"
    routing.move_rule(rule=rule, up=up, by=access_agent(request.user))
    return redirect("settings:routing")


@require_POST
@permission_required("care.manage_triage")
def routing_rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(RoutingRule, pk=pk)
    routing.delete_rule(rule=rule, by=access_agent(request.user))
    messages.success(request, _("Rule “%(name)s” deleted.") % {"name": rule.name})
    return redirect("settings:routing")
