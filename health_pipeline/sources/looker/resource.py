"""Looker: the resource (instance URL, API3 client credentials) and a client over the real looker_sdk."""
from __future__ import annotations

import json
from typing import Any, Callable, Optional, TypeVar

import looker_sdk
from looker_sdk import error as looker_error
from looker_sdk.rtl import api_settings, auth_session, auth_token, requests_transport, serialize
from looker_sdk.sdk.api40 import methods as methods40
from looker_sdk.sdk.api40 import models as models40
from pydantic import Field

from health_pipeline.sources.common.bounded import REFUSED
from health_pipeline.sources.common.errors import SourceError, short_body
from health_pipeline.sources.common.http import CallStats, LogFunction, build_http_session, endpoint_name
from health_pipeline.sources.common.resource import HttpSourceResource

SOURCE = "Looker"
LOGIN_CALL = "POST /api/4.0/login"
LOGIN_KEYS = "LOOKER_CLIENT_ID / LOOKER_CLIENT_SECRET / LOOKER_BASE_URL"
T = TypeVar("T")


class _InjectedSettings(api_settings.ApiSettings):
    """looker_sdk settings from the resource's values instead of looker.ini or the environment."""

    def __init__(self, values: dict[str, str]) -> None:
        self._values = values
        super().__init__(sdk_version=looker_sdk.__version__ if hasattr(looker_sdk, "__version__") else "")

    def read_config(self) -> api_settings.SettingsConfig:
        """The injected values (looker_sdk reads credentials through this method at login)."""
        return dict(self._values)  # type: ignore[return-value]


class LookerResource(HttpSourceResource):
    """Looker API 4.0 access: the instance URL and an API client ID and secret."""

    base_url: Optional[str] = Field(default=None, description="Instance URL, e.g. https://yourcompany.looker.com.")
    client_id: Optional[str] = Field(default=None, description="API client ID (from LOOKER_CLIENT_ID).")
    client_secret: Optional[str] = Field(default=None, description="API client secret (secret; LOOKER_CLIENT_SECRET).")
    verify_ssl: bool = Field(default=True, description="Verify the instance's TLS certificate.")

    def is_configured(self) -> bool:
        """True when the URL, client ID and secret are all set."""
        return bool(self.base_url and self.client_id and self.client_secret)

    def open_client(self, log: LogFunction | None = None) -> "LookerClient":
        """A looker_sdk 4.0 client whose transport is the shared retrying session."""
        settings = _InjectedSettings({
            # a trailing slash would make looker_sdk call '//api/4.0/login'
            "base_url": (self.base_url or "").rstrip("/"),
            "client_id": self.client_id or "",
            "client_secret": self.client_secret or "",
            "verify_ssl": "true" if self.verify_ssl else "false",
            "timeout": str(int(self.read_timeout)),
        })
        session, stats = build_http_session(SOURCE, self.retry_settings(), log)
        last_reply = _LastReply()
        session.hooks["response"].append(last_reply)
        transport = requests_transport.RequestsTransport(settings, session)
        sdk = methods40.Looker40SDK(
            auth_session.AuthSession(settings, transport, serialize.deserialize40, "4.0"),
            serialize.deserialize40, serialize.serialize40, transport, "4.0",
        )
        return LookerClient(sdk, stats, last_reply)


class _LastReply:
    """A requests response hook remembering the endpoint and status of the latest reply: looker_sdk's
    errors carry neither, and the failing request may be the SDK's own login rather than the call made."""

    def __init__(self) -> None:
        self.endpoint: str | None = None
        self.status: int | None = None

    def clear(self) -> None:
        """Forget the previous reply (before a new call)."""
        self.endpoint = self.status = None

    def __call__(self, response: Any, *args: Any, **kwargs: Any) -> None:
        self.endpoint = endpoint_name(response.request.method, response.request.url)
        self.status = response.status_code


def _looker_message(error: looker_error.SDKError) -> str:
    """Looker's own error message, without the SDK's multi-line decoration (nor the JSON body around it,
    which the SDK leaves in place for a failed login)."""
    message = getattr(error, "message", "") or str(error)
    try:
        body = json.loads(message)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        message = body["message"]
    return short_body(message)


class LookerClient:
    """Runs inline queries and saved Looks, logging in again once if the server dropped the token."""

    def __init__(self, sdk: methods40.Looker40SDK, stats: CallStats, last_reply: _LastReply | None = None) -> None:
        self.sdk = sdk
        self.stats = stats
        self.last_reply = last_reply or _LastReply()
        self._sent_before = 0

    def _call(self, call: str, action: Callable[[], T]) -> T:
        for attempt in (1, 2):
            self.last_reply.clear()
            self._sent_before = self.stats.total_calls()
            try:
                return action()
            except looker_error.SDKError as error:
                message = _looker_message(error)
                if attempt == 1 and "authentication" in message.lower():
                    # the server expired the token early: forget it so the SDK logs in again
                    self.sdk.auth.token = auth_token.AuthToken()
                    continue
                raise self._failure(call, message) from None
            except serialize.DeserializeError:
                # looker_sdk parses the login reply itself (query results come back as raw text)
                endpoint = self.last_reply.endpoint or call
                raise SourceError(SOURCE, endpoint, "the reply is not valid JSON", status=self.last_reply.status) from None
        raise AssertionError("unreachable")

    def _failure(self, call: str, problem: str) -> SourceError:
        """A SourceError naming the request that failed (the SDK's login, or `call`) and its HTTP status."""
        endpoint, status = self.last_reply.endpoint, self.last_reply.status
        if problem.startswith(REFUSED):  # the HTTP layer refused the reply (deadline, size); the SDK kept its text
            return SourceError(SOURCE, call, problem.removeprefix(REFUSED))
        if status is None or status < 400:  # no failed reply: the request got none, or was never sent
            if self.stats.total_calls() > self._sent_before:  # looker_sdk turned a connection error into SDKError
                return SourceError(SOURCE, call, "no reply after retries")
            return SourceError(SOURCE, call, problem)  # refused before sending (e.g. no credentials)
        named = call if endpoint is None or call.startswith(endpoint) else endpoint
        if named == LOGIN_CALL and status in (400, 401, 403, 404):  # Looker answers a wrong secret with a 404
            problem = f"{problem}; the login was refused: check {LOGIN_KEYS}"
        return SourceError(SOURCE, named, problem, status=status)

    def run_inline_json(self, query: dict[str, Any]) -> str:
        """Run one WriteQuery inline as JSON and return the raw result text."""
        body = models40.WriteQuery(**query)
        return self._call(f"POST /api/4.0/queries/run/json ({query.get('view')})",
                          lambda: self.sdk.run_inline_query("json", body))

    def run_inline_csv(self, query: dict[str, Any]) -> str:
        """Run one WriteQuery inline as CSV and return the raw result text."""
        body = models40.WriteQuery(**query)
        return self._call(f"POST /api/4.0/queries/run/csv ({query.get('view')})",
                          lambda: self.sdk.run_inline_query("csv", body))

    def look_query(self, look_id: str) -> Any:
        """The query (model, view, fields, filters, ...) behind a saved Look."""
        return self._call(f"GET /api/4.0/looks/{look_id}", lambda: self.sdk.look(look_id, fields="query").query)

    def run_look_csv(self, look_id: str) -> str:
        """Run a saved Look as CSV and return the raw result text."""
        return self._call(f"GET /api/4.0/looks/{look_id}/run/csv", lambda: self.sdk.run_look(look_id, "csv", limit=-1))
