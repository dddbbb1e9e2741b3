"""Intercom: the resource (credentials, region, API version, pacing, time slices) and its conversation-search client."""
from __future__ import annotations

import math
import queue
import threading
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional

from pydantic import Field

from health_pipeline.sources.common.http import CallPacer, CallStats, LogFunction, build_http_session
from health_pipeline.sources.common.period import Period
from health_pipeline.sources.common.replies import CursorGuard, optional_key, require_records
from health_pipeline.sources.common.resource import HttpSourceResource, call_json
from health_pipeline.sources.intercom.metrics import window_search

SOURCE = "Intercom"
SEARCH_CALL = "POST /conversations/search"


class IntercomResource(HttpSourceResource):
    """Intercom REST API access: a bearer token, a regional base URL and a pinned API version."""

    token: Optional[str] = Field(default=None, description="Access token (secret; from INTERCOM_API_TOKEN).")
    base_url: str = Field(
        default="https://api.intercom.io",
        description="API host: https://api.intercom.io, https://api.eu.intercom.io or https://api.au.intercom.io.",
    )
    api_version: str = Field(
        default="2.15", description="Intercom-Version header; 2.15 is the first with a company on conversations."
    )
    per_page: int = Field(default=150, description="Conversations per search page (Intercom's maximum is 150).")
    time_slices: int = Field(
        default=8, ge=1, le=32,
        description="A large month is split into this many equal time slices, each searched with its own cursor, "
        "concurrently (1: always one search stream).",
    )
    min_pages_per_slice: int = Field(
        default=10, ge=1,
        description="Slice only when every slice gets at least this many pages. Each slice's last page may be "
        "partial and deciding costs one probe call, so slicing adds at most 1/this share of calls (10: < 10%).",
    )
    max_calls_per_window: Optional[int] = Field(
        default=1600, ge=1,
        description="Pace the client to at most this many calls per rate window (Intercom allows 10,000 calls a "
        "minute per app, enforced in 10-second windows: 1,666). None: no pacing, 429s are retried.",
    )
    rate_window_seconds: float = Field(default=10.0, gt=0, description="The rate-limit window, in seconds.")

    def is_configured(self) -> bool:
        """True when a token is set."""
        return bool(self.token)

    def open_client(self, log: LogFunction | None = None) -> "IntercomClient":
        """A client with the shared retrying session, paced under the rate limit."""
        pacer = CallPacer(self.max_calls_per_window, self.rate_window_seconds) if self.max_calls_per_window else None
        session, stats = build_http_session(SOURCE, self.retry_settings(), log, pacer=pacer,
                                            pool_maxsize=max(10, self.time_slices))
        session.headers.update({
            "Authorization": f"Bearer {self.token}",
            "Intercom-Version": self.api_version,
            "Accept": "application/json",
        })
        return IntercomClient(session, stats, self.base_url.rstrip("/"), self.per_page,
                              time_slices=self.time_slices, min_pages_per_slice=self.min_pages_per_slice)


def slice_windows(period: Period, slices: int) -> list[tuple[int, int]]:
    """The month split into `slices` consecutive [lo, hi) windows of (nearly) equal length."""
    start, end = period.unix_start, period.unix_end
    bounds = [start + round(i * (end - start) / slices) for i in range(slices + 1)]
    return [(bounds[i], bounds[i + 1]) for i in range(slices)]


def plan_slices(total_count: int, per_page: int, time_slices: int, min_pages_per_slice: int) -> int:
    """How many slices a month of `total_count` conversations is worth (1: keep one stream)."""
    pages = math.ceil(max(total_count, 0) / per_page)
    return max(1, min(time_slices, pages // max(1, min_pages_per_slice)))


@dataclass
class SearchStream:
    """One search cursor over a time window: what it cost and what it served."""

    lo: int
    hi: int
    pages: int = 0
    conversations: int = 0
    total_count: Optional[int] = None
    cursors: CursorGuard = field(default_factory=lambda: CursorGuard(SOURCE, SEARCH_CALL))


_DONE = object()


class IntercomClient:
    """Streams a month's conversations page by page: one search cursor, or concurrent time slices."""

    def __init__(self, session: Any, stats: CallStats, base_url: str, per_page: int, *, time_slices: int = 1,
                 min_pages_per_slice: int = 10) -> None:
        self.session = session
        self.stats = stats
        self.base_url = base_url
        self.per_page = per_page
        self.time_slices = time_slices
        self.min_pages_per_slice = min_pages_per_slice
        self.streams: list[SearchStream] = []
        self.probe_calls = 0  # search pages fetched only to size the month, then discarded
        self._lock = threading.Lock()

    @property
    def pages(self) -> int:
        """Search pages fetched so far (probe included)."""
        with self._lock:
            return sum(stream.pages for stream in self.streams) + self.probe_calls

    def _search(self, stream: SearchStream, cursor: str | None) -> tuple[list[dict], str | None, dict]:
        """One search call: the page's conversations, the next cursor (None on the last page) and the reply."""
        body = window_search(stream.lo, stream.hi, per_page=self.per_page, starting_after=cursor)
        reply = call_json(self.session, SOURCE, SEARCH_CALL, "POST", f"{self.base_url}/conversations/search", json=body)
        conversations = require_records(reply, SOURCE, SEARCH_CALL, "conversations")
        pages = optional_key(reply, SOURCE, SEARCH_CALL, "pages", dict) or {}
        next_page = optional_key(pages, SOURCE, SEARCH_CALL, "next", dict) or {}
        cursor = optional_key(next_page, SOURCE, SEARCH_CALL, "starting_after", str)
        if cursor:
            stream.cursors.check(cursor)
        return conversations, (cursor or None), reply

    def _follow(self, stream: SearchStream, cursor: str | None = None,
                stop: threading.Event | None = None) -> Iterator[list[dict]]:
        """Yield the stream's pages from `cursor` (None: from the start), following `pages.next` to the end."""
        while stop is None or not stop.is_set():
            conversations, cursor, reply = self._search(stream, cursor)
            with self._lock:
                stream.pages += 1
                stream.conversations += len(conversations)
                if stream.total_count is None and isinstance(reply.get("total_count"), int):
                    stream.total_count = reply["total_count"]
            yield conversations
            if not cursor:
                return

    def _open(self, lo: int, hi: int) -> SearchStream:
        stream = SearchStream(lo, hi)
        with self._lock:
            self.streams.append(stream)
        return stream

    def iter_conversation_pages(self, period: Period) -> Iterator[list[dict]]:
        """Yield each page of conversations created in `period` through one search cursor."""
        yield from self._follow(self._open(period.unix_start, period.unix_end))

    def iter_month_pages(self, period: Period) -> Iterator[list[dict]]:
        """Yield every page of the month's conversations, searching time slices concurrently when the month is large.

        The first page of the whole-month search says how many conversations there are (`total_count`).
        A small month carries on with that cursor (no call wasted). A large one is split into up to
        `time_slices` windows searched concurrently, each with its own cursor; the probe page is then
        discarded (one extra call), and each slice's last page may be partial.
        """
        whole = SearchStream(period.unix_start, period.unix_end)
        conversations, cursor, reply = self._search(whole, None)
        total = reply.get("total_count")
        slices = plan_slices(total, self.per_page, self.time_slices, self.min_pages_per_slice) \
            if isinstance(total, int) and not isinstance(total, bool) else 1
        if slices <= 1 or not cursor:
            whole.pages, whole.conversations = 1, len(conversations)
            whole.total_count = total if isinstance(total, int) else None
            with self._lock:
                self.streams.append(whole)
            yield conversations
            if cursor:
                yield from self._follow(whole, cursor)
            return
        with self._lock:
            self.probe_calls += 1
        yield from self._concurrent([self._open(lo, hi) for lo, hi in slice_windows(period, slices)])

    def _concurrent(self, streams: list[SearchStream]) -> Iterator[list[dict]]:
        """Run the streams in threads; yield their pages as they arrive (a bounded queue caps memory)."""
        pages: queue.Queue = queue.Queue(maxsize=len(streams))
        stop = threading.Event()

        def put(item: Any) -> bool:
            while not stop.is_set():
                try:
                    pages.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        def work(stream: SearchStream) -> None:
            try:
                for page in self._follow(stream, stop=stop):
                    if not put(page):
                        return
                put(_DONE)
            except BaseException as error:  # handed to the consumer, which raises it
                put(error)

        threads = [threading.Thread(target=work, args=(stream,), name=f"intercom-slice-{i}", daemon=True)
                   for i, stream in enumerate(streams)]
        for thread in threads:
            thread.start()
        try:
            running = len(threads)
            while running:
                item = pages.get()
                if item is _DONE:
                    running -= 1
                elif isinstance(item, BaseException):
                    raise item
                else:
                    yield item
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=5)
