"""The Intercom REST emulator: conversation and contact search with cursors, single conversations and companies."""
from __future__ import annotations

import itertools
import math

from health_pipeline.sandbox.intercom.contacts import (
    CONTACT_DEFAULT_PER_PAGE,
    CONTACT_MAX_PER_PAGE,
    ContactPage,
    search_contacts,
    validate_contact_query,
)
from health_pipeline.sandbox.intercom.search import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    Page,
    SearchEngine,
    SearchError,
    validate,
)
from health_pipeline.sandbox.server.emulator import Emulator, Request, Response, json_response
from health_pipeline.sandbox.server.faults import RateDecision
from health_pipeline.sandbox.server.reply_faults import LOOP_CURSOR
from health_pipeline.sandbox.world.data import SandboxData

SUPPORTED_VERSIONS = ("2.11", "2.12", "2.13", "2.14", "2.15")
COMPANY_ON_CONVERSATION = "2.15"  # first version whose conversations carry a `company` object


class IntercomEmulator(Emulator):
    """Speaks Intercom's REST API (versions 2.11-2.15) over the given data.

    `strict_search` (the default) refuses, as Intercom does, conversation-search fields and operators outside the
    2.15 searchable-field table; off, it also accepts `company.id` and the sandbox's older, looser operator set.
    """

    name = "intercom"

    def __init__(self, data: SandboxData, token: str, api_version: str = "2.15", strict_search: bool = True) -> None:
        super().__init__()
        if api_version not in SUPPORTED_VERSIONS:
            raise ValueError(f"api_version must be one of {', '.join(SUPPORTED_VERSIONS)}, got {api_version!r}")
        self.data, self.token, self.api_version = data, token, api_version
        self.strict_search = strict_search
        self.engine = SearchEngine(data)
        self._request_ids = itertools.count(1)
        self.router.add("POST", r"/conversations/search", self._search, "POST /conversations/search")
        self.router.add("POST", r"/contacts/search", self._search_contacts, "POST /contacts/search")
        self.router.add("GET", r"/conversations/(?P<id>[^/]+)", self._conversation, "GET /conversations/{id}")
        self.router.add("GET", r"/companies/(?P<id>[^/]+)", self._company, "GET /companies/{id}")

    # -- the vendor's error shapes ----------------------------------------------------------------
    def error(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
        """An Intercom `error.list` reply."""
        body = {"type": "error.list", "request_id": f"sbx{next(self._request_ids):017x}",
                "errors": [{"code": code, "message": message}]}
        return json_response(status, body, headers)

    def authenticate(self, request: Request, endpoint: str) -> Response | None:
        """401 unless the bearer token matches; 400 for an Intercom-Version the emulator does not speak."""
        scheme, _, token = (request.header("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or token.strip() != self.token:
            return self.error(401, "unauthorized", "Access Token Invalid")
        version = request.header("intercom-version")
        if version is not None and version not in SUPPORTED_VERSIONS:
            return self.error(400, "intercom_version_invalid",
                              f"The requested version '{version}' is not valid. "
                              f"Supported versions: {', '.join(SUPPORTED_VERSIONS)}")
        return None

    def loop_reply(self, payload: object) -> object:
        """A search page whose `pages.next.starting_after` is the looping cursor."""
        if not isinstance(payload, dict) or "conversations" not in payload:
            return None
        pages = dict(payload.get("pages") or {})
        pages["next"] = {"per_page": pages.get("per_page", DEFAULT_PER_PAGE), "starting_after": LOOP_CURSOR}
        return {**payload, "pages": pages}

    def not_found(self, request: Request) -> Response:
        """Unknown path."""
        return self.error(404, "not_found", "Resource Not Found")

    def rate_limited(self, decision: RateDecision) -> Response:
        """429 with the three X-RateLimit headers."""
        headers = self.rate_limit_headers(decision)
        return self.error(429, "rate_limit_exceeded", "You have exceeded the rate limit. Please try again later.",
                          headers)

    def rate_limit_headers(self, decision: RateDecision) -> dict[str, str]:
        """X-RateLimit-Limit / -Remaining / -Reset (UNIX seconds) while a limit is set."""
        return {"X-RateLimit-Limit": str(decision.limit), "X-RateLimit-Remaining": str(decision.remaining),
                "X-RateLimit-Reset": str(math.ceil(decision.reset_at))}

    def server_error(self, status: int) -> Response:
        """A 5xx in Intercom's shape."""
        if status == 503:
            return self.error(503, "service_unavailable", "Sorry, the API service is temporarily unavailable")
        return self.error(status, "server_error", "Server Error")

    # -- endpoints --------------------------------------------------------------------------------
    def _version(self, request: Request) -> str:
        return request.header("intercom-version") or self.api_version

    def _shape(self, conversation: dict, version: str) -> dict:
        if version >= COMPANY_ON_CONVERSATION:  # same-length "2.1x" strings compare like versions
            return conversation
        return {key: value for key, value in conversation.items() if key != "company"}

    def _search_body(self, request: Request, default: int, maximum: int) -> tuple[dict, int, object] | Response:
        """(query, per_page, cursor) of a search request, or the 400 Intercom answers a malformed one with."""
        try:
            body = request.json()
        except ValueError:
            return self.error(400, "parameter_invalid", "Request body is not valid JSON")
        if not isinstance(body, dict) or "query" not in body:
            return self.error(400, "parameter_invalid", "query is required")
        pagination = body.get("pagination") or {}
        if not isinstance(pagination, dict):
            return self.error(400, "parameter_invalid", "pagination must be an object")
        per_page = pagination.get("per_page", default)
        if isinstance(per_page, bool) or not isinstance(per_page, int) or per_page < 1:
            return self.error(400, "parameter_invalid", "per_page must be a positive integer")
        if per_page > maximum:
            return self.error(400, "per_page_invalid", f"per_page is over the max of {maximum}")
        return body["query"], per_page, pagination.get("starting_after")

    @staticmethod
    def _pages(page: Page | ContactPage, per_page: int) -> dict:
        """The reply's `pages` object; `next` only when another page follows."""
        pages: dict = {"type": "pages", "page": page.page, "per_page": per_page, "total_pages": page.total_pages}
        if page.next_cursor is not None:
            pages["next"] = {"per_page": per_page, "starting_after": page.next_cursor}
        return pages

    def _search_contacts(self, request: Request) -> Response:
        parsed = self._search_body(request, CONTACT_DEFAULT_PER_PAGE, CONTACT_MAX_PER_PAGE)
        if isinstance(parsed, Response):
            return parsed
        query, per_page, cursor = parsed
        try:
            validate_contact_query(query)
            page = search_contacts(self.data, query, per_page, cursor)
        except SearchError as problem:
            return self.error(400, problem.code, str(problem))
        return json_response(200, {"type": "list", "data": page.contacts, "total_count": page.total_count,
                                   "pages": self._pages(page, per_page)})

    def _search(self, request: Request) -> Response:
        parsed = self._search_body(request, DEFAULT_PER_PAGE, MAX_PER_PAGE)
        if isinstance(parsed, Response):
            return parsed
        query, per_page, cursor = parsed
        try:
            validate(query, strict=self.strict_search)
            page = self.engine.search(query, per_page, cursor)
        except SearchError as problem:
            return self.error(400, problem.code, str(problem))
        version = self._version(request)
        return json_response(200, {"type": "conversation.list",
                                   "conversations": [self._shape(c, version) for c in page.conversations],
                                   "total_count": page.total_count, "pages": self._pages(page, per_page)})

    def _conversation(self, request: Request) -> Response:
        found = self.data.intercom_conversation(request.params["id"])
        if found is None:
            return self.error(404, "not_found", "Resource Not Found")
        return json_response(200, self._shape(found, self._version(request)))

    def _company(self, request: Request) -> Response:
        found = self.data.intercom_company(request.params["id"])
        if found is None:
            return self.error(404, "company_not_found", "Company Not Found")
        return json_response(200, found)
