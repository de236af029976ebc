"""Every page needs a login except login, /healthz and the team page; roles gate the rest."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PRIVATE = [
    "inbox:list",
    "dashboard",
    "settings:index",
    "settings:profile",
    "settings:team",
    "settings:departments",
    "settings:channels",
    "password_change",
    "password_change_done",
]
PUBLIC = ["login", "team", "password_reset", "password_reset_done", "password_reset_complete"]


@pytest.mark.parametrize("name", PRIVATE)
def test_anonymous_visitors_are_sent_to_the_login_page(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", PUBLIC)
def test_public_pages_need_no_login(client, name):
    assert client.get(reverse(name)).status_code == 200


def test_healthz_needs_no_login(client):
    assert client.get(reverse("healthz")).status_code in (200, 503)


# role -> pages that answer 200; every other PRIVATE page answers 403.
EVERYONE = {
    "inbox:list",
    "settings:index",
    "settings:profile",
    "settings:departments",
    "password_change",
    "password_change_done",
}
ALLOWED = {
    "trainee": EVERYONE,
    "agent": EVERYONE,
    "supervisor": EVERYONE | {"dashboard", "settings:channels"},
    "admin_agent": set(PRIVATE),
}


@pytest.mark.parametrize("persona", list(ALLOWED))
@pytest.mark.parametrize("name", PRIVATE)
def test_role_matrix(request, login, persona, name):
    client = login(request.getfixturevalue(persona))
    response = client.get(reverse(name))
    expected = 200 if name in ALLOWED[persona] else 403
    assert response.status_code == expected


def test_403_is_a_friendly_page(login, agent):
    response = login(agent).get(reverse("dashboard"))
    assert response.status_code == 403
    body = response.content.decode()
    assert "Your role does not give access to this page" in body
    assert 'href="/inbox/"' in body  # navigation still there to go back


def test_outsider_without_an_agent_profile_cannot_work_the_inbox(login, outsider):
    client = login(outsider)
    assert client.get(reverse("inbox:list")).status_code == 403
    assert client.get(reverse("home"))["Location"] == reverse("team")


@pytest.mark.parametrize(
    ("persona", "can_enter"),
    [("agent", False), ("trainee", False), ("supervisor", False), ("admin_agent", True)],
)
def test_admin_site_is_for_admins_only(request, login, persona, can_enter):
    client = login(request.getfixturevalue(persona))
    response = client.get(reverse("admin:index"))
    assert (response.status_code == 200) is can_enter


def test_api_refuses_anonymous_callers_with_a_json_error(client):
    response = client.get(reverse("api:me"))
    # 401 with a challenge since bearer tokens arrived (care/tokens.py, docs/api.md).
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json() == {
        "message": "Authentication credentials were not provided.",
        "code": "not_authenticated",
        "extra": {},
    }


def test_api_refuses_users_who_are_not_agents(login, outsider):
    response = login(outsider).get(reverse("api:me"))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_api_me_shows_the_agent_without_secrets(login, agent):
    data = login(agent).get(reverse("api:me")).json()
    assert data["initials"] == "AA"
    assert data["role"] == "agent"
    assert "password" not in data and "user" not in data
