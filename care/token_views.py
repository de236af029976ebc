"""The "API tokens" settings page: every agent's own tokens; supervisors see everyone's."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from care.errors import CareError
from care.models import ApiToken
from care.permissions import access_agent
from care.tokens import (
    access_api_token,
    create_api_token,
    oversees_tokens,
    revoke_api_token,
    visible_api_tokens,
)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=80,
        help_text=gettext_lazy("What uses it, e.g. “CRM sync”."),
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("Scope"), choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ
    )


# never_cache: the page that shows a new token must not stay in any cache.
@never_cache
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    agent = access_agent(request.user)
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_token = create_api_token(agent=agent, **form.cleaned_data)
        except CareError as error:
            form.add_error(None, error.message)
        else:
            form = ApiTokenForm()
    tokens = visible_api_tokens(agent).order_by("revoked_at", "-created_at")
    return render(
        request,
        "care/api_tokens.html",
        {
            "form": form,
            "tokens": tokens,
            "new_token": new_token,
            "sees_everyone": oversees_tokens(agent),
            "nav_section": "settings",
        },
    )


@require_http_methods(["GET", "POST"])
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST revokes."""
    agent = access_agent(request.user)
    token = access_api_token(agent, pk)
    if request.method == "POST":
        try:
            revoke_api_token(token=token, by=agent)
        except CareError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
        return redirect("settings:api-tokens")
    return render(
        request, "care/api_tokens.html", {"confirm_revoke": token, "nav_section": "settings"}
    )
