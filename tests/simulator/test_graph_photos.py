"""Photos the Page sends through the Graph simulator, with the real facebook-sdk client:
a comment reply's multipart `source`, and a Messenger attachment uploaded as `filedata`."""

from __future__ import annotations

import io
import json

import facebook
import pytest
from PIL import Image

from simulator.server import RunningSimulator
from tests.simulator.test_graph_api import (
    PAGE_ID,
    customer_comment,
    customer_message,
    graph_error,
    graph_for,
)

IMAGE_ATTACHMENT = {"type": "image", "payload": {"is_reusable": True}}


@pytest.fixture
def graph(sim: RunningSimulator) -> facebook.GraphAPI:
    return graph_for(sim)


def jpeg(width: int = 640, height: int = 480) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "teal").save(buffer, format="JPEG")
    return buffer.getvalue()


def test_a_comment_reply_carries_an_uploaded_photo(
    sim: RunningSimulator, graph: facebook.GraphAPI
) -> None:
    top = customer_comment(sim)

    created = graph.request(
        f"v26.0/{top['id']}/comments",
        post_args={"message": "Contohnya begini kak"},
        files={"source": ("contoh.jpg", jpeg(), "image/jpeg")},
    )

    reply = graph.get_object(created["id"], fields="id,message,attachment")
    assert reply["message"] == "Contohnya begini kak"
    attachment = reply["attachment"]
    assert attachment["type"] == "photo"
    assert attachment["media"]["image"]["width"] == 640
    assert attachment["media"]["image"]["height"] == 480
    assert attachment["media"]["image"]["src"].endswith(".jpg")
    assert attachment["url"] == attachment["target"]["url"]
    [latest] = sim.facebook.latest_page_replies(1)
    assert latest["attachment"]["mime"] == "image/jpeg"


def test_a_comment_with_only_a_photo_is_a_reply(
    sim: RunningSimulator, graph: facebook.GraphAPI
) -> None:
    top = customer_comment(sim)

    created = graph.request(
        f"v26.0/{top['id']}/comments",
        post_args={},
        files={"source": ("contoh.jpg", jpeg(), "image/jpeg")},
    )

    assert graph.get_object(created["id"], fields="attachment")["attachment"]["type"] == "photo"


def test_a_source_that_is_not_an_image_is_refused(
    sim: RunningSimulator, graph: facebook.GraphAPI
) -> None:
    top = customer_comment(sim)

    error = graph_error(
        lambda: graph.request(
            f"v26.0/{top['id']}/comments",
            post_args={"message": "Ini"},
            files={"source": ("notes.jpg", b"not an image", "image/jpeg")},
        )
    )

    assert error.code == 324
    assert sim.facebook.latest_page_replies(1) == []


def test_messenger_takes_an_image_uploaded_with_the_message(
    sim: RunningSimulator, graph: facebook.GraphAPI
) -> None:
    psid = customer_message(sim)["sender"]["id"]

    sent = graph.request(
        f"v26.0/{PAGE_ID}/messages",
        post_args={
            "recipient": json.dumps({"id": psid}),
            "messaging_type": "RESPONSE",
            "message": json.dumps({"attachment": IMAGE_ATTACHMENT}),
        },
        files={"filedata": ("resi.jpg", jpeg(), "image/jpeg")},
    )

    assert sent["recipient_id"] == psid
    assert sent["message_id"].startswith("m_")
    assert sent["attachment_id"]
    message = graph.get_object(sent["message_id"], fields="id,attachments")
    [image] = message["attachments"]["data"]
    assert image["mime_type"] == "image/jpeg"
    assert image["image_data"]["url"].endswith(".jpg")
    published = sim.facebook.published()[-1]
    assert published["attachment"]["type"] == "image"


def test_messenger_refuses_a_filedata_that_is_not_an_image(
    sim: RunningSimulator, graph: facebook.GraphAPI
) -> None:
    psid = customer_message(sim)["sender"]["id"]

    error = graph_error(
        lambda: graph.request(
            f"v26.0/{PAGE_ID}/messages",
            post_args={
                "recipient": json.dumps({"id": psid}),
                "message": json.dumps({"attachment": IMAGE_ATTACHMENT}),
            },
            files={"filedata": ("resi.jpg", b"plain text", "image/jpeg")},
        )
    )

    assert error.code == 100
    assert error.message == "(#100) Upload attachment failure."
