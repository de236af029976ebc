"""No Docker engine runs here, so the compose file is checked by reading it."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_it_has_web_worker_beat_postgres_and_redis_with_health_checks():
    for name in ("web", "worker", "beat", "postgres", "redis"):
        assert name in SERVICES, name
        assert "healthcheck" in SERVICES[name], f"{name} has no health check"


def _entry_point_exists(command: list[str]) -> None:
    program, args = command[0], command[1:]
    if program == "gunicorn":
        module, _, attr = args[0].partition(":")
        assert hasattr(importlib.import_module(module), attr or "application")
    elif program == "celery":
        assert args[0] == "-A"
        app = importlib.import_module(args[1]).celery_app
        assert app.main == "care"
        assert args[2] in ("worker", "beat")
    elif program == "python":
        assert args[0] == "manage.py"
        assert args[1] in get_commands(), f"no management command {args[1]}"
    else:
        pytest.fail(f"unknown entry point {program}")


@pytest.mark.parametrize("name", [n for n, s in SERVICES.items() if "build" in s])
def test_each_project_service_runs_a_real_entry_point(name):
    _entry_point_exists(SERVICES[name]["command"])
    check = SERVICES[name].get("healthcheck", {}).get("test", [])
    if check[:2] == ["CMD", "python"]:
        _entry_point_exists(check[1:])


def test_project_services_share_the_environment_of_the_readme():
    env = SERVICES["web"]["environment"]
    for name in ("worker", "beat"):
        assert SERVICES[name]["environment"] == env
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.M))
    assert set(env) - documented == set()
    assert env["DJANGO_DEBUG"] == "0"
    assert env["DATABASE_URL"].startswith("postgres://")
    assert env["REDIS_URL"].startswith("redis://")


def test_the_image_exists_for_the_build():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "requirements.txt" in dockerfile
    assert "collectstatic" in dockerfile
