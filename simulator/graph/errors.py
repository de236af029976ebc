"""Graph API error bodies (codes, subcodes, fbtrace_id) and the usage headers."""

from __future__ import annotations

import json
import time
from typing import Any

from simulator.graph.state import DAY, HOUR, GraphState

# Usage budgets per rolling hour; the headers report calls as a percent of these.
PAGE_CALLS_PER_HOUR = 200
APP_CALLS_PER_HOUR = 400
RATE_LIMIT_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "Calls to this api have exceeded the rate limit. (613)",
    80001: "(#80001) There have been too many calls to this Page account. Wait a bit and try "
    "again. For more info, please refer to "
    "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
}
WINDOW_MESSAGE = (
    "(#10) This message is sent outside of allowed window. Learn more about the new policy "
    "here: https://developers.facebook.com/docs/messenger-platform/policy-overview"
)


class GraphError(Exception):
    """A Graph API error body; facebook-sdk raises GraphAPIError on its `error` key."""

    def __init__(self, status: int, error: dict[str, Any]) -> None:
        super().__init__(error.get("message"))
        self.status = status
        self.error = error


class GraphErrors(GraphState):
    """Builds the error bodies and usage headers every answer carries."""

    # --- errors and usage ------------------------------------------------------------------
    def _error(
        self,
        message: str,
        *,
        code: int,
        subcode: int | None = None,
        error_type: str = "OAuthException",
        is_transient: bool | None = None,
        user_title: str | None = None,
        user_msg: str | None = None,
    ) -> dict[str, Any]:
        error: dict[str, Any] = {"message": message, "type": error_type}
        if is_transient is not None:
            error["is_transient"] = is_transient
        error["code"] = code
        if subcode is not None:
            error["error_subcode"] = subcode
        if user_title is not None:
            error["error_user_title"] = user_title
        if user_msg is not None:
            error["error_user_msg"] = user_msg
        error["fbtrace_id"] = self._fbtrace_id()
        return error

    def _expired_error(self, subcode: int) -> dict[str, Any]:
        # facebook/errors/observed_error_responses.json (blynk-server#435): times in Pacific.
        now = self.sim.clock.now()
        pacific = "%A, %d-%b-%y %H:%M:%S PST"
        expired = time.strftime(pacific, time.gmtime(now - DAY - 8 * HOUR))
        current = time.strftime(pacific, time.gmtime(now - 8 * HOUR))
        return self._error(
            f"Error validating access token: Session has expired on {expired}. "
            f"The current time is {current}.",
            code=190,
            subcode=subcode,
        )

    def _revoked_error(self, subcode: int) -> dict[str, Any]:
        # exampleErrorNew.json carries error_user_title/error_user_msg.
        return self._error(
            "Error validating access token: The session has been invalidated because the user "
            "changed their password or Facebook has changed the session for security reasons.",
            code=190,
            subcode=subcode,
            user_title="Session invalidated",
            user_msg="Log in to Facebook again to reconnect the Page.",
        )

    def _unsupported(self, method: str, node: str) -> GraphError:
        # batch/batch-first-error.json
        return GraphError(
            400,
            self._error(
                f"Unsupported {method.lower()} request. Object with ID '{node}' does not exist, "
                "cannot be loaded due to missing permissions, or does not support this "
                "operation. Please read the Graph API documentation at "
                "https://developers.facebook.com/docs/graph-api",
                code=100,
                error_type="GraphMethodException",
            ),
        )

    def _param_error(self, message: str) -> GraphError:
        return GraphError(400, self._error(message, code=100))

    def _usage_headers(self, full: int | None = None) -> dict[str, str]:
        """X-App-Usage and X-Business-Use-Case-Usage; `full` = at 100 for that many minutes."""
        now = self.sim.clock.now()
        self.usage.prune(now)
        app = 100 if full is not None else self.usage.percent(APP_CALLS_PER_HOUR)
        page = 100 if full is not None else self.usage.percent(PAGE_CALLS_PER_HOUR)
        regain = full if full is not None else self.usage.regain_minutes(PAGE_CALLS_PER_HOUR, now)
        # Simulated calls are cheap: time budgets fill more slowly than the call count.
        app_usage = {"call_count": app, "total_time": app // 2, "total_cputime": app // 4}
        page_usage = {
            "type": "pages",
            "call_count": page,
            "total_cputime": page // 4,
            "total_time": page // 2,
            "estimated_time_to_regain_access": regain,
        }
        return {
            "X-App-Usage": json.dumps(app_usage),
            "X-Business-Use-Case-Usage": json.dumps({self.page["id"]: [page_usage]}),
        }
