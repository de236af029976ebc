"""The database itself refuses duplicates: no code path can store a post twice."""

import pytest
from django.db import IntegrityError, transaction

from inbox.models import ChannelAccount, CustomerIdentity, Message, Platform
from tests.factories import (
    ChannelAccountFactory,
    ConversationFactory,
    CustomerIdentityFactory,
    MessageFactory,
)

pytestmark = pytest.mark.django_db


def test_duplicate_message_external_id_on_one_account_is_refused():
    first = MessageFactory.create(external_id="1460323737035677698")
    with pytest.raises(IntegrityError), transaction.atomic():
        MessageFactory.create(
            external_id="1460323737035677698",
            conversation=first.conversation,
        )
    assert Message.objects.filter(external_id="1460323737035677698").count() == 1


def test_same_external_id_on_two_accounts_is_two_messages():
    MessageFactory.create(external_id="42")
    MessageFactory.create(external_id="42")  # another conversation, another account
    assert Message.objects.filter(external_id="42").count() == 2


def test_bulk_insert_ignoring_conflicts_keeps_one_copy():
    original = MessageFactory.create(external_id="777", text="first delivery")
    duplicate = Message(
        conversation=original.conversation,
        channel_account=original.channel_account,
        direction=Message.Direction.INBOUND,
        kind=Message.Kind.MENTION,
        external_id="777",
        text="second delivery",
        platform_created_at=original.platform_created_at,
    )
    Message.objects.bulk_create([duplicate], ignore_conflicts=True)
    assert list(Message.objects.filter(external_id="777").values_list("text", flat=True)) == [
        "first delivery"
    ]


def test_duplicate_identity_on_one_platform_is_refused():
    CustomerIdentityFactory.create(platform=Platform.X, external_id="2244994945")
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerIdentityFactory.create(platform=Platform.X, external_id="2244994945")
    # The same number on Facebook is somebody else.
    CustomerIdentityFactory.create(platform=Platform.FACEBOOK, external_id="2244994945")
    assert CustomerIdentity.objects.filter(external_id="2244994945").count() == 2


def test_duplicate_channel_account_is_refused():
    ChannelAccountFactory.create(platform=Platform.FACEBOOK, external_id="104000000000001")
    with pytest.raises(IntegrityError), transaction.atomic():
        ChannelAccountFactory.create(platform=Platform.FACEBOOK, external_id="104000000000001")
    assert ChannelAccount.objects.count() == 1


def test_a_message_cannot_have_two_authors(agent):
    identity = CustomerIdentityFactory.create()
    conversation = ConversationFactory.create(customer=identity.customer)
    with pytest.raises(IntegrityError), transaction.atomic():
        MessageFactory.create(
            conversation=conversation, author_identity=identity, author_agent=agent
        )


def test_text_is_stored_exactly_as_written():
    text = "Laptop mati 😡 <script>alert(1)</script>\u200b مرحبا " + "x" * 10_000
    message = MessageFactory.create(text=text)
    message.refresh_from_db()
    assert message.text == text
