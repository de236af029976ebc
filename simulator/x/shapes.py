"""The v2 JSON shapes of tweets, users, DM events and media, with fields and expansions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from werkzeug.wrappers import Request, Response

from simulator.core import json_response
from simulator.x.errors import not_found_error
from simulator.x.params import base36, encode_token, fields_param
from simulator.x.state import XState
from simulator.x_people import iso_ms, words

TWEET_FIELDS = words(
    "article attachments author_id card_uri community_id context_annotations "
    "conversation_id created_at display_text_range edit_controls edit_history_tweet_ids "
    "entities geo id in_reply_to_user_id lang media_metadata non_public_metrics note_tweet "
    "organic_metrics possibly_sensitive promoted_metrics public_metrics referenced_tweets "
    "reply_settings scopes source suggested_source_links text withheld"
)
USER_FIELDS = words(
    "affiliation connection_status created_at description entities id is_identity_verified "
    "location most_recent_tweet_id name parody pinned_tweet_id profile_banner_url "
    "profile_image_url protected public_metrics receives_your_dm subscription "
    "subscription_type url username verified verified_followers_count verified_type "
    "withheld"
)
MEDIA_FIELDS = words(
    "alt_text duration_ms height media_key non_public_metrics organic_metrics "
    "preview_image_url promoted_metrics public_metrics type url variants width"
)
DM_FIELDS = words(
    "attachments created_at dm_conversation_id entities event_type id participant_ids "
    "referenced_tweets sender_id text"
)
TWEET_EXPANSIONS = words(
    "article.cover_media article.media_entities attachments.media_keys "
    "attachments.media_source_tweet attachments.poll_ids author_id edit_history_tweet_ids "
    "entities.mentions.username entities.note.mentions.username geo.place_id "
    "in_reply_to_user_id referenced_tweets.id referenced_tweets.id.attachments.media_keys "
    "referenced_tweets.id.author_id"
)
TIMELINE_EXCLUDES = words("replies retweets")
USER_EXPANSIONS = words("affiliation.user_id most_recent_tweet_id pinned_tweet_id")
DM_EXPANSIONS = words("attachments.media_keys participant_ids referenced_tweets.id sender_id")
ALL_TWEET_FIELDS = words(
    "author_id conversation_id created_at in_reply_to_user_id lang referenced_tweets attachments"
)

MENTION = re.compile(r"(?<![\w@])@(\w{1,15})")
HASHTAG = re.compile(r"(?<![\w#&])#(\w+)")
URL = re.compile(r"https?://\S+")
# The field an expansion links through, returned whenever the expansion is asked for.
LINK_FIELDS = {
    "author_id": "author_id",
    "in_reply_to_user_id": "in_reply_to_user_id",
    "referenced_tweets.id": "referenced_tweets",
    "attachments.media_keys": "attachments",
    "entities.mentions.username": "entities",
    "sender_id": "sender_id",
}


def entities(text: str) -> dict[str, Any]:
    """Entity offsets in code points, as v2 gives them."""
    out: dict[str, Any] = {}
    mentions = [
        {"start": m.start(), "end": m.end(), "username": m.group(1)} for m in MENTION.finditer(text)
    ]
    hashtags = [
        {"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in HASHTAG.finditer(text)
    ]
    urls = [
        {
            "start": m.start(),
            "end": m.end(),
            "url": m.group(),
            "expanded_url": m.group(),
            "display_url": m.group().split("://", 1)[1][:30],
        }
        for m in URL.finditer(text)
    ]
    for key, found in (("mentions", mentions), ("hashtags", hashtags), ("urls", urls)):
        if found:
            out[key] = found
    return out


class XJson(XState):
    """Renders the stored world as X answers it."""

    # --- JSON shapes ----------------------------------------------------------------------
    def tweet_json(self, tweet: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "edit_history_tweet_ids": [tweet["id"]],
            "id": tweet["id"],
            "text": tweet["text"],
        }
        for field in fields:
            if field == "created_at":
                out[field] = iso_ms(tweet["created_at"])
            elif field in ("author_id", "conversation_id", "lang"):
                out[field] = tweet[field]
            elif field == "in_reply_to_user_id" and tweet["in_reply_to_user_id"]:
                out[field] = tweet["in_reply_to_user_id"]
            elif field == "referenced_tweets" and tweet["replied_to"]:
                out[field] = [{"type": "replied_to", "id": tweet["replied_to"]}]
            elif field == "attachments" and tweet["media_ids"]:
                out[field] = {
                    "media_keys": [self.media[m]["media_key"] for m in tweet["media_ids"]]
                }
            elif field == "entities" and (found := entities(tweet["text"])):
                out[field] = found
            elif field == "public_metrics":
                out[field] = {
                    "retweet_count": 0,
                    "reply_count": tweet["reply_count"],
                    "like_count": 0,
                    "quote_count": 0,
                }
            elif field == "possibly_sensitive":
                out[field] = False
            elif field == "reply_settings":
                out[field] = "everyone"
        return out

    def user_json(self, user: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
        out = {"id": user["id"], "name": user["name"], "username": user["username"]}
        for field in fields:
            if field in user:
                out[field] = user[field]
        return out

    def dm_json(self, event: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
        out = {"id": event["id"], "event_type": event["event_type"], "text": event["text"]}
        for field in fields:
            if field == "created_at":
                out[field] = iso_ms(event["created_at"])
            elif field in ("sender_id", "dm_conversation_id"):
                out[field] = event[field]
            elif field == "attachments" and event["media_ids"]:
                out[field] = {
                    "media_keys": [self.media[m]["media_key"] for m in event["media_ids"]]
                }
        return out

    def media_json(self, media: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
        out = {"media_key": media["media_key"], "type": media["type"]}
        for field in fields:
            if field in ("width", "height") and media.get(field):
                out[field] = media[field]
            elif field == "url" and media["type"] == "photo":
                out[field] = f"https://pbs.twimg.com/media/{base36(int(media['id']))}.jpg"
        return out

    def _includes(
        self,
        tweets: list[dict[str, Any]],
        request: Request,
        expansions: set[str],
        tweet_fields: set[str],
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """`includes` and partial `errors` for the expansions the request asked for."""
        user_fields = fields_param(request, ("user.fields",), USER_FIELDS)
        media_fields = fields_param(request, ("media.fields",), MEDIA_FIELDS)
        users: dict[str, dict[str, Any]] = {}
        referenced: dict[str, dict[str, Any]] = {}
        media: dict[str, dict[str, Any]] = {}
        errors: list[dict[str, Any]] = []

        def add_user(user_id: str | None) -> None:
            if user_id and user_id not in users and user_id in self.users:
                users[user_id] = self.user_json(self.users[user_id], user_fields)

        for tweet in tweets:
            if "author_id" in expansions:
                add_user(tweet["author_id"])
            if "in_reply_to_user_id" in expansions:
                add_user(tweet["in_reply_to_user_id"])
            if "entities.mentions.username" in expansions:
                for match in MENTION.finditer(tweet["text"]):
                    add_user(self.by_username.get(match.group(1).lower()))
            if "attachments.media_keys" in expansions:
                for media_id in tweet["media_ids"]:
                    media[media_id] = self.media_json(self.media[media_id], media_fields)
            if "referenced_tweets.id" in expansions and tweet["replied_to"]:
                parent = self._live(tweet["replied_to"])
                if parent is None:
                    errors.append(not_found_error(tweet["replied_to"], "referenced_tweets.id"))
                else:
                    referenced[parent["id"]] = self.tweet_json(parent, tweet_fields)
                    if "referenced_tweets.id.author_id" in expansions:
                        add_user(parent["author_id"])
        includes: dict[str, Any] = {}
        for key, found in (("users", users), ("tweets", referenced), ("media", media)):
            if found:
                includes[key] = list(found.values())
        return includes, errors

    def _tweets_body(
        self,
        request: Request,
        tweets: list[dict[str, Any]],
        errors: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        tweet_fields = fields_param(request, ("tweet.fields", "post.fields"), TWEET_FIELDS)
        expansions = fields_param(request, ("expansions",), TWEET_EXPANSIONS)
        includes, more_errors = self._includes(tweets, request, expansions, tweet_fields)
        # An expansion also returns the field that links the post to what it expands.
        linked = {LINK_FIELDS[e] for e in expansions if e in LINK_FIELDS}
        body: dict[str, Any] = {}
        if tweets:
            body["data"] = [self.tweet_json(t, tweet_fields | linked) for t in tweets]
        if includes:
            body["includes"] = includes
        if errors or more_errors:
            body["errors"] = (errors or []) + more_errors
        return body

    def _timeline(self, request: Request, ids: list[int], more: bool) -> Response:
        if not ids:
            # Still validate the field parameters: X answers 400 to a bad one on any page.
            self._tweets_body(request, [])
            return json_response({"meta": {"result_count": 0}})
        body = self._tweets_body(request, [self.tweets[str(i)] for i in ids])
        meta: dict[str, Any] = {
            "newest_id": str(ids[0]),
            "oldest_id": str(ids[-1]),
            "result_count": len(ids),
        }
        if more:
            meta["next_token"] = encode_token(ids[-1])
        body["meta"] = meta
        return json_response(body)
