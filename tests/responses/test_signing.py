"""Signatures and length, the way X and Facebook count: exactly 280 weighted characters
with a URL, an emoji and ^AB fits; one more is refused before anything is kept."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from care.errors import CareError
from responses.models import Reply
from responses.services.outbox import send_reply
from responses.services.signing import measure, signature
from tests.factories import (
    ChannelAccountFactory,
    ConversationFactory,
    CustomerIdentityFactory,
    MessageFactory,
    make_agent,
)

pytestmark = pytest.mark.django_db

URL = "https://nusantara-tech.co.id/support/battery-recall/NusaBook-Pro-15?ref=care"


@pytest.fixture
def ab(db):
    return make_agent(display_name="Ayu Budiman", initials="AB")


def test_a_public_x_reply_is_signed_with_initials(ab):
    assert signature(ab, "x", private=False) == " ^AB"
    assert signature(ab, "x", private=True) == ""  # a DM is one person to one person


def test_exactly_280_with_a_url_an_emoji_and_the_signature_fits(ab):
    # The URL counts 23, the emoji 2, " ^AB" 4: 280 - 29 = 251 letters (and two spaces).
    text = "a" * 249 + " " + URL + " 🙏"
    measured = measure(text, agent=ab, platform="x", private=False)
    assert measured.signed_text.endswith("🙏 ^AB")
    assert (measured.length, measured.limit, measured.over) == (280, 280, 0)
    one_more = measure("a" + text, agent=ab, platform="x", private=False)
    assert (one_more.length, one_more.over) == (281, 1)


def test_cjk_counts_double_on_x(ab):
    assert measure("你好", agent=ab, platform="x", private=True).length == 4


def test_facebook_counts_characters_and_signs_as_configured(ab, settings):
    settings.CARE_FACEBOOK_SIGNATURE = " – {first_name}"
    measured = measure("Terima kasih kak 🙏", agent=ab, platform="facebook", private=False)
    assert measured.signed_text == "Terima kasih kak 🙏 – Ayu"
    assert measured.limit == 8000


def test_an_over_long_x_reply_is_refused_before_it_is_kept(ab):
    conversation = ConversationFactory.create(channel_account=ChannelAccountFactory.create())
    MessageFactory.create(
        conversation=conversation,
        author_identity=CustomerIdentityFactory.create(customer=conversation.customer),
    )
    with pytest.raises(CareError) as refused:
        send_reply(
            conversation=conversation, by=ab, text="b" * 277,
            idempotency_key=uuid.uuid4(), confirmed=True,
        )  # fmt: skip
    assert refused.value.code == "too_long"
    assert refused.value.message == "Too long by 1: 281 of 280 characters, with the signature."
    assert not Reply.objects.exists()
    # As a DM the same text fits.
    send_reply(
        conversation=conversation, by=ab, text="b" * 277, private=True,
        idempotency_key=uuid.uuid4(), confirmed=True,
    )  # fmt: skip
    assert Reply.objects.count() == 1


def test_the_reply_box_counter_answers_as_the_check_does(login, ab):
    conversation = ConversationFactory.create(channel_account=ChannelAccountFactory.create())
    url = reverse("inbox:reply-length", args=[conversation.pk])
    answer = login(ab).post(url, {"text": "Halo kak " + URL, "private": "0"}).json()
    assert answer == {
        "length": 36,
        "limit": 280,
        "left": 244,
        "signature": " ^AB",
        "warnings": [],
    }
    page = login(ab).post(
        reverse("inbox:reply", args=[conversation.pk]),
        {
            "text": "c" * 300,
            "seen_message_id": 0,
            "seen_reply_id": 0,
            "confirmed": "1",
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    assert "Too long by 24" in page.content.decode()
