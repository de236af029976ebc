"""The X simulator, driven by the real tweepy 4.17.0 Client through platform_session."""

from __future__ import annotations

import json
import re
import struct
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import tweepy
from twitter_text import parse_tweet
from werkzeug.test import Client as WsgiClient

from inbox.channels.http import X_REAL_BASE_URL, RewritingAdapter, platform_session
from simulator.server import RunningSimulator
from simulator.x_api import XPlatform

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "x"
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def recorded(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def recorded_error(status: int) -> dict[str, Any]:
    bodies = recorded("observed_error_responses.json")["responses"]
    return next(r["body"] for r in bodies if r["http_status"] == status and "title" in r["body"])


def x_of(sim: RunningSimulator) -> XPlatform:
    platform = sim.x
    assert isinstance(platform, XPlatform)
    return platform


def brand_id(sim: RunningSimulator) -> str:
    return sim.sim.config.x_user_id


def client(
    sim: RunningSimulator, *, raw: bool = False, overrides: dict[str, str] | None = None
) -> tweepy.Client:
    """The real tweepy Client with the brand's credentials, rewritten to the simulator."""
    config = sim.sim.config
    credentials = {
        "bearer_token": config.x_bearer_token,
        "consumer_key": config.x_consumer_key,
        "consumer_secret": config.x_consumer_secret,
        "access_token": config.x_access_token,
        "access_token_secret": config.x_access_token_secret,
    }
    credentials.update(overrides or {})
    return_type = requests.Response if raw else tweepy.Response
    api = tweepy.Client(**credentials, return_type=return_type)
    api.session = platform_session(real_base=X_REAL_BASE_URL, base_url=sim.x_base_url)
    return api


def oauth1(sim: RunningSimulator) -> Any:
    config = sim.sim.config
    handler = tweepy.OAuth1UserHandler(
        config.x_consumer_key,
        config.x_consumer_secret,
        config.x_access_token,
        config.x_access_token_secret,
    )
    return handler.apply_auth()


def sim_call(sim: RunningSimulator, method: str, path: str, **body: Any) -> requests.Response:
    return requests.request(method, sim.base_url + path, json=body or None, timeout=10)


def mention_ids(response: Any) -> list[str]:
    return [tweet.data["id"] for tweet in response.data or []]


def png(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + header + b"\0" * 64


def upload(sim: RunningSimulator, data: bytes, category: str = "tweet_image") -> dict[str, Any]:
    api = client(sim)
    response = api.session.post(
        f"{X_REAL_BASE_URL}/2/media/upload",
        files={"media": ("photo.png", data, "image/png")},
        data={"media_category": category},
        auth=oauth1(sim),
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["data"]
    return result


# --- mentions timeline ---------------------------------------------------------------------
def test_mentions_since_id_is_exclusive(sim: RunningSimulator) -> None:
    ids = [x_of(sim).add_mention(text=f"order {n} is late")["id"] for n in range(5)]

    response = client(sim).get_users_mentions(brand_id(sim), since_id=ids[1])

    assert mention_ids(response) == [ids[4], ids[3], ids[2]]


def test_mentions_are_newest_first_with_newest_and_oldest_ids(sim: RunningSimulator) -> None:
    ids = x_of(sim).add_mentions(count=12)

    response = client(sim).get_users_mentions(brand_id(sim), max_results=5)

    assert mention_ids(response) == ids[::-1][:5]
    assert response.meta["newest_id"] == ids[-1]
    assert response.meta["oldest_id"] == ids[-5]


def test_next_token_pages_to_the_end_and_is_absent_on_the_last_page(
    sim: RunningSimulator,
) -> None:
    ids = x_of(sim).add_mentions(count=23)

    pages = list(tweepy.Paginator(client(sim).get_users_mentions, brand_id(sim), max_results=10))

    assert [page.meta["result_count"] for page in pages] == [10, 10, 3]
    assert all("next_token" in page.meta for page in pages[:2])
    assert "next_token" not in pages[-1].meta
    assert [i for page in pages for i in mention_ids(page)] == ids[::-1]


def test_an_empty_page_is_only_meta(sim: RunningSimulator) -> None:
    newest = x_of(sim).add_mention(text="is anyone there?")["id"]

    response = client(sim, raw=True).get_users_mentions(brand_id(sim), since_id=newest)

    assert response.json() == {"meta": {"result_count": 0}}


def test_includes_users_carry_the_requested_user_fields(sim: RunningSimulator) -> None:
    author = {"username": "dewi_lestari", "followers_count": 12345, "verified": True}
    x_of(sim).add_mention(text="refund belum masuk", author=author)

    response = client(sim).get_users_mentions(
        brand_id(sim),
        expansions=["author_id", "referenced_tweets.id"],
        user_fields=["public_metrics", "verified", "profile_image_url"],
        tweet_fields=["created_at", "author_id", "conversation_id", "lang", "entities"],
    )

    user = response.includes["users"][0]
    assert user.username == "dewi_lestari"
    assert user.verified is True
    assert set(user.public_metrics) == {
        "followers_count",
        "following_count",
        "tweet_count",
        "listed_count",
    }
    assert user.public_metrics["followers_count"] == 12345
    assert re.match(
        r"^https://pbs\.twimg\.com/profile_images/\d+/\S+_normal\.jpg$", user.profile_image_url
    )
    tweet = response.data[0]
    assert tweet.data["author_id"] == user.data["id"]
    assert tweet.lang == "in"
    assert tweet.entities["mentions"][0]["username"] == sim.sim.config.x_username


def test_users_without_user_fields_have_only_id_name_username(sim: RunningSimulator) -> None:
    x_of(sim).add_mention(text="halo")

    body = client(sim, raw=True).get_users_mentions(brand_id(sim), expansions="author_id").json()

    assert set(body["includes"]["users"][0]) == {"id", "name", "username"}
    assert set(body["data"][0]) == {"author_id", "edit_history_tweet_ids", "id", "text"}


def test_post_fields_is_accepted_like_tweet_fields(sim: RunningSimulator) -> None:
    x_of(sim).add_mention(text="halo")

    # tweepy has no post_fields argument, so this one goes through its session.
    response = client(sim).session.get(
        f"{X_REAL_BASE_URL}/2/users/{brand_id(sim)}/mentions",
        params={"post.fields": "lang"},
        headers={"Authorization": f"Bearer {sim.sim.config.x_bearer_token}"},
    )

    assert response.json()["data"][0]["lang"] == "in"


@pytest.mark.parametrize("max_results", [4, 101])
def test_max_results_outside_5_to_100_is_a_bad_request(
    sim: RunningSimulator, max_results: int
) -> None:
    with pytest.raises(tweepy.BadRequest) as raised:
        client(sim).get_users_mentions(brand_id(sim), max_results=max_results)

    body = raised.value.response.json()
    assert body["title"] == "Invalid Request"
    assert body["type"] == "https://api.twitter.com/2/problems/invalid-request"
    assert body["errors"][0]["parameters"] == {"max_results": [str(max_results)]}
    assert f"[{max_results}] is not between 5 and 100" in raised.value.api_messages[0]


def test_brand_tweets_are_not_in_its_mentions(sim: RunningSimulator) -> None:
    customer = x_of(sim).add_mention(text="kapan promo?")
    client(sim).create_tweet(text="@NusantaraCares promo minggu ini: gratis ongkir!")

    response = client(sim).get_users_mentions(brand_id(sim))

    assert mention_ids(response) == [customer["id"]]


def test_only_the_newest_800_mentions_are_reachable(sim: RunningSimulator) -> None:
    ids = x_of(sim).add_mentions(count=1000)

    pages = tweepy.Paginator(
        client(sim).get_users_mentions, brand_id(sim), max_results=100, since_id=ids[0]
    )
    seen = [i for page in pages for i in mention_ids(page)]

    assert len(seen) == 800
    assert seen[-1] == ids[200]


def test_brand_reply_and_the_customer_answer_share_the_conversation(
    sim: RunningSimulator,
) -> None:
    api = client(sim)
    complaint = x_of(sim).add_mention(text="paket belum sampai")
    reply_id = api.create_tweet(
        text="Mohon maaf, kami cek ya -AR", in_reply_to_tweet_id=complaint["id"]
    ).data["id"]

    reply = api.get_tweet(
        reply_id,
        tweet_fields=["in_reply_to_user_id", "conversation_id", "referenced_tweets", "author_id"],
    ).data
    answer = sim_call(
        sim, "POST", "/_sim/x/mentions", text="sudah 3 hari", in_reply_to_tweet_id=reply_id
    ).json()["data"]

    assert reply.data["in_reply_to_user_id"] == complaint["author_id"]
    assert reply.data["conversation_id"] == complaint["id"]
    assert reply.data["author_id"] == brand_id(sim)
    assert answer["author_id"] == complaint["author_id"]
    assert answer["conversation_id"] == complaint["id"]
    assert answer["referenced_tweets"] == [{"type": "replied_to", "id": reply_id}]
    assert answer["in_reply_to_user_id"] == brand_id(sim)
    assert mention_ids(api.get_users_mentions(brand_id(sim)))[0] == answer["id"]


def test_reply_to_a_missing_tweet_is_refused(sim: RunningSimulator) -> None:
    with pytest.raises(tweepy.Forbidden) as raised:
        client(sim).create_tweet(text="hello", in_reply_to_tweet_id="1234567890123456789")

    assert "deleted or not visible" in raised.value.api_messages[0]


# --- user Tweet timeline (GET /2/users/:id/tweets) ------------------------------------------
def post_replies(sim: RunningSimulator, count: int, first: int = 0) -> list[tuple[str, str]]:
    """`count` brand replies to fresh mentions, oldest first, as (mention id, reply id)."""
    api, x = client(sim), x_of(sim)
    pairs = []
    for n in range(first, first + count):
        mention = x.add_mention(text=f"pesanan {n} belum sampai")["id"]
        reply = api.create_tweet(text=f"Maaf, pesanan {n} kami cek", in_reply_to_tweet_id=mention)
        pairs.append((mention, reply.data["id"]))
    return pairs


def test_user_tweets_show_the_brands_reply_with_what_it_replied_to(sim: RunningSimulator) -> None:
    complaint = x_of(sim).add_mention(text="layar laptop saya bergaris")
    reply_id = (
        client(sim)
        .create_tweet(text="Mohon maaf, boleh DM nomor seri?", in_reply_to_tweet_id=complaint["id"])
        .data["id"]
    )

    response = client(sim, raw=True).get_users_tweets(
        brand_id(sim),
        max_results=5,
        tweet_fields=["referenced_tweets", "in_reply_to_user_id", "created_at"],
        user_auth=True,
    )

    body = response.json()
    assert body["data"] == [
        {
            "edit_history_tweet_ids": [reply_id],
            "id": reply_id,
            "text": "Mohon maaf, boleh DM nomor seri?",
            "referenced_tweets": [{"type": "replied_to", "id": complaint["id"]}],
            "in_reply_to_user_id": complaint["author_id"],
            "created_at": body["data"][0]["created_at"],
        }
    ]
    assert ISO_MS.match(body["data"][0]["created_at"])
    assert body["meta"] == {"newest_id": reply_id, "oldest_id": reply_id, "result_count": 1}
    assert response.headers["x-rate-limit-limit"] == "900"  # per user, user context


def test_user_tweets_page_newest_first_and_since_id_is_exclusive(sim: RunningSimulator) -> None:
    replies = [reply for _, reply in post_replies(sim, 7)]
    api = client(sim)

    pages = list(tweepy.Paginator(api.get_users_tweets, brand_id(sim), max_results=5))
    since = api.get_users_tweets(brand_id(sim), since_id=replies[3], user_auth=True)

    assert [page.meta["result_count"] for page in pages] == [5, 2]
    assert "next_token" in pages[0].meta
    assert "next_token" not in pages[1].meta
    assert (pages[0].meta["newest_id"], pages[0].meta["oldest_id"]) == (replies[6], replies[2])
    assert [t.id for page in pages for t in page.data] == [int(r) for r in replies[::-1]]
    assert [t.id for t in since.data] == [int(r) for r in replies[:3:-1]]


def test_user_tweets_leave_out_deleted_posts_and_other_authors(sim: RunningSimulator) -> None:
    (mention, kept), (_, removed) = post_replies(sim, 2)
    api = client(sim)
    api.delete_tweet(removed)
    announcement = api.create_tweet(text="Promo gratis ongkir minggu ini").data["id"]

    brand = api.get_users_tweets(brand_id(sim), user_auth=True)
    originals = api.get_users_tweets(brand_id(sim), exclude=["replies"])
    customer = x_of(sim).tweets[mention]["author_id"]
    theirs = api.get_users_tweets(customer, exclude="retweets")

    assert [t.data["id"] for t in brand.data] == [announcement, kept]
    assert [t.data["id"] for t in originals.data] == [announcement]
    assert [t.data["id"] for t in theirs.data] == [mention]


def test_user_tweets_empty_page_and_bad_parameters(sim: RunningSimulator) -> None:
    (_, reply), *_ = post_replies(sim, 1)
    api = client(sim, raw=True)

    empty = api.get_users_tweets(brand_id(sim), since_id=reply)
    unknown = api.get_users_tweets("1234567890123456789")
    with pytest.raises(tweepy.BadRequest) as too_few:
        api.get_users_tweets(brand_id(sim), max_results=4)
    with pytest.raises(tweepy.BadRequest) as bad_exclude:
        api.get_users_tweets(brand_id(sim), exclude="likes")

    assert empty.json() == {"meta": {"result_count": 0}}
    assert empty.headers["x-rate-limit-limit"] == "1500"  # per app, Bearer
    assert unknown.json()["errors"][0]["detail"] == (
        "Could not find user with id: [1234567890123456789]."
    )
    assert "[4] is not between 5 and 100" in too_few.value.api_messages[0]
    assert "[likes] is not one of [replies,retweets]" in bad_exclude.value.api_messages[0]


def test_user_tweets_accept_post_fields_and_start_time(sim: RunningSimulator) -> None:
    (_, old), *_ = post_replies(sim, 1)
    sim_call(sim, "POST", "/_sim/clock", advance_seconds=3600)
    (_, new), *_ = post_replies(sim, 1, first=1)
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1800))

    response = client(sim).session.get(
        f"{X_REAL_BASE_URL}/2/users/{brand_id(sim)}/tweets",
        params={"post.fields": "referenced_tweets", "start_time": start},
        headers={"Authorization": f"Bearer {sim.sim.config.x_bearer_token}"},
    )

    assert [t["id"] for t in response.json()["data"]] == [new]
    assert response.json()["data"][0]["referenced_tweets"][0]["type"] == "replied_to"
    assert old not in response.text


def test_with_exclude_replies_only_the_newest_800_posts_are_reachable(
    sim: RunningSimulator,
) -> None:
    x = x_of(sim)
    author = {"id": "1700000000000000001", "username": "rajin_ngetweet"}
    ids = [x.add_mention(text=f"update {n}", author=author)["id"] for n in range(805)]

    pages = tweepy.Paginator(
        client(sim).get_users_tweets, author["id"], max_results=100, exclude="replies"
    )
    seen = [t.data["id"] for page in pages for t in page.data]

    assert len(seen) == 800
    assert seen[-1] == ids[5]


# --- search and lookup ---------------------------------------------------------------------
def test_search_recent_matches_text(sim: RunningSimulator) -> None:
    x = x_of(sim)
    wanted = x.add_mention(text="refund pesanan 123 belum masuk")["id"]
    x.add_mention(text="aplikasi error terus")

    response = client(sim).search_recent_tweets("refund -is:retweet")

    assert mention_ids(response) == [wanted]


def test_search_recent_pages_with_next_token(sim: RunningSimulator) -> None:
    ids = x_of(sim).add_mentions(count=15, text="voucher tidak bisa dipakai")

    pages = list(tweepy.Paginator(client(sim).search_recent_tweets, "voucher", max_results=10))

    assert [i for page in pages for i in mention_ids(page)] == ids[::-1]
    assert "next_token" not in pages[-1].meta


def test_lookup_reports_missing_ids_in_errors_with_status_200(sim: RunningSimulator) -> None:
    found = x_of(sim).add_mention(text="halo")["id"]
    missing = "1234567890123456789"

    response = client(sim).get_tweets([found, missing])

    assert mention_ids(response) == [found]
    assert response.errors == [
        {
            "value": missing,
            "detail": f"Could not find tweet with ids: [{missing}].",
            "title": "Not Found Error",
            "resource_type": "tweet",
            "parameter": "ids",
            "resource_id": missing,
            "type": "https://api.twitter.com/2/problems/resource-not-found",
        }
    ]


def test_a_deleted_tweet_is_not_found(sim: RunningSimulator) -> None:
    api = client(sim, raw=False)
    tweet_id = api.create_tweet(text="Jam layanan hari ini 08.00-22.00").data["id"]

    deleted = api.delete_tweet(tweet_id)
    with pytest.raises(tweepy.NotFound) as raised:
        api.get_tweet(tweet_id)

    assert deleted.data == {"deleted": True}
    assert raised.value.response.headers["content-type"].startswith("application/problem+json")
    assert raised.value.response.json()["type"].endswith("/problems/resource-not-found")


# --- posting -------------------------------------------------------------------------------
def test_duplicate_content_is_forbidden_with_the_real_body(sim: RunningSimulator) -> None:
    api = client(sim)
    api.create_tweet(text="Terima kasih sudah menghubungi kami!")

    with pytest.raises(tweepy.Forbidden) as raised:
        api.create_tweet(text="Terima kasih sudah menghubungi kami!")

    assert raised.value.response.json() == recorded_error(403)
    assert raised.value.api_messages == [
        "You are not allowed to create a Tweet with duplicate content."
    ]


def test_the_same_text_is_allowed_again_after_24_hours(sim: RunningSimulator) -> None:
    api = client(sim)
    api.create_tweet(text="Selamat pagi!")
    sim_call(sim, "POST", "/_sim/clock", advance_seconds=24 * 3600 + 1)

    assert api.create_tweet(text="Selamat pagi!").data["text"] == "Selamat pagi!"


@pytest.mark.parametrize("text", ["a" * 281, "好" * 141])
def test_text_over_280_weighted_characters_is_refused(sim: RunningSimulator, text: str) -> None:
    with pytest.raises(tweepy.BadRequest) as raised:
        client(sim).create_tweet(text=text)

    assert raised.value.api_messages[0].startswith("Your Tweet text is too long.")


def test_280_weighted_with_a_url_and_an_emoji_is_accepted(sim: RunningSimulator) -> None:
    url = "https://example.com/orders/123456789/tracking?utm_source=care&utm_medium=reply"
    text = "a" * 253 + " " + url + " " + "👍🏽"
    assert len(text) > 280
    assert parse_tweet(text).weightedLength == 280

    response = client(sim, raw=True).create_tweet(text=text)

    assert response.status_code == 201
    data = response.json()["data"]
    assert set(data) == {"edit_history_tweet_ids", "id", "text"}
    assert response.headers["location"] == f"https://api.twitter.com/2/tweets/{data['id']}"


# --- direct messages -----------------------------------------------------------------------
def test_dm_events_list_received_and_sent_newest_first(sim: RunningSimulator) -> None:
    api = client(sim)
    received = x_of(sim).add_dm(text="Halo, saya mau tanya soal refund")
    customer = received["sender_id"]
    api.create_direct_message(participant_id=customer, text="Halo! Boleh minta nomor order?")

    response = api.get_direct_message_events(
        dm_event_fields=[
            "id",
            "text",
            "event_type",
            "dm_conversation_id",
            "created_at",
            "sender_id",
        ],
        expansions="sender_id",
    )

    sent, got = (event.data for event in response.data)
    low, high = sorted([int(customer), int(brand_id(sim))])
    assert (sent["sender_id"], got["sender_id"]) == (brand_id(sim), customer)
    assert got["id"] == received["id"]
    assert sent["dm_conversation_id"] == got["dm_conversation_id"] == f"{low}-{high}"
    assert ISO_MS.match(sent["created_at"])
    assert {u.data["id"] for u in response.includes["users"]} == {brand_id(sim), customer}


def test_dm_send_returns_the_conversation_and_event_ids(sim: RunningSimulator) -> None:
    customer = x_of(sim).add_dm(text="halo")["sender_id"]

    response = client(sim, raw=True).create_direct_message(participant_id=customer, text="Hai")

    assert response.status_code == 201
    data = response.json()["data"]
    assert set(data) == {"dm_conversation_id", "dm_event_id"}
    assert brand_id(sim) in data["dm_conversation_id"].split("-")


def test_dm_events_with_a_participant_are_only_that_conversation(sim: RunningSimulator) -> None:
    x = x_of(sim)
    first = x.add_dm(text="satu")
    x.add_dm(text="dua")

    response = client(sim).get_direct_message_events(participant_id=first["sender_id"])
    by_conversation = client(sim).get_direct_message_events(
        dm_conversation_id=first["dm_conversation_id"]
    )

    assert [e.data["id"] for e in response.data] == [first["id"]]
    assert [e.data["id"] for e in by_conversation.data] == [first["id"]]


def test_dm_events_with_a_participant_include_what_the_brand_sent(sim: RunningSimulator) -> None:
    api = client(sim)
    received = x_of(sim).add_dm(text="Nomor order saya 12345")
    customer = received["sender_id"]
    sent = api.create_direct_message(participant_id=customer, text="Terima kasih, kami cek")
    sent_id = sent.data["dm_event_id"]

    response = client(sim, raw=True).get_direct_message_events(
        participant_id=customer,
        dm_event_fields=["text", "created_at", "sender_id", "dm_conversation_id"],
        max_results=10,
    )

    sent, got = response.json()["data"]
    assert sent == {
        "id": sent_id,
        "event_type": "MessageCreate",
        "text": "Terima kasih, kami cek",
        "sender_id": brand_id(sim),
        "dm_conversation_id": received["dm_conversation_id"],
        "created_at": sent["created_at"],
    }
    assert ISO_MS.match(sent["created_at"])
    assert (got["id"], got["sender_id"]) == (received["id"], customer)
    assert response.json()["meta"] == {"result_count": 2}


def test_dm_events_page_with_pagination_token(sim: RunningSimulator) -> None:
    x = x_of(sim)
    ids = [x.add_dm(text=f"pesan {n}")["id"] for n in range(3)]

    pages = list(tweepy.Paginator(client(sim).get_direct_message_events, max_results=2))

    assert [e.data["id"] for page in pages for e in page.data] == ids[::-1]
    assert "next_token" not in pages[-1].meta


# --- media ---------------------------------------------------------------------------------
def test_uploaded_media_can_be_attached_to_a_tweet(sim: RunningSimulator) -> None:
    media = upload(sim, png(640, 480))
    api = client(sim)

    tweet_id = api.create_tweet(text="Ini panduannya", media_ids=[media["id"]]).data["id"]
    tweet = api.get_tweet(
        tweet_id, expansions="attachments.media_keys", media_fields=["width", "height"]
    )

    assert media["media_key"] == f"3_{media['id']}"
    assert media["image"] == {"image_type": "image/png", "w": 640, "h": 480}
    assert tweet.data.attachments == {"media_keys": [media["media_key"]]}
    assert tweet.includes["media"][0].width == 640


def test_chunked_upload_can_be_sent_as_a_dm_attachment(sim: RunningSimulator) -> None:
    session, auth = client(sim).session, oauth1(sim)
    data = png(32, 32)
    base = f"{X_REAL_BASE_URL}/2/media/upload"
    init = session.post(
        f"{base}/initialize",
        auth=auth,
        json={"media_type": "image/png", "total_bytes": len(data), "media_category": "dm_image"},
    )
    media_id = init.json()["data"]["id"]
    for index, start in enumerate(range(0, len(data), 40)):
        appended = session.post(
            f"{base}/{media_id}/append",
            auth=auth,
            files={"media": data[start : start + 40]},
            data={"segment_index": str(index)},
        )
        assert appended.status_code == 200
    final = session.post(f"{base}/{media_id}/finalize", auth=auth).json()["data"]
    customer = x_of(sim).add_dm(text="fotonya mana?")["sender_id"]

    client(sim).create_direct_message(participant_id=customer, media_id=media_id)
    events = client(sim).get_direct_message_events(dm_event_fields=["attachments"])

    assert final["processing_info"]["state"] == "succeeded"
    assert final["size"] == len(data)
    assert events.data[0].attachments == {"media_keys": [final["media_key"]]}


def test_an_unknown_media_id_is_a_bad_request(sim: RunningSimulator) -> None:
    with pytest.raises(tweepy.BadRequest) as raised:
        client(sim).create_tweet(text="foto", media_ids=["1234567890"])

    assert raised.value.api_messages == ["Your media IDs are invalid."]


# --- rate limits, auth and faults ----------------------------------------------------------
def test_rate_limit_headers_are_on_every_response_and_decrease(sim: RunningSimulator) -> None:
    api = client(sim, raw=True)
    first = api.get_users_mentions(brand_id(sim))
    second = api.get_users_mentions(brand_id(sim))
    with pytest.raises(tweepy.BadRequest) as raised:
        api.get_users_mentions(brand_id(sim), max_results=1)

    assert first.headers["x-rate-limit-limit"] == "450"
    assert int(first.headers["x-rate-limit-remaining"]) == 449
    assert int(second.headers["x-rate-limit-remaining"]) == 448
    assert raised.value.response.headers["x-rate-limit-remaining"] == "447"
    reset = int(first.headers["x-rate-limit-reset"])
    assert time.time() < reset <= time.time() + 900


def test_after_the_limit_it_is_429_until_the_window_resets(sim: RunningSimulator) -> None:
    api = client(sim)
    for _ in range(15):  # DM lookups: 15 per 15 minutes per user
        api.get_direct_message_events()

    with pytest.raises(tweepy.TooManyRequests) as raised:
        api.get_direct_message_events()
    sim_call(sim, "POST", "/_sim/clock", advance_seconds=901)

    assert raised.value.response.json() == recorded_error(429)
    assert raised.value.response.headers["x-rate-limit-remaining"] == "0"
    assert raised.value.reset_time is not None
    assert time.time() < raised.value.reset_time <= time.time() + 900
    assert api.get_direct_message_events().meta == {"result_count": 0}


def test_rate_limits_are_counted_per_token(sim: RunningSimulator) -> None:
    app = client(sim, raw=True).get_users_mentions(brand_id(sim))
    user = client(sim, raw=True).get_users_mentions(brand_id(sim), user_auth=True)

    assert app.headers["x-rate-limit-limit"] == "450"
    assert user.headers["x-rate-limit-limit"] == "300"
    assert user.headers["x-rate-limit-remaining"] == "299"


def test_a_rate_limit_fault_answers_429_count_times_then_recovers(sim: RunningSimulator) -> None:
    sim_call(sim, "POST", "/_sim/faults", platform="x", kind="rate_limit", count=2, reset_in=60)
    api = client(sim)

    for _ in range(2):
        with pytest.raises(tweepy.TooManyRequests) as raised:
            api.get_users_mentions(brand_id(sim))
        assert abs(raised.value.reset_time - (time.time() + 60)) <= 2

    assert api.get_users_mentions(brand_id(sim)).meta == {"result_count": 0}


def test_a_server_error_fault_is_a_twitter_server_error(sim: RunningSimulator) -> None:
    sim_call(sim, "POST", "/_sim/faults", platform="x", kind="server_error")

    with pytest.raises(tweepy.TwitterServerError) as raised:
        client(sim).get_users_mentions(brand_id(sim))

    assert raised.value.response.status_code == 503
    assert raised.value.response.json() == {
        "title": "Service Unavailable",
        "detail": "Service Unavailable",
        "type": "about:blank",
        "status": 503,
    }


def test_a_slow_response_fault_times_the_client_out_after_the_tweet_was_posted(
    sim: RunningSimulator,
) -> None:
    complaint = x_of(sim).add_mention(text="refund saya belum masuk")
    set_fault = sim_call(
        sim, "POST", "/_sim/faults", platform="x", kind="slow_response", latency_ms=1500
    )
    impatient = client(sim)
    impatient.session = requests.Session()  # tweepy has no timeout: the adapter sets one
    impatient.session.mount(
        X_REAL_BASE_URL, RewritingAdapter(X_REAL_BASE_URL, sim.x_base_url, timeout=(5.0, 0.3))
    )

    with pytest.raises(requests.exceptions.ReadTimeout):
        impatient.create_tweet(text="Refund diproses 3 hari", in_reply_to_tweet_id=complaint["id"])
    published = sim_call(sim, "GET", "/_sim/published").json()["data"]
    timeline = client(sim).get_users_tweets(
        brand_id(sim), tweet_fields=["referenced_tweets"], user_auth=True
    )

    assert set_fault.status_code == 201
    assert set_fault.json()["data"]["kind"] == "slow_response"
    assert [(p["kind"], p["text"], p["in_reply_to"]) for p in published] == [
        ("reply", "Refund diproses 3 hari", complaint["id"])
    ]
    assert timeline.data[0].data["id"] == published[0]["id"]
    assert timeline.data[0].data["referenced_tweets"][0]["id"] == complaint["id"]
    assert sim_call(sim, "GET", "/_sim/faults").json()["data"] == []


def test_a_slow_response_fault_needs_a_latency(sim: RunningSimulator) -> None:
    response = sim_call(sim, "POST", "/_sim/faults", platform="x", kind="slow_response")

    assert response.status_code == 400
    assert "latency_ms" in response.json()["error"]


def test_an_expired_token_is_unauthorized_until_faults_are_cleared(
    sim: RunningSimulator,
) -> None:
    sim_call(sim, "POST", "/_sim/faults", platform="x", kind="token_expired")
    api = client(sim)

    for _ in range(2):
        with pytest.raises(tweepy.Unauthorized):
            api.get_me()
    sim_call(sim, "DELETE", "/_sim/faults")

    assert api.get_me().data.data["id"] == brand_id(sim)


def test_user_lookup_works_with_the_app_only_bearer(sim: RunningSimulator) -> None:
    api = client(sim)
    customer = x_of(sim).add_mention(text="halo", author={"username": "rina_s"})["author_id"]

    by_id = api.get_user(id=brand_id(sim), user_fields=["public_metrics"], user_auth=False)
    by_name = api.get_user(username="rina_s", user_auth=False)
    missing = api.get_user(username="nobody_here", user_auth=False)

    assert by_id.data.username == sim.sim.config.x_username
    assert "followers_count" in by_id.data.public_metrics
    assert by_name.data.data["id"] == customer
    assert missing.data is None
    assert missing.errors[0]["detail"] == "Could not find user with username: [nobody_here]."


def test_user_context_endpoints_refuse_the_app_only_bearer(sim: RunningSimulator) -> None:
    api = client(sim)

    with pytest.raises(tweepy.Forbidden) as raised:
        api.get_me(user_auth=False)
    with pytest.raises(tweepy.Forbidden):
        api.create_tweet(text="halo", user_auth=False)
    with pytest.raises(tweepy.Forbidden):
        api.get_direct_message_events(user_auth=False)

    body = raised.value.response.json()
    assert body["title"] == "Unsupported Authentication"
    assert body["type"] == "https://api.twitter.com/2/problems/unsupported-authentication"
    assert body["detail"].startswith(
        "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint."
    )


def test_an_oauth2_user_token_is_user_context(sim: RunningSimulator) -> None:
    api = client(sim, overrides={"bearer_token": sim.sim.config.x_access_token})

    assert api.get_me(user_auth=False).data.username == sim.sim.config.x_username


@pytest.mark.parametrize(
    "overrides", [{"bearer_token": "wrong"}, {"consumer_secret": "wrong"}, {"access_token": "x"}]
)
def test_wrong_credentials_are_unauthorized(
    sim: RunningSimulator, overrides: dict[str, str]
) -> None:
    api = client(sim, overrides=overrides)
    user_auth = "bearer_token" not in overrides

    with pytest.raises(tweepy.Unauthorized) as raised:
        api.get_users_mentions(brand_id(sim), user_auth=user_auth)

    assert raised.value.response.json() == {
        "title": "Unauthorized",
        "type": "about:blank",
        "status": 401,
        "detail": "Unauthorized",
    }
    assert "x-rate-limit-limit" in raised.value.response.headers


# --- recorded shapes -----------------------------------------------------------------------
def test_responses_have_the_keys_of_recorded_ones(sim: RunningSimulator) -> None:
    x = x_of(sim)
    api = client(sim, raw=True)
    x.add_mentions(count=11)
    customer = x.add_dm(text="halo")["sender_id"]

    mentions = api.get_users_mentions(brand_id(sim)).json()
    timeline = api.get_users_mentions(brand_id(sim), tweet_fields="created_at,public_metrics")
    me = api.get_me().json()
    created = api.create_tweet(text="Test Tweet").json()
    deleted = api.delete_tweet(created["data"]["id"]).json()
    sent = api.create_direct_message(participant_id=customer, text="Testing 1").json()
    events = api.get_direct_message_events(
        dm_event_fields="id,text,event_type,dm_conversation_id,created_at,sender_id"
    ).json()

    real_mentions = recorded("test_client_get_users_mentions.json")["interactions"][0]
    assert set(mentions) == set(real_mentions["response"]["body"])
    assert set(mentions["meta"]) == set(real_mentions["response"]["body"]["meta"])
    assert set(mentions["data"][0]) == set(real_mentions["response"]["body"]["data"][0])
    real_timeline = recorded("timeline_mentions.json")["data"][0]
    assert set(real_timeline) <= set(timeline.json()["data"][0])
    assert set(real_timeline["public_metrics"]) == set(timeline.json()["data"][0]["public_metrics"])
    real_me = recorded("test_client_get_me.json")["interactions"][0]["response"]["body"]
    assert set(me["data"]) == set(real_me["data"])
    real_create, real_delete = recorded("test_client_create_and_delete_tweet.json")["interactions"]
    assert set(real_create["response"]["body"]["data"]) <= set(created["data"])
    assert deleted == real_delete["response"]["body"]
    real_dms = recorded("test_manage_and_lookup_direct_messages.json")["interactions"]
    assert set(sent["data"]) == set(real_dms[0]["response"]["body"]["data"])
    assert set(events["data"][0]) == set(recorded("events.json")["data"][0])


def test_finalized_media_has_the_recorded_keys(sim: RunningSimulator) -> None:
    session, auth = client(sim).session, oauth1(sim)
    base = f"{X_REAL_BASE_URL}/2/media/upload"
    media_id = session.post(
        f"{base}/initialize",
        auth=auth,
        json={
            "media_type": "video/mp4",
            "total_bytes": 4,
            "media_category": "tweet_video",
        },
    ).json()["data"]["id"]
    session.post(
        f"{base}/{media_id}/append",
        auth=auth,
        files={"media": b"1234"},
        data={"segment_index": "0"},
    )

    final = session.post(f"{base}/{media_id}/finalize", auth=auth).json()

    real = recorded("upload_chunk_finalize_resp.json")
    assert set(final["data"]) == set(real["data"])
    assert final["data"]["media_key"] == f"7_{media_id}"


# --- the control API and scale -------------------------------------------------------------
def test_published_lists_brand_posts_dms_and_media(sim: RunningSimulator) -> None:
    api = client(sim)
    complaint = x_of(sim).add_mention(text="halo")
    customer = x_of(sim).add_dm(text="halo")["sender_id"]
    reply_id = api.create_tweet(text="Hai!", in_reply_to_tweet_id=complaint["id"]).data["id"]
    api.delete_tweet(reply_id)
    api.create_direct_message(participant_id=customer, text="Ada yang bisa dibantu?")
    upload(sim, png(1, 1))

    items = sim_call(sim, "GET", "/_sim/published").json()["data"]
    x_items = [item for item in items if item["platform"] == "x"]

    assert [item["kind"] for item in x_items] == ["reply", "dm", "media"]
    assert x_items[0]["in_reply_to"] == complaint["id"]
    assert x_items[0]["deleted"] is True
    assert x_items[1]["recipient_id"] == customer


def test_control_api_adds_mentions_and_dms(sim: RunningSimulator) -> None:
    bulk = sim_call(sim, "POST", "/_sim/x/mentions/bulk", count=3)
    dm = sim_call(sim, "POST", "/_sim/x/dms", text="halo", sender={"username": "budi_s"})
    tweets = sim_call(sim, "GET", "/_sim/x/tweets").json()["data"]

    assert bulk.status_code == 201
    assert len(bulk.json()["ids"]) == 3
    assert dm.status_code == 201
    assert dm.json()["data"]["event_type"] == "MessageCreate"
    assert sorted(t["id"] for t in tweets) == sorted(bulk.json()["ids"])
    assert x_of(sim).users[dm.json()["data"]["sender_id"]]["username"] == "budi_s"


def test_a_page_of_100000_mentions_is_served_in_milliseconds(sim: RunningSimulator) -> None:
    x_of(sim).add_mentions(count=100_000)
    wsgi = WsgiClient(sim.sim)
    url = (
        f"/x/2/users/{brand_id(sim)}/mentions?max_results=100&expansions=author_id"
        "&user.fields=public_metrics,verified,profile_image_url&tweet.fields=created_at,author_id"
    )
    headers = {"Authorization": f"Bearer {sim.sim.config.x_bearer_token}"}

    started = time.perf_counter()
    for _ in range(20):
        response = wsgi.get(url, headers=headers)
    per_page = (time.perf_counter() - started) / 20

    assert response.status_code == 200
    assert per_page < 0.010


# --- likes (POST /2/users/:id/likes) -------------------------------------------------------
def like(sim: RunningSimulator, tweet_id: str, user_id: str | None = None) -> requests.Response:
    """The call XAdapter.like makes: tweepy's request, with the brand's id in the path."""
    path = f"/2/users/{user_id or brand_id(sim)}/likes"
    response: requests.Response = client(sim).request(
        "POST", path, json={"tweet_id": tweet_id}, user_auth=True
    )
    return response


def test_liking_a_mention_answers_liked_and_a_second_like_changes_nothing(
    sim: RunningSimulator,
) -> None:
    praise = x_of(sim).add_mention(text="Pelayanannya cepat sekali, terima kasih!")

    first = like(sim, praise["id"])
    second = like(sim, praise["id"])

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() == {"data": {"liked": True}}
    published = sim_call(sim, "GET", "/_sim/published").json()["data"]
    likes = [p for p in published if p["kind"] == "like"]
    assert [(p["id"], p["in_reply_to"]) for p in likes] == [(praise["id"], praise["id"])]
    assert x_of(sim).stats()["likes"] == 1


def test_liking_a_deleted_or_unknown_tweet_is_the_recorded_bad_request(
    sim: RunningSimulator,
) -> None:
    api = client(sim)
    own = api.create_tweet(text="Jam layanan 08.00-22.00").data["id"]
    api.delete_tweet(own)

    for tweet_id in (own, "1234567890123456789"):
        with pytest.raises(tweepy.BadRequest) as raised:
            like(sim, tweet_id)
        assert raised.value.api_messages == ["This tweet cannot be found."]
        assert raised.value.response.json()["type"].endswith("/problems/invalid-request")


def test_liking_needs_the_brands_own_id_and_user_context(sim: RunningSimulator) -> None:
    praise = x_of(sim).add_mention(text="mantap")

    with pytest.raises(tweepy.Forbidden):
        like(sim, praise["id"], user_id="1234567890")
    with pytest.raises(tweepy.BadRequest):
        # tweepy's Client.like reads the user id off the token: "sim-x-…" is no id.
        client(sim).like(praise["id"])
    with pytest.raises(tweepy.Forbidden) as raised:
        client(sim).request(
            "POST", f"/2/users/{brand_id(sim)}/likes", json={"tweet_id": praise["id"]}
        )

    assert raised.value.response.json()["title"] == "Unsupported Authentication"
    assert x_of(sim).stats()["likes"] == 0


def test_likes_allow_50_per_15_minutes_and_1000_a_day(sim: RunningSimulator) -> None:
    praise = x_of(sim).add_mention(text="keren")
    for _ in range(50):
        last = like(sim, praise["id"])

    with pytest.raises(tweepy.TooManyRequests) as raised:
        like(sim, praise["id"])
    sim_call(sim, "POST", "/_sim/clock", advance_seconds=901)
    after = like(sim, praise["id"])

    assert last.headers["x-rate-limit-limit"] == "50"
    assert last.headers["x-rate-limit-remaining"] == "0"
    assert last.headers["x-user-limit-24hour-limit"] == "1000"
    assert last.headers["x-user-limit-24hour-remaining"] == "950"
    assert raised.value.response.json() == recorded_error(429)
    assert after.headers["x-rate-limit-remaining"] == "49"
    assert after.headers["x-user-limit-24hour-remaining"] == "949"
