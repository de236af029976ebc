"""The customer-traffic generator: texts, authors, the event mix, the control API, the thread."""

from __future__ import annotations

import itertools
import random
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from twitter_text import parse_tweet
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from simulator.core import Fault, SimConfig, Simulator, json_response
from simulator.phrases import (
    KINDS,
    LANGUAGES,
    TOPICS,
    VOICES,
    X_KINDS,
    compose,
    compose_page_post,
)
from simulator.traffic import EVENT_KINDS, Traffic

# The corpora stay outside the repository (their licences forbid copying them in).
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "data" / "corpus"


# --- fakes of the two platforms, recording what traffic asks of them ------------------------
class FakePlatform:
    name = ""

    def dispatch(self, request: Request, path: str) -> Response:
        return json_response({}, status=404)

    def fault_response(self, fault: Fault, request: Request) -> Response | None:
        return None

    def control(self, request: Request, path: str) -> Response | None:
        return None

    def published(self) -> list[dict[str, Any]]:
        return []

    def stats(self) -> dict[str, Any]:
        return {}

    def reset(self) -> None:
        pass


class FakeX(FakePlatform):
    name = "x"

    def __init__(self) -> None:
        self.ids = itertools.count(1000)
        self.mentions: list[dict[str, Any]] = []
        self.dms: list[dict[str, Any]] = []
        self.brand_replies: list[dict[str, Any]] = []

    def add_mention(
        self,
        *,
        text: str,
        author: dict[str, Any] | None = None,
        in_reply_to_tweet_id: str | None = None,
        lang: str | None = None,
    ) -> dict[str, Any]:
        tweet = {
            "id": str(next(self.ids)),
            "text": text,
            "author_id": (author or {}).get("id") or "1",
            "in_reply_to_tweet_id": in_reply_to_tweet_id,
            "lang": lang,
        }
        self.mentions.append(tweet)
        return tweet

    def add_dm(self, *, text: str, sender: dict[str, Any] | None = None) -> dict[str, Any]:
        event = {"id": str(next(self.ids)), "text": text, "sender_id": (sender or {}).get("id")}
        self.dms.append(event)
        return event

    def latest_brand_replies(self, n: int) -> list[dict[str, Any]]:
        return self.brand_replies[::-1][:n]


class FakeFacebook(FakePlatform):
    name = "facebook"

    def __init__(self) -> None:
        self.ids = itertools.count(5000)
        self.posts: list[dict[str, Any]] = []
        self.comments: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []
        self.page_replies: list[dict[str, Any]] = []

    def add_page_post(self, *, message: str) -> dict[str, Any]:
        post = {"id": f"104_{next(self.ids)}", "message": message}
        self.posts.append(post)
        return post

    def add_comment(
        self,
        *,
        message: str,
        author: dict[str, Any] | None = None,
        post_id: str | None = None,
        parent_id: str | None = None,
    ) -> dict[str, Any]:
        comment = {
            "id": f"104_{next(self.ids)}",
            "message": message,
            "from": author,
            "post_id": post_id,
            "parent_id": parent_id,
        }
        self.comments.append(comment)
        return comment

    def add_messenger_message(
        self, *, text: str, sender: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        message = {"id": f"m_{next(self.ids)}", "text": text, "sender": sender}
        self.messages.append(message)
        return message

    def latest_page_replies(self, n: int) -> list[dict[str, Any]]:
        return self.page_replies[::-1][:n]


def seeded(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 -- reproducible test data


def make_traffic(seed: int = 7) -> tuple[Traffic, FakeX, FakeFacebook, Simulator]:
    sim = Simulator(SimConfig(seed=seed))
    x, facebook = FakeX(), FakeFacebook()
    sim.register(x, prefix="x")
    sim.register(facebook, prefix="graph")
    traffic = Traffic(sim)
    sim.control_handlers.append(traffic.control)
    return traffic, x, facebook, sim


def answer_some_customers(x: FakeX, facebook: FakeFacebook) -> None:
    """The brand replies to the first few customers on each platform."""
    for tweet in x.mentions[:5]:
        x.brand_replies.append({"id": f"b{tweet['id']}", "in_reply_to_user_id": tweet["author_id"]})
    for comment in facebook.comments[:5]:
        facebook.page_replies.append(
            {"id": f"p{comment['id']}", "parent_id": comment["id"], "to": comment["from"]}
        )


# --- texts -------------------------------------------------------------------------------------
@pytest.mark.parametrize("id_share", [0.6, 0.2])
def test_indonesian_share_of_1000_events_follows_the_setting(id_share: float) -> None:
    traffic, *_ = make_traffic()
    traffic.configure(id_share=id_share)
    languages = Counter(event["language"] for event in traffic.tick(1000))
    assert abs(languages["id"] / 1000 - id_share) < 0.05


def test_every_x_text_fits_280_weighted_characters_with_the_mention() -> None:
    rng = seeded(3)
    for _ in range(2000):
        composed = compose(rng, language=rng.choice(LANGUAGES), kind=rng.choice(X_KINDS))
        assert composed.text.startswith("@NusantaraCares ")
        assert parse_tweet(composed.text).weightedLength <= 280, composed.text


def test_1000_texts_are_at_least_900_distinct() -> None:
    rng = seeded(4)
    texts = {compose(rng, language=rng.choice(LANGUAGES)).text for _ in range(1000)}
    assert len(texts) >= 900


def test_compose_honours_topic_voice_and_kind() -> None:
    rng = seeded(5)
    for topic, voice, kind in itertools.product(TOPICS, VOICES, KINDS):
        composed = compose(rng, language="id", topic=topic, voice=voice, kind=kind)
        assert (composed.topic, composed.voice, composed.kind) == (topic, voice, kind)


def test_laptop_battery_mentions_name_a_laptop() -> None:
    rng = seeded(6)
    for _ in range(200):
        composed = compose(rng, language=rng.choice(LANGUAGES), topic="laptop_battery")
        assert "nusabook" in composed.text.lower()


def test_dms_carry_an_order_number() -> None:
    rng = seeded(8)
    for _ in range(200):
        composed = compose(rng, language=rng.choice(LANGUAGES), kind="dm")
        assert re.search(r"NT-20\d\d-\d{5}", composed.text), composed.text


def test_a_set_topic_is_on_every_normal_event() -> None:
    traffic, *_ = make_traffic()
    traffic.configure(topic="refund")
    assert {event["topic"] for event in traffic.tick(200)} == {"refund"}


def test_same_seed_gives_the_same_events() -> None:
    first, *_ = make_traffic(seed=11)
    second, *_ = make_traffic(seed=11)
    other, *_ = make_traffic(seed=12)
    assert first.tick(200) == second.tick(200)
    assert [e["text"] for e in first.tick(50)] != [e["text"] for e in other.tick(50)]


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"{CORPUS} is not here (a fresh clone)")
def test_no_composed_text_repeats_8_words_of_the_corpus() -> None:
    import csv

    def words(text: str) -> list[str]:
        return re.findall(r"[\w']+", text.lower())

    def grams(text: str) -> set[tuple[str, ...]]:
        w = words(text)
        return {tuple(w[i : i + 8]) for i in range(len(w) - 7)}

    corpus: set[tuple[str, ...]] = set()
    with open(CORPUS / "twcs_first5000.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            corpus |= grams(row["text"])
    with open(CORPUS / "id_emot_twitter_valid.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            corpus |= grams(row["tweet"])
    with open(CORPUS / "id_smsa_valid.tsv", encoding="utf-8") as handle:
        for line in handle:
            corpus |= grams(line.split("\t")[0])
    rng = seeded(9)
    texts = [
        compose(rng, language=rng.choice(LANGUAGES), kind=rng.choice(KINDS)).text
        for _ in range(5000)
    ]
    texts += [compose_page_post(rng, language=rng.choice(LANGUAGES)) for _ in range(100)]
    for text in texts:
        assert not grams(text) & corpus, text


# --- the mix --------------------------------------------------------------------------------
def test_normal_mix_is_mostly_x_mentions_then_facebook_comments() -> None:
    traffic, x, facebook, _ = make_traffic()
    traffic.tick(100)
    answer_some_customers(x, facebook)
    kinds = Counter(event["kind"] for event in traffic.tick(2000))
    share = {kind: kinds[kind] / 2000 for kind in EVENT_KINDS}
    assert 0.38 < share["x_mention"] < 0.58  # 45 %, plus replies with nothing left to answer
    assert 0.15 < share["fb_comment"] < 0.28
    assert 0.06 < share["x_dm"] < 0.14
    assert 0.06 < share["fb_message"] < 0.14


def test_without_brand_replies_no_event_is_a_reply() -> None:
    traffic, *_ = make_traffic()
    kinds = Counter(event["kind"] for event in traffic.tick(500))
    assert kinds["x_reply"] == kinds["fb_reply"] == 0


def test_replies_to_brand_replies_reference_a_brand_reply_and_its_customer() -> None:
    traffic, x, facebook, _ = make_traffic()
    traffic.tick(100)
    answer_some_customers(x, facebook)
    brand = {r["id"]: r["in_reply_to_user_id"] for r in x.brand_replies}
    replies = [e for e in traffic.tick(400) if e["kind"] == "x_reply"]
    assert replies
    for event in replies:
        assert event["in_reply_to"] in brand
        assert event["author_id"] == brand[event["in_reply_to"]]
        sent = next(t for t in x.mentions if t["id"] == event["id"])
        assert sent["in_reply_to_tweet_id"] == event["in_reply_to"]
        assert sent["text"].startswith("@NusantaraCares ")


def test_facebook_replies_join_the_thread_of_the_page_reply() -> None:
    traffic, x, facebook, _ = make_traffic()
    traffic.tick(100)
    answer_some_customers(x, facebook)
    page = {r["id"]: r for r in facebook.page_replies}
    replies = [e for e in traffic.tick(600) if e["kind"] == "fb_reply"]
    assert replies
    for event in replies:
        answered = page[event["in_reply_to"]]
        sent = next(c for c in facebook.comments if c["id"] == event["id"])
        assert sent["parent_id"] == answered["parent_id"]
        assert event["author_id"] == answered["to"]["id"]


def test_firestorm_puts_most_events_on_one_topic() -> None:
    traffic, *_ = make_traffic()
    topics = Counter(event["topic"] for event in traffic.tick(500, mode="firestorm"))
    assert topics["laptop_battery"] / 500 >= 0.7
    chosen = Counter(e["topic"] for e in traffic.tick(500, mode="firestorm", topic="billing"))
    assert chosen["billing"] / 500 >= 0.7


def test_firestorm_is_public_angry_and_from_many_authors() -> None:
    traffic, *_ = make_traffic()
    events = traffic.tick(500, mode="firestorm")
    kinds = Counter(e["kind"] for e in events)
    voices = Counter(e["voice"] for e in events)
    assert (kinds["x_mention"] + kinds["fb_comment"]) / 500 >= 0.75
    assert voices["angry"] > voices["calm"] + voices["grateful"]
    assert len({e["author_id"] for e in events}) >= 400


def test_firestorm_multiplies_the_rate() -> None:
    traffic, *_ = make_traffic()
    traffic.configure(rate_per_minute=6, mode="firestorm")
    assert traffic.status()["effective_rate_per_minute"] == 120


def test_platforms_setting_keeps_events_on_those_platforms() -> None:
    traffic, x, _, _ = make_traffic()
    traffic.configure(platforms=["facebook"])
    assert {event["platform"] for event in traffic.tick(200)} == {"facebook"}
    assert not x.mentions and not x.dms


# --- the control API -------------------------------------------------------------------------
def test_burst_endpoint_answers_counts_by_kind() -> None:
    _, x, facebook, sim = make_traffic()
    response = Client(sim).post("/_sim/traffic/burst", json={"count": 40})
    assert response.status_code == 200
    body = response.get_json()
    assert body["generated"] == 40
    assert sum(body["counts"].values()) == 40
    assert set(body["counts"]) <= set(EVENT_KINDS)
    recorded = len(x.mentions) + len(x.dms) + len(facebook.comments) + len(facebook.messages)
    assert recorded == 40


def test_burst_endpoint_takes_a_firestorm_topic() -> None:
    _, x, facebook, sim = make_traffic()
    body = {"count": 100, "mode": "firestorm", "topic": "late_delivery"}
    assert Client(sim).post("/_sim/traffic/burst", json=body).status_code == 200
    assert len(x.mentions) + len(facebook.comments) >= 75


def test_settings_endpoint_updates_and_reports_status() -> None:
    _, _, _, sim = make_traffic()
    client = Client(sim)
    body = {"rate_per_minute": 12, "mode": "firestorm", "topic": "refund", "id_share": 0.3}
    assert client.post("/_sim/traffic", json=body).status_code == 200
    status = client.get("/_sim/traffic").get_json()
    assert status["running"] is False
    assert (status["rate_per_minute"], status["mode"], status["topic"]) == (
        12,
        "firestorm",
        "refund",
    )
    assert status["effective_rate_per_minute"] == 240


@pytest.mark.parametrize(
    "body",
    [
        {"mode": "panic"},
        {"topic": "weather"},
        {"id_share": 2},
        {"platforms": ["myspace"]},
        {"rate_per_minute": "fast"},
        {"speed": 3},
    ],
)
def test_settings_endpoint_refuses_bad_values(body: dict[str, Any]) -> None:
    traffic, _, _, sim = make_traffic()
    response = Client(sim).post("/_sim/traffic", json=body)
    assert response.status_code == 400
    assert traffic.settings.mode == "normal"


def test_burst_endpoint_refuses_a_bad_count() -> None:
    _, _, _, sim = make_traffic()
    assert Client(sim).post("/_sim/traffic/burst", json={"count": 0}).status_code == 400


# --- the thread ------------------------------------------------------------------------------
def test_the_thread_emits_about_the_configured_rate() -> None:
    traffic, x, facebook, sim = make_traffic()
    response = Client(sim).post("/_sim/traffic", json={"rate_per_minute": 3000, "running": True})
    assert response.get_json()["running"] is True
    try:
        time.sleep(1.0)  # 50 expected
    finally:
        traffic.stop()
    made = len(x.mentions) + len(x.dms) + len(facebook.comments) + len(facebook.messages)
    assert 25 <= made <= 100


def test_stop_ends_the_thread() -> None:
    traffic, *_ = make_traffic()
    traffic.start(rate_per_minute=6000)
    time.sleep(0.2)
    traffic.stop()
    assert not traffic.running
    made = traffic.status()["generated"]
    time.sleep(0.2)
    assert traffic.status()["generated"] == made


# --- with the real platforms ---------------------------------------------------------------
def test_traffic_reaches_the_real_platforms(sim: Any) -> None:
    import requests
    import tweepy

    from inbox.channels.http import X_REAL_BASE_URL, platform_session

    traffic = sim.sim.traffic
    config = sim.sim.config
    traffic.configure(platforms=["x"])
    mentions = [e for e in traffic.tick(30) if e["kind"] == "x_mention"]
    assert mentions

    # The brand answers one customer; that customer answers back in the same thread.
    client = tweepy.Client(
        bearer_token=config.x_bearer_token,
        consumer_key=config.x_consumer_key,
        consumer_secret=config.x_consumer_secret,
        access_token=config.x_access_token,
        access_token_secret=config.x_access_token_secret,
    )
    client.session = platform_session(real_base=X_REAL_BASE_URL, base_url=sim.x_base_url)
    answered = mentions[0]
    brand = client.create_tweet(
        text="Maaf ya kak, boleh DM nomor pesanannya?", in_reply_to_tweet_id=answered["id"]
    ).data
    replies = [e for e in traffic.tick(60) if e["kind"] == "x_reply"]
    assert [r["in_reply_to"] for r in replies] == [brand["id"]]
    assert replies[0]["author_id"] == answered["author_id"]

    burst = requests.post(f"{sim.base_url}/_sim/traffic/burst", json={"count": 10}, timeout=10)
    assert burst.json()["generated"] == 10
    tweets = requests.get(f"{sim.base_url}/_sim/x/tweets", timeout=10).json()["data"]
    by_id = {t["id"]: t for t in tweets}
    assert by_id[replies[0]["id"]]["referenced_tweets"] == [
        {"type": "replied_to", "id": brand["id"]}
    ]


# --- python -m simulator ------------------------------------------------------------------
def test_command_line_options_win_over_the_environment() -> None:
    from simulator.__main__ import config_from, parse_args

    environ = {"SIM_PORT": "9000", "SIM_SEED": "5", "SIM_TRAFFIC_RATE": "6", "SIM_HOST": "10.1.2.3"}
    args = parse_args(["--port", "8800", "--no-rate-limits"], environ)
    assert (args.host, args.port, args.traffic_rate) == ("10.1.2.3", 8800, 6)
    config = config_from(args)
    assert (config.seed, config.enforce_rate_limits) == (5, False)


def test_the_command_serves_traffic_and_stops_on_sigterm() -> None:
    import os
    import signal
    import subprocess
    import sys

    import requests

    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, "-m", "simulator", "--port", "0", "--traffic-rate", "600"]
    env = {**os.environ, "SIM_TRAFFIC_MODE": "firestorm"}
    process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        control = re.search(r"control (\S+)", line)
        assert control, line
        status = requests.get(f"{control.group(1)}/traffic", timeout=10).json()
        assert status["running"] is True
        assert status["effective_rate_per_minute"] == 12000
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
