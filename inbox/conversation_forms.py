"""Small forms for the conversation page's actions: they validate, services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from care.models import Agent
from inbox.models import Conversation, Department, Topic


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        queryset=Agent.objects.filter(user__is_active=True),
        required=False,
        label=_("Assign to"),
        empty_label=_("Nobody"),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Conversation.Status.choices, label=_("Status"))


class PriorityForm(forms.Form):
    priority = forms.TypedChoiceField(
        choices=Conversation.Priority.choices, coerce=int, label=_("Priority")
    )


class TagsForm(forms.Form):
    add = forms.CharField(required=False, max_length=300, label=_("Add tags"))
    remove = forms.CharField(required=False, max_length=300)

    def clean_add(self) -> list[str]:
        return [t for t in self.cleaned_data["add"].replace(",", " ").split() if t]

    def clean_remove(self) -> list[str]:
        return [t for t in self.cleaned_data["remove"].replace(",", " ").split() if t]


class NoteForm(forms.Form):
    text = forms.CharField(max_length=5000, widget=forms.Textarea, label=_("Internal note"))


class EscalateForm(forms.Form):
    department = forms.ModelChoiceField(queryset=Department.objects.all(), label=_("Department"))
    summary = forms.CharField(max_length=2000, widget=forms.Textarea, label=_("Summary"))
    due_at = forms.DateTimeField(
        required=False,
        label=_("Answer needed by"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class LabelsForm(forms.Form):
    message = forms.IntegerField(min_value=1)
    sentiment = forms.CharField(required=False, max_length=12)
    intent = forms.CharField(required=False, max_length=12)
    language = forms.CharField(required=False, max_length=8)
    topics = forms.MultipleChoiceField(required=False, choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = Topic.objects.values_list("name", flat=True)
        topics = self.fields["topics"]
        assert isinstance(topics, forms.MultipleChoiceField)
        topics.choices = [(name, name) for name in names]


class MergeForm(forms.Form):
    into = forms.IntegerField(min_value=1)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input, each checked as a FileField checks one (the pattern of
    Django's "Uploading multiple files"); cleans to a list, empty when none was chosen."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single_file_clean = super().clean
        if isinstance(data, list | tuple):
            return [single_file_clean(d, initial) for d in data if d]
        return [single_file_clean(data, initial)] if data else []


class ReplyForm(forms.Form):
    text = forms.CharField(
        max_length=10000,
        label=_("Reply"),
        widget=forms.Textarea(attrs={"rows": 3, "data-typing": "1"}),
    )
    private = forms.BooleanField(required=False, label=_("Private message"))
    # Checked, cleaned and kept by responses/services/attachments.py, not here.
    images = MultipleFileField(
        required=False,
        label=_("Add images"),
        widget=MultipleFileInput(
            attrs={
                "accept": "image/jpeg,image/png,image/gif,image/webp",
                "aria-describedby": "reply-images-hint",
            }
        ),
    )
    # What the agent had seen when the page loaded: newer activity is shown before sending.
    seen_message_id = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    seen_reply_id = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # Made when the box is shown: a double click or a resent POST carries the same key,
    # and the outbox posts once (responses/services/outbox.py).
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
