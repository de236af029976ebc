"""Polling against the simulator with the real clients: cursors, faults, health, spend."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from care.models import Notification
from inbox.channels.base import ChannelError
from inbox.models import ChannelAccount, ChannelIncident, InboundBatch, Message
from inbox.services import polling
from inbox.services.channels import (
    effective_poll_seconds,
    poll_task_name,
    save_channel_credentials,
)
from inbox.services.ingest import ingest_events, relay_stuck_batches
from inbox.services.polling import poll_channel
from simulator.core import Fault

pytestmark = pytest.mark.django_db
Status = ChannelAccount.Status


def test_a_poll_stores_new_mentions_and_dms_and_moves_the_cursor(simulator, x_account):
    x = simulator.x
    ids = x.add_mentions(count=30)
    x.add_dm(text="Pesanan NT-2026-48213 belum sampai", sender={"id": "5001"})

    outcome = poll_channel(account_id=x_account.pk)

    x_account.refresh_from_db()
    assert outcome.stored == 31
    assert Message.objects.filter(kind="mention").count() == 30
    assert Message.objects.filter(kind="direct_message").count() == 1
    assert x_account.cursors["mentions"] == max(ids, key=int)
    assert x_account.status == Status.HEALTHY
    assert x_account.last_success_at is not None


def test_a_second_poll_fetches_only_what_is_new(simulator, x_account):
    x = simulator.x
    x.add_mentions(count=5)
    poll_channel(account_id=x_account.pk)
    x.add_mentions(count=2)

    outcome = poll_channel(account_id=x_account.pk)

    assert (outcome.fetched, outcome.stored) == (2, 2)
    assert Message.objects.count() == 7


def test_a_backfill_over_many_pages_is_stored_once(simulator, x_account):
    simulator.x.add_mentions(count=450)

    outcome = poll_channel(account_id=x_account.pk)

    assert outcome.pages >= 5
    assert Message.objects.count() == 450


def test_a_crash_mid_backfill_keeps_the_cursor_so_nothing_is_lost_or_doubled(simulator, x_account):
    simulator.x.add_mentions(count=250)
    real_ingest = ingest_events
    calls = {"n": 0}

    def crash_on_second_page(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker died")
        return real_ingest(**kwargs)

    with (
        mock.patch.object(polling, "ingest_events", crash_on_second_page),
        pytest.raises(RuntimeError),
    ):
        poll_channel(account_id=x_account.pk)
    x_account.refresh_from_db()
    assert "mentions" not in x_account.cursors
    assert Message.objects.count() == 100  # the first page was committed

    poll_channel(account_id=x_account.pk)

    assert Message.objects.count() == 250
    assert Message.objects.values("external_id").distinct().count() == 250


def test_while_rate_limited_no_request_is_made(simulator, x_account):
    simulator.sim.faults.add(Fault(platform="x", kind="rate_limit", remaining=1, reset_in=600))

    with pytest.raises(ChannelError):
        poll_channel(account_id=x_account.pk)
    served = simulator.sim.requests_served
    skipped = poll_channel(account_id=x_account.pk)

    x_account.refresh_from_db()
    assert x_account.status == Status.RATE_LIMITED
    assert x_account.rate_limited_until > timezone.now() + timedelta(seconds=590)
    assert skipped.skipped == "rate limited"
    assert simulator.sim.requests_served == served
    assert ChannelIncident.objects.filter(kind="rate_limited", ended_at__isnull=True).exists()


def test_after_the_reset_polling_resumes_and_the_account_is_healthy(simulator, x_account):
    simulator.sim.faults.add(Fault(platform="x", kind="rate_limit", remaining=1, reset_in=1))
    with pytest.raises(ChannelError):
        poll_channel(account_id=x_account.pk)
    ChannelAccount.objects.filter(pk=x_account.pk).update(rate_limited_until=timezone.now())
    simulator.x.add_mentions(count=3)

    outcome = poll_channel(account_id=x_account.pk)

    x_account.refresh_from_db()
    assert outcome.stored == 3
    assert x_account.status == Status.HEALTHY
    assert not ChannelIncident.objects.filter(kind="rate_limited", ended_at__isnull=True).exists()


def test_an_expired_token_stops_only_that_account_and_tells_supervisors(
    simulator, x_account, fb_account, supervisor
):
    simulator.sim.faults.add(Fault(platform="x", kind="token_expired", remaining=None))
    simulator.facebook.add_comment(message="Halo min", author={"id": "7001"})

    with pytest.raises(ChannelError):
        poll_channel(account_id=x_account.pk)
    poll_channel(account_id=fb_account.pk)

    x_account.refresh_from_db()
    fb_account.refresh_from_db()
    assert x_account.status == Status.REAUTH_REQUIRED
    assert not PeriodicTask.objects.get(name=poll_task_name(x_account)).enabled
    assert fb_account.status == Status.HEALTHY
    assert Message.objects.filter(channel_account=fb_account).count() == 1
    note = Notification.objects.get(recipient=supervisor.user)
    assert "new token" in note.text
    assert poll_channel(account_id=x_account.pk).skipped  # no calls while waiting


def test_saving_a_new_token_resumes_polling(simulator, x_account, supervisor):
    simulator.sim.faults.add(Fault(platform="x", kind="token_revoked", remaining=None))
    with pytest.raises(ChannelError):
        poll_channel(account_id=x_account.pk)
    simulator.sim.faults.clear()  # the simulator accepts the "new" token
    simulator.x.add_mentions(count=2)

    save_channel_credentials(
        account=x_account, credentials={"access_token": "sim-x-access-token"}, by=supervisor.user
    )
    outcome = poll_channel(account_id=x_account.pk)

    x_account.refresh_from_db()
    assert x_account.status == Status.HEALTHY
    assert PeriodicTask.objects.get(name=poll_task_name(x_account)).enabled
    assert outcome.stored == 2


def test_recovery_after_an_outage_reports_the_gap_and_what_was_caught_up(simulator, x_account):
    poll_channel(account_id=x_account.pk)
    simulator.sim.faults.add(Fault(platform="x", kind="server_error", remaining=1))
    with pytest.raises(ChannelError):
        poll_channel(account_id=x_account.pk)
    x_account.refresh_from_db()
    assert x_account.status == Status.DEGRADED
    simulator.x.add_mentions(count=12)

    poll_channel(account_id=x_account.pk)

    backfill = ChannelIncident.objects.get(kind="backfill")
    assert backfill.messages_recovered == 12
    assert "12" in backfill.detail
    assert ChannelIncident.objects.get(kind="outage").ended_at is not None


def test_two_pollers_never_work_one_account_at_once(simulator, x_account):
    from care.locks import try_lock

    with try_lock(f"poll-channel-{x_account.pk}", expires_after=60) as held:
        assert held
        outcome = poll_channel(account_id=x_account.pk)

    assert outcome.skipped == "another poller holds this account"


def test_a_paused_account_is_not_polled(simulator, x_account):
    ChannelAccount.objects.filter(pk=x_account.pk).update(status=Status.PAUSED)

    assert poll_channel(account_id=x_account.pk).skipped
    assert simulator.sim.requests_served == 0


def test_dms_are_polled_at_most_once_a_minute(simulator, x_account):
    poll_channel(account_id=x_account.pk)
    simulator.x.add_dm(text="halo", sender={"id": "5001"})

    poll_channel(account_id=x_account.pk)

    assert not Message.objects.filter(kind="direct_message").exists()


def test_reads_are_metered_and_polling_slows_as_the_budget_nears(simulator, x_account):
    ChannelAccount.objects.filter(pk=x_account.pk).update(monthly_read_budget=100)
    simulator.x.add_mentions(count=90)

    poll_channel(account_id=x_account.pk)

    x_account.refresh_from_db()
    assert x_account.reads_this_month >= 90
    assert effective_poll_seconds(x_account) > 15
    task = PeriodicTask.objects.get(name=poll_task_name(x_account))
    assert task.interval.every == effective_poll_seconds(x_account)


def test_a_spent_budget_slows_polling_to_hourly_but_never_stops_it(x_account):
    now = timezone.now()
    x_account.monthly_read_budget = 100
    x_account.reads_this_month = 150
    x_account.reads_month = now.strftime("%Y-%m")

    assert effective_poll_seconds(x_account, now=now) == 3600


def test_in_parallel_each_page_is_kept_and_ingested_by_a_task(
    simulator, x_account, eager_tasks, django_capture_on_commit_callbacks
):
    simulator.x.add_mentions(count=250)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = poll_channel(account_id=x_account.pk, in_parallel=True)

    assert outcome.fetched == 250
    assert InboundBatch.objects.filter(status="done").count() == 3
    assert Message.objects.count() == 250


def test_a_kept_page_whose_task_was_lost_is_relayed(simulator, x_account, eager_tasks):
    simulator.x.add_mentions(count=40)
    poll_channel(account_id=x_account.pk, in_parallel=True)  # on_commit never runs: lost
    x_account.refresh_from_db()
    assert x_account.cursors["mentions"]  # the page is kept, so the cursor may move
    assert not Message.objects.exists()

    relayed = relay_stuck_batches(older_than=timedelta(0))

    assert relayed == 1
    assert Message.objects.count() == 40
    assert relay_stuck_batches(older_than=timedelta(0)) == 0


def test_tokens_written_with_a_lost_key_can_be_replaced(x_account, supervisor, settings):
    from cryptography.fernet import Fernet

    ChannelAccount.objects.filter(pk=x_account.pk).update(
        credentials_ciphertext=Fernet(Fernet.generate_key()).encrypt(b"{}").decode()
    )
    x_account.refresh_from_db()

    save_channel_credentials(
        account=x_account, credentials={"bearer_token": "fresh"}, by=supervisor.user
    )

    x_account.refresh_from_db()
    assert x_account.credentials == {"bearer_token": "fresh"}


def test_a_backfill_cut_short_by_a_limit_resumes_at_its_next_page(simulator, x_account):
    simulator.x.add_mentions(count=250)

    def limit_after_first_page(stream, fetched):
        if stream == "mentions" and fetched == 100:
            simulator.sim.faults.add(Fault(platform="x", kind="rate_limit", remaining=1))

    with pytest.raises(ChannelError):
        poll_channel(account_id=x_account.pk, progress=limit_after_first_page)
    ChannelAccount.objects.filter(pk=x_account.pk).update(rate_limited_until=None)

    outcome = poll_channel(account_id=x_account.pk)

    x_account.refresh_from_db()
    assert outcome.fetched == 150  # only the pages not yet stored
    assert Message.objects.count() == 250
    assert "mentions:resume" not in x_account.cursors
    assert x_account.cursors["mentions"]
