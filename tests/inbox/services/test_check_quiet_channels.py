"""The quiet-channel alert: silence far longer than usual, in business hours, tells supervisors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from care.models import Notification
from inbox.models import ChannelAccount, ChannelIncident
from inbox.services.channels import check_quiet_channels
from tests.factories import ChannelAccountFactory, MessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _always_business_hours(settings):
    settings.CARE_BUSINESS_DAYS = ["1", "2", "3", "4", "5", "6", "7"]
    settings.CARE_BUSINESS_HOURS = "00:00-23:59"
    settings.CARE_QUIET_FACTOR = 6
    settings.CARE_QUIET_MIN_MINUTES = 30


def busy_then_silent(silent_for: timedelta) -> ChannelAccount:
    """A message a minute for 30 minutes, then silence."""
    account = ChannelAccountFactory.create()
    last = timezone.now() - silent_for
    for minutes in range(30):
        MessageFactory.create(
            conversation__channel_account=account, received_at=last - timedelta(minutes=minutes)
        )
    ChannelAccount.objects.filter(pk=account.pk).update(last_inbound_at=last)
    account.refresh_from_db()
    return account


def test_a_channel_silent_far_longer_than_usual_raises_one_alert(supervisor):
    account = busy_then_silent(timedelta(hours=2))

    raised = check_quiet_channels()
    check_quiet_channels()  # still quiet: no second alert

    assert [i.channel_account for i in raised] == [account]
    assert ChannelIncident.objects.filter(kind="quiet", ended_at__isnull=True).count() == 1
    assert "unusually quiet" in Notification.objects.get(recipient=supervisor.user).text


def test_a_short_pause_is_not_an_alert(supervisor):
    busy_then_silent(timedelta(minutes=10))

    assert check_quiet_channels() == []
    assert not Notification.objects.exists()


def test_outside_business_hours_silence_is_expected(settings, supervisor):
    busy_then_silent(timedelta(hours=2))
    settings.CARE_BUSINESS_DAYS = []

    assert check_quiet_channels() == []


def test_a_new_message_ends_the_alert(supervisor):
    account = busy_then_silent(timedelta(hours=2))
    check_quiet_channels()
    ChannelAccount.objects.filter(pk=account.pk).update(last_inbound_at=timezone.now())

    check_quiet_channels()

    assert ChannelIncident.objects.get(kind="quiet").ended_at is not None
