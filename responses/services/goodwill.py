"""Goodwill offers: when a customer deserves one, and coupon codes given once each.

The customer panel suggests an offer for a customer with a long history (many cases in a
year) or a recurring problem (the same topic again, or several unhappy cases lately).
Codes come from pools a supervisor fills by pasting them; each code is given once, to one
customer, on one case, by one agent, and the case shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import ordinal
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from care.audit import record_audit
from care.errors import CareError
from care.models import Agent
from inbox.models import Conversation, ConversationEvent, Sentiment, Topic
from inbox.selectors import works_channel
from responses.models import Coupon, CouponPool

HISTORY_WINDOW = timedelta(days=365)
RECURRING_WINDOW = timedelta(days=90)
RECURRING_TOPIC_MIN = 2  # earlier cases about the same topic
RECURRING_NEGATIVE_MIN = 3  # earlier unhappy cases
MAX_CODE_LENGTH = 64  # Coupon.code
MAX_CODES_PER_PASTE = 10_000


@dataclass(frozen=True)
class PoolOffer:
    pool: CouponPool
    free: int  # codes left to give


@dataclass(frozen=True)
class Suggestion:
    """What the customer panel shows. `reasons` is empty when nothing suggests an offer
    but codes were already given on this case (they stay shown, to insert in a reply)."""

    reasons: list[str]
    pools: list[PoolOffer] = field(default_factory=list)
    given: list[Coupon] = field(default_factory=list)


def _earlier(conversation: Conversation, since: timedelta) -> QuerySet[Conversation]:
    """The customer's other cases opened in the window (merged ones counted once)."""
    return Conversation.objects.filter(
        customer_id=conversation.customer_id,
        merged_into__isnull=True,
        opened_at__gte=timezone.now() - since,
    ).exclude(pk=conversation.pk)


def suggestion_reasons(conversation: Conversation) -> list[str]:
    """Why this customer deserves a goodwill offer; empty when nothing says so."""
    reasons = []
    recent = _earlier(conversation, HISTORY_WINDOW).count() + 1  # this one included
    if recent >= settings.CARE_GOODWILL_MIN_CONVERSATIONS:
        reasons.append(_("%(nth)s conversation in 12 months") % {"nth": ordinal(recent)})
    lately = _earlier(conversation, RECURRING_WINDOW)
    # By id, not through conversation.topics: that join would limit the count to this case.
    topics = (
        Topic.objects.filter(pk__in=conversation.topics.values("pk"))
        .annotate(
            before=Count(
                "conversations",
                filter=Q(conversations__in=lately),
                distinct=True,
            )
        )
        .filter(before__gte=RECURRING_TOPIC_MIN)
        .order_by("-before", "name")
    )
    for topic in topics:
        reasons.append(
            _("%(nth)s time about %(topic)s") % {"nth": ordinal(topic.before + 1), "topic": topic}
        )
    unhappy = lately.filter(sentiment=Sentiment.NEGATIVE).count()
    if unhappy >= RECURRING_NEGATIVE_MIN:
        reasons.append(
            _("%(count)s unhappy conversations in the last 90 days") % {"count": unhappy}
        )
    return reasons


def offers_for(conversation: Conversation) -> list[PoolOffer]:
    """Active pools with codes left, less those this case already got a code from."""
    already = Coupon.objects.filter(conversation=conversation).values("pool_id")
    pools = (
        CouponPool.objects.filter(is_active=True)
        .exclude(pk__in=already)
        .annotate(free=Count("coupons", filter=Q(coupons__given_at__isnull=True)))
        .filter(free__gt=0)
        .order_by("name")
    )
    return [PoolOffer(pool=pool, free=pool.free) for pool in pools]


def goodwill_suggestion(conversation: Conversation) -> Suggestion | None:
    """The customer panel's goodwill block: why an offer, which offers, what was given."""
    given = list(
        Coupon.objects.filter(conversation=conversation)
        .select_related("pool", "given_by")
        .order_by("given_at", "pk")
    )
    reasons = suggestion_reasons(conversation)
    if not reasons and not given:
        return None
    return Suggestion(
        reasons=reasons, pools=offers_for(conversation) if reasons else [], given=given
    )


@transaction.atomic
def give_coupon(*, conversation: Conversation, pool: CouponPool, by: Agent) -> Coupon:
    """Give the case's customer the next free code of the pool, once.

    The case is locked first, so two agents giving from one pool on one case give one
    code; free codes are taken with SKIP LOCKED, so two cases served at the same moment
    get two different codes without waiting on each other.
    """
    conversation = (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=conversation.pk)
    )
    if conversation.merged_into_id is not None:
        raise CareError(
            _("This conversation was merged; give the offer on the one it went to."),
            code="merged",
        )
    if not works_channel(by, conversation.channel_account_id):
        raise CareError(_("You do not work this channel."), code="no_access")
    if not pool.is_active:
        raise CareError(_("This offer is no longer given."), code="inactive")
    earlier = Coupon.objects.filter(
        pool=pool, conversation=conversation, customer=conversation.customer
    ).first()
    if earlier is not None:
        raise CareError(
            _("This customer already got %(code)s from “%(pool)s” on this conversation.")
            % {"code": earlier.code, "pool": pool.name},
            code="already_given",
        )
    now = timezone.now()
    for _attempt in range(5):
        coupon = (
            Coupon.objects.select_for_update(skip_locked=True)
            .filter(pool=pool, given_at__isnull=True)
            .order_by("pk")
            .first()
        )
        if coupon is None:
            raise CareError(_("The pool is empty: no code left to give."), code="empty")
        # Conditional, for databases without row locks (SQLite): the first writer wins.
        taken = Coupon.objects.filter(pk=coupon.pk, given_at__isnull=True).update(
            given_at=now, customer=conversation.customer, conversation=conversation, given_by=by
        )
        if taken:
            break
    else:
        raise CareError(_("Codes are being given fast; try again."), code="busy")
    coupon.refresh_from_db()
    ConversationEvent.objects.create(
        conversation=conversation,
        actor=by,
        kind=ConversationEvent.Kind.COUPON,
        data={"pool": pool.name, "offer": pool.offer, "code": coupon.code},
    )
    record_audit(
        actor=by.user, verb="coupon_given", target=conversation, pool=pool.pk, coupon=coupon.pk
    )
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=now)
    return coupon


# --- pools (Settings → Goodwill offers) -----------------------------------------------------
@transaction.atomic
def create_pool(*, name: str, offer: str, by: Agent | None) -> CouponPool:
    """A new, active pool; refused without a name or offer, or with a name in use."""
    name, offer = " ".join(name.split()), " ".join(offer.split())
    if not name or not offer:
        raise CareError(
            _("A goodwill offer needs a name and what the customer gets."), code="blank"
        )
    if CouponPool.objects.filter(name__iexact=name).exists():
        raise CareError(
            _("There is already an offer named “%(name)s”.") % {"name": name}, code="duplicate"
        )
    try:
        with transaction.atomic():
            pool = CouponPool.objects.create(name=name, offer=offer)
    except IntegrityError:
        raise CareError(
            _("There is already an offer named “%(name)s”.") % {"name": name}, code="duplicate"
        ) from None
    record_audit(actor=by.user if by else None, verb="coupon_pool_created", target=pool)
    return pool


@dataclass(frozen=True)
class AddedCodes:
    added: int
    duplicates: int  # already in a pool, or twice in the paste
    blank: int
    too_long: int


@transaction.atomic
def add_codes(*, pool: CouponPool, text: str, by: Agent | None) -> AddedCodes:
    """Codes pasted one per line. Blank lines, codes already known (in any pool: a code
    is given once, whatever its pool) and repeats are skipped and counted."""
    lines = [line.strip() for line in text.splitlines()]
    if len(lines) > MAX_CODES_PER_PASTE:
        raise CareError(
            _("Paste at most %(limit)s codes at a time.") % {"limit": MAX_CODES_PER_PASTE},
            code="too_many",
        )
    blank = sum(1 for line in lines if not line)
    too_long = sum(1 for line in lines if len(line) > MAX_CODE_LENGTH)
    codes = [line for line in lines if line and len(line) <= MAX_CODE_LENGTH]
    unique = list(dict.fromkeys(codes))
    known = set(Coupon.objects.filter(code__in=unique).values_list("code", flat=True))
    fresh = [code for code in unique if code not in known]
    # ignore_conflicts: a code added by someone else meanwhile is skipped, not an error.
    Coupon.objects.bulk_create(
        [Coupon(pool=pool, code=code) for code in fresh], ignore_conflicts=True
    )
    added = Coupon.objects.filter(pool=pool, code__in=fresh).count()
    result = AddedCodes(added=added, duplicates=len(codes) - added, blank=blank, too_long=too_long)
    record_audit(
        actor=by.user if by else None,
        verb="coupon_codes_added",
        target=pool,
        added=result.added,
        duplicates=result.duplicates,
    )
    return result


@transaction.atomic
def set_pool_active(*, pool: CouponPool, active: bool, by: Agent) -> CouponPool:
    """An inactive pool is no longer offered; its given codes stay on record."""
    pool.is_active = active
    pool.save(update_fields=["is_active"])
    record_audit(
        actor=by.user,
        verb="coupon_pool_activated" if active else "coupon_pool_deactivated",
        target=pool,
    )
    return pool


def pools_with_counts() -> list[CouponPool]:
    """Every pool with `free` and `given` counts, active ones first."""
    return list(
        CouponPool.objects.annotate(
            free=Count("coupons", filter=Q(coupons__given_at__isnull=True)),
            given=Count("coupons", filter=Q(coupons__given_at__isnull=False)),
        ).order_by("-is_active", "name")
    )
