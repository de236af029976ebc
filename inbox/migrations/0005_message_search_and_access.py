"""Full-text search over message text on PostgreSQL, and channel access for existing agents."""

from typing import Any

from django.db import migrations

# The same expression Django's SearchVector("text", config="simple") writes, so the
# planner uses this index for the inbox search. "simple": no stemming, because the team
# searches in English and Bahasa Indonesia alike.
CREATE = (
    "CREATE INDEX IF NOT EXISTS msg_text_search_idx ON inbox_message "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(text, '')))"
)
DROP = "DROP INDEX IF EXISTS msg_text_search_idx"


def create_search_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_search_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


def open_channels_to_existing_agents(apps: Any, schema_editor: Any) -> None:
    # Before this migration every agent saw every channel: keep it that way.
    agents = apps.get_model("care", "Agent").objects.all()
    accounts = list(apps.get_model("inbox", "ChannelAccount").objects.all())
    for agent in agents:
        agent.channels.add(*accounts)


class Migration(migrations.Migration):
    dependencies = [("inbox", "0004_agents_inbox")]

    operations = [
        migrations.RunPython(create_search_index, drop_search_index),
        migrations.RunPython(open_channels_to_existing_agents, migrations.RunPython.noop),
    ]
