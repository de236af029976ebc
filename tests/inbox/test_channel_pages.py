"""The Channels health board (agents) and Settings → Channels (supervisors)."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from inbox.channels.base import ChannelError
from inbox.models import ChannelAccount, ChannelIncident, Platform, WebhookDelivery
from tests.factories import ChannelAccountFactory

pytestmark = pytest.mark.django_db

Status = ChannelAccount.Status
SECRET = "sekrit-token-Zq81xV"  # a test value that must never be echoed


def _account(**kwargs: object) -> ChannelAccount:
    account = ChannelAccountFactory.create(**kwargs)
    account.set_credentials({"bearer_token": SECRET})
    account.save()
    return account


def _poll_task(account: ChannelAccount) -> PeriodicTask:
    return PeriodicTask.objects.get(name=f"poll channel {account.pk}")


# --- who may see what ----------------------------------------------------------------------
def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("inbox:channels"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "name", ["inbox:channels", "settings:channels", "inbox:deliveries", "inbox:live"]
)
def test_an_outsider_gets_403(login, outsider, name):
    assert login(outsider).get(reverse(name)).status_code == 403


def test_an_agent_sees_channel_health_but_not_channel_settings(login, agent):
    account = _account()
    client = login(agent)
    assert client.get(reverse("inbox:channels")).status_code == 200
    assert client.get(reverse("settings:channels")).status_code == 403
    assert client.get(reverse("settings:channel", args=[account.pk])).status_code == 403
    assert client.post(reverse("settings:channel-pause", args=[account.pk])).status_code == 403
    assert ChannelAccount.objects.get(pk=account.pk).status == Status.HEALTHY


def test_an_agent_sees_no_link_to_dead_letters(login, agent):
    _account()
    body = login(agent).get(reverse("inbox:channels")).content.decode()
    assert reverse("inbox:deliveries") not in body


# --- the health board ----------------------------------------------------------------------
def test_each_status_is_shown_in_words(login, agent):
    _account(name="FineBrand", status=Status.HEALTHY)
    _account(name="SlowBrand", status=Status.DEGRADED)
    _account(name="PausedBrand", status=Status.PAUSED)
    body = login(agent).get(reverse("inbox:channels")).content.decode()
    assert 'data-status="healthy">Healthy' in body
    assert 'data-status="degraded">Degraded' in body
    assert 'data-status="paused">Paused' in body


def test_rate_limited_shows_until_when_in_the_agents_time_zone(login, agent):
    agent.time_zone = "Asia/Jakarta"
    agent.save()
    until = datetime(2030, 1, 2, 7, 5, tzinfo=zoneinfo.ZoneInfo("UTC"))
    _account(status=Status.RATE_LIMITED, rate_limited_until=until)
    body = login(agent).get(reverse("inbox:channels")).content.decode()
    assert "Rate limited until 14:05" in body  # UTC+7


def test_needs_a_new_token_tells_agents_to_ask_a_supervisor(login, agent):
    account = _account(status=Status.REAUTH_REQUIRED)
    body = login(agent).get(reverse("inbox:channels")).content.decode()
    assert "Needs a new token — ask a supervisor." in body
    assert reverse("settings:channel", args=[account.pk]) not in body


def test_needs_a_new_token_links_supervisors_to_the_account_settings(login, supervisor):
    account = _account(status=Status.REAUTH_REQUIRED)
    body = login(supervisor).get(reverse("inbox:channels")).content.decode()
    assert reverse("settings:channel", args=[account.pk]) in body


def test_last_success_is_relative_with_the_exact_time_in_a_title(login, agent):
    _account(last_success_at=timezone.now() - timedelta(minutes=2))
    agent.time_zone = "Asia/Jakarta"
    agent.save()
    body = login(agent).get(reverse("inbox:channels")).content.decode().replace("\xa0", " ")
    assert "2 minutes ago</time>" in body
    assert " WIB" in body  # the exact time, in the agent's zone


def test_the_last_error_is_escaped_and_kept_whole_in_details(login, agent):
    error = "<b>X said</b> " + "very long explanation " * 20 + "THE-END"
    _account(status=Status.DEGRADED, last_error=error)
    body = login(agent).get(reverse("inbox:channels")).content.decode()
    assert "<b>X said</b>" not in body
    assert "&lt;b&gt;X said&lt;/b&gt;" in body
    assert "<details" in body and "THE-END" in body


def test_the_read_budget_meter_shows_reads_of_the_budget(login, agent):
    _account(
        monthly_read_budget=10000,
        reads_this_month=2500,
        reads_month=timezone.now().strftime("%Y-%m"),
    )
    body = login(agent).get(reverse("inbox:channels")).content.decode()
    assert '<progress id="budget-' in body
    assert 'max="10000" value="2500"' in body
    assert "2,500 of 10,000 reads this month" in body


def test_last_months_reads_do_not_count_against_this_months_budget(login, agent):
    _account(monthly_read_budget=10000, reads_this_month=9000, reads_month="2001-01")
    body = login(agent).get(reverse("inbox:channels")).content.decode()
    assert "0 of 10,000 reads this month" in body


def test_no_meter_without_a_read_budget(login, agent):
    _account(monthly_read_budget=None)
    body = login(agent).get(reverse("inbox:channels")).content.decode()
    assert "<progress" not in body


def test_open_incidents_and_recent_ended_ones_are_listed(login, agent):
    account = _account(status=Status.DEGRADED, usage_percent=87)
    ChannelIncident.objects.create(
        channel_account=account, kind=ChannelIncident.Kind.OUTAGE, detail="X server error 503"
    )
    ChannelIncident.objects.create(
        channel_account=account,
        kind=ChannelIncident.Kind.BACKFILL,
        started_at=timezone.now() - timedelta(minutes=30),
        ended_at=timezone.now() - timedelta(minutes=18),
        messages_recovered=37,
        detail="Caught up 37 messages after 12 minutes without a poll.",
    )
    body = login(agent).get(reverse("inbox:channels")).content.decode()
    assert "Platform errors</strong>: X server error 503" in body
    assert "Caught up 37 messages after 12 minutes" in body
    assert "87 %" in body


def test_the_partial_is_the_board_alone_for_the_live_refresh(login, agent):
    _account(name="LiveBrand", status=Status.DEGRADED)
    response = login(agent).get(reverse("inbox:channels"), {"partial": 1})
    body = response.content.decode()
    assert "LiveBrand" in body and "Degraded" in body
    assert "<html" not in body
    assert "no-cache" in response["Cache-Control"]


def test_the_page_asks_care_js_to_refresh_every_five_seconds(login, agent):
    body = login(agent).get(reverse("inbox:channels")).content.decode()
    assert 'data-refresh-url="/inbox/channels/?partial=1"' in body
    assert 'data-refresh-every="5"' in body


def test_without_accounts_supervisors_are_pointed_to_settings(login, supervisor):
    body = login(supervisor).get(reverse("inbox:channels")).content.decode()
    assert "No channel connected yet" in body
    assert reverse("settings:channels") in body


def test_without_accounts_agents_are_told_to_ask_a_supervisor(login, agent):
    body = login(agent).get(reverse("inbox:channels")).content.decode()
    assert "Ask a supervisor to connect one" in body


def test_supervisors_see_how_many_dead_letters_wait(login, supervisor):
    for _ in range(2):
        WebhookDelivery.objects.create(platform=Platform.X, body="{}", status="dead")
    WebhookDelivery.objects.create(platform=Platform.X, body="{}", status="processed")
    body = login(supervisor).get(reverse("inbox:channels")).content.decode()
    assert "Webhook deliveries (2 dead letters)" in body


# --- connecting ------------------------------------------------------------------------------
def _connect_x(client, **extra: object):
    data = {
        "platform": Platform.X,
        "external_id": "1600000000000000001",
        "name": "@BrandCares",
        "bearer_token": SECRET,
        "consumer_key": "",
        "consumer_secret": "",
        "access_token": "",
        "access_token_secret": "",
        "page_access_token": "",
        "poll_interval_seconds": "30",
        "monthly_read_budget": "15000",
        **extra,
    }
    return client.post(reverse("settings:channels"), data)


def test_a_supervisor_connects_an_x_account_with_encrypted_tokens_and_a_schedule(login, supervisor):
    response = _connect_x(login(supervisor))
    account = ChannelAccount.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("settings:channel", args=[account.pk])
    assert account.name == "BrandCares"  # the pasted @ is dropped
    assert account.credentials == {"bearer_token": SECRET}
    assert SECRET not in account.credentials_ciphertext
    assert account.poll_interval_seconds == 30
    assert account.monthly_read_budget == 15000
    task = _poll_task(account)
    assert task.enabled and task.interval.every == 30
    assert task.task == "inbox.tasks.poll_channel_task"


def test_a_supervisor_connects_a_facebook_page(login, supervisor):
    login(supervisor).post(
        reverse("settings:channels"),
        {
            "platform": Platform.FACEBOOK,
            "external_id": "104857600",
            "name": "Brand Care",
            "page_access_token": SECRET,
        },
    )
    account = ChannelAccount.objects.get()
    assert account.platform == Platform.FACEBOOK
    assert account.credentials == {"page_access_token": SECRET}
    assert _poll_task(account).enabled


def test_connecting_without_the_platforms_token_is_refused(login, supervisor):
    response = _connect_x(login(supervisor), bearer_token="")
    assert response.status_code == 200
    assert "Enter the token(s) this platform needs" in response.content.decode()
    assert not ChannelAccount.objects.exists()


def test_a_read_budget_is_refused_for_facebook(login, supervisor):
    response = login(supervisor).post(
        reverse("settings:channels"),
        {
            "platform": Platform.FACEBOOK,
            "external_id": "104857600",
            "name": "Brand Care",
            "page_access_token": SECRET,
            "monthly_read_budget": "100",
        },
    )
    assert "Only X bills per read." in response.content.decode()
    assert not ChannelAccount.objects.exists()


def test_the_poll_interval_is_at_least_five_seconds(login, supervisor):
    response = _connect_x(login(supervisor), poll_interval_seconds="2")
    assert response.status_code == 200
    assert not ChannelAccount.objects.exists()


def test_connecting_the_same_account_twice_is_refused(login, supervisor):
    client = login(supervisor)
    _connect_x(client)
    response = _connect_x(client)
    assert "This account is already connected." in response.content.decode()
    assert ChannelAccount.objects.count() == 1


def test_tokens_never_appear_in_any_response(login, supervisor):
    client = login(supervisor)
    # A refused form comes back without the token typed into it.
    refused = _connect_x(client, external_id="")
    assert refused.status_code == 200
    assert SECRET not in refused.content.decode()
    _connect_x(client)
    account = ChannelAccount.objects.get()
    pages = [
        reverse("settings:channels"),
        reverse("settings:channel", args=[account.pk]),
        reverse("inbox:channels"),
        reverse("inbox:channels") + "?partial=1",
    ]
    for url in pages:
        body = client.get(url).content.decode()
        assert SECRET not in body, url
        assert SECRET[:6] not in body and SECRET[-4:] not in body, url  # not even a fragment
    detail = client.get(reverse("settings:channel", args=[account.pk])).content.decode()
    assert "saved (hidden)" in detail
    refused_tokens = client.post(
        reverse("settings:channel-tokens", args=[account.pk]), {"bearer_token": ""}
    )
    assert SECRET not in refused_tokens.content.decode()


# --- one account's page ----------------------------------------------------------------------
def test_saving_settings_changes_the_interval_and_the_schedule(login, supervisor):
    account = _account()
    response = login(supervisor).post(
        reverse("settings:channel", args=[account.pk]),
        {"poll_interval_seconds": "45", "monthly_read_budget": "20000"},
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.poll_interval_seconds, account.monthly_read_budget) == (45, 20000)
    assert _poll_task(account).interval.every == 45


def test_an_empty_interval_goes_back_to_the_platform_default(login, supervisor):
    account = _account(poll_interval_seconds=120)
    login(supervisor).post(reverse("settings:channel", args=[account.pk]), {})
    account.refresh_from_db()
    assert account.poll_interval_seconds is None
    assert _poll_task(account).interval.every == 15  # X's default


def test_saving_new_tokens_resumes_an_account_that_needed_them(login, supervisor):
    account = _account(status=Status.REAUTH_REQUIRED, last_error="X refused the token (401)")
    ChannelIncident.objects.create(
        channel_account=account, kind=ChannelIncident.Kind.REAUTH_REQUIRED
    )
    client = login(supervisor)
    response = client.post(
        reverse("settings:channel-tokens", args=[account.pk]),
        {"bearer_token": "fresh-token-123", "consumer_key": ""},
        follow=True,
    )
    assert "The new tokens are saved; polling resumes." in response.content.decode()
    account.refresh_from_db()
    assert account.status == Status.HEALTHY
    assert account.credentials["bearer_token"] == "fresh-token-123"
    assert _poll_task(account).enabled
    assert not ChannelIncident.objects.filter(ended_at__isnull=True).exists()


def test_empty_token_fields_keep_the_stored_tokens(login, supervisor):
    account = _account()
    login(supervisor).post(
        reverse("settings:channel-tokens", args=[account.pk]),
        {"access_token": "user-token", "access_token_secret": "user-secret"},
    )
    account.refresh_from_db()
    assert account.credentials == {
        "bearer_token": SECRET,
        "access_token": "user-token",
        "access_token_secret": "user-secret",
    }


def test_saving_no_token_at_all_is_refused(login, supervisor):
    account = _account()
    response = login(supervisor).post(reverse("settings:channel-tokens", args=[account.pk]), {})
    assert response.status_code == 200
    assert "Enter at least one new token." in response.content.decode()


def test_pause_and_resume_flip_the_status_and_the_polling_task(login, supervisor):
    client = login(supervisor)
    _connect_x(client)
    account = ChannelAccount.objects.get()
    response = client.post(reverse("settings:channel-pause", args=[account.pk]))
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.status == Status.PAUSED
    assert not _poll_task(account).enabled
    client.post(reverse("settings:channel-resume", args=[account.pk]))
    account.refresh_from_db()
    assert account.status == Status.HEALTHY
    assert _poll_task(account).enabled


def test_pausing_from_the_list_returns_to_the_list(login, supervisor):
    account = _account()
    response = login(supervisor).post(
        reverse("settings:channel-pause", args=[account.pk]),
        {"next": reverse("settings:channels")},
    )
    assert response["Location"] == reverse("settings:channels")


def test_pausing_never_redirects_off_site(login, supervisor):
    account = _account()
    response = login(supervisor).post(
        reverse("settings:channel-pause", args=[account.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("settings:channel", args=[account.pk])


def test_pause_needs_a_post(login, supervisor):
    account = _account()
    response = login(supervisor).get(reverse("settings:channel-pause", args=[account.pk]))
    assert response.status_code == 405


class RefusingAdapter:
    def check_credentials(self) -> str:
        raise ChannelError("X refused the token (401)", permanent=True, reauth=True)


class WelcomingAdapter:
    def check_credentials(self) -> str:
        return "BrandCares"


def test_a_failed_connection_test_shows_the_platforms_error(login, supervisor):
    account = _account()
    with mock.patch("inbox.services.channels.adapter_for", return_value=RefusingAdapter()):
        response = login(supervisor).post(
            reverse("settings:channel-test", args=[account.pk]), follow=True
        )
    body = response.content.decode()
    assert "The connection failed: X refused the token (401)" in body
    account.refresh_from_db()
    assert account.status == Status.REAUTH_REQUIRED
    assert not _poll_task(account).enabled


def test_a_good_connection_test_says_who_the_token_belongs_to(login, supervisor):
    account = _account()
    with mock.patch("inbox.services.channels.adapter_for", return_value=WelcomingAdapter()):
        response = login(supervisor).post(
            reverse("settings:channel-test", args=[account.pk]), follow=True
        )
    assert "Connected as @BrandCares." in response.content.decode()


def test_the_settings_list_shows_every_account_with_its_actions(login, supervisor):
    _account(name="ActiveBrand")
    paused = _account(name="QuietBrand", status=Status.PAUSED)
    body = login(supervisor).get(reverse("settings:channels")).content.decode()
    assert "ActiveBrand" in body and "QuietBrand" in body
    assert reverse("settings:channel-resume", args=[paused.pk]) in body
    assert 'type="password"' in body  # the connect form's token fields
