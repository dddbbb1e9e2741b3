"""Deterministic, on-demand faults and per-endpoint call counters shared by every emulator."""
from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass

REMOVE = object()  # `rewrite_next`'s value that removes the key


@dataclass(frozen=True)
class RateLimit:
    """A fixed-window rate limit: at most `limit` calls per `window_seconds`."""

    limit: int
    window_seconds: float


@dataclass(frozen=True)
class RateDecision:
    """The outcome of counting one call against a rate limit."""

    allowed: bool
    limit: int
    remaining: int
    reset_at: float
    retry_after: float


class FaultPlan:
    """The faults switched on for one emulator; every method is thread-safe.

    Counted faults (`fail_next`, `malformed_next`, `drop_next`, `expire_sessions`, `trickle_next`,
    `oversize_next`, `rewrite_next`) apply to the next N calls that reach the emulator, in arrival order,
    so a test sees exactly what it asked for. `loop_cursors` and `repeat_items` stay on until `clear`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.latency_seconds = 0.0
        self._rate_limit: RateLimit | None = None
        self._window_start = 0.0
        self._window_calls = 0
        self._fail_statuses: list[int] = []
        self._malformed = 0
        self._drops = 0
        self._expire = False
        self.looping = False
        self._trickles: list[float] = []
        self._oversizes: list[int] = []
        self._rewrites: list[tuple[str, object]] = []
        self.repeat_key: str | None = None

    def set_latency(self, seconds: float) -> None:
        """Add `seconds` of latency to every request."""
        self.latency_seconds = max(0.0, float(seconds))

    def set_rate_limit(self, limit: int | None, window_seconds: float = 10.0) -> None:
        """Enforce at most `limit` calls per window (None switches the limit off)."""
        with self._lock:
            self._rate_limit = None if limit is None else RateLimit(int(limit), float(window_seconds))
            self._window_start = 0.0
            self._window_calls = 0

    def fail_next(self, count: int, status: int = 503) -> None:
        """Answer the next `count` calls with the vendor's `status` server error."""
        with self._lock:
            self._fail_statuses.extend([status] * int(count))

    def malformed_next(self, count: int = 1) -> None:
        """Answer the next `count` calls with a 200 whose body is not valid for its content type."""
        with self._lock:
            self._malformed += int(count)

    def drop_next(self, count: int = 1) -> None:
        """Close the connection without any reply on the next `count` calls."""
        with self._lock:
            self._drops += int(count)

    def expire_sessions(self) -> None:
        """Invalidate every session or token issued so far (the emulator decides what that means)."""
        with self._lock:
            self._expire = True

    def loop_cursors(self) -> None:
        """Answer every paged call with a cursor that points back at the same page, forever."""
        self.looping = True

    def trickle_next(self, count: int = 1, seconds_per_byte: float = 1.0) -> None:
        """Send the next `count` reply bodies one byte every `seconds_per_byte`."""
        with self._lock:
            self._trickles.extend([float(seconds_per_byte)] * int(count))

    def oversize_next(self, count: int = 1, size_bytes: int = 1048576) -> None:
        """Pad the next `count` JSON reply bodies with whitespace to `size_bytes` (still valid JSON)."""
        with self._lock:
            self._oversizes.extend([int(size_bytes)] * int(count))

    def rewrite_next(self, key: str, value: object = REMOVE, count: int = 1) -> None:
        """Remove the top-level `key` of the next `count` JSON replies that have it, or set it to `value`."""
        with self._lock:
            self._rewrites.extend([(key, value)] * int(count))

    def repeat_items(self, key: str) -> None:
        """Every JSON reply's list `key` also carries the items of the previous such reply (the first: twice)."""
        self.repeat_key = key

    def reshapes_bodies(self) -> bool:
        """True while a fault that changes reply bodies is on or pending."""
        with self._lock:
            return bool(self.looping or self.repeat_key or self._rewrites or self._oversizes)

    def take_trickle(self) -> float | None:
        """Consume one pending trickled body: seconds per byte, if any."""
        with self._lock:
            return self._trickles.pop(0) if self._trickles else None

    def take_oversize(self) -> int | None:
        """Consume one pending oversized body: its size, if any."""
        with self._lock:
            return self._oversizes.pop(0) if self._oversizes else None

    def take_rewrite(self, keys: object) -> tuple[str, object] | None:
        """Consume the first pending rewrite whose key is among `keys`, if any."""
        with self._lock:
            for position, (key, value) in enumerate(self._rewrites):
                if key in keys:  # type: ignore[operator]
                    return self._rewrites.pop(position)
            return None

    def take_expiry(self) -> bool:
        """Return True once after `expire_sessions` was called, for the emulator to act on."""
        with self._lock:
            expired, self._expire = self._expire, False
            return expired

    def take_drop(self) -> bool:
        """Consume one pending dropped connection, if any."""
        with self._lock:
            if self._drops:
                self._drops -= 1
                return True
            return False

    def take_failure(self) -> int | None:
        """Consume one pending server error and return its status, if any."""
        with self._lock:
            return self._fail_statuses.pop(0) if self._fail_statuses else None

    def take_malformed(self) -> bool:
        """Consume one pending malformed body, if any."""
        with self._lock:
            if self._malformed:
                self._malformed -= 1
                return True
            return False

    def count_call(self, now: float | None = None) -> RateDecision | None:
        """Count one call against the rate limit; None when no limit is set."""
        with self._lock:
            rule = self._rate_limit
            if rule is None:
                return None
            now = time.time() if now is None else now
            if now >= self._window_start + rule.window_seconds:
                self._window_start = now
                self._window_calls = 0
            reset_at = self._window_start + rule.window_seconds
            if self._window_calls >= rule.limit:
                return RateDecision(False, rule.limit, 0, reset_at, max(0.0, reset_at - now))
            self._window_calls += 1
            return RateDecision(True, rule.limit, rule.limit - self._window_calls, reset_at, 0.0)

    def clear(self) -> None:
        """Switch every fault off."""
        self.set_latency(0.0)
        self.set_rate_limit(None)
        with self._lock:
            self._fail_statuses.clear()
            self._malformed = self._drops = 0
            self._expire = False
            self._trickles.clear()
            self._oversizes.clear()
            self._rewrites.clear()
        self.looping = False
        self.repeat_key = None


class CallCounter:
    """Counts calls per endpoint name (for example `POST /conversations/search`); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def add(self, endpoint: str) -> None:
        """Count one call to `endpoint`."""
        with self._lock:
            self._counts[endpoint] += 1

    def snapshot(self) -> dict[str, int]:
        """The counts so far, by endpoint."""
        with self._lock:
            return dict(self._counts)

    def total(self) -> int:
        """All calls counted so far."""
        with self._lock:
            return sum(self._counts.values())

    def reset(self) -> None:
        """Forget every count."""
        with self._lock:
            self._counts.clear()
