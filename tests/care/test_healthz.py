"""/healthz: 200 when database, broker, worker and beat are alive; 503 naming the rest."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from care.celery import app
from care.models import ServiceHeartbeat
from care.services import record_heartbeat

pytestmark = pytest.mark.django_db


def test_without_heartbeats_it_names_worker_and_beat(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["failing"] == ["worker", "beat"]
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["worker"]["detail"] == "never seen"


def test_fresh_heartbeats_make_it_healthy(client):
    record_heartbeat(service="worker", hostname="worker@host")
    record_heartbeat(service="beat", hostname="host")
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["failing"] == []
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_silent_worker_is_reported(client, settings):
    record_heartbeat(service="beat", hostname="host")
    ServiceHeartbeat.objects.create(
        service="worker",
        hostname="worker@host",
        beat_at=timezone.now() - timedelta(seconds=settings.CARE_HEARTBEAT_MAX_AGE + 5),
    )
    body = client.get(reverse("healthz")).json()
    assert body["failing"] == ["worker"]
    assert body["checks"]["worker"]["detail"].startswith("silent: worker@host")


def test_one_live_worker_of_several_is_enough(client):
    ServiceHeartbeat.objects.create(
        service="worker", hostname="old@host", beat_at=timezone.now() - timedelta(hours=2)
    )
    record_heartbeat(service="worker", hostname="new@host")
    record_heartbeat(service="beat", hostname="host")
    assert client.get(reverse("healthz")).status_code == 200


@pytest.fixture
def broker_url():
    """Point the Celery app at another broker for one test."""
    original = app.conf.broker_url, app.conf.broker_transport_options

    def _set(url, options=None):
        app.conf["broker_url"] = url
        app.conf.broker_transport_options = options or {}

    yield _set
    app.conf["broker_url"], app.conf.broker_transport_options = original


def test_an_unreachable_broker_is_reported(client, broker_url):
    broker_url("redis://127.0.0.1:1/0")  # nothing listens on port 1
    record_heartbeat(service="worker", hostname="w")
    record_heartbeat(service="beat", hostname="b")
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]


def test_an_unwritable_filesystem_broker_is_reported(client, broker_url, tmp_path):
    broker_url("filesystem://", {"data_folder_in": str(tmp_path / "missing")})
    response = client.get(reverse("healthz"))
    assert "broker" in response.json()["failing"]


@pytest.mark.redis
def test_a_live_redis_broker_is_healthy(client, settings, broker_url):
    broker_url(settings.REDIS_URL)
    record_heartbeat(service="worker", hostname="w")
    record_heartbeat(service="beat", hostname="b")
    response = client.get(reverse("healthz"))
    assert response.json()["checks"]["broker"] == {"ok": True, "detail": "redis", "last_seen": None}
    assert response.status_code == 200
