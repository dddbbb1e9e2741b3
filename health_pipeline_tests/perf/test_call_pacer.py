"""CallPacer: at most N requests in any window, shared by threads; counted with a fake clock, never timed."""
from __future__ import annotations

import threading

import pytest

from health_pipeline.sources.common.http import CallPacer, build_http_session


class FakeClock:
    """A clock that only moves when the pacer sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []
        self.lock = threading.Lock()

    def time(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.slept.append(seconds)
            self.now += seconds


def test_the_calls_of_one_window_pass_and_the_next_one_waits_for_the_window_to_move_on():
    clock = FakeClock()
    pacer = CallPacer(5, 10.0, margin_seconds=0.5, clock=clock.time, sleep=clock.sleep)
    for _ in range(5):
        pacer.acquire()
    assert clock.slept == [] and pacer.waits == 0
    pacer.acquire()  # the sixth call waits until the first leaves the (padded) window
    assert clock.slept == [pytest.approx(10.5)]
    assert pacer.waits == 1


def test_no_window_ever_holds_more_than_the_limit():
    clock = FakeClock()
    pacer = CallPacer(7, 10.0, margin_seconds=0.0, clock=clock.time, sleep=clock.sleep)
    stamps = []
    for _ in range(100):
        pacer.acquire()
        stamps.append(clock.time())
    for i, start in enumerate(stamps):
        in_window = sum(1 for t in stamps[i:] if t < start + 10.0)
        assert in_window <= 7


def test_threads_share_one_pacer():
    clock = FakeClock()
    pacer = CallPacer(20, 10.0, margin_seconds=0.0, clock=clock.time, sleep=clock.sleep)
    stamps: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(15):
            pacer.acquire()
            with lock:
                stamps.append(clock.time())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(stamps) == 60
    stamps.sort()
    for i, start in enumerate(stamps):
        assert sum(1 for t in stamps[i:] if t < start + 10.0) <= 20


@pytest.mark.parametrize("calls, window", [(0, 10.0), (5, 0.0)])
def test_a_pace_needs_a_positive_budget(calls, window):
    with pytest.raises(ValueError):
        CallPacer(calls, window)


def test_the_session_adapter_paces_every_call(monkeypatch):
    """The pacer sits in the counting adapter: each request asks it once before being counted."""
    asked = []

    class Recording(CallPacer):
        def acquire(self) -> None:
            asked.append(1)

    session, stats = build_http_session("test", pacer=Recording(10, 1.0))
    adapter = session.get_adapter("http://127.0.0.1")
    monkeypatch.setattr(type(adapter).__mro__[1], "send", lambda self, request, **kwargs: "sent")
    import requests
    request = requests.Request("GET", "http://127.0.0.1:9/x").prepare()
    for _ in range(3):  # stream=True: the caller reads the body itself, so the stub reply is passed through
        assert adapter.send(request, stream=True) == "sent"
    assert len(asked) == 3
    assert stats.calls == {"GET /x": 3}
