"""Messenger: the Send API, private replies, conversations, messages and personas."""

from __future__ import annotations

import hashlib
from typing import Any

from simulator.fb_webhooks import messaging_entry
from simulator.graph.errors import WINDOW_MESSAGE, GraphError
from simulator.graph.feed import uploaded_photo
from simulator.graph.query import FieldSpec, GraphPaging, _Context, _json_field, parse_fields
from simulator.graph.state import (
    HUMAN_AGENT_WINDOW,
    PRIVATE_REPLY_WINDOW,
    STANDARD_WINDOW,
    Comment,
    Conversation,
    Message,
    fb_time,
)

MAX_TEXT = 2000
MESSAGE_TAGS = ("HUMAN_AGENT", "ACCOUNT_UPDATE", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE")


class GraphMessenger(GraphPaging):
    """Messenger edges of the Graph API: Send API, conversations, personas."""

    # --- Messenger ---------------------------------------------------------------------------
    def _send(self, data: dict[str, Any]) -> dict[str, Any]:
        recipient = _json_field(data.get("recipient"))
        message = _json_field(data.get("message"))
        if not isinstance(recipient, dict):
            raise self._param_error("(#100) The parameter recipient is required")
        if not isinstance(message, dict):
            raise self._param_error("(#100) The parameter message is required")
        messaging_type = str(data.get("messaging_type") or "RESPONSE")
        if messaging_type not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
            raise self._param_error(
                "(#100) Param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}"
            )
        tag = data.get("tag") or None
        if messaging_type == "MESSAGE_TAG" and tag not in MESSAGE_TAGS:
            raise self._param_error(
                f"(#100) Param tag must be one of {{{', '.join(MESSAGE_TAGS)}}}"
            )
        persona_id = data.get("persona_id") or None
        if persona_id is not None and str(persona_id) not in self.personas:
            raise self._param_error("(#100) Param persona_id must be a valid persona id")
        text = message.get("text")
        attachment = message.get("attachment")
        photo = None
        if isinstance(attachment, dict) and data.get("filedata") is not None:
            # An upload with the message (`filedata`): Meta keeps it and returns its id.
            photo = uploaded_photo(data["filedata"], photo_id=self.sim.ids.fb_id())
            if photo is None:
                raise self._param_error("(#100) Upload attachment failure.")
            attachment = {"type": attachment.get("type", "image"), "payload": {"url": photo["src"]}}
        if text is None and not attachment:
            raise self._param_error("(#100) Message must contain text or attachment")
        if text is not None and len(str(text)) > MAX_TEXT:
            raise self._param_error(
                "(#100) Length of param message[text] must be less than or equal to 2000"
            )
        now = self.sim.clock.now()
        private_comment: Comment | None = None
        if "comment_id" in recipient:
            private_comment = self._private_reply_target(str(recipient["comment_id"]), now)
            conversation = self._conversation_for(private_comment.author)
            in_reply_to: str | None = private_comment.id
            kind = "private_reply"
        elif "id" in recipient:
            conv_id = self.conversation_by_psid.get(str(recipient["id"]))
            if conv_id is None:
                raise GraphError(
                    400, self._error("(#100) No matching user found", code=100, subcode=2018001)
                )
            conversation = self.conversations[conv_id]
            self._check_window(conversation, messaging_type, tag, now)
            last_in = [m for m in conversation.messages if m.author["id"] != self.page["id"]]
            in_reply_to = last_in[-1].id if last_in else None
            kind = "message"
        else:
            raise self._param_error("(#100) Param recipient must contain id or comment_id")
        attachments = [attachment] if isinstance(attachment, dict) else []
        sent = self._add_message(conversation, self.page, conversation.customer, text, attachments)
        if private_comment is not None:
            private_comment.private_reply_at = now
        psid = conversation.customer["id"]
        self._publish(
            kind=kind,
            id=sent.id,
            text=text,
            in_reply_to=in_reply_to,
            recipient_id=psid,
            conversation_id=conversation.id,
            messaging_type=messaging_type,
            tag=tag,
            persona_id=persona_id,
            attachment=attachment,
        )
        self.webhooks.enqueue(
            messaging_entry(
                page_id=self.page["id"],
                sender_id=self.page["id"],
                recipient_id=psid,
                mid=sent.id,
                seq=self._next_mseq(),
                text=text,
                attachments=[_webhook_attachment(a) for a in attachments],
                now=now,
                echo_app_id=int(self.config.fb_app_id),
                metadata=message.get("metadata"),
            )
        )
        result = {"recipient_id": psid, "message_id": sent.id}  # v2_6/sendresponse.json
        if photo is not None:
            result["attachment_id"] = photo["id"]
        return result

    def _private_reply_target(self, comment_id: str, now: float) -> Comment:
        comment = self.comments.get(comment_id)
        if comment is None or comment.deleted or comment.author["id"] == self.page["id"]:
            # restfb/restfb#1165: an unknown comment id answers 100/2018292.
            raise GraphError(
                400, self._error("(#100) Invalid comment_id parameter", code=100, subcode=2018292)
            )
        if comment.private_reply_at is not None:
            # One private reply per comment; Meta answers (#10900) the second time.
            raise GraphError(400, self._error("(#10900) Activity already replied to", code=10900))
        if now - comment.created > PRIVATE_REPLY_WINDOW:
            raise GraphError(400, self._error(WINDOW_MESSAGE, code=10, subcode=2018278))
        return comment

    def _check_window(
        self, conversation: Conversation, messaging_type: str, tag: str | None, now: float
    ) -> None:
        if messaging_type == "MESSAGE_TAG" and tag != "HUMAN_AGENT":
            return  # the other tags are allowed outside the window (for their own use cases)
        limit = HUMAN_AGENT_WINDOW if messaging_type == "MESSAGE_TAG" else STANDARD_WINDOW
        last = conversation.last_customer_at
        if last is None or now - last > limit:
            raise GraphError(400, self._error(WINDOW_MESSAGE, code=10, subcode=2018278))

    def _conversation_for(self, customer: dict[str, str]) -> Conversation:
        conv_id = self.conversation_by_psid.get(customer["id"])
        if conv_id is not None:
            return self.conversations[conv_id]
        now = self.sim.clock.now()
        conversation = Conversation(
            id=f"t_{self.sim.ids.fb_id()}",
            customer={"id": customer["id"], "name": customer["name"]},
            seq=self._next(),
            updated=now,
        )
        self.conversations[conversation.id] = conversation
        self.conversation_by_psid[customer["id"]] = conversation.id
        return conversation

    def _add_message(
        self,
        conversation: Conversation,
        author: dict[str, str],
        recipient: dict[str, str],
        text: str | None,
        attachments: list[dict[str, Any]],
    ) -> Message:
        now = self.sim.clock.now()
        message = Message(
            id=self._mid(),
            conversation_id=conversation.id,
            author={"id": author["id"], "name": author["name"]},
            recipient={"id": recipient["id"], "name": recipient["name"]},
            text=text,
            attachments=attachments,
            created=now,
            seq=self._next(),
        )
        conversation.messages.append(message)
        conversation.seq = message.seq
        conversation.updated = now
        self.messages[message.id] = message
        return message

    def _conversations(self, ctx: _Context) -> dict[str, Any]:
        found = sorted(self.conversations.values(), key=lambda c: c.seq, reverse=True)
        user_id = ctx.data.get("user_id")
        if user_id:
            found = [c for c in found if c.customer["id"] == user_id]
        fields = parse_fields(ctx.data.get("fields"))
        return self._page(
            ctx,
            f"{self.page['id']}/conversations",
            [(c.seq, c) for c in found],
            ctx.data,
            descending=True,
            render=lambda c: self._render_conversation(c, fields, ctx),
        )

    def _conversation_messages(
        self, ctx: _Context, conversation: Conversation, params: dict[str, Any]
    ) -> dict[str, Any]:
        fields = parse_fields(params.get("fields"))
        newest_first = list(reversed(conversation.messages))
        return self._page(
            ctx,
            f"{conversation.id}/messages",
            [(m.seq, m) for m in newest_first],
            params,
            descending=True,
            render=lambda m: self._render_message(m, fields),
        )

    # --- personas ---------------------------------------------------------------------------
    def _create_persona(self, data: dict[str, Any]) -> dict[str, Any]:
        name = str(data.get("name") or "")
        if not name:
            raise self._param_error("(#100) The parameter name is required")
        persona = {
            "name": name,
            "profile_picture_url": str(data.get("profile_picture_url") or ""),
            "id": self.sim.ids.fb_id(),
        }
        self.personas[persona["id"]] = persona
        self._publish(
            kind="persona", id=persona["id"], text=name, in_reply_to=None, action="create"
        )
        return {"id": persona["id"]}

    def _list_personas(self, ctx: _Context) -> dict[str, Any]:
        items = list(self.personas.values())
        return self._page(
            ctx,
            f"{self.page['id']}/personas",
            [(int(p["id"]), p) for p in items],
            ctx.data,
            descending=False,
            render=dict,
        )

    # --- rendering ---------------------------------------------------------------------------
    def _participant(self, person: dict[str, str]) -> dict[str, str]:
        # conversation.json: participants carry name, email (<id>@facebook.com) and id.
        return {"name": person["name"], "email": f"{person['id']}@facebook.com", "id": person["id"]}

    def _render_conversation(
        self, conversation: Conversation, fields: dict[str, FieldSpec] | None, ctx: _Context
    ) -> dict[str, Any]:
        people = [self._participant(conversation.customer), self._participant(self.page)]
        last = conversation.messages[-1] if conversation.messages else None
        unread = 0
        for message in reversed(conversation.messages):
            if message.author["id"] == self.page["id"]:
                break
            unread += 1
        values: dict[str, Any] = {
            "id": conversation.id,
            "snippet": (last.text or "")[:100] if last else "",
            "updated_time": fb_time(conversation.updated),
            "message_count": len(conversation.messages),
            "unread_count": unread,
            "participants": {"data": people},
            "senders": {"data": people},
            "can_reply": True,
            "is_subscribed": True,
            "link": f"/{self.page['id']}/inbox/{conversation.id}",
        }
        result = self._pick(values, fields, ("id", "link", "updated_time"))
        if fields and "messages" in fields:
            spec = fields["messages"]
            params: dict[str, Any] = dict(spec.mods)
            if spec.sub:
                params["fields"] = ",".join(spec.sub)
            result["messages"] = self._conversation_messages(ctx, conversation, params)
        return result

    def _render_message(
        self, message: Message, fields: dict[str, FieldSpec] | None
    ) -> dict[str, Any]:
        values: dict[str, Any] = {
            "id": message.id,
            "created_time": fb_time(message.created),
            "from": self._participant(message.author),
            "to": {"data": [self._participant(message.recipient)]},
            "message": message.text or "",
        }
        if message.attachments:
            values["attachments"] = {
                "data": [
                    _graph_attachment(a, message.id, i) for i, a in enumerate(message.attachments)
                ]
            }
        return self._pick(values, fields, ("id", "created_time"))

    def _render_profile(
        self, person: dict[str, str], fields: dict[str, FieldSpec] | None
    ) -> dict[str, Any]:
        first, _, last = person["name"].partition(" ")
        values = {
            "first_name": first,
            "last_name": last,
            "name": person["name"],
            "profile_pic": f"https://platform-lookaside.fbsbx.com/platform/profilepic/?psid={person['id']}",
            "id": person["id"],
        }
        return self._pick(values, fields, ("first_name", "last_name", "profile_pic", "id"))


def _webhook_attachment(attachment: dict[str, Any]) -> dict[str, Any]:
    # messaging-message-media-attachment.json: {"type","payload":{"url"}}
    payload = attachment.get("payload") or {}
    return {"type": attachment.get("type", "file"), "payload": {"url": payload.get("url", "")}}


def _graph_attachment(attachment: dict[str, Any], mid: str, index: int) -> dict[str, Any]:
    # conversation.json: attachments{data:[{id, mime_type, name, size, image_data}]}
    url = (attachment.get("payload") or {}).get("url", "")
    kind = attachment.get("type", "file")
    item: dict[str, Any] = {
        "id": hashlib.sha1(f"{mid}:{index}".encode()).hexdigest()[:32],  # noqa: S324 -- an id
        "mime_type": "image/jpeg" if kind == "image" else "application/octet-stream",
        "name": url.rsplit("/", 1)[-1] or f"attachment-{index}",
        "size": None,
    }
    if kind == "image":
        item["image_data"] = {"width": 800, "height": 600, "url": url, "preview_url": url}
    return item
