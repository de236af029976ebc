"""The inbox search: one search document per conversation.

Ingest appends each message's text to `Conversation.search_text`. On PostgreSQL a stored,
generated `search_document` column holds its tsvector (the "simple" configuration: no
stemming and no stop words, so English and Bahasa Indonesia are found alike) under a GIN
index. The list then reads conversations newest first and stops at a page, instead of
collecting every matching message first: a word in 9 % of a million messages took
~180 ms that way (docs/benchmarks.md). Elsewhere (the demo's SQLite): a substring.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from inbox.models import Conversation, CustomerIdentity, Message

# The newest text a conversation's document keeps; older words of very long threads drop off.
SEARCH_TEXT_LIMIT = 10_000

# X handles and Facebook user names have no spaces; anything else is only words.
HANDLE = re.compile(r"^@?[\w.]{1,50}$")


def appended(search_text: str, text: str) -> str:
    """The document after one more message: newest last, capped from the start."""
    text = text.strip()
    if not text:
        return search_text
    joined = f"{search_text}\n{text}" if search_text else text
    return joined[-SEARCH_TEXT_LIMIT:]


def search_condition(text: str) -> Q:
    """Conversations whose messages contain these words, or whose customer has this handle.

    PostgreSQL reads `websearch` syntax ("quoted phrases", -not). The handle's customers
    are looked up first, so PostgreSQL can OR two index scans.
    """
    condition = Q(search_text__icontains=text)
    if connection.vendor == "postgresql":
        matches = RawSQL(
            "inbox_conversation.search_document @@ websearch_to_tsquery('simple', %s)",
            (text,),
            output_field=BooleanField(),
        )
        condition = Q(matches)
    if HANDLE.match(text):
        customers = list(
            CustomerIdentity.objects.filter(handle__iexact=text.lstrip("@")).values_list(
                "customer_id", flat=True
            )[:100]
        )
        if customers:
            condition |= Q(customer_id__in=customers)
    return condition


# PostgreSQL and SQLite spell "all of a conversation's texts, oldest first" differently.
_REBUILD = {
    "postgresql": """
        UPDATE inbox_conversation c SET search_text = right(m.texts, %(limit)s)
        FROM (
            SELECT conversation_id,
                   string_agg(text, E'\\n' ORDER BY platform_created_at, id) AS texts
            FROM inbox_message WHERE text <> '' AND deleted_at IS NULL
            GROUP BY conversation_id
        ) m
        WHERE m.conversation_id = c.id
    """,
    "sqlite": """
        UPDATE inbox_conversation SET search_text = coalesce(substr((
            SELECT group_concat(text, char(10)) FROM (
                SELECT text FROM inbox_message
                WHERE conversation_id = inbox_conversation.id AND text <> '' AND deleted_at IS NULL
                ORDER BY platform_created_at, id
            )
        ), -%(limit)s), '')
    """,
}


def rebuild_search_text(conversation_ids: Collection[int] | None = None) -> None:
    """Write documents again from the messages: after edits and deletions (a deleted post is
    no longer found), or for every conversation (the migration, the benchmark)."""
    if conversation_ids is None:
        with connection.cursor() as cursor:
            cursor.execute(_REBUILD[connection.vendor] % {"limit": SEARCH_TEXT_LIMIT})
        return
    for conversation_id in conversation_ids:
        texts = (
            Message.objects.filter(conversation_id=conversation_id, deleted_at__isnull=True)
            .order_by("platform_created_at", "id")
            .values_list("text", flat=True)
        )
        document = ""
        for text in texts:
            document = appended(document, text)
        Conversation.objects.filter(pk=conversation_id).update(search_text=document)
