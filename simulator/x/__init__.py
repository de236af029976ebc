"""X API v2 as the simulator serves it under /x: mentions, search, lookup, posts, DMs, media.

Bodies, headers and errors copy recorded traffic (tweepy's cassettes, sns-sdks/python-twitter
testdata, error bodies quoted in public issues; tests/fixtures/SOURCES.md). Everything is in
memory under `sim.lock`. Tweet and DM ids are increasing snowflakes kept in sorted int lists,
so a timeline page is two bisects and a slice, even with 100,000 mentions stored.
"""

from simulator.x.platform import XPlatform

__all__ = ["XPlatform"]
