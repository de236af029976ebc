"""Replies with a job of their own: acknowledging, taking a case private, closing it in public.

@DellCares' habits: every case is acknowledged at once; a heated one moves to a private
channel (a DM on X, a private reply to a Facebook comment) and joins the same case, so
its clocks go on; and a case solved in private ends with a short public summary so
everyone who saw the complaint sees it was solved. A phone call is logged on the case.

Each default wording exists in English and Indonesian, in a few versions so the team
does not sound like a robot; the agent can change the text before it goes.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from care.audit import record_audit
from care.errors import CareError
from care.models import Agent
from inbox.models import Conversation, ConversationEvent, Platform
from inbox.services import conversations as case_actions
from responses.models import CallLog, Reply
from responses.services.outbox import send_reply

Purpose = Reply.Purpose

# {name}: the customer's first name. Our own words; a few of each so replies vary.
DEFAULT_WORDINGS: dict[str, dict[str, list[str]]] = {
    Purpose.ACKNOWLEDGEMENT: {
        "en": [
            "Thanks for reaching out, {name}. We're looking into this now and will update you "
            "here.",
            "Hi {name}, thanks for letting us know. We're on it and will get back to you shortly.",
            "Sorry to hear about this, {name}. We're checking it now and will keep you posted.",
        ],
        "id": [
            "Terima kasih sudah menghubungi kami, kak {name}. Kami sedang cek dan segera kabari "
            "di sini.",
            "Halo kak {name}, terima kasih infonya. Kami tindak lanjuti sekarang ya.",
            "Mohon maaf atas kendalanya, kak {name}. Kami cek dulu dan segera kabari.",
        ],
    },
    Purpose.MOVE_PRIVATE: {
        "en": [
            "Hi {name}, we'd like to sort this out with you personally. Could you send us a DM "
            "with your order number?",
            "{name}, so we can check your account safely, please DM us the details and we'll "
            "take it from there.",
        ],
        "id": [
            "Halo kak {name}, biar kami bantu lebih detail, boleh kirim DM berisi nomor "
            "pesanannya?",
            "Kak {name}, agar data kakak aman, mohon lanjutkan lewat DM ya, kami tunggu.",
        ],
    },
    Purpose.SUMMARY: {
        "en": [
            "Glad we could sort this out with {name} in private. Thanks for your patience!",
            "Update: {name}'s issue is solved. Thanks for bearing with us!",
        ],
        "id": [
            "Kendala kak {name} sudah kami selesaikan lewat pesan pribadi. Terima kasih atas "
            "kesabarannya!",
            "Update: masalah kak {name} sudah beres. Terima kasih sudah menunggu!",
        ],
    },
}
# A Facebook "move to private" is a private reply to the comment: it opens Messenger.
FACEBOOK_PRIVATE_REPLY = {
    "en": "Hi {name}, we've continued here in private so we can look at your details safely.",
    "id": "Halo kak {name}, kami lanjutkan di sini ya agar data kakak tetap aman.",
}


def default_text(conversation: Conversation, purpose: str) -> str:
    """A default wording in the case's language, varied by case, with the first name."""
    language = "id" if conversation.language == "id" else "en"
    name = _first_name(conversation)
    if purpose == Purpose.MOVE_PRIVATE and conversation.channel_account.platform != Platform.X:
        return FACEBOOK_PRIVATE_REPLY[language].format(name=name)
    wordings = DEFAULT_WORDINGS[purpose][language]
    return wordings[conversation.pk % len(wordings)].format(name=name)


def _first_name(conversation: Conversation) -> str:
    name = (conversation.customer.display_name or "").split(" ")[0]
    return name or ("kak" if conversation.language == "id" else "there")


def acknowledge(
    *, conversation: Conversation, by: Agent, idempotency_key: uuid.UUID, text: str = ""
) -> Reply:
    """A quick first answer on the platform the customer used: seen, and on it."""
    return send_reply(
        conversation=conversation,
        by=by,
        text=text or default_text(conversation, Purpose.ACKNOWLEDGEMENT),
        idempotency_key=idempotency_key,
        private=_last_was_private(conversation),
        confirmed=True,
        purpose=Purpose.ACKNOWLEDGEMENT,
    )


@transaction.atomic
def move_to_private(
    *, conversation: Conversation, by: Agent, idempotency_key: uuid.UUID, text: str = ""
) -> Reply:
    """Invite the customer to a private channel; what they send there joins this case.

    On X: a public reply asking for a DM (the DM lands on this case, whose answer clock
    goes on). On Facebook: a private reply to their comment, which opens Messenger.
    """
    facebook = conversation.channel_account.platform != Platform.X
    reply = send_reply(
        conversation=conversation,
        by=by,
        text=text or default_text(conversation, Purpose.MOVE_PRIVATE),
        idempotency_key=idempotency_key,
        private=facebook,
        confirmed=True,
        purpose=Purpose.MOVE_PRIVATE,
    )
    ConversationEvent.objects.create(
        conversation=conversation,
        actor=by,
        kind=ConversationEvent.Kind.MOVED_PRIVATE,
        data={"reply": reply.pk},
    )
    record_audit(actor=by.user, verb="conversation_moved_private", target=conversation)
    return reply


def auto_acknowledge(*, conversation_id: int, canned_id: int, agent_id: int) -> Reply | None:
    """A routing rule's acknowledgement of a new case, from a saved reply, signed by a
    person. Once per case (its key is the case's); none if the case was answered meanwhile
    or the saved reply is gone."""
    from responses.models import CannedResponse
    from responses.services import canned as saved

    conversation = Conversation.objects.select_related("channel_account", "customer").get(
        pk=conversation_id
    )
    response = CannedResponse.objects.filter(pk=canned_id, is_active=True).first()
    agent = Agent.objects.select_related("user").filter(pk=agent_id).first()
    if response is None or agent is None or conversation.first_response_at is not None:
        return None
    wording = saved.pick_wording(response, agent=agent)
    if wording is None:
        return None
    text = saved.render_wording(wording, conversation=conversation, agent=agent)
    saved.record_wording_use(wording=wording, agent=agent)
    return send_reply(
        conversation=conversation,
        by=agent,
        text=text,
        idempotency_key=uuid.uuid5(uuid.NAMESPACE_URL, f"care-acknowledge-{conversation.pk}"),
        private=_last_was_private(conversation) or _wrote_only_in_private(conversation),
        confirmed=True,
        on_behalf=True,
        purpose=Purpose.ACKNOWLEDGEMENT,
    )


def _wrote_only_in_private(conversation: Conversation) -> bool:
    from inbox.models import Message

    kinds = set(
        conversation.messages.filter(direction=Message.Direction.INBOUND).values_list(
            "kind", flat=True
        )
    )
    return bool(kinds) and kinds <= {Message.Kind.DIRECT_MESSAGE, Message.Kind.MESSENGER}


def moved_private(conversation: Conversation) -> bool:
    return conversation.events.filter(kind=ConversationEvent.Kind.MOVED_PRIVATE).exists()


def _last_was_private(conversation: Conversation) -> bool:
    last = conversation.replies.exclude(status=Reply.Status.REJECTED).order_by("-pk").first()
    return last.private if last is not None else False


@transaction.atomic
def log_call(
    *,
    conversation: Conversation,
    by: Agent,
    outcome: str,
    notes: str = "",
    minutes: int | None = None,
) -> CallLog:
    """Keep the phone call on the case: what came of it, so the next agent knows."""
    if outcome not in CallLog.Outcome.values:
        raise CareError(_("Choose how the call ended."), code="outcome")
    if minutes is not None and not 0 <= minutes <= 600:
        raise CareError(_("A call lasts between 0 and 600 minutes."), code="minutes")
    call = CallLog.objects.create(
        conversation=conversation, agent=by, outcome=outcome, notes=notes.strip(), minutes=minutes
    )
    ConversationEvent.objects.create(
        conversation=conversation,
        actor=by,
        kind=ConversationEvent.Kind.CALL_LOGGED,
        data={"outcome": outcome, "call": call.pk},
    )
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=call.called_at)
    record_audit(actor=by.user, verb="call_logged", target=conversation, outcome=outcome)
    return call


@transaction.atomic
def resolve_with_summary(
    *, conversation: Conversation, by: Agent, idempotency_key: uuid.UUID, summary: str
) -> Reply | None:
    """Resolve the case; with a summary, first say so in public where it began.

    The summary is queued with the resolution in one transaction: if it cannot go (too
    long, nothing public to answer) the case stays open and the agent is told why.
    """
    reply = None
    if summary.strip():
        reply = send_reply(
            conversation=conversation,
            by=by,
            text=summary,
            idempotency_key=idempotency_key,
            private=False,
            confirmed=True,
            purpose=Purpose.SUMMARY,
        )
    case_actions.change_status(
        conversation=conversation, status=Conversation.Status.RESOLVED, by=by
    )
    return reply
