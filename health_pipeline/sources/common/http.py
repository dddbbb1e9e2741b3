"""The shared HTTP layer: timeouts, bounded retries with backoff and jitter, and a log line per retry."""
from __future__ import annotations

import email.utils
import re
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from health_pipeline.sources.common.bounded import send_bounded

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
LogFunction = Callable[[str], None]


@dataclass(frozen=True)
class RetrySettings:
    """How hard to try: attempts, exponential backoff with jitter, waits capped, and timeouts."""

    max_retries: int = 5
    backoff_factor: float = 0.5
    backoff_max: float = 30.0
    backoff_jitter: float = 0.25
    retry_after_max: float = 120.0
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    deadline_seconds: float = 300.0  # one request, connect plus every byte of the reply
    max_reply_bytes: int = 256 * 1048576


@dataclass
class CallStats:
    """HTTP calls and retries made by one source in one run, by endpoint (thread-safe)."""

    calls: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count_call(self, endpoint: str) -> None:
        """Count one call to `endpoint`."""
        with self._lock:
            self.calls[endpoint] += 1

    def count_retry(self, endpoint: str) -> None:
        """Count one retry of `endpoint`."""
        with self._lock:
            self.retries[endpoint] += 1

    def total_calls(self) -> int:
        """All requests sent: first attempts plus retries."""
        with self._lock:
            return sum(self.calls.values()) + sum(self.retries.values())

    def total_retries(self) -> int:
        """All retries."""
        with self._lock:
            return sum(self.retries.values())


class CallPacer:
    """Keeps a client under a vendor's rate limit: at most `calls` requests in any `window_seconds` interval.

    Shared by every thread of one client (e.g. Intercom's concurrent time slices), so that together
    they never exceed the limit instead of each meeting 429s. A request waits (sleeps) until it fits.
    `margin_seconds` widens the window a little, so that the jitter between sending a request and the
    server counting it cannot put one call too many into a server window. Retries of a call (after a
    429 or 5xx, inside urllib3) are not paced again: they already waited for the backoff or Retry-After.
    """

    def __init__(self, calls: int, window_seconds: float, *, margin_seconds: float = 0.25,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        if int(calls) < 1 or float(window_seconds) <= 0:
            raise ValueError(f"a pace needs calls >= 1 and window_seconds > 0, got {calls} per {window_seconds}s")
        self.calls = int(calls)
        self.window_seconds = float(window_seconds) + max(0.0, float(margin_seconds))
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()
        self.waits = 0  # requests that had to wait for the window to move on

    def acquire(self) -> None:
        """Block until one more request fits in the window, then count it."""
        waited = False
        while True:
            with self._lock:
                now = self._clock()
                while self._sent and self._sent[0] <= now - self.window_seconds:
                    self._sent.popleft()
                if len(self._sent) < self.calls:
                    self._sent.append(now)
                    self.waits += waited
                    return
                wait = self._sent[0] + self.window_seconds - now
            waited = True
            self._sleep(max(wait, 0.001))


_ID_SEGMENT = re.compile(r"^(?=[^/]*\d)[0-9A-Za-z]{15,24}(-\d+)?$|^\d{4,}$")


def endpoint_name(method: str | None, url: str | None) -> str:
    """A log-safe name for a call: method and path with record IDs folded, never the query string."""
    segments = [("{id}" if _ID_SEGMENT.match(part) else part) for part in urlsplit(url or "").path.split("/")]
    return f"{(method or '?').upper()} {'/'.join(segments)}"


def _reset_header_wait(value: str | None, now: float) -> float | None:
    """Seconds until an `X-RateLimit-Reset` given as UNIX seconds or as an ISO / HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value) - now)
    except ValueError:
        pass
    try:
        from datetime import datetime

        return max(0.0, datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() - now)
    except ValueError:
        parsed = email.utils.parsedate_tz(value)
        return None if parsed is None else max(0.0, email.utils.mktime_tz(parsed) - now)


class LoggedRetry(Retry):
    """urllib3's Retry that also honours `X-RateLimit-Reset`, counts retries and logs each one."""

    def __init__(self, *args: Any, source: str = "http", log: LogFunction | None = None,
                 stats: CallStats | None = None, budget: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.budget = budget if budget is not None else kwargs.get("total")
        self.source = source
        self.log = log
        self.stats = stats

    def new(self, **kw: Any) -> "LoggedRetry":
        """Carry the source name, logger and counters into the next Retry object."""
        kw.setdefault("source", self.source)
        kw.setdefault("log", self.log)
        kw.setdefault("stats", self.stats)
        kw.setdefault("budget", self.budget)
        return super().new(**kw)  # type: ignore[return-value]

    def get_retry_after(self, response: Any) -> float | None:
        """`Retry-After` when present, else `X-RateLimit-Reset`, capped by `retry_after_max`."""
        wait = super().get_retry_after(response)
        if wait is None and response.status == 429:
            wait = _reset_header_wait(response.headers.get("X-RateLimit-Reset"), time.time())
        if wait is not None and self.retry_after_max is not None:
            wait = min(wait, float(self.retry_after_max))
        return wait

    def increment(self, method: str | None = None, url: str | None = None, response: Any = None,
                  error: Exception | None = None, _pool: Any = None, _stacktrace: Any = None) -> "LoggedRetry":
        """Log the retry (no secrets: method, path and status or error class only) and count it."""
        new_retry = super().increment(method, url, response, error, _pool, _stacktrace)
        endpoint = endpoint_name(method, url)
        if self.stats is not None:
            self.stats.count_retry(endpoint)
        if self.log is not None:
            cause = f"HTTP {response.status}" if response is not None else type(error).__name__
            used = len(new_retry.history)
            self.log(f"{self.source}: {endpoint} failed with {cause}; retry {used} of {self.budget}")
        return new_retry  # type: ignore[return-value]


class CountingAdapter(HTTPAdapter):
    """An HTTPAdapter that applies default timeouts, paces calls (when given a pacer) and counts every call."""

    def __init__(self, settings: RetrySettings, stats: CallStats, retry: Retry, *, pacer: CallPacer | None = None,
                 **kwargs: Any) -> None:
        self._timeout = (settings.connect_timeout, settings.read_timeout)
        self._bounds = (settings.deadline_seconds, settings.max_reply_bytes)
        self._stats = stats
        self._pacer = pacer
        super().__init__(max_retries=retry, **kwargs)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """Send with the default timeout unless the caller gave one, once the pacer lets the call through;
        the reply is read under the deadline and size limit."""
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        if self._pacer is not None:
            self._pacer.acquire()
        endpoint = endpoint_name(request.method, request.url)
        self._stats.count_call(endpoint)
        return send_bounded(super().send, request, endpoint, *self._bounds, **kwargs)


def build_retry(source: str, settings: RetrySettings, log: LogFunction | None, stats: CallStats) -> LoggedRetry:
    """The Retry policy every source uses: 429 and 5xx, all methods, bounded, with jitter."""
    return LoggedRetry(
        total=settings.max_retries,
        connect=settings.max_retries,
        read=settings.max_retries,
        status=settings.max_retries,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=None,
        backoff_factor=settings.backoff_factor,
        backoff_max=settings.backoff_max,
        backoff_jitter=settings.backoff_jitter,
        retry_after_max=settings.retry_after_max,
        respect_retry_after_header=True,
        raise_on_status=False,
        source=source,
        log=log,
        stats=stats,
    )


def mount_retrying_adapter(session: requests.Session, source: str, settings: RetrySettings,
                           log: LogFunction | None, stats: CallStats,
                           adapter_class: type[CountingAdapter] = CountingAdapter, **adapter_kwargs: Any) -> None:
    """Mount the retrying, counting adapter on both schemes of `session`."""
    adapter = adapter_class(settings, stats, build_retry(source, settings, log, stats), **adapter_kwargs)
    session.mount("https://", adapter)
    session.mount("http://", adapter)


def build_http_session(source: str, settings: RetrySettings | None = None, log: LogFunction | None = None,
                       stats: CallStats | None = None, *, pacer: CallPacer | None = None,
                       pool_maxsize: int | None = None) -> tuple[requests.Session, CallStats]:
    """A `requests.Session` with the shared retry policy and call counting mounted.

    `pacer` keeps the session's calls under a rate limit; `pool_maxsize` is the number of connections
    kept open per host (at least the number of threads that share the session).
    """
    stats = stats or CallStats()
    session = requests.Session()
    extra: dict[str, Any] = {"pacer": pacer}
    if pool_maxsize is not None:
        extra["pool_maxsize"] = max(1, int(pool_maxsize))
    mount_retrying_adapter(session, source, settings or RetrySettings(), log, stats, **extra)
    return session, stats
