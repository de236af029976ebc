"""Webhook deliveries: dead letters to inspect, escaped, and replay."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from inbox.models import Platform, WebhookDelivery

pytestmark = pytest.mark.django_db

Status = WebhookDelivery.Status
GOOD_X_BODY = json.dumps({"for_user_id": "1600000000000000001", "tweet_create_events": []})


def _delivery(**kwargs: object) -> WebhookDelivery:
    defaults: dict[str, object] = {
        "platform": Platform.X,
        "body": GOOD_X_BODY,
        "status": Status.DEAD,
        "attempts": 5,
        "error": "KeyError: 'user'",
    }
    return WebhookDelivery.objects.create(**{**defaults, **kwargs})


def test_agents_cannot_see_deliveries(login, agent):
    delivery = _delivery()
    client = login(agent)
    assert client.get(reverse("inbox:deliveries")).status_code == 403
    assert client.get(reverse("inbox:delivery", args=[delivery.pk])).status_code == 403
    assert client.post(reverse("inbox:delivery-replay", args=[delivery.pk])).status_code == 403


def test_dead_letters_are_the_default_tab(login, supervisor):
    dead = _delivery(error="ValueError: the dead one")
    _delivery(status=Status.PROCESSED, error="the processed one")
    body = login(supervisor).get(reverse("inbox:deliveries")).content.decode()
    assert "ValueError: the dead one" in body
    assert "the processed one" not in body
    assert reverse("inbox:delivery", args=[dead.pk]) in body


def test_the_tabs_filter_by_status_and_count(login, supervisor):
    _delivery()
    _delivery(status=Status.IGNORED, error="unknown account(s): 42")
    body = (
        login(supervisor).get(reverse("inbox:deliveries"), {"status": "ignored"}).content.decode()
    )
    assert "unknown account(s): 42" in body
    assert "KeyError" not in body
    assert 'href="?status=dead" >Dead letters <span class="badge">1</span>' in body


def test_the_list_shows_platform_attempts_and_size(login, supervisor):
    _delivery(body="x" * 2048, attempts=3)
    body = login(supervisor).get(reverse("inbox:deliveries")).content.decode()
    assert "channel-x" in body
    assert "<td>3</td>" in body
    assert "2.0\xa0KB" in body


def test_no_dead_letters_is_said_plainly(login, supervisor):
    body = login(supervisor).get(reverse("inbox:deliveries")).content.decode()
    assert "No dead letters" in body


def test_the_detail_pretty_prints_json_and_shows_headers(login, supervisor):
    delivery = _delivery(headers={"Content-Type": "application/json", "User-Agent": "Twitter"})
    body = login(supervisor).get(reverse("inbox:delivery", args=[delivery.pk])).content.decode()
    assert "Content-Type: application/json" in body
    assert "User-Agent: Twitter" in body
    assert "{\n  &quot;for_user_id&quot;: &quot;1600000000000000001&quot;" in body
    assert "JSON, indented" in body


def test_customer_html_in_a_dead_letter_is_escaped(login, supervisor):
    text = "<script>alert('pwned')</script><img src=x onerror=alert(1)>"
    body_json = json.dumps({"for_user_id": "1", "tweet_create_events": [{"text": text}]})
    delivery = _delivery(body=body_json, error=f"boom {text}")
    page = login(supervisor).get(reverse("inbox:delivery", args=[delivery.pk])).content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page
    listing = login(supervisor).get(reverse("inbox:deliveries")).content.decode()
    assert "<script>alert" not in listing


def test_a_body_that_is_not_json_is_shown_raw_and_escaped(login, supervisor):
    delivery = _delivery(body="<html>Bad Gateway</html>", error="not JSON: Expecting value")
    page = login(supervisor).get(reverse("inbox:delivery", args=[delivery.pk])).content.decode()
    assert "&lt;html&gt;Bad Gateway&lt;/html&gt;" in page
    assert "as received (not JSON)" in page


def test_replay_moves_a_dead_letter_back_to_received(login, supervisor):
    delivery = _delivery()
    response = login(supervisor).post(
        reverse("inbox:delivery-replay", args=[delivery.pk]), follow=True
    )
    assert f"Delivery {delivery.pk} is queued to be processed again." in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == Status.RECEIVED
    assert delivery.attempts == 0 and delivery.error == ""


def test_replaying_a_malformed_body_says_it_is_still_dead(login, supervisor):
    delivery = _delivery(body="not json at all")
    response = login(supervisor).post(
        reverse("inbox:delivery-replay", args=[delivery.pk]), follow=True
    )
    assert "is still a dead letter: not JSON" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == Status.DEAD


def test_replay_needs_a_post(login, supervisor):
    delivery = _delivery()
    response = login(supervisor).get(reverse("inbox:delivery-replay", args=[delivery.pk]))
    assert response.status_code == 405
