"""The bell: what the system told me, and how many I have not read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from care.models import Notification
from inbox.channels.base import ChannelError
from inbox.services.channels import record_channel_failure
from tests.factories import ChannelAccountFactory

pytestmark = pytest.mark.django_db


def _notify(user, text: str, **kwargs: object) -> Notification:
    return Notification.objects.create(recipient=user, verb="test", text=text, **kwargs)


def test_the_bell_shows_the_unread_count(login, agent):
    _notify(agent.user, "one")
    _notify(agent.user, "two")
    _notify(agent.user, "old news", read_at=timezone.now())
    body = login(agent).get(reverse("settings:index")).content.decode()
    assert '<span class="bell-count">2<span class="visually-hidden"> unread' in body


def test_no_count_on_the_bell_when_all_is_read(login, agent):
    _notify(agent.user, "old news", read_at=timezone.now())
    body = login(agent).get(reverse("settings:index")).content.decode()
    assert reverse("notifications") in body
    assert "bell-count" not in body


def test_the_count_is_one_query(login, agent):
    client = login(agent)
    client.get(reverse("settings:index"))  # warm up sessions, permissions
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("settings:index"))
    counts = [q["sql"] for q in queries if "care_notification" in q["sql"]]
    assert len(counts) == 1 and "COUNT" in counts[0].upper()


def test_other_peoples_notifications_are_not_mine(login, agent, supervisor):
    _notify(supervisor.user, "for the supervisor")
    client = login(agent)
    assert "bell-count" not in client.get(reverse("settings:index")).content.decode()
    assert "for the supervisor" not in client.get(reverse("notifications")).content.decode()


def test_the_page_lists_notifications_newest_first_with_links(login, agent):
    older = _notify(agent.user, "Older news", url="/inbox/channels/")
    newer = _notify(agent.user, "Newer news", url="/inbox/")
    Notification.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(hours=1))
    body = login(agent).get(reverse("notifications")).content.decode()
    assert body.index(newer.text) < body.index(older.text)
    assert '<a href="/inbox/channels/">Older news</a>' in body


def test_links_off_site_are_not_rendered(login, agent):
    _notify(agent.user, "Suspicious", url="javascript:alert(1)")
    body = login(agent).get(reverse("notifications")).content.decode()
    assert "javascript:alert" not in body
    assert "Suspicious" in body


def test_mark_all_read_empties_the_bell(login, agent):
    _notify(agent.user, "one")
    _notify(agent.user, "two")
    client = login(agent)
    response = client.post(reverse("notifications-read"), follow=True)
    assert "All notifications are marked read." in response.content.decode()
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert "bell-count" not in response.content.decode()


def test_mark_all_read_needs_a_post(login, agent):
    _notify(agent.user, "one")
    assert login(agent).get(reverse("notifications-read")).status_code == 405
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_a_refused_token_rings_the_supervisors_bell(login, agent, supervisor):
    account = ChannelAccountFactory.create(name="BrandCares")
    record_channel_failure(
        account=account,
        error=ChannelError("X refused the token (401)", permanent=True, reauth=True),
    )
    body = login(supervisor).get(reverse("notifications")).content.decode()
    assert "needs a new token: X refused the token (401)" in body
    assert 'href="/inbox/channels/"' in body
    assert "bell-count" not in login(agent).get(reverse("notifications")).content.decode()


def test_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("notifications"))
    assert response.status_code == 302
