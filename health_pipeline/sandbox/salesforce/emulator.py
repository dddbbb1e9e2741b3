"""A wire-faithful Salesforce emulator for the unmodified simple_salesforce client, served over HTTPS.

Start it with `EmulatorServer(emulator, ssl_context=SandboxTLS().server_context())` and set
`emulator.base_url = server.url` (otherwise it is derived from the Host header); reach it with
`health_pipeline.sources.salesforce.session.build_salesforce_session(login_url_override=server.url, ...)`.
Speaks: OAuth 2.0 token (client credentials, JWT bearer), the legacy SOAP password login (refused from API
65.0), 414 for a request URI plus headers over 16,384 bytes, REST query/queryMore with cursors, describe, sObject rows (create, read,
update, delete, upsert by external ID), sObject Collections upsert and Bulk API 2.0 ingest. How hard it is (query
batches capped below 2,000, Bulk jobs in progress for some polls) is set by `health_pipeline.sandbox.realism`.
"""
from __future__ import annotations

import hmac
import secrets
import threading
from collections import OrderedDict
from typing import Any

from health_pipeline.sandbox.salesforce.bulk2 import Bulk2Ingest
from health_pipeline.sandbox.salesforce.http import not_found, sf_error
from health_pipeline.sandbox.salesforce.oauth import ConnectedApp, TokenEndpoint
from health_pipeline.sandbox.salesforce.query import BoundQuery
from health_pipeline.sandbox.salesforce.rest import SObjectRows
from health_pipeline.sandbox.salesforce.schema import describe_object, find_object, global_describe
from health_pipeline.sandbox.salesforce.soap import ORG_ID, USER_ID, login_fault, login_response, read_login
from health_pipeline.sandbox.salesforce.soql import SoqlError
from health_pipeline.sandbox.salesforce.store import SalesforceStore
from health_pipeline.sandbox.salesforce.values import make_id
from health_pipeline.sandbox.server.emulator import Emulator, Request, Response, json_response, text_response
from health_pipeline.sandbox.server.faults import RateDecision
from health_pipeline.sandbox.server.reply_faults import LOOP_CURSOR

DATA = r"/services/data/v(?P<ver>\d+\.\d+)"
LOGIN = "POST /services/Soap/u/{version}"
TOKEN = "POST /services/oauth2/token"
VERSIONS = "GET /services/data"
QUERY = "GET /services/data/{version}/query"
QUERY_MORE = "GET /services/data/{version}/query/{locator}"
DESCRIBE = "GET /services/data/{version}/sobjects/{object}/describe"
COLLECTION_UPSERT = "PATCH /services/data/{version}/composite/sobjects/{object}/{field}"
UPSERT = "PATCH /services/data/{version}/sobjects/{object}/{field}/{value}"
BULK_CREATE = "POST /services/data/{version}/jobs/ingest"
BULK_UPLOAD = "PUT /services/data/{version}/jobs/ingest/{id}/batches"
BULK_CLOSE = "PATCH /services/data/{version}/jobs/ingest/{id}"
BULK_STATUS = "GET /services/data/{version}/jobs/ingest/{id}"
BULK_RESULTS = "GET /services/data/{version}/jobs/ingest/{id}/{results}"
BULK_DELETE = "DELETE /services/data/{version}/jobs/ingest/{id}"
MAX_BATCH, MIN_BATCH, MAX_CURSORS = 2000, 200, 50
MAX_URI_AND_HEADERS = 16_384  # bytes; beyond it Salesforce answers 414
FIRST_VERSION_WITHOUT_SOAP_LOGIN = 65.0


def served_batch_size(query_options: str | None, cap: int = MAX_BATCH) -> int:
    """The records a query batch holds: `Sforce-Query-Options: batchSize=N` kept within Salesforce's 200..2,000 (else
    2,000), and never more than the server's `cap` (Salesforce's batches "can be smaller" than asked)."""
    asked = MAX_BATCH
    for option in (query_options or "").split(","):
        name, _, value = option.partition("=")
        if name.strip().lower() == "batchsize" and value.strip().isdigit():
            asked = max(MIN_BATCH, min(MAX_BATCH, int(value)))
    return min(asked, cap)


class SalesforceEmulator(Emulator):
    """An in-memory org behind Salesforce's login, REST and Bulk 2.0 wire formats."""

    name = "salesforce"

    def __init__(self, records: dict[str, list[dict]], *, username: str, password: str, security_token: str,
                 phase2_fields: bool = True, api_version: str = "65.0", app: ConnectedApp | None = None) -> None:
        super().__init__()
        self.store = SalesforceStore(records, phase2_fields=phase2_fields)
        self.api_version = api_version
        self.base_url: str | None = None
        self.bulk_polls_before_complete = 0
        self.batch_cap = MAX_BATCH  # the most records a query batch holds, whatever batchSize asks ("can be smaller")
        self.daily_api_limit = 100_000
        # username -> (password + security token, user Id); the first user is the integration user
        self._users: dict[str, tuple[bytes, str]] = {username: ((password + security_token).encode("utf-8"), USER_ID)}
        self._sessions: dict[str, str] = {}  # session Id -> user Id
        self._cursors: OrderedDict[str, tuple[list[dict], int]] = OrderedDict()
        self._lock = threading.Lock()
        self._api_calls = 0
        self.bulk2 = Bulk2Ingest(self.store, lambda: self.bulk_polls_before_complete)
        rows = SObjectRows(self.store)
        add = self.router.add
        add("POST", r"/services/Soap/u/(?P<ver>\d+\.\d+)/?", self._login, LOGIN)
        if app is not None:
            add("POST", r"/services/oauth2/token/?", TokenEndpoint(app, self._new_session, self._base).token, TOKEN)
        add("GET", r"/services/data/?", self._versions, VERSIONS)
        add("GET", DATA + r"/(?:query|queryAll)/?", self._query, QUERY)
        add("GET", DATA + r"/(?:query|queryAll)/(?P<locator>01g\w+)-(?P<offset>\d+)/?", self._query_more, QUERY_MORE)
        add("GET", DATA + r"/limits/?", self._limits, "GET /services/data/{version}/limits")
        add("GET", DATA + r"/sobjects/?", self._global_describe, "GET /services/data/{version}/sobjects")
        add("GET", DATA + r"/sobjects/(?P<object>\w+)/describe/?", self._describe, DESCRIBE)
        add("PATCH", DATA + r"/composite/sobjects/(?P<object>\w+)/(?P<field>\w+)/?", rows.upsert_collection,
            COLLECTION_UPSERT)
        add("POST", DATA + r"/sobjects/(?P<object>\w+)/?", rows.create, "POST /services/data/{version}/sobjects/{object}")
        record = DATA + r"/sobjects/(?P<object>\w+)/(?P<id>[A-Za-z0-9]{18}|[A-Za-z0-9]{15})/?"
        add("GET", record, rows.read, "GET /services/data/{version}/sobjects/{object}/{id}")
        add("PATCH", record, rows.update, "PATCH /services/data/{version}/sobjects/{object}/{id}")
        add("DELETE", record, rows.delete, "DELETE /services/data/{version}/sobjects/{object}/{id}")
        by_ext = DATA + r"/sobjects/(?P<object>\w+)/(?P<field>\w+)/(?P<value>[^/]+)/?"
        add("PATCH", by_ext, rows.upsert, UPSERT)
        add("GET", by_ext, rows.read_by_external_id, "GET /services/data/{version}/sobjects/{object}/{field}/{value}")
        job = DATA + r"/jobs/ingest/(?P<job>\w+)"
        add("POST", DATA + r"/jobs/ingest/?", self.bulk2.create, BULK_CREATE)
        add("PUT", job + r"/batches/?", self.bulk2.upload, BULK_UPLOAD)
        add("PATCH", job + "/?", self.bulk2.set_state, BULK_CLOSE)
        add("GET", job + "/?", self.bulk2.info, BULK_STATUS)
        add("GET", job + r"/(?P<kind>successfulResults|failedResults|unprocessed[Rr]ecords)/?", self.bulk2.results,
            BULK_RESULTS)
        add("DELETE", job + "/?", self.bulk2.delete, BULK_DELETE)

    def loop_reply(self, payload: Any) -> Any:
        """A query page whose `nextRecordsUrl` names the looping locator."""
        if not isinstance(payload, dict) or "totalSize" not in payload:
            return None
        # any API version reaches the same route; the client follows the URL as given
        return {**payload, "done": False, "nextRecordsUrl": f"/services/data/v59.0/query/{LOOP_CURSOR}-0"}

    def add_user(self, username: str, password: str, security_token: str) -> str:
        """Another user who can log in (e.g. an admin editing records by hand); returns the user's Id."""
        with self._lock:
            user_id = make_id("005", 1000 + len(self._users))
            self._users[username] = ((password + security_token).encode("utf-8"), user_id)
        return user_id

    # --- the base's hooks: Salesforce's own error shapes -------------------------------------------
    def authenticate(self, request: Request, endpoint: str) -> Response | None:
        """401 INVALID_SESSION_ID (a JSON array, which simple_salesforce reads to log in again)."""
        if endpoint in (LOGIN, TOKEN, VERSIONS):
            return None
        scheme, _, token = (request.header("authorization") or "").partition(" ")
        with self._lock:
            known = scheme.lower() in ("bearer", "oauth") and token.strip() in self._sessions
        return None if known else sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid")

    def not_found(self, request: Request) -> Response:
        """404 NOT_FOUND array."""
        return not_found()

    def rate_limited(self, decision: RateDecision) -> Response:
        """Salesforce limits with 403 REQUEST_LIMIT_EXCEEDED, not 429."""
        return sf_error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")

    def server_error(self, status: int) -> Response:
        """5xx with Salesforce's JSON array body."""
        if status == 503:
            return sf_error(503, "SERVER_UNAVAILABLE", "Server unavailable, please try again later.")
        return sf_error(status, "UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this ErrorId if "
                        "you contact support: 1234567890-12345 (-1234567890)")

    def on_sessions_expired(self) -> None:
        """Forget every session: the next REST call gets INVALID_SESSION_ID."""
        with self._lock:
            self._sessions.clear()

    def handle(self, request: Request) -> Response | None:
        """The base's handling, writes attributed to the session's user, `Sforce-Limit-Info` on REST replies; 414 for
        an over-long request."""
        size = len(request.target.encode("utf-8")) + sum(len(f"{k}: {v}\r\n") for k, v in request.headers.items())
        if size > MAX_URI_AND_HEADERS:
            return text_response(414, "<html><body>414 Request-URI Too Large</body></html>", "text/html")
        _, _, token = (request.header("authorization") or "").partition(" ")
        with self._lock:
            user_id = self._sessions.get(token.strip(), USER_ID)
        with self.store.acting_as(user_id):
            response = super().handle(request)
        if response is not None and request.path.startswith("/services/data/"):
            with self._lock:
                self._api_calls += 1
                used = self._api_calls
            response.headers["Sforce-Limit-Info"] = f"api-usage={used}/{self.daily_api_limit}"
        return response

    # --- login and queries ---------------------------------------------------------------------
    def _login(self, request: Request) -> Response:
        credentials = read_login(request.body)
        if credentials is None:
            return text_response(500, login_fault("INVALID_REQUEST", "The request is not a partner login call."),
                                 "text/xml; charset=utf-8")
        if float(request.params["ver"]) >= FIRST_VERSION_WITHOUT_SOAP_LOGIN:
            return text_response(500, login_fault("UNSUPPORTED_API_VERSION", "SOAP login() is not available from "
                                                  "API version 65.0: use OAuth 2.0"), "text/xml; charset=utf-8")
        username, secret = credentials
        expected, user_id = self._users.get(username, (b"", ""))
        if not (user_id and hmac.compare_digest(secret.encode("utf-8"), expected)):
            return text_response(500, login_fault(), "text/xml; charset=utf-8")
        return text_response(200, login_response(self._new_session(user_id), self._base(request), request.params["ver"],
                                                 username, user_id), "text/xml; charset=utf-8")

    def _new_session(self, user_id: str = USER_ID) -> str:
        """A new session ID (also an OAuth access token) of `user_id`, accepted until sessions expire."""
        session = f"{ORG_ID}!AQ{secrets.token_urlsafe(48)}"
        with self._lock:
            self._sessions[session] = user_id
        return session

    def _base(self, request: Request) -> str:
        """The instance URL clients are sent to after login."""
        return self.base_url or f"https://{request.header('host', '127.0.0.1')}"

    def _query(self, request: Request) -> Response:
        soql = request.arg("q")
        if not soql:
            return sf_error(400, "MALFORMED_QUERY", "A query string must be provided with the q parameter")
        try:
            bound = BoundQuery(soql, self.store.phase2)
        except SoqlError as error:
            return sf_error(400, error.code, error.message)
        candidates = self._candidates(bound.sobject.name, soql)
        rows = bound.run(self.store.records(bound.sobject.name) if candidates is None else candidates)
        if bound.ast.count:
            return json_response(200, {"totalSize": len(rows), "done": True, "records": []})
        version = request.params["ver"]
        records = [bound.project(row, version, self.store.get) for row in rows]
        return self._page(records, 0, served_batch_size(request.header("sforce-query-options"), self.batch_cap),
                          version, None)

    def _candidates(self, sobject: str, soql: str) -> list[dict] | None:
        """The records a statement may match, in stored order, when narrower than the whole object (None: all)."""
        return None

    def _query_more(self, request: Request) -> Response:
        with self._lock:
            cursor = self._cursors.get(request.params["locator"])
        if cursor is None:
            return sf_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        records, batch = cursor
        return self._page(records, int(request.params["offset"]), batch, request.params["ver"],
                          request.params["locator"])

    def _page(self, records: list[dict], offset: int, batch: int, version: str, locator: str | None) -> Response:
        """One batch of a query result, with `nextRecordsUrl` while more remain."""
        end = offset + batch
        body: dict[str, Any] = {"totalSize": len(records), "done": end >= len(records)}
        if end < len(records):
            with self._lock:
                if locator is None:
                    locator = make_id("01g", secrets.randbelow(62 ** 9))
                    self._cursors[locator] = (records, batch)
                    while len(self._cursors) > MAX_CURSORS:
                        self._cursors.popitem(last=False)
            body["nextRecordsUrl"] = f"/services/data/v{version}/query/{locator}-{end}"
        elif locator is not None:
            with self._lock:
                self._cursors.pop(locator, None)
        body["records"] = records[offset:end]
        return json_response(200, body)

    def _versions(self, request: Request) -> Response:
        return json_response(200, [{"label": "Winter '26", "url": f"/services/data/v{self.api_version}",
                                    "version": self.api_version}])

    def _limits(self, request: Request) -> Response:
        with self._lock:
            used = self._api_calls
        return json_response(200, {"DailyApiRequests": {"Max": self.daily_api_limit,
                                                        "Remaining": self.daily_api_limit - used}})

    def _global_describe(self, request: Request) -> Response:
        return json_response(200, global_describe(request.params["ver"]))

    def _describe(self, request: Request) -> Response:
        spec = find_object(request.params["object"])
        if spec is None:
            return not_found()
        return json_response(200, describe_object(spec, self.store.phase2, request.params["ver"]))
