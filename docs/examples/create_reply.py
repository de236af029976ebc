#!/usr/bin/env python3
"""Post a reply to a care conversation through the REST API, safely retried.

An example of another tool (a CRM, a bot) answering a customer through care
(docs/api.md, "Replies and the Idempotency-Key"). It needs only Python 3.11+ and
`requests`:

    export CARE_API_TOKEN=...        # Settings -> API tokens, scope "read and write"
    python3 docs/examples/create_reply.py https://care.example.com 42 "Sorry to hear that!"

How it stays safe to retry:

- It makes ONE Idempotency-Key (a uuid4) for the reply, before the first attempt, and
  sends that same key on every retry. care answers 201 the first time it sees the key and
  200 with the same reply afterwards, so the customer gets one reply however often the
  request is repeated.
- It retries on network errors (connection refused or reset, timeouts), on 429 and on
  any 5xx, waiting what `Retry-After` asks when the server sends it, else an exponential
  backoff with jitter. A timeout may mean care made the reply and the answer got lost:
  retrying with the same key is exactly what makes that harmless.
- Any other 4xx (a bad token, a read-only token, a conversation the agent cannot see, an
  empty text) is final: retrying would not change it.

To resume a reply after a crash, pass the key it printed with `--key`. `--repeat` sends
the request a second time with the same key, to see the 200 and the same reply id.
Exit status: 0 when care holds the reply, 1 when care refused it, 2 when it gave up
retrying.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from time import sleep
from typing import Any

import requests

TOKEN_ENV = "CARE_API_TOKEN"  # noqa: S105 (the variable's name, not a token)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_WAIT_S = 60.0  # never wait longer than this between two attempts


@dataclass
class Outcome:
    status: int  # 201: a new reply; 200: the key was seen, the same reply; else an error
    body: dict[str, Any]
    attempts: int

    @property
    def created(self) -> bool:
        return self.status == 201

    @property
    def ok(self) -> bool:
        return self.status in (200, 201)


class GaveUp(Exception):
    """Every attempt failed with a network error, a 429 or a 5xx."""


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` is seconds or an HTTP date; None when missing or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def backoff_seconds(attempt: int, base: float = 0.5) -> float:
    """Exponential with full jitter: 0-0.5 s, 0-1 s, 0-2 s, ... capped at MAX_WAIT_S."""
    return random.uniform(0, min(MAX_WAIT_S, base * 2 ** (attempt - 1)))  # noqa: S311


def create_reply(
    session: requests.Session,
    *,
    base_url: str,
    token: str,
    conversation_id: int,
    text: str,
    key: uuid.UUID,
    private: bool = False,
    attempts: int = 6,
    timeout: float = 10.0,
    log: Any = None,
) -> Outcome:
    """POST the reply with this Idempotency-Key, retrying transient failures with the SAME key.

    Returns the final answer (2xx, or a 4xx that retrying cannot fix); raises GaveUp when
    the last attempt still failed with a network error, a 429 or a 5xx.
    """
    url = f"{base_url.rstrip('/')}/api/v1/conversations/{conversation_id}/replies/"
    headers = {
        "Authorization": f"Bearer {token}",
        "Idempotency-Key": str(key),  # the same on every attempt: that is the whole point
        "Accept": "application/json",
    }
    payload: dict[str, Any] = {"text": text, "private": private}
    last_problem = ""
    for attempt in range(1, attempts + 1):
        wait: float | None = None
        try:
            response = session.post(url, json=payload, headers=headers, timeout=timeout)
        except (requests.ConnectionError, requests.Timeout) as error:
            last_problem = f"network error: {type(error).__name__}"
        else:
            if response.status_code not in RETRY_STATUSES:
                try:
                    body = response.json()
                except ValueError:
                    body = {"message": response.text[:500]}
                return Outcome(response.status_code, body, attempt)
            last_problem = f"HTTP {response.status_code}"
            wait = retry_after_seconds(response.headers.get("Retry-After"))
        if attempt == attempts:
            break
        wait = backoff_seconds(attempt) if wait is None else min(wait, MAX_WAIT_S)
        if log is not None:
            print(
                f"attempt {attempt}: {last_problem}; retrying in {wait:.1f} s "
                f"with the same Idempotency-Key {key}",
                file=log,
            )
        sleep(wait)
    raise GaveUp(f"gave up after {attempts} attempts, the last one: {last_problem}")


def describe(outcome: Outcome) -> str:
    reply = outcome.body
    if outcome.created:
        what = "201 Created: a new reply"
    else:
        what = "200 OK: this key was already used, so this is the same reply, not a second one"
    return (
        f"reply {reply.get('id')}: status {reply.get('status')} "
        f"(conversation {reply.get('conversation')}; {what}; attempts: {outcome.attempts})"
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="create_reply.py",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Post a reply to a care conversation through the REST API (/api/v1/) with an\n"
            "Idempotency-Key, retrying network errors, 429 and 5xx with the same key (and\n"
            "waiting what Retry-After asks), so the customer gets one reply however often\n"
            "the request is retried."
        ),
        epilog=f"""\
The token comes from ${TOKEN_ENV} (Settings -> API tokens, scope "read and write"),
not from the command line, so it stays out of the shell history and `ps`.

Exit status: 0 care holds the reply (201: new; 200: already made with this key),
1 care refused it (a 4xx: bad token, read-only token, unknown conversation, ...),
2 gave up retrying (run again with the --key it printed: care will not post twice).

Example:
  export {TOKEN_ENV}=...
  %(prog)s http://127.0.0.1:8000 42 "Sorry to hear that! Could you DM us?" --repeat
""",
    )
    parser.add_argument("base_url", help="care's address, e.g. https://care.example.com")
    parser.add_argument("conversation", type=int, help="the conversation's id")
    parser.add_argument("text", help="the reply's text")
    parser.add_argument(
        "--private", action="store_true", help="answer privately (a DM) instead of in public"
    )
    parser.add_argument(
        "--key",
        type=uuid.UUID,
        help="resume a reply: the Idempotency-Key an earlier run printed (default: a new uuid4)",
    )
    parser.add_argument(
        "--repeat",
        action="store_true",
        help="send the same request again with the same key: care answers 200, same reply",
    )
    parser.add_argument(
        "--attempts", type=int, default=6, help="tries per request, retries included (6)"
    )
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds to wait for an answer (10)"
    )
    args = parser.parse_args(argv)
    if args.attempts < 1:
        parser.error("--attempts must be at least 1")
    if not os.environ.get(TOKEN_ENV):
        parser.error(f"set {TOKEN_ENV} to an API token (Settings -> API tokens)")
    return args


def main(argv: Sequence[str] | None = None, *, session: requests.Session | None = None) -> int:
    args = parse_args(argv)
    token = os.environ[TOKEN_ENV]
    # One key per logical reply, made before the first attempt and never inside the loop.
    key: uuid.UUID = args.key or uuid.uuid4()
    print(f"Idempotency-Key: {key}  (pass --key {key} to resume this reply)")
    session = session or requests.Session()
    first_id = None
    for round_ in range(2 if args.repeat else 1):
        if round_:
            print("sending the same request again, with the same key ...")
        try:
            outcome = create_reply(
                session,
                base_url=args.base_url,
                token=token,
                conversation_id=args.conversation,
                text=args.text,
                key=key,
                private=args.private,
                attempts=args.attempts,
                timeout=args.timeout,
                log=sys.stderr,
            )
        except GaveUp as error:
            print(f"{error}. Run again with --key {key}: care will not post twice.")
            return 2
        if not outcome.ok:
            body = outcome.body
            print(
                f"care refused the reply: HTTP {outcome.status} {body.get('code', '')}: "
                f"{body.get('message', body)}"
            )
            return 1
        print(describe(outcome))
        if first_id is None:
            first_id = outcome.body.get("id")
        elif outcome.body.get("id") != first_id:  # care guarantees this never happens
            print(f"unexpected: a different reply {outcome.body.get('id')} for the same key")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
