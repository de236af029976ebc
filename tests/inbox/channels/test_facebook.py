"""The Facebook adapter: recorded webhook deliveries, and the real facebook-sdk client
against the platform simulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inbox.channels.base import ChannelError, InboundAuthor, adapter_for
from inbox.channels.facebook import FacebookAdapter
from tests.factories import ChannelAccountFactory

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "facebook"
# The Page ids the recorded deliveries use (placeholders set upstream by restfb).
FEED_PAGE = "1234567890321"
MESSENGER_PAGE = "12345654332"


def recorded(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def page_adapter(page_id: str) -> FacebookAdapter:
    account = ChannelAccountFactory.build(platform="facebook", external_id=page_id)
    account.set_credentials({"page_access_token": "t"})
    account.save()
    adapter = adapter_for(account)
    assert isinstance(adapter, FacebookAdapter)
    return adapter


def test_the_pages_own_comment_is_recognised_as_outbound():
    [event] = page_adapter(FEED_PAGE).parse_webhook(recorded("feed-comment-add-211"))

    assert event.direction == "outbound"
    assert event.external_id == "901097836652708_903438993085259"
    assert event.text == "and the next one"
    assert event.in_reply_to_external_id == "1234567890321_901097836652708"


def test_the_older_sender_id_form_is_read_too():
    [event] = page_adapter(FEED_PAGE).parse_webhook(recorded("feed-comment-add-25"))

    assert event.direction == "outbound"
    assert event.created_at.timestamp() == 1449135003


def test_an_edited_comment_delivery_becomes_an_edit():
    [event] = page_adapter(FEED_PAGE).parse_webhook(recorded("feed-comment-edited-25"))

    assert (event.action, event.text) == ("edit", "Let's see the Webhooks in action :D")


def test_a_removed_comment_delivery_becomes_a_deletion():
    [event] = page_adapter(FEED_PAGE).parse_webhook(recorded("feed-comment-remove-25"))

    assert (event.action, event.external_id) == ("delete", "905578656204626_905579239537901")


def test_a_messenger_message_is_inbound_from_its_sender():
    [event] = page_adapter(MESSENGER_PAGE).parse_webhook(recorded("messaging-message-basic"))

    assert event.direction == "inbound"
    assert event.kind == "messenger"
    assert event.customer is not None and event.customer.external_id == "987654321432"
    assert event.external_id == "mid.1457764197618:41d102a3e1ae206a38"
    assert event.created_at.timestamp() == pytest.approx(1457764197.627)


def test_an_echo_of_the_pages_own_message_is_outbound_to_the_customer():
    [event] = page_adapter(MESSENGER_PAGE).parse_webhook(recorded("messaging-message-basic-echo"))

    assert event.direction == "outbound"
    assert event.customer is not None and event.customer.external_id == "987654321432"


def test_messenger_edits_and_deletions_are_recognised():
    adapter = page_adapter(MESSENGER_PAGE)

    [edit] = adapter.parse_webhook(recorded("messaging-message-edits"))
    [deleted] = adapter.parse_webhook(recorded("messaging-message-isdeleted"))

    assert (edit.action, edit.text) == ("edit", "hello, world!")
    assert (deleted.action, deleted.external_id) == ("delete", "message_id")


@pytest.mark.parametrize(
    "name", ["unknown-change-value", "feed-two-entries-25", "messaging-delivery-basic"]
)
def test_deliveries_without_customer_text_yield_nothing(name):
    page = MESSENGER_PAGE if name.startswith("messaging") else FEED_PAGE

    assert page_adapter(page).parse_webhook(recorded(name)) == []


def test_a_delivery_for_another_page_yields_nothing():
    assert page_adapter("999").parse_webhook(recorded("feed-comment-add-211")) == []


# --- the real facebook-sdk client against the simulator --------------------------------
def test_polling_reads_customer_comments_and_replies_through_the_real_client(simulator, fb_account):
    facebook = simulator.facebook
    top = facebook.add_comment(
        message="Pesanan saya belum sampai", author={"id": "7001", "name": "Ani"}
    )
    facebook.add_comment(
        message="Sama, min!", author={"id": "7002", "name": "Budi"}, parent_id=top["id"]
    )

    page = adapter_for(fb_account).fetch(stream="comments", cursor=None)

    texts = {e.text: e for e in page.events}
    assert set(texts) == {"Pesanan saya belum sampai", "Sama, min!"}
    assert texts["Sama, min!"].in_reply_to_external_id == top["id"]
    assert texts["Pesanan saya belum sampai"].customer == InboundAuthor(
        external_id="7001", name="Ani"
    )
    assert page.new_cursor is not None


def test_polling_reads_messenger_conversations(simulator, fb_account):
    simulator.facebook.add_messenger_message(
        text="Halo, refund saya gimana?", sender={"id": "8001", "name": "Citra"}
    )

    page = adapter_for(fb_account).fetch(stream="messenger", cursor=None)

    [event] = page.events
    assert (event.kind, event.direction, event.text) == (
        "messenger",
        "inbound",
        "Halo, refund saya gimana?",
    )
    assert event.customer == InboundAuthor(external_id="8001", name="Citra")


def test_check_credentials_names_the_page(simulator, fb_account):
    assert adapter_for(fb_account).check_credentials() == simulator.sim.config.fb_page_name


def test_replies_are_published_on_the_page(simulator, fb_account):
    facebook = simulator.facebook
    comment = facebook.add_comment(message="Layar retak", author={"id": "7001", "name": "Ani"})

    reply_id = adapter_for(fb_account).post_reply(in_reply_to=comment["id"], text="Maaf ya kak ^BS")

    published = [p for p in facebook.published() if p["id"] == reply_id]
    assert published and published[0]["text"] == "Maaf ya kak ^BS"


def test_an_expired_page_token_asks_for_reauthorisation(simulator, fb_account):
    simulator.sim.faults.add(_fault("facebook", "token_expired"))

    with pytest.raises(ChannelError) as error:
        adapter_for(fb_account).fetch(stream="comments", cursor=None)

    assert error.value.reauth and error.value.permanent


def test_a_throttled_page_waits_before_the_next_call(simulator, fb_account):
    simulator.sim.faults.add(_fault("facebook", "rate_limit", code=32, reset_in=600))

    with pytest.raises(ChannelError) as error:
        adapter_for(fb_account).fetch(stream="comments", cursor=None)

    assert error.value.retry_after is not None and error.value.retry_after >= 60
    assert not error.value.reauth


def test_a_server_error_is_transient(simulator, fb_account):
    simulator.sim.faults.add(_fault("facebook", "server_error"))

    with pytest.raises(ChannelError) as error:
        adapter_for(fb_account).fetch(stream="comments", cursor=None)

    assert not error.value.permanent and error.value.retry_after is None


def _fault(platform: str, kind: str, **kwargs):
    from simulator.core import Fault

    remaining = None if kind.startswith("token") else 1
    return Fault(platform=platform, kind=kind, remaining=remaining, **kwargs)


def test_polling_pauses_before_graph_throttles_when_usage_nears_the_budget(simulator, fb_account):
    from django.utils import timezone

    from inbox.services.polling import poll_channel

    facebook = simulator.facebook
    facebook.add_comment(message="Halo", author={"id": "7001", "name": "Ani"})
    # Spend the Page's call budget down to its last calls, as a busy hour would.
    graph = FacebookAdapter(fb_account)
    while (graph._rate().usage_percent or 0) < 90:
        graph.check_credentials()

    poll_channel(account_id=fb_account.pk)

    fb_account.refresh_from_db()
    assert fb_account.usage_percent is not None and fb_account.usage_percent >= 90
    assert fb_account.rate_limited_until is not None
    assert fb_account.rate_limited_until > timezone.now()
    assert poll_channel(account_id=fb_account.pk).skipped == "rate limited"
