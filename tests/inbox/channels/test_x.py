"""The X adapter: a recorded response replayed at the HTTP edge, and the real tweepy
client against the platform simulator."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path

import pytest
import requests
from requests.adapters import HTTPAdapter

from inbox.channels.base import ChannelError, adapter_for
from inbox.channels.x import XAdapter
from tests.factories import ChannelAccountFactory

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "x"


def x_adapter(external_id: str, settings) -> XAdapter:
    settings.X_API_BASE_URL = "https://api.twitter.com"
    account = ChannelAccountFactory.build(platform="x", external_id=external_id)
    account.set_credentials({"bearer_token": "b", "access_token": "a", "access_token_secret": "s"})
    account.save()
    adapter = adapter_for(account)
    assert isinstance(adapter, XAdapter)
    return adapter


class RecordedAdapter(HTTPAdapter):
    """The HTTP edge replaced by one recorded exchange: answers its body and headers."""

    def __init__(self, recorded: dict) -> None:
        super().__init__()
        self.recorded = recorded
        self.requests: list[requests.PreparedRequest] = []

    def send(self, request, *args, **kwargs):
        self.requests.append(request)
        response = requests.Response()
        response.status_code = self.recorded["status"]
        response.headers.update(self.recorded["headers"])
        response._content = json.dumps(self.recorded["body"]).encode()
        response.url = request.url
        response.request = request
        return response


def test_a_recorded_mentions_page_becomes_events_with_xs_rate_limit(settings):
    recorded = json.loads((FIXTURES / "test_client_get_users_mentions.json").read_text())[
        "interactions"
    ][0]["response"]
    adapter = x_adapter("783214", settings)
    edge = RecordedAdapter(recorded)
    adapter.client.session.mount("https://api.twitter.com", edge)

    page = adapter.fetch(stream="mentions", cursor=None)

    tweets = recorded["body"]["data"]
    assert [e.external_id for e in page.events] == [t["id"] for t in tweets]
    assert [e.text for e in page.events] == [t["text"] for t in tweets]
    assert page.new_cursor == recorded["body"]["meta"]["newest_id"]
    assert page.next_page == recorded["body"]["meta"].get("next_token")
    assert page.rate.remaining == 448
    assert page.rate.reset_at is not None and page.rate.reset_at.timestamp() == 1665183228
    assert page.reads == len(tweets)
    assert edge.requests[0].headers["Authorization"] == "Bearer b"


# --- the real tweepy client against the simulator ---------------------------------------
def test_mentions_come_with_their_authors_and_threading(simulator, x_account):
    x = simulator.x
    first = x.add_mention(
        text="@NusantaraCares laptop saya mati total",
        author={"id": "5001", "username": "ani_w", "name": "Ani", "followers_count": 1200},
        lang="in",
    )

    page = adapter_for(x_account).fetch(stream="mentions", cursor=None)

    [event] = page.events
    assert event.external_id == first["id"]
    assert event.direction == "inbound"
    assert event.customer is not None
    assert (event.customer.handle, event.customer.followers_count) == ("ani_w", 1200)
    assert event.language == "in"
    assert event.permalink == f"https://x.com/ani_w/status/{first['id']}"
    assert page.new_cursor == first["id"]


def test_since_id_returns_only_newer_mentions_across_pages(simulator, x_account):
    x = simulator.x
    old = x.add_mention(text="@NusantaraCares old")
    new_ids = x.add_mentions(count=150)
    adapter = adapter_for(x_account)

    first = adapter.fetch(stream="mentions", cursor=old["id"])
    second = adapter.fetch(stream="mentions", cursor=old["id"], page=first.next_page)

    fetched = [e.external_id for e in [*first.events, *second.events]]
    assert sorted(fetched) == sorted(new_ids)
    assert second.next_page is None


def test_direct_messages_are_read_until_the_cursor(simulator, x_account):
    x = simulator.x
    seen = x.add_dm(text="Halo, pesanan NT-2026-48213?", sender={"id": "5001"})
    fresh = x.add_dm(text="Sudah 3 hari", sender={"id": "5001"})
    adapter = adapter_for(x_account)

    page = adapter.fetch(stream="direct_messages", cursor=seen["id"])

    assert [e.external_id for e in page.events] == [fresh["id"]]
    assert page.events[0].customer is not None
    assert page.events[0].customer.external_id == "5001"
    assert page.new_cursor == fresh["id"]


def test_a_reply_is_posted_and_threads_under_the_mention(simulator, x_account):
    x = simulator.x
    mention = x.add_mention(text="@NusantaraCares baterai drop", author={"id": "5001"})

    reply_id = adapter_for(x_account).post_reply(in_reply_to=mention["id"], text="Maaf ya ^BS")

    [reply] = x.latest_brand_replies(1)
    assert reply["id"] == reply_id
    assert reply["in_reply_to_user_id"] == "5001"


def test_check_credentials_names_the_account(simulator, x_account):
    assert adapter_for(x_account).check_credentials() == simulator.sim.config.x_username


def test_a_revoked_token_asks_for_reauthorisation(simulator, x_account):
    simulator.sim.faults.add(_fault("token_revoked"))

    with pytest.raises(ChannelError) as error:
        adapter_for(x_account).fetch(stream="mentions", cursor=None)

    assert error.value.reauth


def test_a_429_says_when_the_limit_resets(simulator, x_account):
    simulator.sim.faults.add(_fault("rate_limit", reset_in=300))

    with pytest.raises(ChannelError) as error:
        adapter_for(x_account).fetch(stream="mentions", cursor=None)

    assert error.value.retry_after == pytest.approx(300, abs=5)


def test_duplicate_content_is_refused_for_good(simulator, x_account):
    x = simulator.x
    mention = x.add_mention(text="@NusantaraCares hi")
    adapter = adapter_for(x_account)
    adapter.post_reply(in_reply_to=mention["id"], text="Thanks for reaching out ^BS")

    with pytest.raises(ChannelError) as error:
        adapter.post_reply(in_reply_to=mention["id"], text="Thanks for reaching out ^BS")

    assert error.value.permanent
    assert "duplicate content" in str(error.value)


def test_an_account_activity_delivery_is_parsed(settings):
    adapter = x_adapter("1600000000000000001", settings)
    payload = {
        "for_user_id": "1600000000000000001",
        "tweet_create_events": [
            {
                "id_str": "1800000000000000001",
                "created_at": "Mon Nov 23 09:00:00 +0000 2026",
                "text": "@NusantaraCares tolong cek",
                "in_reply_to_status_id_str": None,
                "lang": "in",
                "user": {"id_str": "5001", "screen_name": "ani_w", "followers_count": 9},
            }
        ],
        "direct_message_events": [
            {
                "type": "message_create",
                "id": "1800000000000000002",
                "created_timestamp": "1795424400000",
                "message_create": {
                    "target": {"recipient_id": "1600000000000000001"},
                    "sender_id": "5001",
                    "message_data": {"text": "DM detail pesanan"},
                },
            }
        ],
    }

    tweet, dm = adapter.parse_webhook(payload)

    assert tweet.customer is not None and dm.customer is not None
    assert (tweet.kind, tweet.customer.handle, tweet.language) == ("mention", "ani_w", "in")
    assert (dm.kind, dm.direction, dm.customer.external_id) == ("direct_message", "inbound", "5001")


def test_crc_and_signature_follow_xs_rules(settings):
    from inbox.services.webhooks import x_crc_response, x_signature_is_valid

    settings.X_CONSUMER_SECRET = "secret"
    expected = base64.b64encode(hmac.new(b"secret", b"token", hashlib.sha256).digest()).decode()
    body = b'{"for_user_id":"1"}'
    signature = base64.b64encode(hmac.new(b"secret", body, hashlib.sha256).digest()).decode()

    assert x_crc_response("token") == {"response_token": f"sha256={expected}"}
    assert x_signature_is_valid(body=body, header=f"sha256={signature}")
    assert not x_signature_is_valid(body=body + b" ", header=f"sha256={signature}")


def _fault(kind: str, **kwargs):
    from simulator.core import Fault

    return Fault(
        platform="x", kind=kind, remaining=None if kind.startswith("token") else 1, **kwargs
    )
