"""Handlers for direct messages: list DM events, per conversation, and send."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from simulator.core import json_response
from simulator.x.auth import REAL_HOSTS
from simulator.x.errors import invalid
from simulator.x.media import XMedia
from simulator.x.params import (
    check_id,
    encode_token,
    fields_param,
    int_param,
    json_body,
    page,
    snowflake_at,
    token_param,
)
from simulator.x.shapes import (
    DM_EXPANSIONS,
    DM_FIELDS,
    LINK_FIELDS,
    MEDIA_FIELDS,
    USER_FIELDS,
    XJson,
)
from simulator.x.state import DAY


class XDms(XJson, XMedia):
    """The direct message endpoints of X API v2."""

    # --- direct messages ----------------------------------------------------------------
    def get_dm_events(self, request: Request) -> Response:
        return self._dm_page(request, self.dm_ids)

    def get_dms_with(self, request: Request, participant_id: str) -> Response:
        check_id("participant_id", participant_id)
        conversation = self._conversation_id(participant_id)
        return self._dm_page(request, self.dm_by_conversation.get(conversation, []))

    def get_dms_in(self, request: Request, conversation_id: str) -> Response:
        return self._dm_page(request, self.dm_by_conversation.get(conversation_id, []))

    def _dm_page(self, request: Request, ids: list[int]) -> Response:
        limit = int_param(request, "max_results", 1, 100, 100)
        fields = fields_param(request, ("dm_event.fields",), DM_FIELDS)
        expansions = fields_param(request, ("expansions",), DM_EXPANSIONS)
        user_fields = fields_param(request, ("user.fields",), USER_FIELDS)
        media_fields = fields_param(request, ("media.fields",), MEDIA_FIELDS)
        fields |= {LINK_FIELDS[e] for e in expansions if e in LINK_FIELDS}
        types = {t for t in request.args.get("event_types", "").split(",") if t}
        token = token_param(request, "pagination_token")
        if types and "MessageCreate" not in types:
            ids = []  # every simulated event is a MessageCreate
        # DMs are kept for 30 days, listed newest first, with no since_id.
        oldest = snowflake_at(self.sim.clock.now() - 30 * DAY) - 1
        found, more = page(ids, 0, oldest, token, limit)
        if not found:
            return json_response({"meta": {"result_count": 0}})
        events = [self.dms[str(i)] for i in found]
        body: dict[str, Any] = {"data": [self.dm_json(e, fields) for e in events]}
        users: dict[str, dict[str, Any]] = {}
        media: dict[str, dict[str, Any]] = {}
        for event in events:
            if "sender_id" in expansions:
                users.setdefault(
                    event["sender_id"], self.user_json(self.users[event["sender_id"]], user_fields)
                )
            if "attachments.media_keys" in expansions:
                for media_id in event["media_ids"]:
                    media[media_id] = self.media_json(self.media[media_id], media_fields)
        includes = {k: list(v.values()) for k, v in (("users", users), ("media", media)) if v}
        if includes:
            body["includes"] = includes
        meta: dict[str, Any] = {"result_count": len(found)}
        if more:
            meta["next_token"] = encode_token(found[-1])
        body["meta"] = meta
        return json_response(body)

    def send_dm_with(self, request: Request, participant_id: str) -> Response:
        check_id("participant_id", participant_id)
        return self._send_dm(request, participant_id)

    def send_dm_in(self, request: Request, conversation_id: str) -> Response:
        members = conversation_id.split("-")
        if len(members) != 2 or self.brand_id not in members or not all(map(str.isdigit, members)):
            raise invalid(
                "dm_conversation_id",
                conversation_id,
                "The `dm_conversation_id` "
                f"path parameter value [{conversation_id}] is not a valid conversation",
            )
        other = members[1] if members[0] == self.brand_id else members[0]
        return self._send_dm(request, other)

    def _send_dm(self, request: Request, participant_id: str) -> Response:
        body = json_body(request)
        text = str(body.get("text") or "")
        media_ids = [
            str(a.get("media_id")) for a in body.get("attachments") or [] if isinstance(a, dict)
        ]
        if not text and not media_ids:
            raise invalid("text", "", "A message must have text or an attachment")
        if len(text) > 10000:
            raise invalid(
                "text",
                text[:50],
                "The text of your direct message is over the max character limit.",
            )
        self._check_media("attachments.media_id", media_ids, 1)
        event = self._new_dm(
            sender_id=self.brand_id, participant_id=participant_id, text=text, media_ids=media_ids
        )
        data = {"dm_conversation_id": event["dm_conversation_id"], "dm_event_id": event["id"]}
        # The recorded location header quotes the id.
        location = f'{REAL_HOSTS[0]}/2/dm_events/"{event["id"]}"'
        return json_response({"data": data}, status=201, headers={"location": location})
