"""A reply's images, to whoever may see its conversation.

They are not public files: MEDIA_ROOT is not served, and a Messenger or DM image is as
private as the conversation. Public replies' images are public on the platform anyway.
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from care.permissions import access_agent
from inbox import selectors
from inbox.selectors import ConversationMerged
from responses.models import Reply
from responses.services.attachments import media_paths


@require_GET
def reply_image(request: HttpRequest, pk: int, index: int) -> FileResponse:
    agent = access_agent(request.user)
    reply = Reply.objects.filter(pk=pk).only("conversation_id", "attachments").first()
    if reply is None or index >= len(reply.attachments):
        raise Http404("image")
    # 404 unless the agent may see the case; a merged one lives on in a case they can see.
    with suppress(ConversationMerged):
        selectors.access_conversation(agent, reply.conversation_id)
    attachment = reply.attachments[index]
    [path] = media_paths([attachment])
    if not Path(path).is_file():
        raise Http404("image")
    # FileResponse closes the file once sent.
    response = FileResponse(open(path, "rb"), content_type=attachment["content_type"])  # noqa: SIM115
    # Never changes (a new image is a new file), but only for this agent's browser.
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
