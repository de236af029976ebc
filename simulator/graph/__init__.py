"""Graph API v26.0 for one Facebook Page: feed, comments, Messenger, personas, faults, usage.

Served under /graph, so facebook-sdk's https://graph.facebook.com/v26.0/... arrives here as
/v26.0/... (a version segment is optional). Response shapes follow recorded responses in
restfb's test resources (comments: v5_0/post-with-comment.json; conversations:
conversation.json; Send API: v2_6/sendresponse.json; debug_token: data-debug-token-info.json)
and the error bodies quoted in shared/data/facebook/errors (see PLATFORMS.md for the codes).
"""

from simulator.graph.platform import FacebookPlatform

__all__ = ["FacebookPlatform"]
