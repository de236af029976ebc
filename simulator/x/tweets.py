"""Handlers for users, mentions, search, lookup, posting and deleting tweets."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from typing import Any

from twitter_text import parse_tweet
from werkzeug.wrappers import Request, Response

from simulator.core import json_response
from simulator.x.auth import REAL_HOSTS
from simulator.x.errors import (
    DUPLICATE,
    LIKE_TARGET_GONE,
    NOT_THIS_USER,
    NOT_YOURS,
    PROBLEMS,
    REPLY_TARGET_GONE,
    TOO_LONG,
    invalid,
    not_found_error,
    problem,
)
from simulator.x.media import XMedia
from simulator.x.params import (
    check_id,
    fields_param,
    highest,
    id_param,
    int_param,
    json_body,
    lowest,
    page,
    snowflake_at,
    time_param,
    token_param,
)
from simulator.x.shapes import TIMELINE_EXCLUDES, USER_EXPANSIONS, USER_FIELDS, XJson
from simulator.x.state import DAY, remove_sorted

# The user Tweet timeline reaches the newest 3,200 posts, or 800 with exclude=replies
# (docs.x.com x-api/posts/timelines/integrate, "Volume limits").
USER_TWEETS_REACH = 3200
USER_ORIGINALS_REACH = 800


class XTweets(XJson, XMedia):
    """The tweet and user endpoints of X API v2."""

    # --- tweets -------------------------------------------------------------------------
    def get_me(self, request: Request) -> Response:
        return self._user_body(request, self.users[self.brand_id], "id", self.brand_id)

    def get_user(self, request: Request, user_id: str) -> Response:
        check_id("id", user_id)
        return self._user_body(request, self.users.get(user_id), "id", user_id)

    def get_user_by_username(self, request: Request, username: str) -> Response:
        user_id = self.by_username.get(username.lower(), "")
        return self._user_body(request, self.users.get(user_id), "username", username)

    def _user_body(
        self, request: Request, user: dict[str, Any] | None, parameter: str, value: str
    ) -> Response:
        fields_param(request, ("expansions",), USER_EXPANSIONS)
        user_fields = fields_param(request, ("user.fields",), USER_FIELDS)
        if user is None:
            # A missing user is a partial error with status 200, not a 404.
            return json_response({"errors": [not_found_error(value, parameter, "user")]})
        return json_response({"data": self.user_json(user, user_fields)})

    def get_mentions(self, request: Request, user_id: str) -> Response:
        check_id("id", user_id)
        ids = self.mention_ids if user_id == self.brand_id else []
        # X serves only the newest mentions (800); older ones cannot be paged to.
        return self._user_timeline(request, ids, self.config.x_mentions_reach)

    def get_users_tweets(self, request: Request, user_id: str) -> Response:
        """The user Tweet timeline: the posts `user_id` wrote (replies too), newest first."""
        check_id("id", user_id)
        exclude = fields_param(request, ("exclude",), TIMELINE_EXCLUDES)
        if user_id not in self.users:
            self._user_timeline(request, [], 0)  # a bad parameter is still a 400
            return json_response({"errors": [not_found_error(user_id, "id", "user")]})
        # No retweets are simulated, so exclude=retweets leaves the timeline as it is.
        if "replies" in exclude:
            ids, reach = self.author_original_ids.get(user_id, []), USER_ORIGINALS_REACH
        else:
            ids, reach = self.author_ids.get(user_id, []), USER_TWEETS_REACH
        return self._user_timeline(request, ids, reach)

    def _user_timeline(self, request: Request, ids: list[int], reach: int) -> Response:
        """A newest-first page of `ids` (sorted, oldest first); only the newest `reach` count.

        `since_id`/`until_id` are exclusive, `start_time`/`end_time` bound by time, and
        `pagination_token` continues below the last page's oldest id. A `since_id` older
        than what can be reached is moved up to the oldest reachable post.
        """
        limit = int_param(request, "max_results", 5, 100, 10)
        since, until = self._id_bounds(request)
        until = lowest(until, token_param(request, "pagination_token"))
        found, more = page(ids, max(0, len(ids) - reach), since, until, limit)
        return self._timeline(request, found, more)

    def _id_bounds(self, request: Request) -> tuple[int | None, int | None]:
        """Exclusive id bounds from since_id/until_id and start_time/end_time."""
        start, end = time_param(request, "start_time"), time_param(request, "end_time")
        since = highest(
            id_param(request, "since_id"), None if start is None else snowflake_at(start) - 1
        )
        until = lowest(
            id_param(request, "until_id"), None if end is None else snowflake_at(end + 0.001)
        )
        return since, until

    def search_recent(self, request: Request) -> Response:
        query = request.args.get("query", "")
        if not query.strip():
            raise invalid("query", query, "The `query` query parameter can not be empty")
        if len(query) > 512:
            raise invalid(
                "query",
                query,
                f"The `query` query parameter value [{query}] is too "
                "long (maximum is 512 characters)",
            )
        limit = int_param(request, "max_results", 10, 100, 10)
        since, until = self._id_bounds(request)
        until = lowest(until, token_param(request, "next_token", "pagination_token"))
        since = highest(since, snowflake_at(self.sim.clock.now() - 7 * DAY) - 1)  # last 7 days
        matches = self._matcher(query)
        start = bisect_right(self.live_ids, since or 0)
        index = len(self.live_ids) if until is None else bisect_left(self.live_ids, until)
        found: list[int] = []
        while index > start and len(found) <= limit:
            index -= 1
            tweet_id = self.live_ids[index]
            if matches(self.tweets[str(tweet_id)]):
                found.append(tweet_id)
        return self._timeline(request, found[:limit], len(found) > limit)

    def _matcher(self, query: str) -> Callable[[dict[str, Any]], bool]:
        """Enough of X's query language: words, "phrases", @, #, from:, to:, is:reply, OR, -."""
        groups: list[list[tuple[bool, str]]] = [[]]
        for part in re.findall(r'-?"[^"]*"|\S+', query.replace("(", " ").replace(")", " ")):
            if part == "OR":
                groups.append([])
                continue
            negate = part.startswith("-") and len(part) > 1
            groups[-1].append((negate, part[1:] if negate else part))

        def term(tweet: dict[str, Any], word: str) -> bool:
            operator, _, value = word.partition(":")
            value = value.lower()
            if word.startswith('"'):
                return word.strip('"').lower() in tweet["lc"]
            if operator == "from" and value:
                return self.users[tweet["author_id"]]["username"].lower() == value
            if operator == "to" and value:
                return self.by_username.get(value) == tweet["in_reply_to_user_id"]
            if operator == "is":
                return tweet["replied_to"] is not None if value == "reply" else False
            if operator == "lang":
                return tweet["lang"] == value
            if operator == "conversation_id":
                return tweet["conversation_id"] == value
            if operator == "has":
                return bool(tweet["media_ids"]) if value in ("media", "images") else False
            return word.lower() in tweet["lc"]

        def matches(tweet: dict[str, Any]) -> bool:
            return any(group and all(term(tweet, w) != neg for neg, w in group) for group in groups)

        return matches

    def get_tweets(self, request: Request) -> Response:
        raw = request.args.get("ids", "")
        ids = [part.strip() for part in raw.split(",") if part.strip()]
        if not ids:
            raise invalid("ids", raw, "The `ids` query parameter can not be empty")
        if len(ids) > 100:
            raise invalid(
                "ids",
                raw,
                f"The number of values in the `ids` query parameter list "
                f"[{len(ids)}] is not between 1 and 100",
            )
        found, errors = [], []
        for tweet_id in ids:
            check_id("ids", tweet_id)
            tweet = self._live(tweet_id)
            if tweet is None:
                errors.append(not_found_error(tweet_id, "ids"))
            else:
                found.append(tweet)
        return json_response(self._tweets_body(request, found, errors))

    def get_tweet(self, request: Request, tweet_id: str) -> Response:
        check_id("id", tweet_id)
        tweet = self._live(tweet_id)
        if tweet is None:
            return problem(
                {
                    "title": "Not Found Error",
                    "detail": f"Could not find tweet with id: [{tweet_id}].",
                    "type": PROBLEMS + "resource-not-found",
                    "status": 404,
                }
            )
        body = self._tweets_body(request, [tweet])
        body["data"] = body["data"][0]
        return json_response(body)

    def create_tweet(self, request: Request) -> Response:
        body = json_body(request)
        text = str(body.get("text") or "")
        media_ids = [str(m) for m in (body.get("media") or {}).get("media_ids") or []]
        parent_id = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if not text and not media_ids:
            raise invalid("text", "", "Post text must be present if no media is specified")
        if text and parse_tweet(text).weightedLength > 280:
            return problem(TOO_LONG)
        self._check_media("media.media_ids", media_ids, 4)
        parent = None
        if parent_id is not None:
            parent = self._live(str(parent_id))
            if parent is None:
                return problem(REPLY_TARGET_GONE)
        if text and self._is_duplicate(text):
            return problem(DUPLICATE)
        tweet = self._new_tweet(
            text=text,
            author_id=self.brand_id,
            target=parent,
            kind="reply" if parent else "tweet",
            media_ids=media_ids,
        )
        data = {"edit_history_tweet_ids": [tweet["id"]], "id": tweet["id"], "text": text}
        return json_response(
            {"data": data},
            status=201,
            headers={"location": f"{REAL_HOSTS[0]}/2/tweets/{tweet['id']}"},
        )

    def _is_duplicate(self, text: str) -> bool:
        """Whether the brand posted this exact text in the last 24 hours."""
        since = self.sim.clock.now() - DAY
        for tweet_id in reversed(self.brand_ids):
            tweet = self.tweets[tweet_id]
            if tweet["created_at"] < since:
                return False
            if not tweet["deleted"] and tweet["text"].strip() == text.strip():
                return True
        return False

    def delete_tweet(self, request: Request, tweet_id: str) -> Response:
        check_id("id", tweet_id)
        tweet = self._live(tweet_id)
        if tweet is None:
            return problem(
                {
                    "title": "Not Found Error",
                    "detail": f"Could not find tweet with id: [{tweet_id}].",
                    "type": PROBLEMS + "resource-not-found",
                    "status": 404,
                }
            )
        if tweet["author_id"] != self.brand_id:
            return problem(NOT_YOURS)
        tweet["deleted"] = True
        tweet["deleted_at"] = self.sim.clock.now()
        self.deleted += 1
        remove_sorted(self.live_ids, int(tweet_id))
        remove_sorted(self.author_ids[tweet["author_id"]], int(tweet_id))
        if tweet["replied_to"] is None:
            remove_sorted(self.author_original_ids[tweet["author_id"]], int(tweet_id))
        if tweet["replied_to"] in self.tweets:
            self.tweets[tweet["replied_to"]]["reply_count"] -= 1
        return json_response({"data": {"deleted": True}})

    def like_tweet(self, request: Request, user_id: str) -> Response:
        """POST /2/users/:id/likes {"tweet_id"}: the brand likes a post.

        Liking a post already liked answers `liked: true` again (a like is idempotent);
        a deleted or unknown post is a 400 "This tweet cannot be found."
        """
        check_id("id", user_id)
        if user_id != self.brand_id:
            return problem(NOT_THIS_USER)
        body = json_body(request)
        tweet_id = str(body.get("tweet_id") or "")
        if not tweet_id:
            raise invalid("tweet_id", "", "The `tweet_id` field is required")
        check_id("tweet_id", tweet_id)
        if self._live(tweet_id) is None:
            return problem(LIKE_TARGET_GONE)
        self.likes.setdefault(tweet_id, self.sim.clock.now())
        return json_response({"data": {"liked": True}})
