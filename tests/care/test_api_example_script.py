"""docs/examples/create_reply.py against a real server: one reply however often it retries.

The script is imported by its path and its `main` run against pytest-django's live
server with a real API token; faults are injected at the HTTP edge (a transport adapter
on the script's `requests` session), so care itself runs unchanged.
"""

from __future__ import annotations

import importlib.util
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter
from requests.models import PreparedRequest, Response

from care.tokens import create_api_token
from responses.models import Reply
from tests.factories import ConversationFactory, MessageFactory, make_agent

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "examples" / "create_reply.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("care_example_create_reply", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def script() -> ModuleType:
    return load_script()


@pytest.fixture
def case(transactional_db, monkeypatch) -> int:
    """A conversation to answer, and a write token of an agent who works its channel."""
    agent = make_agent(display_name="Alice Agent", initials="AA")
    conversation = MessageFactory.create(conversation=ConversationFactory.create()).conversation
    monkeypatch.setenv(
        "CARE_API_TOKEN", create_api_token(agent=agent, name="bot", scope="write")[1]
    )
    return conversation.pk


class FlakyEdge(HTTPAdapter):
    """Between the script and care: plays a scripted list of faults, then passes through.

    "lost" forwards the request to care (which makes the reply) and hands the client a
    502, as a proxy does when the app answered too late; "down" refuses the connection
    before care sees anything; "busy" is a 429 with Retry-After. Every request's
    Idempotency-Key is kept.
    """

    def __init__(self, faults: list[str]) -> None:
        super().__init__()
        self.faults = list(faults)
        self.keys: list[str] = []
        self.reached_care = 0

    def send(self, request: PreparedRequest, *args: Any, **kwargs: Any) -> Response:
        self.keys.append(str(request.headers.get("Idempotency-Key")))
        fault = self.faults.pop(0) if self.faults else None
        if fault == "down":
            raise requests.ConnectionError("connection refused (injected)")
        if fault == "busy":
            return self._fake(request, 429, {"Retry-After": "3"})
        response = super().send(request, *args, **kwargs)
        self.reached_care += 1
        if fault == "lost":
            response.close()
            return self._fake(request, 502, {"Retry-After": "1"})
        return response

    @staticmethod
    def _fake(request: PreparedRequest, status: int, headers: dict[str, str]) -> Response:
        response = Response()
        response.status_code = status
        response.headers.update(headers)
        response._content = b"<html>Bad Gateway</html>"
        response.request = request
        response.url = str(request.url)
        return response


def test_the_same_key_twice_makes_one_reply(live_server, case, script, capsys):
    status = script.main([live_server.url, str(case), "Sorry to hear that!", "--repeat"])
    out = capsys.readouterr().out
    assert status == 0
    reply = Reply.objects.get()  # exactly one, after two POSTs
    assert reply.conversation_id == case
    assert reply.text == "Sorry to hear that!"
    assert str(reply.idempotency_key) in out
    assert out.count(f"reply {reply.pk}: status queued") == 2
    assert "201 Created: a new reply" in out
    assert "200 OK: this key was already used" in out


def test_resuming_with_the_printed_key_returns_the_same_reply(live_server, case, script, capsys):
    key = str(uuid.uuid4())
    for _run in range(2):  # the tool crashed after the first run; run again with --key
        assert script.main([live_server.url, str(case), "Hello again", "--key", key]) == 0
    out = capsys.readouterr().out
    reply = Reply.objects.get()
    assert str(reply.idempotency_key) == key
    assert ("201 Created" in out, "200 OK" in out) == (True, True)


def test_5xx_and_network_errors_are_retried_with_the_same_key(
    live_server, case, script, monkeypatch, capsys
):
    waits: list[float] = []
    monkeypatch.setattr(script, "sleep", waits.append)
    edge = FlakyEdge(["lost", "down", "busy"])
    session = requests.Session()
    session.mount("http://", edge)

    status = script.main([live_server.url, str(case), "Sorry!"], session=session)

    out = capsys.readouterr()
    assert status == 0
    # Four attempts, one key: care made the reply on the first and recognised it on the last.
    assert len(edge.keys) == 4
    assert len(set(edge.keys)) == 1
    uuid.UUID(edge.keys[0])
    assert edge.reached_care == 2
    reply = Reply.objects.get()
    assert str(reply.idempotency_key) == edge.keys[0]
    assert f"reply {reply.pk}: status queued" in out.out
    assert "200 OK: this key was already used" in out.out
    assert "attempts: 4" in out.out
    # Retry-After honoured (1 s for the 502, 3 s for the 429); a short backoff in between.
    assert waits[0] == 1.0
    assert 0 <= waits[1] <= 1.0
    assert waits[2] == 3.0
    assert out.err.count(f"with the same Idempotency-Key {edge.keys[0]}") == 3


def test_giving_up_says_how_to_resume_and_a_4xx_is_not_retried(
    live_server, case, script, monkeypatch, capsys
):
    monkeypatch.setattr(script, "sleep", lambda seconds: None)
    edge = FlakyEdge(["down"] * 3)
    session = requests.Session()
    session.mount("http://", edge)
    args = [live_server.url, str(case), "Sorry!", "--attempts", "3"]
    assert script.main(args, session=session) == 2
    assert "Run again with --key" in capsys.readouterr().out
    assert not Reply.objects.exists()

    monkeypatch.setenv("CARE_API_TOKEN", "not-a-token")
    edge = FlakyEdge([])
    session.mount("http://", edge)
    assert script.main([live_server.url, str(case), "Sorry!"], session=session) == 1
    assert len(edge.keys) == 1  # a 401 is final
    assert "HTTP 401" in capsys.readouterr().out


def test_help_explains_the_key_and_the_token(script, capsys):
    with pytest.raises(SystemExit) as exit_:
        script.main(["--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for words in ("Idempotency-Key", "CARE_API_TOKEN", "--key", "--repeat", "Exit status"):
        assert words in text
