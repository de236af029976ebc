"""Settings come from the environment; production refuses to start without secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

from care.celery import app

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "SECRET_KEY": "x" * 60 + "production-secret-key-for-tests-only",
    "CARE_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "care.example.com",
}


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    unset = ("SECRET_KEY", "DJANGO_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    base = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, "CARE_VAR_DIR": str(tmp_path / "var"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**PRODUCTION, "SECRET_KEY": ""}
    result = run(["manage.py", "check"], tmp_path, **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DJANGO_DEBUG=0" in result.stderr


def test_production_refuses_to_start_without_an_encryption_key(tmp_path):
    env = {**PRODUCTION, "CARE_ENCRYPTION_KEYS": ""}
    result = run(["manage.py", "check"], tmp_path, **env)
    assert "CARE_ENCRYPTION_KEYS must be set when DJANGO_DEBUG=0" in result.stderr


def test_check_deploy_is_clean_in_production_settings(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **PRODUCTION
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_demo_generates_its_secret_once_and_keeps_it(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    env = {"DJANGO_SETTINGS_MODULE": "care.settings", "SECRET_KEY": "", "DJANGO_DEBUG": "1"}
    first = run(["-c", f"import django; django.setup(); {code}"], tmp_path, **env)
    second = run(["-c", f"import django; django.setup(); {code}"], tmp_path, **env)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert len(first.stdout.strip()) >= 50
    assert oct((tmp_path / "var" / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_default_database_is_sqlite_in_wal_mode(tmp_path):
    code = (
        "import django; django.setup(); from django.db import connection; "
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); "
        "print(connection.vendor, c.fetchone()[0])"
    )
    env = {"DJANGO_SETTINGS_MODULE": "care.settings", "DATABASE_URL": "", "DJANGO_DEBUG": "1"}
    result = run(["-c", code], tmp_path, **env)
    assert result.stdout.split() == ["sqlite", "wal"], result.stderr
    assert (tmp_path / "var" / "care.sqlite3").exists()


def test_without_redis_celery_uses_the_embedded_broker(tmp_path):
    code = "from care.celery import app; print(app.conf.broker_url)"
    env = {"DJANGO_SETTINGS_MODULE": "care.settings", "REDIS_URL": "", "DJANGO_DEBUG": "1"}
    result = run(["-c", code], tmp_path, **env)
    assert result.stdout.strip() == "filesystem://", result.stderr
    assert (tmp_path / "var" / "broker" / "messages").is_dir()


def test_with_redis_url_celery_uses_redis(tmp_path):
    code = "from care.celery import app; print(app.conf.broker_url)"
    env = {
        "DJANGO_SETTINGS_MODULE": "care.settings",
        "REDIS_URL": "redis://127.0.0.1:6379/3",
        "DJANGO_DEBUG": "1",
    }
    result = run(["-c", code], tmp_path, **env)
    assert result.stdout.strip() == "redis://127.0.0.1:6379/3", result.stderr


def test_celery_is_safe_by_default():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.accept_content == ["json"]
    assert conf.task_serializer == "json"
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit
    assert conf.beat_scheduler == "care.beat:HeartbeatScheduler"


def test_every_environment_variable_is_in_the_readme():
    import re

    settings_source = (ROOT / "care" / "settings.py").read_text()
    names = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings_source))
    names |= set(re.findall(r'_required_secret\(\s*"([A-Z_]+)"', settings_source))
    readme = (ROOT / "README.md").read_text()
    table = {m for m in re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.M)}
    assert names, "no variables found in settings.py"
    assert names - table == set(), f"missing from the README's configuration table: {names - table}"


def test_production_static_files_collect_with_every_reference_found(settings, tmp_path):
    """The manifest storage of production refuses a CSS or JS file pointing at a missing
    file (a vendored library's source map, say): found here, not at deploy time."""
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/chartjs/chart.umd.min.js" in manifest
    assert "care/dashboard.js" in manifest
