import pytest
from django.urls import reverse

from inbox.models import Conversation
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db


def test_it_counts_conversations_by_status_leaving_out_merged_ones(login, supervisor):
    target = ConversationFactory.create(status=Conversation.Status.ESCALATED)
    ConversationFactory.create(status=Conversation.Status.ESCALATED)
    ConversationFactory.create(status=Conversation.Status.ESCALATED, merged_into=target)
    response = login(supervisor).get(reverse("dashboard"))
    statuses = dict((str(label), count) for label, count in response.context["statuses"])
    assert statuses["Escalated"] == 2
    assert statuses["New"] == 0
    assert "No conversations to measure yet" not in response.content.decode()


def test_an_empty_dashboard_explains_itself(login, supervisor):
    body = login(supervisor).get(reverse("dashboard")).content.decode()
    assert "No conversations to measure yet" in body
