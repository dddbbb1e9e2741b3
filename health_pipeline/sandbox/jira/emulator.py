"""The Jira Cloud REST emulator: /rest/api/3/search/jql with token paging, and the removed search APIs."""
from __future__ import annotations

import base64
import binascii
import math
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from health_pipeline.sandbox.jira.evaluate import JiraSearch
from health_pipeline.sandbox.jira.jql import JqlError
from health_pipeline.sandbox.jira.paging import JiraPaging
from health_pipeline.sandbox.server.emulator import Emulator, Request, Response, json_response
from health_pipeline.sandbox.server.faults import RateDecision
from health_pipeline.sandbox.server.reply_faults import LOOP_CURSOR
from health_pipeline.sandbox.world.data import SandboxData

DEFAULT_MAX_RESULTS = 50
REMOVED_MESSAGE = ("The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
                   "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046")
UNAUTHENTICATED = "You are not authenticated. Authentication required to perform this operation."
ALL_FIELD_SETS = ("*all", "*navigable")


def jira_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """A reply in Jira's `{"errorMessages": [...], "errors": {}}` shape."""
    return json_response(status, {"errorMessages": [message], "errors": {}}, headers)


def parse_fields(raw: Any) -> set[str] | None:
    """The requested field names (None = all); default is `id` only, as Jira's search/jql does."""
    if raw is None:
        return {"id"}
    items = raw if isinstance(raw, list) else [raw]
    names = [part.strip() for item in items for part in str(item).split(",") if part.strip()]
    if not names:
        return {"id"}
    if any(name in ALL_FIELD_SETS for name in names):
        removed = {name[1:] for name in names if name.startswith("-")}
        return None if not removed else _AllBut(removed)
    return {name for name in names if not name.startswith("-")} | {"id"}


class _AllBut(set):
    """Every field except the ones removed with `-name` (`*all,-comment`)."""

    def __init__(self, removed: set[str]) -> None:
        super().__init__()
        self.removed = removed

    def __contains__(self, name: object) -> bool:
        return name not in self.removed


class JiraEmulator(Emulator):
    """Speaks Jira Cloud's REST API v3 search over the given data, with basic auth."""

    name = "jira"

    def __init__(self, data: SandboxData, email: str, api_token: str, max_results_cap: int = 100,
                 user_time_zone: str = "UTC") -> None:
        super().__init__()
        self.data, self.email, self.api_token = data, email, api_token
        self.paging = JiraPaging(cap=int(max_results_cap))
        self.set_user_time_zone(user_time_zone)
        self.router.add("GET", r"/rest/api/3/search/jql", self._search, "GET /rest/api/3/search/jql")
        self.router.add("POST", r"/rest/api/3/search/jql", self._search, "POST /rest/api/3/search/jql")
        self.router.add("GET", r"/rest/api/3/myself", self._myself, "GET /rest/api/3/myself")
        for version in ("2", "3"):
            for method in ("GET", "POST"):
                self.router.add(method, rf"/rest/api/{version}/search", self._removed,
                                f"{method} /rest/api/{version}/search")

    def set_user_time_zone(self, name: str) -> None:
        """The API user's profile time zone (an IANA name): JQL dates are read in it, as Jira Cloud does."""
        self.user_time_zone = name
        self.search = JiraSearch(self.data, zone=ZoneInfo(name))

    # -- the vendor's error shapes ----------------------------------------------------------------
    def authenticate(self, request: Request, endpoint: str) -> Response | None:
        """401 unless HTTP Basic carries the configured e-mail and API token."""
        scheme, _, encoded = (request.header("authorization") or "").partition(" ")
        try:
            given = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            given = None
        if scheme.lower() == "basic" and given == f"{self.email}:{self.api_token}":
            return None
        return jira_error(401, UNAUTHENTICATED, {"WWW-Authenticate": 'Basic realm="protected-area"'})

    def loop_reply(self, payload: Any) -> Any:
        """A search page whose `nextPageToken` is the looping cursor."""
        if not isinstance(payload, dict) or "issues" not in payload:
            return None
        return {**payload, "nextPageToken": LOOP_CURSOR, "isLast": False}

    def not_found(self, request: Request) -> Response:
        """Unknown path."""
        return jira_error(404, f"No resource found for {request.method} {request.path}")

    def rate_limited(self, decision: RateDecision) -> Response:
        """429 with Retry-After (seconds) and the X-RateLimit headers (reset as an ISO time)."""
        headers = self.rate_limit_headers(decision)
        headers["Retry-After"] = str(max(1, math.ceil(decision.retry_after)))
        return jira_error(429, "Rate limit exceeded.", headers)

    def rate_limit_headers(self, decision: RateDecision) -> dict[str, str]:
        """X-RateLimit-Limit / -Remaining / -Reset while a limit is set."""
        reset = datetime.fromtimestamp(math.ceil(decision.reset_at), tz=timezone.utc)
        return {"X-RateLimit-Limit": str(decision.limit), "X-RateLimit-Remaining": str(decision.remaining),
                "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%SZ")}

    def server_error(self, status: int) -> Response:
        """A 5xx in Jira's shape; 503s say when to come back."""
        if status == 503:
            return jira_error(503, "Service Unavailable. Please try again later.", {"Retry-After": "1"})
        return jira_error(status, "Internal server error.")

    # -- endpoints --------------------------------------------------------------------------------
    def _removed(self, request: Request) -> Response:
        return jira_error(410, REMOVED_MESSAGE)

    def _myself(self, request: Request) -> Response:
        return json_response(200, {"accountId": "5b10ac8d82e05b22cc7d4ef5", "emailAddress": self.email,
                                   "displayName": "Sandbox User", "active": True, "accountType": "atlassian",
                                   "timeZone": self.user_time_zone, "locale": "en_US"})

    def _params(self, request: Request) -> dict[str, Any]:
        if request.method == "GET":
            fields = [value for value in request.query.get("fields", [])] or None
            return {"jql": request.arg("jql"), "nextPageToken": request.arg("nextPageToken"),
                    "maxResults": request.arg("maxResults"), "fields": fields, "expand": request.arg("expand")}
        body = request.json()
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        return body

    def _search(self, request: Request) -> Response:
        try:
            params = self._params(request)
        except ValueError:
            return jira_error(400, "Invalid request payload. Refer to the REST API documentation and try again.")
        raw_max = params.get("maxResults")
        try:
            asked = DEFAULT_MAX_RESULTS if raw_max is None else int(raw_max)
            if isinstance(raw_max, (bool, float)) or asked < 0:
                raise ValueError(raw_max)
        except (TypeError, ValueError):
            return jira_error(400, f"The value '{raw_max}' is invalid for the maxResults parameter.")
        jql = params.get("jql") or ""
        if not isinstance(jql, str):
            return jira_error(400, "Error in the JQL Query: jql must be a string.")
        token = params.get("nextPageToken")
        try:
            issues, next_token = self.search.page(jql, None if token in (None, "") else str(token),
                                                  lambda number: self.paging.size(asked, number),
                                                  parse_fields(params.get("fields")),
                                                  f"http://{request.header('host', '127.0.0.1')}")
        except JqlError as problem:
            return jira_error(400, str(problem))
        reply: dict[str, Any] = {"issues": issues, "isLast": next_token is None}
        if next_token is not None:
            reply["nextPageToken"] = next_token
        return json_response(200, reply)
