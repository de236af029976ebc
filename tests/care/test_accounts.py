"""Login, logout, password change and reset; login is throttled against guessing."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_an_agent_logs_in_and_lands_in_the_inbox(client, agent):
    response = _login(client, agent.user.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("inbox:list")


def test_a_wrong_password_says_so(client, agent):
    response = _login(client, agent.user.username, "wrong")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_login_is_locked_after_five_failures_even_with_the_right_password(client, agent):
    for _ in range(5):
        _login(client, agent.user.username, "guess")
    response = _login(client, agent.user.username, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_another_user_is_not_locked_out_by_guesses_at_a_colleague(client, agent, supervisor):
    for _ in range(5):
        _login(client, agent.user.username, "guess")
    response = _login(client, supervisor.user.username, PASSWORD)
    assert response.status_code == 302


def test_logout_is_a_post_and_ends_the_session(login, agent):
    client = login(agent)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("inbox:list")).status_code == 302


def test_password_change(login, agent):
    client = login(agent)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Nasi-goreng-99!",
            "new_password2": "Nasi-goreng-99!",
        },
    )
    assert response.status_code == 302
    agent.user.refresh_from_db()
    assert agent.user.check_password("Nasi-goreng-99!")


def test_password_reset_sends_a_working_link(client, agent):
    response = client.post(reverse("password_reset"), {"email": agent.user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    found = re.search(r"https?://[^/]+(/accounts/reset/\S+)", str(mail.outbox[0].body))
    assert found, mail.outbox[0].body
    link = found.group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Sate-ayam-77!", "new_password2": "Sate-ayam-77!"},
    )
    assert response.status_code == 302
    agent.user.refresh_from_db()
    assert agent.user.check_password("Sate-ayam-77!")


def test_password_reset_does_not_reveal_unknown_addresses(client, agent):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []
