"""Channel accounts: connecting, pausing, polling schedules, health and the X spend meter.

Health is the silent failure users of other tools fear most, so every outcome of a
platform call lands here: a success clears the status, a refused token stops that
account's polling and tells the supervisors, a rate limit waits for the reset.
"""

from __future__ import annotations

import calendar
import itertools
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from care import crypto
from care.audit import record_audit
from care.errors import CareError
from care.models import Agent
from care.services import notify_role
from inbox.channels.base import ADAPTERS, ChannelError, RateInfo, adapter_for
from inbox.models import ChannelAccount, ChannelIncident, Message, Platform

Status = ChannelAccount.Status
# Polling never slows beyond once an hour, even with the read budget spent: an
# account that goes silent is worse than a slightly late bill.
SLOWEST_POLL_SECONDS = 3600


def default_poll_seconds(platform: str) -> int:
    from inbox.channels import facebook, x  # noqa: F401 -- fills the registry

    return ADAPTERS[platform].default_poll_seconds


# --- connecting, pausing, resuming -----------------------------------------------------
@transaction.atomic
def connect_channel(
    *,
    platform: str,
    external_id: str,
    name: str,
    credentials: dict[str, Any],
    by: User | AnonymousUser | None,
    poll_interval_seconds: int | None = None,
    monthly_read_budget: int | None = None,
) -> ChannelAccount:
    """Add an X account or a Facebook Page and start polling it.

    The whole team works a new channel at first; a supervisor narrows who sees it on
    the agents' settings (Agent.channels).
    """
    if platform not in Platform.values:
        raise CareError(_("Unknown platform."), code="unknown_platform")
    if ChannelAccount.objects.filter(platform=platform, external_id=external_id).exists():
        raise CareError(_("This account is already connected."), code="already_connected")
    account = ChannelAccount(
        platform=platform,
        external_id=external_id,
        name=name,
        poll_interval_seconds=poll_interval_seconds,
        monthly_read_budget=monthly_read_budget,
    )
    account.set_credentials(credentials)
    account.save()
    account.agents.add(*Agent.objects.all())
    schedule_polling(account)
    record_audit(actor=by, verb="channel_connected", target=account)
    return account


@transaction.atomic
def save_channel_credentials(
    *, account: ChannelAccount, credentials: dict[str, Any], by: User | AnonymousUser | None
) -> ChannelAccount:
    """Store new tokens (write-only); an account waiting for them resumes polling."""
    # The row as it is now: a poller may have changed the status since the page loaded.
    account = ChannelAccount.objects.select_for_update().get(pk=account.pk)
    try:
        stored = account.credentials if account.has_credentials else {}
    except crypto.CredentialsUnreadable:
        stored = {}  # written with a key that is gone: the new tokens replace them
    merged = {**stored, **credentials}
    account.set_credentials({k: v for k, v in merged.items() if v})
    fields = ["credentials_ciphertext", "updated_at"]
    if account.status == Status.REAUTH_REQUIRED:
        account.status = Status.HEALTHY
        account.last_error = ""
        fields += ["status", "last_error"]
        _close_incidents(account, ChannelIncident.Kind.REAUTH_REQUIRED)
    account.save(update_fields=fields)
    schedule_polling(account)
    record_audit(actor=by, verb="channel_credentials_saved", target=account)
    return account


@transaction.atomic
def pause_channel(*, account: ChannelAccount, by: User | AnonymousUser | None) -> ChannelAccount:
    account = ChannelAccount.objects.select_for_update().get(pk=account.pk)
    account.status = Status.PAUSED
    account.save(update_fields=["status", "updated_at"])
    schedule_polling(account)
    record_audit(actor=by, verb="channel_paused", target=account)
    return account


@transaction.atomic
def resume_channel(*, account: ChannelAccount, by: User | AnonymousUser | None) -> ChannelAccount:
    account = ChannelAccount.objects.select_for_update().get(pk=account.pk)
    if account.status != Status.PAUSED:
        return account
    account.status = Status.HEALTHY
    account.save(update_fields=["status", "updated_at"])
    schedule_polling(account)
    record_audit(actor=by, verb="channel_resumed", target=account)
    return account


def test_channel_connection(*, account: ChannelAccount) -> str:
    """Ask the platform who this token belongs to; the answer is recorded as health.

    A token that works again takes an account out of "needs a new token" and restarts
    its polling.
    """
    try:
        name = adapter_for(account).check_credentials()
    except ChannelError as exc:
        record_channel_failure(account=account, error=exc)
        raise CareError(str(exc), code="connection_failed") from exc
    except crypto.CredentialsUnreadable as exc:
        raise CareError(
            _("The stored tokens cannot be read (the encryption key changed): save new ones."),
            code="credentials_unreadable",
        ) from exc
    with transaction.atomic():
        account = ChannelAccount.objects.select_for_update().get(pk=account.pk)
        if account.status == Status.REAUTH_REQUIRED:
            account.status = Status.HEALTHY
            account.last_error = ""
            account.save(update_fields=["status", "last_error", "updated_at"])
            _close_incidents(account, ChannelIncident.Kind.REAUTH_REQUIRED)
            schedule_polling(account)
    return name


# --- the polling schedule ----------------------------------------------------------------
def poll_task_name(account: ChannelAccount) -> str:
    return f"poll channel {account.pk}"


def effective_poll_seconds(account: ChannelAccount, *, now: datetime | None = None) -> int:
    """The account's interval, stretched as the month's X read budget runs out.

    Below half the budget, the configured interval. Beyond, the interval that spreads
    what is left over the rest of the month at the recent reads per poll, never
    slower than once an hour: polling slows down instead of stopping dead.
    """
    base = account.poll_interval_seconds or default_poll_seconds(account.platform)
    budget = account.monthly_read_budget
    now = now or timezone.now()
    if not budget or account.reads_month != now.strftime("%Y-%m"):
        return base
    used = account.reads_this_month
    if used < budget / 2:
        return base
    left = max(budget - used, 0)
    if left == 0:
        return SLOWEST_POLL_SECONDS
    days = calendar.monthrange(now.year, now.month)[1]
    month_end = now.replace(day=days, hour=23, minute=59, second=59)
    seconds_left = max((month_end - now).total_seconds(), 60)
    # Reads per poll so far this month, at least one: an estimate of the next poll's cost.
    polls_elapsed = max((now - now.replace(day=1, hour=0, minute=0)).total_seconds() / base, 1)
    per_poll = max(used / polls_elapsed, 1.0)
    paced = int(seconds_left * per_poll / left)
    return max(base, min(paced, SLOWEST_POLL_SECONDS))


def schedule_polling(account: ChannelAccount) -> PeriodicTask:
    """Keep the account's beat entry in step with its status and interval."""
    every = effective_poll_seconds(account)
    interval, _ = IntervalSchedule.objects.get_or_create(
        every=every, period=IntervalSchedule.SECONDS
    )
    task, _ = PeriodicTask.objects.update_or_create(
        name=poll_task_name(account),
        defaults={
            "task": "inbox.tasks.poll_channel_task",
            "interval": interval,
            "args": f"[{account.pk}]",
            "enabled": account.status not in (Status.PAUSED, Status.REAUTH_REQUIRED),
            # A poll that waited longer than its interval is stale: the next one comes.
            "expires": None,
            "expire_seconds": every,
        },
    )
    return task


# --- health ------------------------------------------------------------------------------
@dataclass
class PollOutcome:
    stored: int = 0
    fetched: int = 0
    reads: int = 0
    pages: int = 0
    skipped: str = ""


def record_rate(*, account: ChannelAccount, rate: RateInfo) -> None:
    """Remember the platform's limits; at zero calls left, nothing is sent before the reset."""
    fields = ["rate_limit_remaining", "usage_percent"]
    account.rate_limit_remaining = rate.remaining
    account.usage_percent = rate.usage_percent
    if rate.remaining == 0 and rate.reset_at is not None:
        account.rate_limited_until = rate.reset_at + timedelta(seconds=random.uniform(1, 5))  # noqa: S311
        fields.append("rate_limited_until")
    ChannelAccount.objects.filter(pk=account.pk).update(
        **{name: getattr(account, name) for name in fields}
    )


def record_reads(*, account: ChannelAccount, reads: int) -> None:
    """The X spend meter: posts read this calendar month (UTC)."""
    month = timezone.now().strftime("%Y-%m")
    if account.reads_month != month:
        account.reads_month = month
        account.reads_this_month = 0
    account.reads_this_month += reads
    ChannelAccount.objects.filter(pk=account.pk).update(
        reads_month=account.reads_month, reads_this_month=account.reads_this_month
    )


@transaction.atomic
def record_channel_success(*, account: ChannelAccount, outcome: PollOutcome) -> None:
    now = timezone.now()
    # Locked: a supervisor pausing or saving tokens right now must not be overwritten.
    account = ChannelAccount.objects.select_for_update().get(pk=account.pk)
    previous_success = account.last_success_at
    interval = effective_poll_seconds(account, now=now)
    if account.failing_since and previous_success:
        gap = now - previous_success
        ChannelIncident.objects.create(
            channel_account=account,
            kind=ChannelIncident.Kind.BACKFILL,
            started_at=previous_success,
            ended_at=now,
            messages_recovered=outcome.fetched,
            detail=_("Caught up %(count)d messages after %(minutes)d minutes without a poll.")
            % {"count": outcome.fetched, "minutes": gap.total_seconds() // 60},
        )
    _close_incidents(
        account, ChannelIncident.Kind.OUTAGE, ChannelIncident.Kind.RATE_LIMITED, at=now
    )
    account.last_polled_at = now
    account.last_success_at = now
    account.failing_since = None
    if account.rate_limited_until and account.rate_limited_until <= now:
        account.rate_limited_until = None  # a limit the last page reported still stands
    if account.status in (Status.DEGRADED, Status.RATE_LIMITED):
        account.status = Status.HEALTHY
    if account.rate_limited_until and account.status == Status.HEALTHY:
        account.status = Status.RATE_LIMITED  # used up its calls; waits for the reset
    account.save(
        update_fields=[
            "last_polled_at",
            "last_success_at",
            "failing_since",
            "rate_limited_until",
            "status",
            "updated_at",
        ]
    )
    task = PeriodicTask.objects.filter(name=poll_task_name(account)).first()
    if task is not None and task.interval is not None and task.interval.every != interval:
        schedule_polling(account)  # the spend meter moved the interval


@transaction.atomic
def record_channel_failure(*, account: ChannelAccount, error: ChannelError) -> None:
    """Record what went wrong and set the account's status from it."""
    now = timezone.now()
    account = ChannelAccount.objects.select_for_update().get(pk=account.pk)
    account.last_polled_at = now
    account.last_error = str(error)[:2000]
    account.last_error_at = now
    account.failing_since = account.failing_since or now
    if error.reauth:
        kind = ChannelIncident.Kind.REAUTH_REQUIRED
        new_status = Status.REAUTH_REQUIRED
    elif error.retry_after is not None:
        kind = ChannelIncident.Kind.RATE_LIMITED
        new_status = Status.RATE_LIMITED
        # Jitter, so several workers do not all come back in the same second.
        wait = error.retry_after + random.uniform(1, 5)  # noqa: S311
        account.rate_limited_until = now + timedelta(seconds=wait)
    else:
        kind = ChannelIncident.Kind.OUTAGE
        new_status = Status.DEGRADED
    first_time = account.status != new_status
    if account.status != Status.PAUSED:  # a paused account stays paused
        account.status = new_status
    account.save(
        update_fields=[
            "last_polled_at",
            "last_error",
            "last_error_at",
            "failing_since",
            "rate_limited_until",
            "status",
            "updated_at",
        ]
    )
    if not ChannelIncident.objects.filter(
        channel_account=account, kind=kind, ended_at__isnull=True
    ).exists():
        ChannelIncident.objects.create(
            channel_account=account, kind=kind, started_at=now, detail=str(error)[:2000]
        )
    if error.reauth and first_time and account.status == Status.REAUTH_REQUIRED:
        schedule_polling(account)  # stops polling this account; others go on
        record_audit(actor=None, verb="channel_reauth_required", target=account)
        notify_role(
            roles=(Agent.Role.SUPERVISOR, Agent.Role.ADMIN),
            verb="channel_reauth_required",
            text=_("%(account)s needs a new token: %(error)s")
            % {"account": account, "error": error},
            url=reverse("inbox:channels"),
        )


def _close_incidents(account: ChannelAccount, *kinds: str, at: datetime | None = None) -> None:
    ChannelIncident.objects.filter(
        channel_account=account, kind__in=kinds, ended_at__isnull=True
    ).update(ended_at=at or timezone.now())


# --- the quiet-channel alert -------------------------------------------------------------
def in_business_hours(moment: datetime) -> bool:
    local = timezone.localtime(moment)
    if str(local.isoweekday()) not in settings.CARE_BUSINESS_DAYS:
        return False
    start, end = settings.CARE_BUSINESS_HOURS.split("-")
    return start <= local.strftime("%H:%M") < end


def usual_gap(account: ChannelAccount, *, now: datetime) -> timedelta | None:
    """The median time between inbound messages over the last 7 days, or None if too few."""
    times = list(
        Message.objects.filter(
            channel_account=account,
            direction=Message.Direction.INBOUND,
            received_at__gte=now - timedelta(days=7),
        )
        .order_by("received_at")
        .values_list("received_at", flat=True)[:5000]
    )
    if len(times) < 10:
        return None
    gaps = sorted(b - a for a, b in itertools.pairwise(times))
    return gaps[len(gaps) // 2]


def check_quiet_channels(*, now: datetime | None = None) -> list[ChannelIncident]:
    """Raise an alert for each channel silent far longer than usual in business hours."""
    now = now or timezone.now()
    if not in_business_hours(now):
        return []
    raised = []
    for account in ChannelAccount.objects.exclude(status=Status.PAUSED):
        gap = usual_gap(account, now=now)
        if gap is None or account.last_inbound_at is None:
            continue
        threshold = max(
            gap * settings.CARE_QUIET_FACTOR, timedelta(minutes=settings.CARE_QUIET_MIN_MINUTES)
        )
        silent_for = now - account.last_inbound_at
        open_alert = account.incidents.filter(
            kind=ChannelIncident.Kind.QUIET, ended_at__isnull=True
        )
        if silent_for < threshold:
            open_alert.update(ended_at=now)
            continue
        if open_alert.exists():
            continue
        minutes = int(silent_for.total_seconds() // 60)
        incident = ChannelIncident.objects.create(
            channel_account=account,
            kind=ChannelIncident.Kind.QUIET,
            started_at=account.last_inbound_at,
            detail=_(
                "No inbound for %(minutes)d minutes; usually a message every %(usual)d minutes."
            )
            % {"minutes": minutes, "usual": max(1, int(gap.total_seconds() // 60))},
        )
        notify_role(
            roles=(Agent.Role.SUPERVISOR, Agent.Role.ADMIN),
            verb="channel_quiet",
            text=_("%(account)s is unusually quiet: nothing for %(minutes)d minutes.")
            % {"account": account, "minutes": minutes},
            url=reverse("inbox:channels"),
        )
        raised.append(incident)
    return raised


# --- what the Channels page shows --------------------------------------------------------
def channel_health_rows() -> list[dict[str, Any]]:
    hour_ago = timezone.now() - timedelta(hours=1)
    this_month = timezone.now().strftime("%Y-%m")
    accounts = ChannelAccount.objects.annotate(
        inbound_last_hour=Count(
            "messages",
            filter=Q(
                messages__direction=Message.Direction.INBOUND,
                messages__received_at__gte=hour_ago,
            ),
        )
    ).order_by("platform", "name")
    open_incidents: dict[int, list[ChannelIncident]] = {}
    for incident in ChannelIncident.objects.filter(ended_at__isnull=True):
        open_incidents.setdefault(incident.channel_account_id, []).append(incident)
    return [
        {
            "account": account,
            "inbound_last_hour": account.inbound_last_hour,
            "poll_seconds": effective_poll_seconds(account),
            "incidents": open_incidents.get(account.pk, []),
            # The counter restarts on the month's first poll; until then it is last month's.
            "reads": account.reads_this_month if account.reads_month == this_month else 0,
            "budget_percent": (
                min(100, round(100 * account.reads_this_month / account.monthly_read_budget))
                if account.monthly_read_budget and account.reads_month == this_month
                else None
            ),
        }
        for account in accounts
    ]


# --- settings a supervisor edits ------------------------------------------------------
@transaction.atomic
def update_channel_settings(
    *,
    account: ChannelAccount,
    by: User | AnonymousUser | None,
    poll_interval_seconds: int | None,
    monthly_read_budget: int | None,
) -> ChannelAccount:
    """Change how often the account is polled and its X read budget; beat follows at once."""
    before = {
        "poll_interval_seconds": account.poll_interval_seconds,
        "monthly_read_budget": account.monthly_read_budget,
    }
    account.poll_interval_seconds = poll_interval_seconds
    account.monthly_read_budget = monthly_read_budget
    account.save(update_fields=["poll_interval_seconds", "monthly_read_budget", "updated_at"])
    record_audit(
        actor=by,
        verb="channel_settings_changed",
        target=account,
        before=before,
        after={
            "poll_interval_seconds": poll_interval_seconds,
            "monthly_read_budget": monthly_read_budget,
        },
    )
    schedule_polling(account)
    return account
