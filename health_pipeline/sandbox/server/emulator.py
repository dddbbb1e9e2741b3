"""A small threaded HTTP(S) server that routes requests to an emulator and injects its faults."""
from __future__ import annotations

import json
import re
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from health_pipeline.sandbox.server.faults import CallCounter, FaultPlan, RateDecision
from health_pipeline.sandbox.server.reply_faults import ReplyReshaper, asks_for_loop, json_payload


@dataclass
class Request:
    """One HTTP request as the emulator sees it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)
    target: str = ""  # the request line's URI as sent (path and query string)

    def header(self, name: str, default: str | None = None) -> str | None:
        """A request header, looked up case-insensitively."""
        return self.headers.get(name.lower(), default)

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The first value of a query-string parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        """The body parsed as JSON (ValueError when it is not)."""
        return json.loads(self.body.decode("utf-8") or "null")

    def form(self) -> dict[str, str]:
        """The body parsed as an URL-encoded form."""
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8")).items()}


@dataclass
class Response:
    """One HTTP response to send."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON response with `payload` serialised compactly."""
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    return Response(status, body, "application/json", dict(headers or {}))


def text_response(status: int, text: str, content_type: str, headers: dict[str, str] | None = None) -> Response:
    """A text response (CSV, XML, plain text)."""
    return Response(status, text.encode("utf-8"), content_type, dict(headers or {}))


Handler = Callable[[Request], Response]


class Router:
    """Maps a method and a path pattern (regex with named groups) to a handler and an endpoint name."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], str, Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler, endpoint: str | None = None) -> None:
        """Register `handler` for `method` on paths fully matching `pattern`."""
        self._routes.append((method.upper(), re.compile(pattern), endpoint or f"{method.upper()} {pattern}", handler))

    def match(self, method: str, path: str) -> tuple[str, Handler, dict[str, str]] | None:
        """The endpoint name, handler and path parameters for a request, or None."""
        for route_method, pattern, endpoint, handler in self._routes:
            found = pattern.fullmatch(path)
            if found and route_method == method:
                return endpoint, handler, found.groupdict()
        return None


class Emulator:
    """Base of the four vendor emulators: routes plus the vendor's own error shapes."""

    name = "emulator"

    def __init__(self) -> None:
        self.router = Router()
        self.faults = FaultPlan()
        self.calls = CallCounter()
        self.reshaper = ReplyReshaper(self.faults)

    def authenticate(self, request: Request, endpoint: str) -> Response | None:
        """Return the vendor's 401 reply when the request is not authorised, else None."""
        return None

    def not_found(self, request: Request) -> Response:
        """The vendor's reply to an unknown path."""
        return json_response(404, {"message": f"no route for {request.method} {request.path}"})

    def rate_limited(self, decision: RateDecision) -> Response:
        """The vendor's 429 reply."""
        return json_response(429, {"message": "rate limited"}, {"Retry-After": str(int(decision.retry_after) + 1)})

    def server_error(self, status: int) -> Response:
        """The vendor's 5xx reply."""
        return json_response(status, {"message": "service unavailable"})

    def loop_reply(self, payload: Any) -> Any:
        """This vendor's paged reply with its cursor set to LOOP_CURSOR (None: the reply has no cursor)."""
        return None

    def on_sessions_expired(self) -> None:
        """Forget every issued session or token (called when the fault is switched on)."""

    def handle(self, request: Request) -> Response | None:
        """Route one request through faults, auth and the handler; None means drop the connection."""
        if self.faults.latency_seconds:
            time.sleep(self.faults.latency_seconds)
        if self.faults.take_expiry():
            self.on_sessions_expired()
        matched = self.router.match(request.method, request.path)
        if matched is None:
            return self.not_found(request)
        endpoint, handler, params = matched
        self.calls.add(endpoint)
        request.params = params
        if self.faults.take_drop():
            return None
        decision = self.faults.count_call()
        if decision is not None and not decision.allowed:
            return self.rate_limited(decision)
        status = self.faults.take_failure()
        if status is not None:
            return self.server_error(status)
        denied = self.authenticate(request, endpoint)
        if denied is not None:
            return denied
        if self.faults.looping and self.reshaper.looped_reply is not None and asks_for_loop(request.path, request.body):
            return json_response(200, self.reshaper.looped_reply)
        response = self._reshaped(handler(request))
        if decision is not None:
            response.headers.update(self.rate_limit_headers(decision))
        if self.faults.take_malformed():
            response.body = response.body[: max(1, len(response.body) // 2)] + b"\x00<truncated"
        return response

    def _reshaped(self, response: Response) -> Response:
        """The handler's reply with the body faults applied (JSON replies of status 200 only)."""
        if response.status != 200 or response.content_type != "application/json" or not self.faults.reshapes_bodies():
            return response
        payload = self.reshaper.reshape(json_payload(response.body))
        looped = self.loop_reply(payload) if self.faults.looping else None
        if looped is not None:
            self.reshaper.looped_reply = payload = looped
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        size = self.faults.take_oversize()
        response.body = self.reshaper.pad(body, size) if size else body
        return response

    def rate_limit_headers(self, decision: RateDecision) -> dict[str, str]:
        """Headers describing the remaining quota, sent on every reply while a limit is set."""
        return {}


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "health-pipeline-sandbox"
    emulator: Emulator

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            target=self.path,
        )
        try:
            response = self.emulator.handle(request)
        except Exception as error:  # an emulator bug must reach the client as a 500, not hang it
            response = json_response(500, {"message": f"sandbox error: {type(error).__name__}: {error}"})
        if response is None:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command == "HEAD":
            return
        seconds_per_byte = self.emulator.faults.take_trickle()
        if seconds_per_byte is None:
            self.wfile.write(response.body)
            return
        for position in range(len(response.body)):
            self.wfile.write(response.body[position:position + 1])
            self.wfile.flush()
            time.sleep(seconds_per_byte)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Stay quiet: the emulator's call counters are the record of what was asked."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that hang up or refuse our certificate; report anything else."""
        import sys

        error = sys.exc_info()[1]
        if isinstance(error, (ssl.SSLError, ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class EmulatorServer:
    """Runs one emulator on a free loopback port, over HTTP or, given an SSL context, HTTPS."""

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        handler = type(f"{type(emulator).__name__}Handler", (_RequestHandler,), {"emulator": emulator})
        self.emulator = emulator
        self._httpd = _Server((host, port), handler)
        self._tls = ssl_context is not None
        if ssl_context is not None:
            self._httpd.socket = ssl_context.wrap_socket(self._httpd.socket, server_side=True,
                                                        do_handshake_on_connect=False)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port."""
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        """The base URL, without a trailing slash."""
        return f"{'https' if self._tls else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> "EmulatorServer":
        """Serve in a daemon thread; returns self."""
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"sandbox-{self.emulator.name}",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "EmulatorServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
