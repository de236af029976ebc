"""The in-memory X world: users, tweets, DMs and media, with their sorted snowflake ids."""

from __future__ import annotations

from bisect import bisect_left, insort
from typing import Any

from simulator.core import SimConfig, Simulator
from simulator.x_people import People, detect_lang

DAY = 86400


def add_sorted(ids: list[int], value: int) -> None:
    if not ids or value > ids[-1]:
        ids.append(value)
    else:
        insort(ids, value)


def remove_sorted(ids: list[int], value: int) -> None:
    index = bisect_left(ids, value)
    if index < len(ids) and ids[index] == value:
        del ids[index]


class XState:
    """The world XPlatform serves; everything here is guarded by `sim.lock`."""

    sim: Simulator
    config: SimConfig
    people: People

    # --- state ------------------------------------------------------------------------
    def reset(self) -> None:
        with self.sim.lock:
            self.users: dict[str, dict[str, Any]] = {}
            self.by_username: dict[str, str] = {}
            self.tweets: dict[str, dict[str, Any]] = {}
            self.mention_ids: list[int] = []  # customers' posts that @mention the brand
            self.live_ids: list[int] = []  # every post not deleted, for search
            self.brand_ids: list[str] = []  # the brand's own posts, oldest first
            # Each author's live posts (user Tweet timeline), and those that are not replies.
            self.author_ids: dict[str, list[int]] = {}
            self.author_original_ids: dict[str, list[int]] = {}
            self.deleted = 0
            self.dms: dict[str, dict[str, Any]] = {}
            self.dm_ids: list[int] = []
            self.dm_by_conversation: dict[str, list[int]] = {}
            self.media: dict[str, dict[str, Any]] = {}
            self.likes: dict[str, float] = {}  # posts the brand liked, with when
            self.buckets: dict[tuple[str, str], list[int]] = {}
            self.people.reset(self.config.seed)
            brand = self.people.person(
                self.config.x_user_id,
                self.sim.clock.now(),
                {
                    "username": self.config.x_username,
                    "name": self.config.x_name,
                    "followers_count": 48210,
                    "verified": True,
                },
            )
            brand["description"] = "Layanan pelanggan Nusantara Tech. Senin-Minggu 08.00-22.00 WIB."
            self._add_user(brand)

    @property
    def brand_id(self) -> str:
        return self.config.x_user_id

    def _add_user(self, user: dict[str, Any]) -> dict[str, Any]:
        self.users[user["id"]] = user
        self.by_username[user["username"].lower()] = user["id"]
        return user

    def _customer(self, given: dict[str, Any] | None) -> dict[str, Any]:
        """The customer `given` describes, created (with generated details) if new."""
        given = given or {}
        user_id = str(given.get("id") or "")
        if not user_id and given.get("username"):
            # The same handle is the same customer, as on X.
            user_id = self.by_username.get(str(given["username"]).lower(), "")
        if user_id in self.users:
            user = self.users[user_id]
            for key in ("name", "profile_image_url", "verified"):
                if key in given:
                    user[key] = given[key]
            if "followers_count" in given:
                user["public_metrics"]["followers_count"] = int(given["followers_count"])
            if given.get("username") and given["username"] != user["username"]:
                del self.by_username[user["username"].lower()]
                user["username"] = str(given["username"])
                self.by_username[user["username"].lower()] = user_id
            return user
        new_id = user_id or self.sim.ids.x_id()
        return self._add_user(self.people.person(new_id, self.sim.clock.now(), given))

    def _live(self, tweet_id: str) -> dict[str, Any] | None:
        tweet = self.tweets.get(tweet_id)
        return None if tweet is None or tweet["deleted"] else tweet

    def _new_tweet(
        self,
        *,
        text: str,
        author_id: str,
        kind: str,
        target: dict[str, Any] | None,
        lang: str | None = None,
        media_ids: list[str] | None = None,
    ) -> dict[str, Any]:
        tweet_id = self.sim.ids.x_id()
        tweet: dict[str, Any] = {
            "id": tweet_id,
            "text": text,
            "lc": text.lower(),
            "author_id": author_id,
            "created_at": self.sim.clock.now(),
            "conversation_id": tweet_id,
            "lang": lang or detect_lang(text),
            "in_reply_to_user_id": None,
            "replied_to": None,
            "media_ids": media_ids or [],
            "kind": kind,
            "deleted": False,
            "deleted_at": None,
            "reply_count": 0,
        }
        if target is not None:
            # A reply joins the thread: same conversation, addressed to the parent's author.
            tweet["conversation_id"] = target["conversation_id"]
            tweet["in_reply_to_user_id"] = target["author_id"]
            tweet["replied_to"] = target["id"]
            target["reply_count"] += 1
        self.tweets[tweet_id] = tweet
        add_sorted(self.live_ids, int(tweet_id))
        add_sorted(self.author_ids.setdefault(author_id, []), int(tweet_id))
        if target is None:
            add_sorted(self.author_original_ids.setdefault(author_id, []), int(tweet_id))
        if kind == "mention":
            add_sorted(self.mention_ids, int(tweet_id))
        elif author_id == self.brand_id:
            self.brand_ids.append(tweet_id)
        return tweet

    def _new_dm(
        self, *, sender_id: str, participant_id: str, text: str, media_ids: list[str] | None = None
    ) -> dict[str, Any]:
        event_id = self.sim.ids.x_id()
        conversation = self._conversation_id(participant_id)
        event = {
            "id": event_id,
            "event_type": "MessageCreate",
            "text": text,
            "sender_id": sender_id,
            "dm_conversation_id": conversation,
            "created_at": self.sim.clock.now(),
            "participant_id": participant_id,
            "media_ids": media_ids or [],
        }
        self.dms[event_id] = event
        add_sorted(self.dm_ids, int(event_id))
        add_sorted(self.dm_by_conversation.setdefault(conversation, []), int(event_id))
        return event

    def _conversation_id(self, participant_id: str) -> str:
        # Real one-to-one conversation ids are "<smaller user id>-<larger user id>".
        low, high = sorted((int(self.brand_id), int(participant_id)))
        return f"{low}-{high}"
