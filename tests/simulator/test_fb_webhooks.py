"""Facebook Page webhooks from the simulator, received by a small werkzeug server."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import facebook
import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from inbox.channels.http import GRAPH_REAL_BASE_URL, platform_session
from simulator.core import SimConfig
from simulator.server import RunningSimulator

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "facebook"
CONFIG = SimConfig()
PAGE_ID = CONFIG.fb_page_id
CUSTOMER = {"id": "7000000000000001", "name": "Budi Santoso"}


def recorded(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class Receiver:
    """Collects deliveries; answers the statuses queued in `answers`, then 200."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[dict[str, str], bytes]] = []
        self.answers: list[int] = []
        self.url = ""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.deliveries.append((dict(request.headers), request.get_data()))
        status = self.answers.pop(0) if self.answers else 200
        return Response("ok", status=status)(environ, start_response)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.deliveries]

    def entries(self) -> list[dict[str, Any]]:
        return [entry for body in self.bodies() for entry in body["entry"]]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    app = Receiver()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    app.url = f"http://127.0.0.1:{server.port}/webhooks/facebook"
    try:
        yield app
    finally:
        server.shutdown()
        thread.join(timeout=5)


def control(sim: RunningSimulator, path: str, body: dict[str, Any] | None = None) -> Any:
    response = requests.post(f"{sim.base_url}/_sim/{path}", json=body or {}, timeout=30)
    assert response.status_code < 300, response.text
    return response.json()


def subscribe(sim: RunningSimulator, receiver: Receiver, **settings: Any) -> None:
    control(sim, "facebook/webhooks", {"enabled": True, "url": receiver.url, **settings})


def flush(sim: RunningSimulator) -> dict[str, Any]:
    result = control(sim, "facebook/webhooks/flush", {"timeout": 15})
    assert result["done"], result
    return result


def comment(sim: RunningSimulator, message: str = "Sinyal hilang lagi") -> dict[str, Any]:
    return control(sim, "facebook/comments", {"message": message, "author": CUSTOMER})


def graph_for(sim: RunningSimulator) -> facebook.GraphAPI:
    session = platform_session(real_base=GRAPH_REAL_BASE_URL, base_url=sim.graph_base_url)
    g = facebook.GraphAPI(access_token=CONFIG.fb_page_token, timeout=10, session=session)
    g.version = "v26.0"
    return g


def test_comment_delivery_is_signed_with_the_app_secret(
    sim: RunningSimulator, receiver: Receiver
) -> None:
    subscribe(sim, receiver)
    comment(sim)

    flush(sim)

    [(headers, body)] = receiver.deliveries
    secret = CONFIG.fb_app_secret.encode()
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    assert headers["X-Hub-Signature-256"] == expected
    assert headers["X-Hub-Signature"] == "sha1=" + hmac.new(secret, body, hashlib.sha1).hexdigest()
    assert headers["Content-Type"] == "application/json"


def test_comment_delivery_has_the_recorded_keys(sim: RunningSimulator, receiver: Receiver) -> None:
    subscribe(sim, receiver)
    added = comment(sim)
    expected = recorded("feed-comment-add-211.json")

    flush(sim)

    [body] = receiver.bodies()
    assert body["object"] == "page"
    [entry] = body["entry"]
    assert set(entry) == set(expected["entry"][0])
    assert entry["id"] == PAGE_ID
    change = entry["changes"][0]
    assert change["field"] == "feed"
    value = change["value"]
    assert set(value) == set(expected["entry"][0]["changes"][0]["value"])
    assert (value["verb"], value["item"]) == ("add", "comment")
    assert value["comment_id"] == added["id"]
    assert value["parent_id"] == value["post_id"] == added["post_id"]
    assert value["from"] == {"id": CUSTOMER["id"], "name": CUSTOMER["name"]}
    assert isinstance(value["created_time"], int)


def test_updates_are_batched_into_one_post(sim: RunningSimulator, receiver: Receiver) -> None:
    subscribe(sim, receiver, batch_size=3, linger_seconds=30)
    ids = [comment(sim, f"Keluhan {n}")["id"] for n in range(3)]

    flush(sim)

    [body] = receiver.bodies()
    assert [e["changes"][0]["value"]["comment_id"] for e in body["entry"]] == ids


def test_duplicates_are_delivered(sim: RunningSimulator, receiver: Receiver) -> None:
    subscribe(sim, receiver, duplicate_ratio=1.0)
    comment(sim)

    flush(sim)

    first, second = receiver.deliveries
    assert first[1] == second[1]
    log = requests.get(f"{sim.base_url}/_sim/facebook/webhooks/log", timeout=10).json()["data"]
    assert [entry["duplicate"] for entry in log] == [False, True]


def test_out_of_order_delivers_later_updates_first(
    sim: RunningSimulator, receiver: Receiver
) -> None:
    subscribe(sim, receiver, out_of_order=True, linger_seconds=30)
    ids = [comment(sim, f"Keluhan {n}")["id"] for n in range(3)]

    flush(sim)

    delivered = [e["changes"][0]["value"]["comment_id"] for e in receiver.entries()]
    assert delivered == ids[::-1]


def test_edit_and_remove_are_delivered_in_their_recorded_forms(
    sim: RunningSimulator, receiver: Receiver
) -> None:
    subscribe(sim, receiver)
    added = comment(sim)
    control(sim, f"facebook/comments/{added['id']}/edit", {"message": "Sudah normal, terima kasih"})
    control(sim, f"facebook/comments/{added['id']}/remove")

    flush(sim)

    add, edited, removed = (e["changes"][0]["value"] for e in receiver.entries())
    expected_edit = recorded("feed-comment-edited-25.json")["entry"][0]["changes"][0]["value"]
    expected_remove = recorded("feed-comment-remove-25.json")["entry"][0]["changes"][0]["value"]
    assert (edited["verb"], set(edited)) == ("edited", set(expected_edit))
    assert edited["message"] == "Sudah normal, terima kasih"
    assert edited["sender_id"] == int(CUSTOMER["id"])
    assert (removed["verb"], set(removed)) == ("remove", set(expected_remove))
    assert removed["comment_id"] == add["comment_id"] == added["id"]


def test_hiding_a_comment_is_delivered(sim: RunningSimulator, receiver: Receiver) -> None:
    subscribe(sim, receiver)
    added = comment(sim)
    graph_for(sim).request(f"v26.0/{added['id']}", post_args={"is_hidden": "true"})

    flush(sim)

    hidden = receiver.entries()[-1]["changes"][0]["value"]
    expected = recorded("feed-comment-hide.json")["entry"][0]["changes"][0]["value"]
    assert (hidden["verb"], set(hidden)) == ("hide", set(expected))


def test_page_reply_is_a_feed_change_from_the_page(
    sim: RunningSimulator, receiver: Receiver
) -> None:
    subscribe(sim, receiver)
    added = comment(sim)
    reply = graph_for(sim).put_comment(added["id"], "Mohon maaf, sedang kami cek")

    flush(sim)

    value = receiver.entries()[-1]["changes"][0]["value"]
    assert value["comment_id"] == reply["id"]
    assert value["parent_id"] == added["id"]
    assert value["from"] == {"id": PAGE_ID, "name": CONFIG.fb_page_name}


def test_customer_message_has_the_recorded_keys(sim: RunningSimulator, receiver: Receiver) -> None:
    subscribe(sim, receiver)
    sent = control(sim, "facebook/messages", {"text": "Halo", "sender": {"id": "7100000000000001"}})
    expected = recorded("messaging-message-basic.json")["entry"][0]

    flush(sim)

    [entry] = receiver.entries()
    assert set(entry) == set(expected)
    [event] = entry["messaging"]
    assert set(event) == set(expected["messaging"][0])
    assert set(event["message"]) == set(expected["messaging"][0]["message"])
    assert event["sender"] == {"id": "7100000000000001"}
    assert event["recipient"] == {"id": PAGE_ID}
    assert event["message"]["mid"] == sent["mid"]


def test_page_send_is_echoed_with_is_echo(sim: RunningSimulator, receiver: Receiver) -> None:
    subscribe(sim, receiver)
    control(sim, "facebook/messages", {"text": "Halo", "sender": {"id": "7100000000000001"}})
    sent = graph_for(sim).put_object(
        PAGE_ID,
        "messages",
        recipient=json.dumps({"id": "7100000000000001"}),
        message=json.dumps({"text": "Ada yang bisa kami bantu?", "metadata": "care:42"}),
        messaging_type="RESPONSE",
    )
    expected = recorded("messaging-message-basic-echo.json")["entry"][0]["messaging"][0]

    flush(sim)

    echo = receiver.entries()[-1]["messaging"][0]
    assert set(echo["message"]) == set(expected["message"])
    assert echo["message"]["is_echo"] is True
    assert echo["message"]["app_id"] == int(CONFIG.fb_app_id)
    assert echo["message"]["metadata"] == "care:42"
    assert echo["message"]["mid"] == sent["message_id"]
    assert echo["sender"] == {"id": PAGE_ID}
    assert echo["recipient"] == {"id": "7100000000000001"}


def test_failed_delivery_is_retried(sim: RunningSimulator, receiver: Receiver) -> None:
    subscribe(sim, receiver)
    receiver.answers = [500]
    comment(sim)

    result = flush(sim)

    first, second = receiver.deliveries
    assert first[1] == second[1]
    assert result["delivered"] == 1
    log = requests.get(f"{sim.base_url}/_sim/facebook/webhooks/log", timeout=10).json()["data"]
    assert [(e["status"], e["outcome"]) for e in log] == [(500, "retrying"), (200, "delivered")]


def test_delivery_is_dropped_after_the_last_attempt(
    sim: RunningSimulator, receiver: Receiver
) -> None:
    subscribe(sim, receiver, max_attempts=2, retry_base_seconds=0.05)
    receiver.answers = [500, 503]
    comment(sim)

    result = flush(sim)

    assert len(receiver.deliveries) == 2
    assert (result["delivered"], result["gave_up"]) == (0, 1)


def test_nothing_is_delivered_when_disabled(sim: RunningSimulator, receiver: Receiver) -> None:
    subscribe(sim, receiver, enabled=False)
    comment(sim)

    result = flush(sim)

    assert receiver.deliveries == []
    assert result["skipped"] == 1
