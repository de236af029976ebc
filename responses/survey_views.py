"""The survey page customers reach from a follow-up: no login, the signed token is the key.

Shown in the conversation's language (or the one the customer picks with ?lang=), on its
own page without the agents' navigation. Every state is a page a customer understands:
the form, thanks, already answered, an expired link (410) or a broken one (404).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from care.errors import CareError
from responses.models import FollowUp, SurveyAnswer
from responses.services import follow_ups

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
# 1 to 5, left to right; the page shows the numbers, with the words at both ends.
SCORES = [
    (1, gettext_lazy("Very unsatisfied")),
    (2, gettext_lazy("Unsatisfied")),
    (3, gettext_lazy("Neither")),
    (4, gettext_lazy("Satisfied")),
    (5, gettext_lazy("Very satisfied")),
]
# Full phrases, not the model's one-word labels: "More" alone reads oddly, and the
# catalogue already uses it for something else.
TRUST_CHOICES = [
    (SurveyAnswer.Trust.MORE, gettext_lazy("More than before")),
    (SurveyAnswer.Trust.SAME, gettext_lazy("The same as before")),
    (SurveyAnswer.Trust.LESS, gettext_lazy("Less than before")),
]


class SurveyForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
        label=gettext_lazy("How satisfied are you with how we handled it?"),
        error_messages={"required": gettext_lazy("Choose a score from 1 to 5.")},
    )
    trust = forms.ChoiceField(
        choices=TRUST_CHOICES,
        widget=forms.RadioSelect,
        label=gettext_lazy("After this, do you trust the brand more, the same, or less?"),
        error_messages={"required": gettext_lazy("Choose one answer.")},
    )
    comment = forms.CharField(
        required=False,
        max_length=follow_ups.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": follow_ups.COMMENT_MAX}),
        label=gettext_lazy("Anything else you want to tell us? (optional)"),
    )


def _language(request: HttpRequest, follow_up: FollowUp | None) -> str:
    asked = request.GET.get("lang", "")
    if asked in LANGUAGE_CODES:
        return asked
    if follow_up is not None and follow_up.conversation.language in LANGUAGE_CODES:
        return follow_up.conversation.language
    return translation.get_language() or settings.LANGUAGE_CODE


def _page(
    request: HttpRequest, language: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    other = [code for code in LANGUAGE_CODES if code != language]
    context = {
        "language": language,
        "other_language": other[0] if other else "",
        "survey_days": settings.CARE_SURVEY_DAYS,
        **context,
    }
    with translation.override(language):
        response = render(request, "responses/survey.html", context, status=status)
    response.headers["Content-Language"] = language
    return response


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    try:
        follow_up = follow_ups.follow_up_for_token(token)
    except CareError as error:
        if error.code != "expired":
            return _page(request, _language(request, None), {"state": "invalid"}, status=404)
        # Expired, yet still ours: said in the conversation's language.
        pk = error.extra.get("follow_up")
        earlier = (
            FollowUp.objects.select_related("conversation").filter(pk=pk).first() if pk else None
        )
        return _page(request, _language(request, earlier), {"state": "expired"}, status=410)
    language = _language(request, follow_up)
    context: dict[str, Any] = {"brand": follow_up.conversation.channel_account.name}
    if hasattr(follow_up, "answer"):
        return _page(request, language, {**context, "state": "already"})
    form = SurveyForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            outcome = follow_ups.answer_survey(token, language=language, **form.cleaned_data)
        except CareError:
            return _page(request, language, {"state": "invalid"}, status=404)
        # Two taps at once: the second finds the first's answer.
        state = "thanks" if outcome.created else "already"
        low = follow_ups.is_low_score(outcome.answer)
        return _page(request, language, {**context, "state": state, "low_score": low})
    return _page(request, language, {**context, "state": "form", "form": form})
