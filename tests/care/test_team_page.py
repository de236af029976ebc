"""The public team page: the faces and names behind the initials."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from care.demo import draw_avatar
from tests.factories import make_agent

pytestmark = pytest.mark.django_db


def test_it_shows_every_active_agent_with_initials_and_photo(client):
    with_photo = make_agent(
        display_name="Budi Santoso", initials="BS", photo=ContentFile(draw_avatar("BS"), "bs.png")
    )
    make_agent(display_name="Dewi Lestari", initials="DL")
    body = client.get(reverse("team")).content.decode()
    assert "Budi Santoso" in body and "^BS" in body
    assert "Dewi Lestari" in body and "^DL" in body
    assert reverse("agent-photo", args=[with_photo.pk]) in body


def test_photos_are_served_publicly_as_images(client):
    agent = make_agent(initials="BS", photo=ContentFile(draw_avatar("BS"), "bs.png"))
    response = client.get(reverse("agent-photo", args=[agent.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_an_agent_who_left_is_not_shown(client):
    agent = make_agent(display_name="Former Agent", initials="FA")
    agent.user.is_active = False
    agent.user.save()
    assert "Former Agent" not in client.get(reverse("team")).content.decode()
    assert client.get(reverse("agent-photo", args=[agent.pk])).status_code == 404


def test_names_are_escaped(client):
    make_agent(display_name='<img src=x onerror="alert(1)">', initials="XS")
    body = client.get(reverse("team")).content.decode()
    assert '<img src=x onerror="alert(1)">' not in body
    assert "&lt;img src=x" in body


def test_an_empty_team_explains_itself(client):
    body = client.get(reverse("team")).content.decode()
    assert "No one on the team yet" in body
