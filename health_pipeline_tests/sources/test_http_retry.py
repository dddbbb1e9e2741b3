"""The shared retry layer (health_pipeline/sources/common/http.py) against a tiny loopback server.

The server is an `Emulator` subclass on an `EmulatorServer` that answers from a script (status, headers), so each
test says exactly what the vendor does. Proven here: Retry-After is honoured, and capped by retry_after_max;
a 429 without Retry-After waits for X-RateLimit-Reset given as UNIX seconds or as an ISO time; retries are
bounded (after max_retries the LAST response is returned, not an exception); dropped connections are retried;
every retry is counted and logged as one line naming the source, method, path and cause, never the query string;
and `call_json` turns what is left into a SourceError naming the source, call and status.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Iterator

import pytest

from health_pipeline.sandbox.server.emulator import Emulator, EmulatorServer, Request, Response, json_response
from health_pipeline.sources.common.errors import SourceError
from health_pipeline.sources.common.http import RetrySettings, build_http_session, endpoint_name
from health_pipeline.sources.common.resource import call_json


class ScriptedEmulator(Emulator):
    """Answers GET /items from a script of (status, headers); once the script is used up, 200 {"ok": true}."""

    name = "scripted"

    def __init__(self) -> None:
        super().__init__()
        self.script: list[tuple[int, dict[str, str]]] = []
        self.arrivals: list[float] = []
        self.router.add("GET", r"/items", self._items, "GET /items")

    def _items(self, request: Request) -> Response:
        self.arrivals.append(time.monotonic())
        if self.script:
            status, headers = self.script.pop(0)
            return json_response(status, {"error": f"scripted {status}"}, headers)
        return json_response(200, {"ok": True})


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(ScriptedEmulator()) as running:
        yield running


@pytest.fixture
def emulator(server) -> Iterator[ScriptedEmulator]:
    emulator = server.emulator
    yield emulator
    emulator.script.clear()
    emulator.arrivals.clear()
    emulator.faults.clear()
    emulator.calls.reset()


def settings(**overrides) -> RetrySettings:
    """Backoff of ~1 ms, so any real wait in a test comes from the headers being honoured."""
    values = {"max_retries": 3, "backoff_factor": 0.001, "backoff_max": 0.01, "retry_after_max": 5.0,
              "read_timeout": 10.0}
    return RetrySettings(**{**values, **overrides})


def session_for(retry: RetrySettings):
    lines: list[str] = []
    session, stats = build_http_session("Vendor", retry, lines.append)
    return session, stats, lines


def gaps(emulator: ScriptedEmulator) -> list[float]:
    """Seconds between consecutive arrivals at the server."""
    return [later - earlier for earlier, later in zip(emulator.arrivals, emulator.arrivals[1:])]


def test_retry_after_is_honoured(server, emulator):
    emulator.script = [(503, {"Retry-After": "1"}), (429, {"Retry-After": "1"})]
    session, stats, lines = session_for(settings())
    response = session.get(f"{server.url}/items")
    assert response.status_code == 200
    assert len(emulator.arrivals) == 3
    assert all(0.95 <= gap < 3.0 for gap in gaps(emulator)), gaps(emulator)  # waited, but not for long
    assert stats.retries == {"GET /items": 2} and stats.calls == {"GET /items": 1}


def test_retry_after_is_capped_by_retry_after_max(server, emulator):
    emulator.script = [(429, {"Retry-After": "3600"})]
    session, _, _ = session_for(settings(retry_after_max=0.3))
    started = time.monotonic()
    assert session.get(f"{server.url}/items").status_code == 200
    assert 0.25 <= time.monotonic() - started < 3.0  # 0.3 s, not an hour


def test_429_waits_for_x_ratelimit_reset_in_unix_seconds(server, emulator):
    """Intercom's shape: no Retry-After, X-RateLimit-Reset as UNIX seconds."""
    emulator.script = [(429, {"X-RateLimit-Reset": f"{time.time() + 0.8:.3f}", "X-RateLimit-Remaining": "0"})]
    session, stats, _ = session_for(settings())
    assert session.get(f"{server.url}/items").status_code == 200
    assert 0.6 <= gaps(emulator)[0] < 3.0, gaps(emulator)
    assert stats.total_retries() == 1


def test_429_waits_for_x_ratelimit_reset_as_iso_time(server, emulator):
    """Jira's shape of the reset header, an ISO 8601 time (here with milliseconds and a Z)."""
    reset = datetime.fromtimestamp(time.time() + 0.8, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    emulator.script = [(429, {"X-RateLimit-Reset": reset})]
    session, _, _ = session_for(settings())
    assert session.get(f"{server.url}/items").status_code == 200
    assert 0.6 <= gaps(emulator)[0] < 3.0, gaps(emulator)


def test_reset_in_the_past_means_retry_at_once(server, emulator):
    emulator.script = [(429, {"X-RateLimit-Reset": str(int(time.time()) - 60)})]
    session, _, _ = session_for(settings())
    assert session.get(f"{server.url}/items").status_code == 200
    assert gaps(emulator)[0] < 0.5  # no wait for a reset already past


def test_retries_are_bounded_and_the_last_response_is_returned(server, emulator):
    emulator.script = [(503, {})] * 10
    session, stats, lines = session_for(settings(max_retries=2))
    response = session.get(f"{server.url}/items")
    assert response.status_code == 503  # no exception: the caller sees the vendor's last answer
    assert response.json() == {"error": "scripted 503"}
    assert len(emulator.arrivals) == 3  # 1 + max_retries, then it stops
    assert stats.total_calls() == 3 and stats.total_retries() == 2
    assert len(lines) == 2


def test_client_errors_are_not_retried(server, emulator):
    emulator.script = [(400, {}), (404, {})]
    session, stats, lines = session_for(settings())
    assert session.get(f"{server.url}/items").status_code == 400
    assert len(emulator.arrivals) == 1 and stats.total_retries() == 0 and lines == []


def test_a_dropped_connection_is_retried(server, emulator):
    emulator.faults.drop_next(2)
    session, stats, lines = session_for(settings())
    assert session.get(f"{server.url}/items").status_code == 200
    assert emulator.calls.snapshot() == {"GET /items": 3}
    assert stats.total_retries() == 2
    assert all("failed with ProtocolError" in line for line in lines), lines


def test_one_log_line_per_retry_without_the_query_string(server, emulator):
    emulator.script = [(503, {}), (502, {}), (429, {"Retry-After": "0"})]
    session, _, lines = session_for(settings())
    response = session.get(f"{server.url}/items", params={"api_key": "s3cr3t-value", "q": "private"})
    assert response.status_code == 200
    assert lines == [
        "Vendor: GET /items failed with HTTP 503; retry 1 of 3",
        "Vendor: GET /items failed with HTTP 502; retry 2 of 3",
        "Vendor: GET /items failed with HTTP 429; retry 3 of 3",
    ]
    assert not any("s3cr3t" in line or "?" in line or "private" in line for line in lines)


def test_endpoint_names_fold_record_ids_and_drop_the_query():
    assert endpoint_name("get", "https://x.example/services/data/v59.0/sobjects/Account/001Mn00000AlphaIAB?x=1") == \
        "GET /services/data/v59.0/sobjects/Account/{id}"
    assert endpoint_name("GET", "http://h/rest/api/3/issue/10042?fields=a") == "GET /rest/api/3/issue/{id}"
    assert endpoint_name("POST", "http://h/conversations/search") == "POST /conversations/search"


def test_call_json_names_source_call_and_status(server, emulator):
    emulator.script = [(503, {})] * 3
    session, _, _ = session_for(settings(max_retries=1))
    with pytest.raises(SourceError) as raised:
        call_json(session, "Vendor", "GET /items", "GET", f"{server.url}/items")
    assert str(raised.value) == 'Vendor: GET /items answered HTTP 503: {"error":"scripted 503"}'
    assert raised.value.status == 503


def test_call_json_reports_a_malformed_body(server, emulator):
    emulator.faults.malformed_next(1)
    session, _, _ = session_for(settings())
    with pytest.raises(SourceError, match=r"^Vendor: GET /items answered HTTP 200: the reply is not valid JSON$"):
        call_json(session, "Vendor", "GET /items", "GET", f"{server.url}/items")


def test_call_json_reports_no_reply(server, emulator):
    emulator.faults.drop_next(5)
    session, _, _ = session_for(settings(max_retries=1))
    with pytest.raises(SourceError, match=r"^Vendor: GET /items failed: no reply after retries \(ConnectionError\)$"):
        call_json(session, "Vendor", "GET /items", "GET", f"{server.url}/items")
