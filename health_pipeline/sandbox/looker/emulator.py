"""A wire-faithful Looker API 4.0 emulator for the unmodified looker_sdk, served over plain HTTP.

Reach it with `looker_sdk.init40()` and `LOOKERSDK_BASE_URL=server.url` (no trailing slash),
`LOOKERSDK_CLIENT_ID`, `LOOKERSDK_CLIENT_SECRET`. Result formats: `json` (a list of rows keyed
`view.field`), `csv` and `txt` (tab-separated). Their header row holds the `view.field` names, a
stable machine format; `csv_labels=True` switches to Looker's UI labels (`User Sessions Account ID`).
A filter Looker cannot apply comes back as HTTP 200 with a `looker_error` row, as Looker reports
query errors. The saved Look `1` ("Platform value pillars") keeps Looker's UI row limit of 5,000:
pass `limit=-1` to `run_look` for every row.
"""
from __future__ import annotations

import csv
import hmac
import io
import itertools
import json
import secrets
import threading
import time
from typing import Any, Callable

from health_pipeline.sandbox.looker.model import (
    DOCS_URL,
    MODEL,
    VIEWS,
    FilterError,
    LookerError,
    check_query,
    run_query,
)
from health_pipeline.sandbox.server.emulator import Emulator, Request, Response, json_response, text_response
from health_pipeline.sandbox.server.faults import RateDecision

API = "/api/4.0"
LOGIN = "POST /api/4.0/login"
CREATE_QUERY = "POST /api/4.0/queries"
RUN_QUERY = "GET /api/4.0/queries/{id}/run/{format}"
RUN_INLINE = "POST /api/4.0/queries/run/{format}"
RUN_LOOK = "GET /api/4.0/looks/{id}/run/{format}"
PILLARS = ("efficiency_score", "revenue_score", "guest_experience_score", "adoption_score")
FORMATS = {"json": "application/json; charset=utf-8", "csv": "text/csv; charset=utf-8",
           "txt": "text/plain; charset=utf-8"}


def default_looks() -> dict[str, dict]:
    """The saved Looks: `1` is "Platform value pillars" over `platform_metrics`, all months."""
    return {"1": {"title": "Platform value pillars", "query": {
        "model": MODEL, "view": "platform_metrics",
        "fields": ["platform_metrics.account_id", "platform_metrics.month", *(f"platform_metrics.{p}" for p in PILLARS)],
        "filters": {}, "sorts": ["platform_metrics.month desc", "platform_metrics.account_id"], "limit": "5000"}}}


def _reader(data: Any) -> tuple[Callable[[str, str], list[dict]], Callable[[], list[str]]]:
    """`rows(view, month)` and `months()` of a data object (also accepts `looker_rows`/`looker_months`)."""
    rows = getattr(data, "rows", None) or getattr(data, "looker_rows", None)
    months = getattr(data, "months", None) or getattr(data, "looker_months", None)
    if not callable(rows) or not callable(months):
        raise TypeError("Looker data needs rows(view, month) and months() (or looker_rows and looker_months)")
    return rows, months


class LookerEmulator(Emulator):
    """Model `alliants` (views user_sessions, feature_usage, platform_metrics) behind Looker's API 4.0."""

    name = "looker"

    def __init__(self, data: Any, *, client_id: str, client_secret: str, token_ttl_seconds: int = 3600,
                 looks: dict | None = None, csv_labels: bool = False) -> None:
        super().__init__()
        self._rows, self._months = _reader(data)
        self._credentials = (client_id.encode(), client_secret.encode())
        self.token_ttl_seconds = token_ttl_seconds
        self.looks: dict[str, dict] = {}
        self.csv_labels = csv_labels
        self._tokens: dict[str, float] = {}
        self._queries: dict[str, dict] = {}
        self._ids = itertools.count(101)
        self._lock = threading.Lock()
        self._look_ids: dict[str, str] = {}
        for look_id, look in (looks if looks is not None else default_looks()).items():
            self.add_look(look_id, look["title"], look["query"])
        add = self.router.add
        add("POST", API + "/login", self._login, LOGIN)
        add("DELETE", r"/api(?:/4\.0)?/logout", self._logout, "DELETE /api/logout")
        add("POST", API + "/queries", self._create_query, CREATE_QUERY)
        add("POST", API + r"/queries/run/(?P<format>\w+)", self._run_inline, RUN_INLINE)
        add("GET", API + r"/queries/(?P<id>\d+)", self._get_query, "GET /api/4.0/queries/{id}")
        add("GET", API + r"/queries/(?P<id>\d+)/run/(?P<format>\w+)", self._run_saved_query, RUN_QUERY)
        add("GET", API + r"/looks/(?P<id>\d+)", self._get_look, "GET /api/4.0/looks/{id}")
        add("GET", API + r"/looks/(?P<id>\d+)/run/(?P<format>\w+)", self._run_look, RUN_LOOK)

    # --- the base's hooks: Looker's own error shapes ---------------------------------------------
    def authenticate(self, request: Request, endpoint: str) -> Response | None:
        """401 "Requires authentication." unless a live token comes as `Bearer` or `token`."""
        if endpoint == LOGIN:
            return None
        scheme, _, token = (request.header("authorization") or "").partition(" ")
        if scheme.lower() in ("bearer", "token") and self._live(token.strip()):
            return None
        return json_response(401, {"message": "Requires authentication.", "documentation_url": DOCS_URL})

    def not_found(self, request: Request) -> Response:
        """Looker's 404 body."""
        return json_response(404, {"message": "Not found", "documentation_url": DOCS_URL})

    def rate_limited(self, decision: RateDecision) -> Response:
        """429 with Looker's message and Retry-After."""
        return json_response(429, {"message": "Too many requests, please try again later.",
                                   "documentation_url": DOCS_URL}, {"Retry-After": str(int(decision.retry_after) + 1)})

    def server_error(self, status: int) -> Response:
        """5xx with Looker's JSON error body."""
        message = "An error has occurred." if status == 500 else "Looker is temporarily unavailable."
        return json_response(status, {"message": message, "documentation_url": DOCS_URL})

    def on_sessions_expired(self) -> None:
        """Invalidate every token issued so far."""
        with self._lock:
            self._tokens.clear()

    # --- sessions ----------------------------------------------------------------------------------
    def _live(self, token: str) -> bool:
        with self._lock:
            issued = self._tokens.get(token)
            if issued is not None and time.monotonic() - issued >= self.token_ttl_seconds:
                del self._tokens[token]
                issued = None
        return issued is not None

    def _login(self, request: Request) -> Response:
        form = {**{k: v[0] for k, v in request.query.items()}, **request.form()}
        given = (form.get("client_id", "").encode(), form.get("client_secret", "").encode())
        if not (hmac.compare_digest(given[0], self._credentials[0]) & hmac.compare_digest(given[1], self._credentials[1])):
            return self.not_found(request)
        token = secrets.token_hex(20)
        with self._lock:
            self._tokens[token] = time.monotonic()
        return json_response(200, {"access_token": token, "token_type": "Bearer", "expires_in": self.token_ttl_seconds,
                                   "refresh_token": None})

    def _logout(self, request: Request) -> Response:
        token = (request.header("authorization") or "").partition(" ")[2].strip()
        with self._lock:
            self._tokens.pop(token, None)
        return Response(204, b"", "text/plain")

    # --- queries and looks ---------------------------------------------------------------------------
    def _body(self, request: Request) -> dict:
        try:
            body = request.json()
        except ValueError:
            raise LookerError(400, "Invalid JSON in request body") from None
        check_query(body)
        return body

    def add_look(self, look_id: str, title: str, query: dict) -> None:
        """Save a Look (title and WriteQuery) under `look_id`, as a user would in Looker."""
        self.looks[look_id] = {"title": title, "query": query}
        self._look_ids[look_id] = self._register(query)["id"]

    def _register(self, body: dict) -> dict:
        """Store a WriteQuery as a Query with a new id, and return the Query."""
        query_id = str(next(self._ids))
        query = {"id": query_id, "model": body["model"], "view": body["view"], "fields": body.get("fields"),
                 "pivots": body.get("pivots"), "fill_fields": body.get("fill_fields") or [],
                 "filters": body.get("filters") or {}, "filter_expression": body.get("filter_expression"),
                 "sorts": body.get("sorts") or [], "limit": body.get("limit"), "column_limit": None,
                 "total": bool(body.get("total")), "row_total": None, "subtotals": None, "vis_config": None,
                 "filter_config": None, "visible_ui_sections": None, "slug": secrets.token_urlsafe(16)[:22],
                 "dynamic_fields": None, "client_id": secrets.token_urlsafe(16)[:22], "share_url": None,
                 "expanded_share_url": None, "url": f"/explore/{body['model']}/{body['view']}?qid={query_id}",
                 "query_timezone": body.get("query_timezone"), "has_table_calculations": False,
                 "can": {"run": True, "see_results": True, "explore": True, "create": True, "show": True}}
        with self._lock:
            self._queries[query_id] = query
        return query

    def _create_query(self, request: Request) -> Response:
        try:
            return json_response(200, self._register(self._body(request)))
        except LookerError as error:
            return json_response(error.status, error.body)

    def _get_query(self, request: Request) -> Response:
        with self._lock:
            query = self._queries.get(request.params["id"])
        return json_response(200, query) if query else self.not_found(request)

    def _run_saved_query(self, request: Request) -> Response:
        with self._lock:
            query = self._queries.get(request.params["id"])
        return self._run(query, request) if query else self.not_found(request)

    def _run_inline(self, request: Request) -> Response:
        try:
            return self._run(self._body(request), request)
        except LookerError as error:
            return json_response(error.status, error.body)

    def _get_look(self, request: Request) -> Response:
        look = self._look_ids.get(request.params["id"])
        if look is None:
            return self.not_found(request)
        query = self._queries[look]
        return json_response(200, {"id": request.params["id"], "title": self.looks[request.params["id"]]["title"],
                                   "query_id": look, "model": {"id": MODEL, "label": MODEL.title()},
                                   "public": False, "deleted": False, "query": query})

    def _run_look(self, request: Request) -> Response:
        look = self._look_ids.get(request.params["id"])
        return self._run(self._queries[look], request) if look else self.not_found(request)

    def _run(self, query: dict, request: Request) -> Response:
        """Run a query in the requested format."""
        fmt = request.params["format"]
        if fmt not in FORMATS:
            return json_response(400, {"message": f"Unsupported result format '{fmt}' (the sandbox serves json, csv "
                                                  "and txt)", "documentation_url": DOCS_URL})
        try:
            columns, rows = run_query(query, self._rows, list(self._months()), request.arg("limit"))
        except LookerError as error:
            return json_response(error.status, error.body)
        except FilterError as error:
            columns, rows = ["looker_error"], [{"looker_error": str(error)}]
        if fmt == "json":
            return text_response(200, json.dumps(rows), FORMATS[fmt])
        header = columns
        if self.csv_labels and columns != ["looker_error"]:
            view = VIEWS[query["view"]]
            header = [view.label(c.partition(".")[2]) for c in columns]
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(header)
        writer.writerows([["" if row[c] is None else row[c] for c in columns] for row in rows])
        return text_response(200, buffer.getvalue(), FORMATS[fmt])
