"""The reply box, until replies are posted: a reply is kept on the case as a draft.

What is already the rule here: an agent who opened the page before a new customer
message or another agent's reply arrived is warned and shown it before their reply is
kept, so two agents never answer the same customer twice by accident.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from care.audit import record_audit
from care.errors import CareError
from care.models import Agent
from inbox import selectors
from inbox.models import Conversation
from responses.models import Reply
from responses.services.signing import check_length


@transaction.atomic
def save_reply_draft(
    *,
    conversation: Conversation,
    by: Agent,
    text: str,
    private: bool = False,
    seen_message_id: int,
    seen_reply_id: int,
    confirmed: bool = False,
) -> Reply:
    """Keep the agent's reply on the case.

    Refused with code "new_activity" (the new items in `extra`) when something arrived
    after `seen_*` and the agent has not confirmed having read it.
    """
    text = text.strip()
    if not text:
        raise CareError(_("The reply is empty."), code="empty")
    if conversation.merged_into_id is not None:
        raise CareError(
            _("This conversation was merged; reply in the one it went to."), code="merged"
        )
    if not confirmed:
        messages, replies = selectors.new_since(
            conversation, agent=by, message_id=seen_message_id, reply_id=seen_reply_id
        )
        if messages or replies:
            raise CareError(
                _("New activity since you opened this conversation: read it before you send."),
                code="new_activity",
                extra={
                    "message_ids": [m.pk for m in messages],
                    "reply_ids": [r.pk for r in replies],
                },
            )
    # Over the platform's limit (signature included) is refused here, before anything is kept.
    check_length(text, agent=by, conversation=conversation, private=private)
    reply = Reply.objects.create(conversation=conversation, author=by, text=text, private=private)
    conversation.save(update_fields=["updated_at"])
    record_audit(actor=by.user, verb="reply_drafted", target=conversation, reply=reply.pk)
    return reply
