"""kill -9 of a real worker in the middle of a 10,000-message backfill: 0 lost, 0 doubled."""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta

import pytest

from inbox.models import ChannelAccount, Message
from inbox.services.ingest import relay_stuck_batches
from inbox.tasks import poll_channel_task
from simulator.core import SimConfig
from simulator.server import start_in_thread
from tests.conftest import sim_x_credentials
from tests.processes import process_env, start_celery, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
MENTIONS = 10_000


@pytest.fixture
def big_simulator():
    # Lift X's 800-mention reach and rate limits: this test is about care, not X's quotas.
    running = start_in_thread(SimConfig(enforce_rate_limits=False, x_mentions_reach=MENTIONS))
    running.x.add_mentions(count=MENTIONS)
    yield running
    running.stop()


def test_a_worker_killed_mid_backfill_loses_and_doubles_nothing(big_simulator, tmp_path):
    config = big_simulator.sim.config
    account = ChannelAccount(platform="x", external_id=config.x_user_id, name=config.x_username)
    account.set_credentials(sim_x_credentials(config))
    account.save()
    env = process_env(
        tmp_path / "var",
        X_API_BASE_URL=big_simulator.x_base_url,
        X_CONSUMER_KEY=config.x_consumer_key,
        X_CONSUMER_SECRET=config.x_consumer_secret,
        CARE_POLL_LOCK_SECONDS="3",
    )
    logs = tmp_path / "logs"
    logs.mkdir()
    worker_args = ["worker", "--concurrency=1", "--loglevel=INFO", "--hostname=crash@%h"]
    # Its own process group, so kill -9 reaches the pool child doing the work too.
    worker = start_celery(worker_args, env=env, log=logs / "worker.log", start_new_session=True)

    poll_channel_task.delay(account.pk)
    wait_for(lambda: Message.objects.count() >= 2_000, timeout=120, logs=logs)
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)

    stored_at_crash = Message.objects.count()
    assert stored_at_crash < MENTIONS, "the batch finished before the kill; nothing was tested"

    restarted = start_celery(worker_args, env=env, log=logs / "worker.log")
    try:
        asked = [0.0]

        def caught_up() -> bool:
            if Message.objects.count() >= MENTIONS:
                return True
            if time.monotonic() - asked[0] > 4:
                # What beat does on schedule: poll again, and relay kept pages whose
                # task died with the worker.
                poll_channel_task.delay(account.pk)
                relay_stuck_batches(older_than=timedelta(seconds=3))
                asked[0] = time.monotonic()
            return False

        wait_for(caught_up, timeout=180, logs=logs)
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(timeout=30)

    assert Message.objects.count() == MENTIONS
    assert Message.objects.values("external_id").distinct().count() == MENTIONS
