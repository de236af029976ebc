from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

from care.models import Agent
from care.services import normalise_initials
from care.validators import PHOTO_FORMATS
from inbox.models import ChannelAccount, Department


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class PhotoInput(forms.ClearableFileInput):
    """The photo is shown above the form; the stored file name and its link are not."""

    template_name = "care/widgets/photo_input.html"
    clear_checkbox_label = _("Remove the photo")  # type: ignore[assignment]

    def __init__(self) -> None:
        accept = ",".join(f"image/{kind.lower()}" for kind in sorted(PHOTO_FORMATS))
        super().__init__(attrs={"accept": accept})


class InitialsField(forms.CharField):
    def to_python(self, value: Any) -> str:
        return normalise_initials(super().to_python(value) or "")


class ProfileForm(forms.ModelForm):
    """What an agent may change about themselves."""

    languages = forms.MultipleChoiceField(
        label=_("Languages I answer in"),
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_time_zone_choices)

    class Meta:
        model = Agent
        fields = ["display_name", "photo", "languages", "time_zone", "is_away"]
        widgets = {"photo": PhotoInput()}


class AgentForm(forms.ModelForm):
    """What an admin sets for a member of the team."""

    initials = InitialsField(
        label=_("Initials"),
        min_length=2,
        max_length=4,
        help_text=_("2–4 letters, e.g. AB: signs replies as ^AB."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=settings.LANGUAGES, widget=forms.CheckboxSelectMultiple
    )
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments"),
        queryset=Department.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    channels = forms.ModelMultipleChoiceField(
        label=_("Channels"),
        queryset=ChannelAccount.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Whose conversations this agent sees and is assigned. Supervisors see every channel."
        ),
    )

    class Meta:
        model = Agent
        fields = [
            "display_name",
            "initials",
            "role",
            "photo",
            "languages",
            "capacity",
            "departments",
            "channels",
        ]
        widgets = {"photo": PhotoInput()}


class NewAgentForm(AgentForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    email = forms.EmailField(label=_("E-mail"))
    password = forms.CharField(
        label=_("First password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("The agent changes it after the first login."),
    )

    field_order = ["username", "email", "password"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A new member works every channel unless the admin narrows it.
        self.fields["channels"].initial = list(ChannelAccount.objects.all())

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("A user with that username already exists."))
        return username

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password
