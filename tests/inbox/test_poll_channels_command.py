"""`manage.py poll_channels --once [--account ID]`: a backfill by hand, with a progress bar."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from inbox.models import Message
from simulator.core import Fault

pytestmark = pytest.mark.django_db


def test_a_backfill_shows_progress_and_what_was_stored(simulator, x_account):
    simulator.x.add_mentions(count=230)
    out, err = io.StringIO(), io.StringIO()

    call_command("poll_channels", "--once", "--account", str(x_account.pk), stdout=out, stderr=err)

    assert Message.objects.count() == 230
    assert "230 new of 230 fetched" in out.getvalue()
    assert "230 msg" in err.getvalue()  # tqdm's bar: the count of fetched messages


def test_an_unknown_account_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No channel account with id 999"):
        call_command("poll_channels", "--once", "--account", "999")


def test_a_failing_account_is_reported_and_the_others_still_polled(
    simulator, x_account, fb_account
):
    simulator.sim.faults.add(Fault(platform="x", kind="token_revoked", remaining=None))
    simulator.facebook.add_comment(message="Halo min", author={"id": "7001", "name": "Ani"})
    err = io.StringIO()

    with pytest.raises(CommandError, match="1 account"):
        call_command("poll_channels", "--once", stdout=io.StringIO(), stderr=err)

    assert "refused the token" in err.getvalue()
    assert Message.objects.filter(channel_account=fb_account).count() == 1
