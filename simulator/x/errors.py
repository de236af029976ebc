"""X's error answers: RFC 7807 problem bodies and the ApiError that ends a request early."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from simulator.core import json_response

PROBLEM_JSON = "application/problem+json"
PROBLEMS = "https://api.twitter.com/2/problems/"

# Observed bodies: shared/data/x/errors, xdevplatform/samples#69, myConsciousness/twitter-api-v2#44.
UNAUTHORIZED = {
    "title": "Unauthorized",
    "type": "about:blank",
    "status": 401,
    "detail": "Unauthorized",
}
TOO_MANY_REQUESTS = {
    "title": "Too Many Requests",
    "type": "about:blank",
    "status": 429,
    "detail": "Too Many Requests",
}
SERVICE_UNAVAILABLE = {
    "title": "Service Unavailable",
    "detail": "Service Unavailable",
    "type": "about:blank",
    "status": 503,
}
DUPLICATE = {
    "detail": "You are not allowed to create a Tweet with duplicate content.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}
REPLY_TARGET_GONE = {
    "detail": "You attempted to reply to a Tweet that is deleted or not visible to you.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}
TOO_LONG = {
    "detail": "Your Tweet text is too long. For more information on how Twitter determines "
    "text length see https://github.com/twitter/twitter-text.",
    "type": "about:blank",
    "title": "Bad Request",
    "status": 400,
}
NOT_YOURS = {
    "detail": "You are not allowed to delete this Tweet.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}
UNSUPPORTED_AUTHENTICATION = {
    "title": "Unsupported Authentication",
    "detail": "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  "
    "Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
    "type": PROBLEMS + "unsupported-authentication",
    "status": 403,
}
# Liking a deleted or unknown post: a 400 naming no parameter (JoeMayo/LinqToTwitter#364).
LIKE_TARGET_GONE = {
    "errors": [{"message": "This tweet cannot be found."}],
    "title": "Invalid Request",
    "detail": "One or more parameters to your request was invalid.",
    "type": PROBLEMS + "invalid-request",
}
# Acting for a user other than the token's: not observed, worded like X's other 403s.
NOT_THIS_USER = {
    "detail": "You are not permitted to act on behalf of this user.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}
NO_ROUTE = {"title": "Not Found", "type": "about:blank", "status": 404, "detail": "Not Found"}


class ApiError(Exception):
    """Ends a request early with X's answer (a 400 problem, a 404…)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def problem(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return json_response(
        body, status=int(body.get("status", 400)), headers=headers, content_type=PROBLEM_JSON
    )


def invalid(parameter: str, value: str, message: str) -> ApiError:
    """X's 400 for a bad parameter: one `errors[]` entry naming it, no `status` key."""
    body = {
        "errors": [{"parameters": {parameter: [value]}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": PROBLEMS + "invalid-request",
    }
    return ApiError(json_response(body, status=400, content_type=PROBLEM_JSON))


def not_found_error(value: str, parameter: str, resource: str = "tweet") -> dict[str, Any]:
    """A partial error: the tweet (or user) is missing but the request as a whole succeeded."""
    return {
        "value": value,
        "detail": f"Could not find {resource} with {parameter}: [{value}].",
        "title": "Not Found Error",
        "resource_type": resource,
        "parameter": parameter,
        "resource_id": value,
        "type": PROBLEMS + "resource-not-found",
    }
