"""The Graph API simulator, driven by the real facebook-sdk 3.1.0 client."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import facebook
import pytest
import requests

from inbox.channels.http import GRAPH_REAL_BASE_URL, platform_session
from simulator.core import SimConfig
from simulator.server import RunningSimulator

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "facebook"
CONFIG = SimConfig()
PAGE_ID = CONFIG.fb_page_id
FB_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$")
DAY = 24 * 3600


def recorded(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def graph_for(sim: RunningSimulator, token: str = CONFIG.fb_page_token) -> facebook.GraphAPI:
    session = platform_session(real_base=GRAPH_REAL_BASE_URL, base_url=sim.graph_base_url)
    g = facebook.GraphAPI(access_token=token, timeout=10, session=session)
    g.version = "v26.0"
    return g


@pytest.fixture
def graph(sim: RunningSimulator) -> facebook.GraphAPI:
    return graph_for(sim)


def control(sim: RunningSimulator, path: str, body: dict[str, Any] | None = None) -> Any:
    response = requests.post(f"{sim.base_url}/_sim/{path}", json=body or {}, timeout=10)
    assert response.status_code < 300, response.text
    return response.json()


def customer_comment(sim: RunningSimulator, **body: Any) -> dict[str, Any]:
    body.setdefault("message", "Internet saya mati sejak pagi")
    body.setdefault("author", {"id": "7000000000000001", "name": "Budi Santoso"})
    return control(sim, "facebook/comments", body)


def customer_message(sim: RunningSimulator, text: str = "Halo, tagihan saya salah") -> Any:
    return control(sim, "facebook/messages", {"text": text, "sender": {"id": "7100000000000001"}})


def send(graph: facebook.GraphAPI, recipient: dict[str, str], text: str, **extra: Any) -> Any:
    # put_object form-encodes, so nested objects go as JSON strings (PLATFORMS.md).
    return graph.put_object(
        PAGE_ID,
        "messages",
        recipient=json.dumps(recipient),
        message=json.dumps({"text": text}),
        **extra,
    )


def advance(sim: RunningSimulator, seconds: float) -> None:
    control(sim, "clock", {"advance_seconds": seconds})


def add_fault(sim: RunningSimulator, kind: str, **extra: Any) -> None:
    response = requests.post(
        f"{sim.base_url}/_sim/faults",
        json={"platform": "facebook", "kind": kind, **extra},
        timeout=10,
    )
    assert response.status_code == 201, response.text


def graph_error(call: Any) -> facebook.GraphAPIError:
    with pytest.raises(facebook.GraphAPIError) as caught:
        call()
    return caught.value


def test_me_is_the_page(graph: facebook.GraphAPI) -> None:
    assert graph.get_object("me") == {"name": CONFIG.fb_page_name, "id": PAGE_ID}


def test_feed_pages_with_next_urls_that_carry_the_token(
    sim: RunningSimulator, graph: facebook.GraphAPI
) -> None:
    ids = [control(sim, "facebook/posts", {"message": f"Promo {n}"})["id"] for n in range(5)]

    first = graph.get_connections(PAGE_ID, "feed", fields="id,message,created_time", limit=2)

    assert [p["id"] for p in first["data"]] == ids[::-1][:2]
    assert first["paging"]["next"].startswith(sim.graph_base_url + "/v26.0/")
    assert f"access_token={CONFIG.fb_page_token}" in first["paging"]["next"]
    assert set(first["paging"]["cursors"]) == {"before", "after"}
    every = list(graph.get_all_connections(PAGE_ID, "feed", fields="id,message", limit=2))
    assert [p["id"] for p in every] == ids[::-1]


def test_last_feed_page_has_no_next(sim: RunningSimulator, graph: facebook.GraphAPI) -> None:
    control(sim, "facebook/posts", {"message": "Satu-satunya"})

    page = graph.get_connections(PAGE_ID, "feed", limit=5)

    assert "next" not in page["paging"]


def test_feed_since_leaves_out_older_posts(sim: RunningSimulator, graph: facebook.GraphAPI) -> None:
    control(sim, "facebook/posts", {"message": "Lama"})
    advance(sim, 600)
    since = int(sim.sim.clock.now())
    newer = control(sim, "facebook/posts", {"message": "Baru"})

    page = graph.get_connections(PAGE_ID, "feed", since=since)

    assert [p["id"] for p in page["data"]] == [newer["id"]]


def test_comments_stream_shows_replies_with_their_parent(
    sim: RunningSimulator, graph: facebook.GraphAPI
) -> None:
    top = customer_comment(sim)
    reply = customer_comment(sim, message="Saya juga", parent_id=top["id"])
    fields = "id,message,from,created_time,parent,is_hidden,can_hide"

    stream = graph.get_connections(
        top["post_id"], "comments", filter="stream", order="chronological", fields=fields
    )
    toplevel = graph.get_connections(top["post_id"], "comments", filter="toplevel")

    assert [c["id"] for c in stream["data"]] == [top["id"], reply["id"]]
    assert "parent" not in stream["data"][0]
    assert stream["data"][1]["parent"]["id"] == top["id"]
    assert stream["data"][1]["from"] == {"name": "Budi Santoso", "id": "7000000000000001"}
    assert FB_TIME.match(stream["data"][1]["created_time"])
    assert stream["data"][0]["is_hidden"] is False
    assert stream["data"][0]["can_hide"] is True
    assert [c["id"] for c in toplevel["data"]] == [top["id"]]
    assert re.match(rf"^{top['post_id'].split('_')[1]}_\d+$", top["id"])


def test_comments_summary_counts_them(sim: RunningSimulator, graph: facebook.GraphAPI) -> None:
    top = customer_comment(sim)
    customer_comment(sim, post_id=top["post_id"], message="Kapan diperbaiki?")

    page = graph.get_connections(
        top["post_id"], "comments", summary="true", order="reverse_chronological"
    )

    assert page["summary"] == {
        "order": "reverse_chronological",
        "total_count": 2,
        "can_comment": True,
    }
    assert page["data"][0]["message"] == "Kapan diperbaiki?"


def test_replies_under_one_comment(sim: RunningSimulator, graph: facebook.GraphAPI) -> None:
    top = customer_comment(sim)
    reply = customer_comment(sim, message="Sama", parent_id=top["id"])

    replies = graph.get_connections(top["id"], "comments")

    assert [c["id"] for c in replies["data"]] == [reply["id"]]


def test_reply_to_a_comment_comes_from_the_page(
    sim: RunningSimulator, graph: facebook.GraphAPI
) -> None:
    top = customer_comment(sim)

    created = graph.put_comment(top["id"], "Mohon maaf, kami cek ya")

    reply = graph.get_object(created["id"], fields="id,message,from,parent")
    assert reply["from"] == {"name": CONFIG.fb_page_name, "id": PAGE_ID}
    assert reply["parent"]["id"] == top["id"]
    latest = sim.facebook.latest_page_replies(1)
    assert latest[0]["id"] == created["id"]
    assert latest[0]["to"] == {"id": "7000000000000001", "name": "Budi Santoso"}
    published = sim.facebook.published()
    assert published[-1]["kind"] == "comment"
    assert published[-1]["in_reply_to"] == top["id"]


def test_comment_replies_include_the_pages_own_reply(
    sim: RunningSimulator, graph: facebook.GraphAPI
) -> None:
    top = customer_comment(sim)
    nested = customer_comment(sim, message="Saya juga", parent_id=top["id"])
    first = graph.put_comment(top["id"], "Mohon maaf, kami cek ya")
    # Replying to a reply lands under the top-level comment: Facebook nests one level.
    second = graph.put_comment(nested["id"], "Untuk Anda juga, kami cek")

    replies = graph.get_connections(
        top["id"], "comments", fields="id,message,from,created_time", order="reverse_chronological"
    )
    under_nested = graph.get_connections(nested["id"], "comments")

    assert [c["id"] for c in replies["data"]] == [second["id"], first["id"], nested["id"]]
    assert replies["data"][1] == {
        "id": first["id"],
        "message": "Mohon maaf, kami cek ya",
        "from": {"name": CONFIG.fb_page_name, "id": PAGE_ID},
        "created_time": replies["data"][1]["created_time"],
    }
    assert FB_TIME.match(replies["data"][1]["created_time"])
    assert under_nested["data"] == []


def test_hide_then_delete_a_comment(sim: RunningSimulator, graph: facebook.GraphAPI) -> None:
    top = customer_comment(sim)

    hidden = graph.request(f"v26.0/{top['id']}", post_args={"is_hidden": "true"})
    seen = graph.get_object(top["id"], fields="id,is_hidden")
    deleted = graph.delete_object(top["id"])

    assert hidden == {"success": True}
    assert seen["is_hidden"] is True
    assert deleted == {"success": True}
    assert graph.get_connections(top["post_id"], "comments")["data"] == []
    kinds = [item["kind"] for item in sim.facebook.published()]
    assert kinds[-2:] == ["hide", "delete"]


def test_unknown_object_is_a_graph_method_exception(graph: facebook.GraphAPI) -> None:
    error = graph_error(lambda: graph.get_object("999_999"))

    assert error.code == 100
    assert error.type == "GraphMethodException"


def test_private_reply_is_allowed_once(sim: RunningSimulator, graph: facebook.GraphAPI) -> None:
    top = customer_comment(sim)

    sent = send(graph, {"comment_id": top["id"]}, "Kami kirim detailnya lewat pesan ya")
    again = graph_error(lambda: send(graph, {"comment_id": top["id"]}, "Sekali lagi"))

    assert sent["recipient_id"] == "7000000000000001"
    assert sent["message_id"].startswith("m_")
    assert again.code == 10900
    assert again.message == "(#10900) Activity already replied to"
    assert sim.facebook.published()[-1]["kind"] == "private_reply"


def test_private_reply_after_seven_days_is_refused(
    sim: RunningSimulator, graph: facebook.GraphAPI
) -> None:
    top = customer_comment(sim)
    advance(sim, 8 * DAY)

    error = graph_error(lambda: send(graph, {"comment_id": top["id"]}, "Terlambat"))

    assert (error.code, error.result["error"]["error_subcode"]) == (10, 2018278)


def test_send_api_within_24_hours_succeeds(sim: RunningSimulator, graph: facebook.GraphAPI) -> None:
    customer_message(sim)
    advance(sim, 23 * 3600)

    sent = send(graph, {"id": "7100000000000001"}, "Sudah kami perbaiki", messaging_type="RESPONSE")

    assert sent["recipient_id"] == "7100000000000001"
    published = sim.facebook.published()[-1]
    assert (published["kind"], published["messaging_type"]) == ("message", "RESPONSE")


def test_send_api_after_24_hours_is_refused(
    sim: RunningSimulator, graph: facebook.GraphAPI
) -> None:
    customer_message(sim)
    advance(sim, 25 * 3600)

    error = graph_error(
        lambda: send(graph, {"id": "7100000000000001"}, "Maaf telat", messaging_type="RESPONSE")
    )

    assert error.code == 10
    assert error.result["error"]["error_subcode"] == 2018278
    assert error.type == "OAuthException"


def test_human_agent_tag_extends_the_window_to_seven_days(
    sim: RunningSimulator, graph: facebook.GraphAPI
) -> None:
    customer_message(sim)
    advance(sim, 3 * DAY)

    sent = send(
        graph,
        {"id": "7100000000000001"},
        "Teknisi kami datang besok",
        messaging_type="MESSAGE_TAG",
        tag="HUMAN_AGENT",
    )
    advance(sim, 5 * DAY)
    late = graph_error(
        lambda: send(
            graph,
            {"id": "7100000000000001"},
            "Masih ada kendala?",
            messaging_type="MESSAGE_TAG",
            tag="HUMAN_AGENT",
        )
    )

    assert sent["message_id"]
    assert sim.facebook.published()[-1]["tag"] == "HUMAN_AGENT"
    assert (late.code, late.result["error"]["error_subcode"]) == (10, 2018278)


def test_send_api_accepts_a_json_body(sim: RunningSimulator) -> None:
    customer_message(sim)

    response = requests.post(
        f"{sim.graph_base_url}/v26.0/me/messages",
        params={"access_token": CONFIG.fb_page_token},
        json={"recipient": {"id": "7100000000000001"}, "message": {"text": "Halo"}},
        timeout=10,
    )

    assert response.status_code == 200
    assert set(response.json()) == {"recipient_id", "message_id"}


def test_persona_is_created_and_used_to_send(
    sim: RunningSimulator, graph: facebook.GraphAPI
) -> None:
    customer_message(sim)

    persona = graph.put_object(
        PAGE_ID, "personas", name="Rina (Care)", profile_picture_url="https://example.com/r.png"
    )
    fetched = graph.get_object(persona["id"])
    listed = graph.get_connections(PAGE_ID, "personas")
    send(graph, {"id": "7100000000000001"}, "Saya Rina", persona_id=persona["id"])

    assert fetched == {
        "name": "Rina (Care)",
        "profile_picture_url": "https://example.com/r.png",
        "id": persona["id"],
    }
    assert [p["id"] for p in listed["data"]] == [persona["id"]]
    assert sim.facebook.published()[-1]["persona_id"] == persona["id"]
    assert graph.delete_object(persona["id"]) == {"success": True}


def test_send_with_an_unknown_persona_is_refused(
    sim: RunningSimulator, graph: facebook.GraphAPI
) -> None:
    customer_message(sim)

    error = graph_error(
        lambda: send(graph, {"id": "7100000000000001"}, "Halo", persona_id="123456789")
    )

    assert error.code == 100


def test_conversations_list_nests_their_messages(
    sim: RunningSimulator, graph: facebook.GraphAPI
) -> None:
    customer_message(sim, "Paket saya belum sampai")
    send(graph, {"id": "7100000000000001"}, "Kami cek resinya")

    page = graph.get_connections(
        PAGE_ID,
        "conversations",
        platform="messenger",
        fields="participants,updated_time,messages{message,from,created_time}",
    )

    conversation = page["data"][0]
    assert conversation["id"].startswith("t_")
    participant_ids = [p["id"] for p in conversation["participants"]["data"]]
    assert participant_ids == ["7100000000000001", PAGE_ID]
    messages = conversation["messages"]["data"]
    assert [m["message"] for m in messages] == ["Kami cek resinya", "Paket saya belum sampai"]
    assert messages[0]["from"]["id"] == PAGE_ID
    assert messages[0]["id"].startswith("m_")
    assert FB_TIME.match(conversation["updated_time"])


def test_conversations_filtered_by_user_id_include_what_the_page_sent(
    sim: RunningSimulator, graph: facebook.GraphAPI
) -> None:
    customer_message(sim, "Paket saya belum sampai")
    control(sim, "facebook/messages", {"text": "Halo", "sender": {"id": "7100000000000002"}})
    send(graph, {"id": "7100000000000001"}, "Kami cek resinya")

    page = graph.get_connections(
        PAGE_ID,
        "conversations",
        platform="messenger",
        user_id="7100000000000001",
        fields="messages{message,from,created_time}",
    )
    nobody = graph.get_connections(
        PAGE_ID, "conversations", platform="messenger", user_id="7199999999999999"
    )

    (conversation,) = page["data"]
    sent, received = conversation["messages"]["data"]
    assert sent["message"] == "Kami cek resinya"
    assert sent["from"] == {
        "name": CONFIG.fb_page_name,
        "email": f"{PAGE_ID}@facebook.com",
        "id": PAGE_ID,
    }
    assert FB_TIME.match(sent["created_time"])
    assert sent["id"].startswith("m_")
    assert received["from"]["id"] == "7100000000000001"
    assert nobody == {"data": []}


def test_a_private_reply_opens_a_conversation_found_by_user_id(
    sim: RunningSimulator, graph: facebook.GraphAPI
) -> None:
    top = customer_comment(sim)
    sent = send(graph, {"comment_id": top["id"]}, "Kami kirim detailnya lewat pesan ya")

    page = graph.get_connections(
        PAGE_ID,
        "conversations",
        platform="messenger",
        user_id="7000000000000001",
        fields="participants,messages{message,from,created_time}",
    )

    (conversation,) = page["data"]
    assert [p["id"] for p in conversation["participants"]["data"]] == ["7000000000000001", PAGE_ID]
    (message,) = conversation["messages"]["data"]
    assert message["id"] == sent["message_id"]
    assert message["message"] == "Kami kirim detailnya lewat pesan ya"
    assert message["from"]["id"] == PAGE_ID


def test_a_slow_response_fault_times_the_client_out_after_the_reply_was_made(
    sim: RunningSimulator,
) -> None:
    top = customer_comment(sim)
    add_fault(sim, "slow_response", latency_ms=1500)
    impatient = facebook.GraphAPI(
        access_token=CONFIG.fb_page_token,
        timeout=0.3,
        session=platform_session(real_base=GRAPH_REAL_BASE_URL, base_url=sim.graph_base_url),
    )
    impatient.version = "v26.0"

    with pytest.raises(requests.exceptions.Timeout):
        impatient.put_comment(top["id"], "Sudah kami teruskan ke teknisi")
    replies = graph_for(sim).get_connections(top["id"], "comments", fields="message,from")

    assert [(c["message"], c["from"]["id"]) for c in replies["data"]] == [
        ("Sudah kami teruskan ke teknisi", PAGE_ID)
    ]


def test_conversation_messages_page_newest_first(
    sim: RunningSimulator, graph: facebook.GraphAPI
) -> None:
    for text in ("satu", "dua", "tiga"):
        customer_message(sim, text)
    conversation_id = graph.get_connections(PAGE_ID, "conversations")["data"][0]["id"]

    first = graph.get_connections(
        conversation_id, "messages", fields="message,from,created_time", limit=2
    )
    every = list(
        graph.get_all_connections(
            conversation_id, "messages", fields="message,from,created_time", limit=2
        )
    )

    assert [m["message"] for m in first["data"]] == ["tiga", "dua"]
    assert "next" in first["paging"]
    assert [m["message"] for m in every] == ["tiga", "dua", "satu"]


def test_usage_headers_climb_with_calls(sim: RunningSimulator, graph: facebook.GraphAPI) -> None:
    seen: list[requests.structures.CaseInsensitiveDict[str]] = []
    graph.session.hooks["response"].append(lambda r, *args, **kwargs: seen.append(r.headers))

    for _ in range(4):
        graph.get_object("me")

    app = [json.loads(h["X-App-Usage"])["call_count"] for h in seen]
    page = [json.loads(h["X-Business-Use-Case-Usage"])[PAGE_ID][0] for h in seen]
    assert app == sorted(app) and app[-1] > app[0]
    assert [p["call_count"] for p in page] == [0, 1, 1, 2]  # 200 calls an hour = 100 %
    assert page[-1]["type"] == "pages"
    assert page[-1]["estimated_time_to_regain_access"] == 0
    assert set(json.loads(seen[-1]["X-App-Usage"])) == {"call_count", "total_time", "total_cputime"}


def test_page_budget_spent_answers_code_32_until_the_hour_passes(
    sim: RunningSimulator, graph: facebook.GraphAPI
) -> None:
    session = requests.Session()
    for _ in range(200):
        session.get(f"{sim.graph_base_url}/v26.0/me", params={"access_token": CONFIG.fb_page_token})

    limited = graph_error(lambda: graph.get_object("me"))
    advance(sim, 3601)

    assert limited.code == 32
    assert limited.result["error"]["is_transient"] is True
    assert graph.get_object("me")["id"] == PAGE_ID


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (32, "(#32) Page request limit reached"),
        (4, "(#4) Application request limit reached"),
        (17, "(#17) User request limit reached"),
        (613, "Calls to this api have exceeded the rate limit. (613)"),
    ],
)
def test_rate_limit_fault_raises_its_code(
    sim: RunningSimulator, graph: facebook.GraphAPI, code: int, message: str
) -> None:
    seen: list[requests.Response] = []
    graph.session.hooks["response"].append(lambda r, *args, **kwargs: seen.append(r))
    add_fault(sim, "rate_limit", code=code, reset_in=600)

    error = graph_error(lambda: graph.get_object("me"))

    assert (error.code, error.message) == (code, message)
    assert error.result["error"]["is_transient"] is True
    usage = json.loads(seen[-1].headers["X-Business-Use-Case-Usage"])[PAGE_ID][0]
    assert (usage["call_count"], usage["estimated_time_to_regain_access"]) == (100, 10)
    assert graph.get_object("me")["id"] == PAGE_ID  # the fault affected one call


def test_rate_limit_body_has_the_recorded_keys(
    sim: RunningSimulator, graph: facebook.GraphAPI
) -> None:
    add_fault(sim, "rate_limit", code=4)
    observed = recorded("observed_error_responses.json")["responses"][0]["body"]

    error = graph_error(lambda: graph.get_object("me"))

    assert set(error.result["error"]) == set(observed["error"])


def test_server_error_is_a_transient_500(sim: RunningSimulator, graph: facebook.GraphAPI) -> None:
    statuses: list[int] = []
    graph.session.hooks["response"].append(
        lambda r, *args, **kwargs: statuses.append(r.status_code)
    )
    add_fault(sim, "server_error")

    error = graph_error(lambda: graph.get_object("me"))

    assert statuses == [500]
    assert error.code == 2
    assert error.result["error"]["is_transient"] is True


def test_expired_token_answers_190_463_until_cleared(
    sim: RunningSimulator, graph: facebook.GraphAPI
) -> None:
    add_fault(sim, "token_expired")

    first = graph_error(lambda: graph.get_object("me"))
    second = graph_error(lambda: graph.get_connections(PAGE_ID, "feed"))

    for error in (first, second):
        assert (error.code, error.result["error"]["error_subcode"]) == (190, 463)
        assert error.message.startswith("Error validating access token: Session has expired on")
    requests.delete(f"{sim.base_url}/_sim/faults", timeout=10)
    assert graph.get_object("me")["id"] == PAGE_ID


def test_revoked_token_answers_190_460(sim: RunningSimulator, graph: facebook.GraphAPI) -> None:
    add_fault(sim, "token_revoked")

    error = graph_error(lambda: graph.get_object("me"))

    assert (error.code, error.result["error"]["error_subcode"]) == (190, 460)
    assert {"error_user_title", "error_user_msg", "fbtrace_id"} <= set(error.result["error"])


def test_debug_token_reports_an_expired_token_invalid(
    sim: RunningSimulator, graph: facebook.GraphAPI
) -> None:
    valid = graph.debug_access_token(CONFIG.fb_page_token, CONFIG.fb_app_id, CONFIG.fb_app_secret)
    add_fault(sim, "token_expired")
    expired = graph.debug_access_token(CONFIG.fb_page_token, CONFIG.fb_app_id, CONFIG.fb_app_secret)

    assert valid["data"]["is_valid"] is True
    assert valid["data"]["expires_at"] == 0
    assert expired["data"]["is_valid"] is False
    assert set(recorded("data-debug-token-info.json")["data"]) - {"metadata"} <= set(valid["data"])


def test_bad_token_answers_190(sim: RunningSimulator) -> None:
    graph = graph_for(sim, token="not-the-page-token")

    error = graph_error(lambda: graph.get_object("me"))

    assert error.code == 190
    assert error.result["error"]["error_subcode"] == 467
    assert error.type == "OAuthException"


def test_responses_match_recorded_keys(sim: RunningSimulator, graph: facebook.GraphAPI) -> None:
    top = customer_comment(sim)
    customer_message(sim)
    recorded_comment = recorded("post-with-comment.json")["comments"]["data"][0]
    recorded_send = recorded("sendresponse.json")
    recorded_conversation = recorded("conversation.json")

    comment = graph.get_connections(top["post_id"], "comments")["data"][0]
    sent = send(graph, {"id": "7100000000000001"}, "Halo")
    conversation = graph.get_connections(
        PAGE_ID,
        "conversations",
        fields="id,snippet,updated_time,message_count,unread_count,participants,senders,"
        "can_reply,is_subscribed,link,messages{id,created_time,from,to,message}",
    )["data"][0]

    assert set(comment) == set(recorded_comment)
    assert set(sent) == set(recorded_send)
    assert set(conversation) <= set(recorded_conversation)
    assert set(conversation["participants"]["data"][0]) == set(
        recorded_conversation["participants"]["data"][0]
    )
    assert set(conversation["messages"]["data"][0]) <= set(
        recorded_conversation["messages"]["data"][0]
    )


# --- likes -----------------------------------------------------------------------------------
def test_the_page_likes_a_comment_once_however_often_it_asks(
    sim: RunningSimulator, graph: facebook.GraphAPI
) -> None:
    praise = customer_comment(sim, message="Teknisinya ramah dan cepat, mantap!")

    first = graph.request(f"v26.0/{praise['id']}/likes", post_args={})
    second = graph.request(f"v26.0/{praise['id']}/likes", post_args={})
    seen = graph.get_object(praise["id"], fields="id,user_likes,like_count")
    likers = graph.get_connections(praise["id"], "likes")

    assert first == second == {"success": True}
    assert (seen["user_likes"], seen["like_count"]) == (True, 1)
    assert likers["data"] == [{"id": PAGE_ID, "name": CONFIG.fb_page_name}]
    likes = [item for item in sim.facebook.published() if item["kind"] == "like"]
    assert [item["id"] for item in likes] == [praise["id"]]


def test_unliking_takes_the_pages_like_back(
    sim: RunningSimulator, graph: facebook.GraphAPI
) -> None:
    praise = customer_comment(sim, message="Makasih!")
    graph.request(f"v26.0/{praise['id']}/likes", post_args={})

    removed = graph.request(f"v26.0/{praise['id']}/likes", method="DELETE")

    assert removed == {"success": True}
    assert graph.get_object(praise["id"], fields="user_likes")["user_likes"] is False
    assert [i["kind"] for i in sim.facebook.published()][-2:] == ["like", "unlike"]


def test_liking_a_deleted_or_unknown_object_is_error_100(
    sim: RunningSimulator, graph: facebook.GraphAPI
) -> None:
    gone = customer_comment(sim)
    graph.delete_object(gone["id"])

    for object_id in (gone["id"], "123456789_987654321"):
        with pytest.raises(facebook.GraphAPIError) as raised:
            graph.request(f"v26.0/{object_id}/likes", post_args={})
        assert raised.value.code == 100
        assert "does not exist" in raised.value.message
    assert not [i for i in sim.facebook.published() if i["kind"] == "like"]
