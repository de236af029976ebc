"""The inbox list as it stands before "The agents' inbox": open cases, newest first."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inbox.models import Conversation
from tests.factories import ChannelAccountFactory, ConversationFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def test_open_conversations_are_listed_newest_activity_first(login, agent):
    now = timezone.now()
    older = ConversationFactory.create(
        customer=CustomerFactory.create(display_name="Older Customer"),
        last_activity_at=now - timedelta(hours=2),
    )
    newer = ConversationFactory.create(
        customer=CustomerFactory.create(display_name="Newer Customer"),
        last_activity_at=now,
        assignee=agent,
    )
    ConversationFactory.create(
        customer=CustomerFactory.create(display_name="Happy Customer"),
        status=Conversation.Status.RESOLVED,
    )
    body = login(agent).get(reverse("inbox:list")).content.decode()
    assert body.index(str(newer.customer)) < body.index(str(older.customer))
    assert "Happy Customer" not in body
    assert "2 open conversations" in body
    assert "^AA" in body  # the assignee's initials


def test_customer_names_are_shown_as_text_not_html(login, agent):
    ConversationFactory.create(
        customer=CustomerFactory.create(display_name="<script>alert('x')</script>")
    )
    body = login(agent).get(reverse("inbox:list")).content.decode()
    assert "<script>alert('x')</script>" not in body
    assert "&lt;script&gt;" in body


def test_empty_inbox_without_channels_points_supervisors_to_channels(login, supervisor):
    body = login(supervisor).get(reverse("inbox:list")).content.decode()
    assert "No channel is connected yet" in body
    assert reverse("settings:channels") in body


def test_empty_inbox_with_channels_says_all_is_answered(login, agent):
    ChannelAccountFactory.create()
    body = login(agent).get(reverse("inbox:list")).content.decode()
    assert "No open conversations." in body
    assert reverse("settings:channels") not in body
