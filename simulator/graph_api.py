"""Graph API v26.0 under /graph; the code now lives in the simulator.graph package.

This module keeps the old import path working: `from simulator.graph_api import FacebookPlatform`.
"""

from __future__ import annotations

from simulator.graph import FacebookPlatform
from simulator.graph.errors import (
    APP_CALLS_PER_HOUR,
    PAGE_CALLS_PER_HOUR,
    RATE_LIMIT_MESSAGES,
    WINDOW_MESSAGE,
    GraphError,
)
from simulator.graph.messenger import MAX_TEXT, MESSAGE_TAGS
from simulator.graph.platform import GRAPH_VERSION, SCOPES
from simulator.graph.query import FieldSpec, parse_fields
from simulator.graph.state import (
    CUSTOMER_NAMES,
    DAY,
    HOUR,
    HUMAN_AGENT_WINDOW,
    PRIVATE_REPLY_WINDOW,
    STANDARD_WINDOW,
    Comment,
    Conversation,
    Message,
    Post,
    Usage,
    fb_time,
)

__all__ = [
    "APP_CALLS_PER_HOUR",
    "CUSTOMER_NAMES",
    "DAY",
    "GRAPH_VERSION",
    "HOUR",
    "HUMAN_AGENT_WINDOW",
    "MAX_TEXT",
    "MESSAGE_TAGS",
    "PAGE_CALLS_PER_HOUR",
    "PRIVATE_REPLY_WINDOW",
    "RATE_LIMIT_MESSAGES",
    "SCOPES",
    "STANDARD_WINDOW",
    "WINDOW_MESSAGE",
    "Comment",
    "Conversation",
    "FacebookPlatform",
    "FieldSpec",
    "GraphError",
    "Message",
    "Post",
    "Usage",
    "fb_time",
    "parse_fields",
]
