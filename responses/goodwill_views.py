"""Settings → Goodwill offers (supervisors fill the pools), and giving a code on a case."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from care.errors import CareError
from care.models import Agent
from care.permissions import access_agent, permission_required
from inbox.conversation_views import conversation_view
from inbox.models import Conversation
from responses.models import Coupon, CouponPool
from responses.services import goodwill
from responses.services.goodwill import AddedCodes


class PoolForm(forms.Form):
    name = forms.CharField(max_length=100, label=gettext_lazy("Name"))
    offer = forms.CharField(
        max_length=200,
        label=gettext_lazy("What the customer gets"),
        help_text=gettext_lazy("Shown to agents next to the code, e.g. 10 % off the next order."),
    )
    codes = forms.CharField(
        required=False,
        max_length=1_000_000,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        label=gettext_lazy("Codes"),
        help_text=gettext_lazy("One per line; blank lines and codes already known are skipped."),
    )


class CodesForm(forms.Form):
    codes = forms.CharField(
        max_length=1_000_000,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        label=gettext_lazy("Add codes"),
        help_text=gettext_lazy("One per line; blank lines and codes already known are skipped."),
    )


def _added_message(added: AddedCodes) -> str:
    parts = [
        ngettext("%(count)s code added", "%(count)s codes added", added.added)
        % {"count": added.added}
    ]
    if added.duplicates:
        parts.append(
            ngettext(
                "%(count)s duplicate skipped", "%(count)s duplicates skipped", added.duplicates
            )
            % {"count": added.duplicates}
        )
    if added.blank:
        parts.append(
            ngettext("%(count)s blank line skipped", "%(count)s blank lines skipped", added.blank)
            % {"count": added.blank}
        )
    if added.too_long:
        parts.append(
            ngettext(
                "%(count)s code longer than 64 characters skipped",
                "%(count)s codes longer than 64 characters skipped",
                added.too_long,
            )
            % {"count": added.too_long}
        )
    return "; ".join(parts) + "."


@permission_required("care.manage_triage")
def pool_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "responses/goodwill_list.html",
        {"pools": goodwill.pools_with_counts(), "nav_section": "settings"},
    )


@permission_required("care.manage_triage")
def pool_new(request: HttpRequest) -> HttpResponse:
    form = PoolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        agent = access_agent(request.user)
        try:
            pool = goodwill.create_pool(
                name=form.cleaned_data["name"], offer=form.cleaned_data["offer"], by=agent
            )
        except CareError as error:
            form.add_error("name" if error.code == "duplicate" else None, error.message)
        else:
            text = _("Goodwill offer “%(name)s” created.") % {"name": pool.name}
            if form.cleaned_data["codes"].strip():
                added = goodwill.add_codes(pool=pool, text=form.cleaned_data["codes"], by=agent)
                text += " " + _added_message(added)
            messages.success(request, text)
            return redirect("responses:goodwill-pool", pk=pool.pk)
    return render(
        request, "responses/goodwill_form.html", {"form": form, "nav_section": "settings"}
    )


@permission_required("care.manage_triage")
def pool_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The pool, its codes as given (who, to whom, on which case), and a box to add more."""
    pool = get_object_or_404(CouponPool, pk=pk)
    form = CodesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = goodwill.add_codes(
                pool=pool, text=form.cleaned_data["codes"], by=access_agent(request.user)
            )
        except CareError as error:
            form.add_error("codes", error.message)
        else:
            messages.success(request, _added_message(added))
            return redirect("responses:goodwill-pool", pk=pool.pk)
    coupons = Coupon.objects.filter(pool=pool)
    given = (
        coupons.filter(given_at__isnull=False)
        .select_related("customer", "conversation", "given_by")
        .order_by("-given_at")[:100]
    )
    return render(
        request,
        "responses/goodwill_pool.html",
        {
            "pool": pool,
            "form": form,
            "free": coupons.filter(given_at__isnull=True).count(),
            "given_count": coupons.filter(given_at__isnull=False).count(),
            "given": given,
            "nav_section": "settings",
        },
    )


@require_POST
@permission_required("care.manage_triage")
def pool_active(request: HttpRequest, pk: int) -> HttpResponse:
    pool = get_object_or_404(CouponPool, pk=pk)
    active = request.POST.get("active") == "1"
    goodwill.set_pool_active(pool=pool, active=active, by=access_agent(request.user))
    if active:
        messages.success(request, _("“%(name)s” is offered again.") % {"name": pool.name})
    else:
        messages.success(
            request,
            _("“%(name)s” is no longer offered; the codes given stay on record.")
            % {"name": pool.name},
        )
    return redirect(request.POST.get("next") or reverse("responses:goodwill"))


@require_POST
@permission_required("care.work_inbox")
@conversation_view
def give(request: HttpRequest, conversation: Conversation, agent: Agent) -> HttpResponse:
    """An agent gives the case's customer a code; it shows with "Insert in reply"."""
    url = reverse("inbox:conversation", args=[conversation.pk]) + "#goodwill"
    fetch = request.headers.get("X-Requested-With") == "fetch"
    chosen = request.POST.get("pool", "")
    pool = CouponPool.objects.filter(pk=int(chosen)).first() if chosen.isdigit() else None
    try:
        if pool is None:
            raise CareError(_("Choose an offer."), code="no_pool")
        coupon = goodwill.give_coupon(conversation=conversation, pool=pool, by=agent)
    except CareError as error:
        text = error.message
        if fetch:
            return JsonResponse({"message": text}, status=400)
        messages.error(request, text)
        return redirect(url)
    text = _("Code %(code)s given (%(offer)s): insert it in your reply.") % {
        "code": coupon.code,
        "offer": pool.offer,
    }
    if fetch:
        return JsonResponse({"message": text, "code": coupon.code})
    messages.success(request, text)
    return redirect(url)
