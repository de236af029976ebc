"""Indexes the inbox list needs at scale (docs/benchmarks.md, bench/inbox_scale.py).

On PostgreSQL with 200,000 conversations the list sorted every view's rows in memory
(the resolved view: 177,000 rows, 390 ms) and every search read all customer identities
to match a handle case-insensitively. Partial indexes, one per sort of the open views
and one for the resolved view, let the planner read the first 50 rows in order and stop;
they stay small because only a tenth of the conversations is open. Outside the model
state, like msg_text_search_idx: PostgreSQL only, the demo's SQLite does without.
"""

from typing import Any

from django.db import migrations

# The statuses of Conversation.OPEN_STATUSES and of the resolved view, as of this migration;
# every list query also has merged_into_id IS NULL (current_conversations).
OPEN = "merged_into_id IS NULL AND status IN ('new', 'open', 'waiting_on_customer', 'escalated')"
DONE = "merged_into_id IS NULL AND status IN ('resolved', 'closed')"
INDEXES = {
    # selectors.SORTS: activity, priority and due, for the open views.
    "conv_open_activity_idx": f"inbox_conversation (last_activity_at DESC, id DESC) WHERE {OPEN}",
    "conv_open_priority_idx": (
        f"inbox_conversation (priority DESC, last_activity_at DESC, id DESC) WHERE {OPEN}"
    ),
    "conv_open_due_idx": f"inbox_conversation (response_due_at, priority DESC, id) WHERE {OPEN}",
    "conv_done_activity_idx": f"inbox_conversation (last_activity_at DESC, id DESC) WHERE {DONE}",
    # search_filter matches a handle with iexact, which PostgreSQL writes UPPER(handle) = UPPER(%s).
    "identity_handle_upper_idx": "inbox_customeridentity (UPPER(handle::text))",
}


def create_indexes(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for name, definition in INDEXES.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop_indexes(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("inbox", "0005_message_search_and_access")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
