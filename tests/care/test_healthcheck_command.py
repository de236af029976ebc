import pytest
from django.core.management import CommandError, call_command

from care.services import record_heartbeat

pytestmark = pytest.mark.django_db


def test_it_fails_naming_the_silent_part(capsys):
    record_heartbeat(service="worker", hostname="w")
    with pytest.raises(CommandError, match="not healthy: beat"):
        call_command("healthcheck", "worker", "beat")
    assert '"status": "fail"' in capsys.readouterr().out


def test_it_passes_for_the_parts_that_are_alive():
    record_heartbeat(service="worker", hostname="w")
    call_command("healthcheck", "database", "worker")


def test_it_refuses_an_unknown_part():
    with pytest.raises(CommandError, match="unknown part"):
        call_command("healthcheck", "wroker")
