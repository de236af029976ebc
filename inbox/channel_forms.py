"""Forms of the Channels settings pages: connect an account, its settings, new tokens.

Token fields are write-only: PasswordInputs that never render a value back, so a
stored token cannot leak through a page, a "view source" or a browser's autofill.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from inbox.models import Platform


@dataclass(frozen=True)
class PlatformForm:
    """What the forms ask for one platform; the one place the pages tell platforms apart."""

    label: Any
    token_fields: tuple[str, ...]
    # Tokens of which one set is enough (X: an app bearer token, or a user's token pair).
    required_any: tuple[tuple[str, ...], ...]
    has_read_budget: bool = False  # X bills per post read
    handle_prefix: str = ""


PLATFORM_FORMS: dict[str, PlatformForm] = {
    Platform.X: PlatformForm(
        label="X",
        token_fields=(
            "bearer_token",
            "consumer_key",
            "consumer_secret",
            "access_token",
            "access_token_secret",
        ),
        required_any=(("bearer_token",), ("access_token", "access_token_secret")),
        has_read_budget=True,
        handle_prefix="@",
    ),
    Platform.FACEBOOK: PlatformForm(
        label=_("Facebook Page"),
        token_fields=("page_access_token",),
        required_any=(("page_access_token",),),
    ),
}

TOKEN_LABELS: dict[str, Any] = {
    "bearer_token": _("Bearer token"),
    "consumer_key": _("API key (consumer key)"),
    "consumer_secret": _("API key secret (consumer secret)"),
    "access_token": _("Access token"),
    "access_token_secret": _("Access token secret"),
    "page_access_token": _("Page access token"),
}


def _token_field() -> forms.CharField:
    return forms.CharField(
        required=False,
        strip=True,
        max_length=2000,
        # render_value=False: a stored or just-typed token is never sent back to the page.
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}
        ),
    )


def _poll_interval_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Poll every (seconds)"),
        required=False,
        min_value=5,
        max_value=3600,
        help_text=_("Empty: the platform's default, which fits its rate limits."),
    )


def _read_budget_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Monthly read budget (X)"),
        required=False,
        min_value=1,
        help_text=_("Posts read per month; polling slows down as the month's reads near it."),
    )


class TokensMixin:
    """Reads the token fields of one platform out of cleaned_data."""

    cleaned_data: dict[str, Any]

    def credentials(self, platform: str) -> dict[str, str]:
        names = PLATFORM_FORMS[platform].token_fields
        return {name: self.cleaned_data[name] for name in names if self.cleaned_data.get(name)}


class ConnectChannelForm(TokensMixin, forms.Form):
    platform = forms.ChoiceField(
        label=_("Platform"),
        choices=[(value, spec.label) for value, spec in PLATFORM_FORMS.items()],
        widget=forms.RadioSelect,
        initial=Platform.X,
    )
    external_id = forms.CharField(
        label=_("Platform id"),
        max_length=64,
        help_text=_("The numeric id of the X account or of the Facebook Page."),
    )
    name = forms.CharField(label=_("Handle or Page name"), max_length=100)
    poll_interval_seconds = _poll_interval_field()
    monthly_read_budget = _read_budget_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in TOKEN_LABELS.items():
            self.fields[name] = _token_field()
            self.fields[name].label = label

    def token_groups(self) -> list[tuple[str, Any, list[forms.BoundField]]]:
        """(platform, label, its token fields): one fieldset each on the page."""
        return [
            (value, spec.label, [self[name] for name in spec.token_fields])
            for value, spec in PLATFORM_FORMS.items()
        ]

    def other_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("external_id", "name", "poll_interval_seconds")]

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        return name.lstrip("@")  # people paste "@BrandCares"; the handle is without it

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        platform = data.get("platform")
        if platform not in PLATFORM_FORMS:
            return data
        spec = PLATFORM_FORMS[platform]
        if not any(all(data.get(name) for name in group) for group in spec.required_any):
            first = spec.required_any[0][0]
            self.add_error(first, _("Enter the token(s) this platform needs to read mentions."))
        if data.get("monthly_read_budget") and not spec.has_read_budget:
            self.add_error("monthly_read_budget", _("Only X bills per read."))
        return data


class ChannelSettingsForm(forms.Form):
    poll_interval_seconds = _poll_interval_field()
    monthly_read_budget = _read_budget_field()

    def __init__(self, *args: Any, platform: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not PLATFORM_FORMS[platform].has_read_budget:
            del self.fields["monthly_read_budget"]

    @property
    def values(self) -> dict[str, int | None]:
        return {
            "poll_interval_seconds": self.cleaned_data.get("poll_interval_seconds"),
            "monthly_read_budget": self.cleaned_data.get("monthly_read_budget"),
        }


class ChannelTokensForm(TokensMixin, forms.Form):
    """New tokens for one account; an empty field keeps what is stored."""

    def __init__(self, *args: Any, platform: str, saved: set[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.platform = platform
        for name in PLATFORM_FORMS[platform].token_fields:
            field = _token_field()
            field.label = TOKEN_LABELS[name]
            field.help_text = _("saved (hidden)") if name in saved else _("not set")
            self.fields[name] = field

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(name) for name in self.fields):
            raise forms.ValidationError(_("Enter at least one new token."), code="empty")
        return data
