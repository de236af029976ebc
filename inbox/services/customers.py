"""Customers: one person, several platform identities."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from care.audit import record_audit
from care.errors import CareError
from inbox.models import Customer


@transaction.atomic
def merge_customers(*, source: Customer, target: Customer, by: User | AnonymousUser) -> Customer:
    """Move every identity and conversation of `source` to `target`.

    `source` stays, empty and pointing at `target`, so links to it still resolve.
    Only supervisors and admins merge: a wrong merge shows one customer's history
    to another's agent.
    """
    if not by.has_perm("care.merge_customers"):
        raise PermissionDenied
    if source.pk == target.pk:
        raise CareError(_("A customer cannot be merged into themselves."), code="same_customer")
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise CareError(_("This customer was already merged."), code="already_merged")
    # Lock both rows, in id order so two merges cannot deadlock.
    list(Customer.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk"))
    identities = source.identities.update(customer=target)
    conversations = source.conversations.update(customer=target)
    if target.display_name == "" and source.display_name:
        target.display_name = source.display_name
    target.is_vip = target.is_vip or source.is_vip
    target.save(update_fields=["display_name", "is_vip"])
    source.merged_into = target
    source.save(update_fields=["merged_into"])
    record_audit(
        actor=by,
        verb="customers_merged",
        target=target,
        source_id=source.pk,
        identities=identities,
        conversations=conversations,
    )
    return target
