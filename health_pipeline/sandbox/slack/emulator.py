"""A Slack incoming webhook on loopback: keeps every JSON payload and answers as Slack does."""
from __future__ import annotations

import threading
from typing import Any

from health_pipeline.sandbox.server.emulator import Emulator, Request, Response, text_response

HOOK_PATH = "/services/T0000SANDBOX/B0000SANDBOX/sandboxwebhooksecret"


class SlackWebhookEmulator(Emulator):
    """`POST /services/{team}/{bot}/{secret}` with a JSON body: kept in `payloads`, answered `ok`; a body that is
    not JSON, or has neither `text` nor `blocks`, gets Slack's 400 `invalid_payload` / `no_text`."""

    name = "slack"

    def __init__(self) -> None:
        super().__init__()
        self.payloads: list[Any] = []
        self._lock = threading.Lock()
        self.router.add("POST", r"/services/(?P<hook>[\w/]+)", self._post, "POST /services/{hook}")

    def not_found(self, request: Request) -> Response:
        """Slack's reply to a webhook URL that does not exist."""
        return text_response(404, "no_service", "text/plain")

    def server_error(self, status: int) -> Response:
        """A 5xx as Slack sends it."""
        return text_response(status, "internal_error", "text/plain")

    def _post(self, request: Request) -> Response:
        try:
            payload = request.json()
        except ValueError:
            return text_response(400, "invalid_payload", "text/plain")
        if not isinstance(payload, dict) or not (payload.get("text") or payload.get("blocks")):
            return text_response(400, "no_text", "text/plain")
        with self._lock:
            self.payloads.append(payload)
        return text_response(200, "ok", "text/plain")

    def texts(self) -> list[str]:
        """The `text` of every message received, oldest first."""
        with self._lock:
            return [str(payload.get("text", "")) for payload in self.payloads]
