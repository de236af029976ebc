"""Tell open inbox pages that something changed.

With Redis, an update is published on the `care:inbox` channel for live pages to
subscribe to; pages also poll `/inbox/live`, which reads the database, so the demo
without Redis updates too.
"""

from __future__ import annotations

import functools
import json
import logging

import redis
from django.conf import settings

log = logging.getLogger(__name__)
INBOX_CHANNEL = "care:inbox"


@functools.cache
def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


def publish_inbox_update(*, channel_account_id: int, conversation_ids: list[int]) -> None:
    if not settings.REDIS_URL:
        return
    message = json.dumps({"channel_account": channel_account_id, "conversations": conversation_ids})
    try:
        _client().publish(INBOX_CHANNEL, message)
    except redis.RedisError:
        # Live updates are a convenience: the message is stored and pages poll anyway.
        log.warning("could not publish an inbox update", exc_info=True)
