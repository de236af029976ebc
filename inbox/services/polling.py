"""Polling one channel account: fetch every stream since its cursor, ingest, move the cursor.

Guarantees:
* never two pollers on one account at once (care.locks.try_lock);
* a stream's cursor moves only after every page it covers is committed (ingested, or
  kept as an InboundBatch for the workers to ingest in parallel), so a crash re-fetches
  those pages and the store-once rule drops what was already stored: nothing lost,
  nothing shown twice;
* no request while the account is rate limited, paused or waiting for a token.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

from care.locks import Lease, try_lock
from inbox.channels.base import ChannelAdapter, ChannelError, adapter_for
from inbox.models import ChannelAccount
from inbox.services.channels import (
    PollOutcome,
    record_channel_failure,
    record_channel_success,
    record_rate,
    record_reads,
)
from inbox.services.ingest import ingest_events, stage_events

Status = ChannelAccount.Status
# Progress callback: (stream, events fetched so far on it).
Progress = Callable[[str, int], None]


def poll_channel(
    *, account_id: int, progress: Progress | None = None, in_parallel: bool = False
) -> PollOutcome:
    """Fetch and store everything new on one account. Raises ChannelError when a call failed
    (after recording it on the account), so the task can retry transient failures.

    `in_parallel` keeps each page as an InboundBatch and enqueues its ingestion, so every
    worker shares a backfill; otherwise pages are ingested here, one after the other.
    """
    # Renewed after every page; a worker killed mid-poll frees the account this long after.
    with try_lock(
        f"poll-channel-{account_id}", expires_after=settings.CARE_POLL_LOCK_SECONDS
    ) as lease:
        if not lease:
            return PollOutcome(skipped="another poller holds this account")
        account = ChannelAccount.objects.get(pk=account_id)
        if account.status in (Status.PAUSED, Status.REAUTH_REQUIRED):
            return PollOutcome(skipped=account.get_status_display())
        if account.rate_limited_until and account.rate_limited_until > timezone.now():
            return PollOutcome(skipped="rate limited")
        outcome = PollOutcome()
        adapter = adapter_for(account)
        try:
            for stream in adapter.streams:
                if account.rate_limited_until and account.rate_limited_until > timezone.now():
                    break  # the last page used up the calls: the other streams wait too
                if _stream_is_due(account, adapter, stream):
                    _poll_stream(account, adapter, stream, outcome, progress, lease, in_parallel)
        except ChannelError as exc:
            record_channel_failure(account=account, error=exc)
            raise
        record_channel_success(account=account, outcome=outcome)
        return outcome


def _stream_is_due(account: ChannelAccount, adapter: ChannelAdapter, stream: str) -> bool:
    least = adapter.stream_min_seconds.get(stream)
    last = account.cursors.get("polled_at", {}).get(stream)
    return not (least and last and time.time() - last < least)


def _poll_stream(
    account: ChannelAccount,
    adapter: ChannelAdapter,
    stream: str,
    outcome: PollOutcome,
    progress: Progress | None,
    lease: Lease,
    in_parallel: bool,
) -> None:
    cursor = account.cursors.get(stream)
    # A backfill cut short (rate limit, crash) resumes at its next page; the newest id of
    # its first page becomes the cursor once the last page is in.
    resume = account.cursors.get(f"{stream}:resume") or {}
    page_token: str | None = resume.get("page")
    new_cursor: str | None = resume.get("newest")
    fetched = 0
    while True:
        page = adapter.fetch(stream=stream, cursor=cursor, page=page_token)
        outcome.pages += 1
        if in_parallel:
            stage_events(account=account, stream=stream, events=page.events)
        else:
            outcome.stored += ingest_events(account=account, events=page.events).stored
        outcome.fetched += len(page.events)
        outcome.reads += page.reads
        fetched += len(page.events)
        if page.reads:
            record_reads(account=account, reads=page.reads)
        record_rate(account=account, rate=page.rate)
        lease.renew()
        if progress is not None:
            progress(stream, fetched)
        if new_cursor is None:
            new_cursor = page.new_cursor
        if not page.next_page:
            break
        page_token = page.next_page
        # This page is committed: from here on a crash or a limit resumes at the next one.
        _save_cursors(account, {f"{stream}:resume": {"page": page_token, "newest": new_cursor}})
        if page.rate.remaining == 0:
            return  # out of calls until the reset; the next poll after it goes on
    polled_at = {**account.cursors.get("polled_at", {}), stream: time.time()}
    done: dict[str, object] = {"polled_at": polled_at, f"{stream}:resume": None}
    if new_cursor:
        done[stream] = new_cursor
    _save_cursors(account, done)


def _save_cursors(account: ChannelAccount, changes: dict[str, object]) -> None:
    cursors = {**account.cursors, **changes}
    account.cursors = {key: value for key, value in cursors.items() if value is not None}
    ChannelAccount.objects.filter(pk=account.pk).update(cursors=account.cursors)
