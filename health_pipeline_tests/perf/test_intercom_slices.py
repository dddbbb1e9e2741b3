"""Intercom time slices: a small month stays one search cursor with exactly ceil(N/150) calls; a large one is
searched in concurrent slices (one probe page, then sum of ceil(N_slice/150)) with the same metrics. The
expected counts come from the emulator's own search engine."""
from __future__ import annotations

import math
from typing import Any, Callable, Iterator

import pandas as pd
import pytest

from health_pipeline.sources.common.errors import SourceError
from health_pipeline.sources.common.period import Period
from health_pipeline.sources.intercom.extract import extract_intercom
from health_pipeline.sources.intercom.metrics import MAX_PER_PAGE, build_conversation_search
from health_pipeline.sources.intercom.resource import plan_slices, slice_windows, window_search
from health_pipeline_tests.conftest import source_resources

PERIOD = Period(2025, 6)
SEARCH = "POST /conversations/search"
CONTACTS = "POST /contacts/search"


def keys(sandbox) -> list[tuple[str, Any]]:
    return [(row["salesforce_account_id"], row["intercom_company_id"]) for row in sandbox.world.mapping_rows()]


def served(sandbox, lo: int, hi: int) -> int:
    """Conversations the emulator serves for the window's search."""
    return sandbox.intercom.engine.search(window_search(lo, hi)["query"], MAX_PER_PAGE, None).total_count


def test_the_whole_month_window_is_the_contract_search():
    assert window_search(PERIOD.unix_start, PERIOD.unix_end) == build_conversation_search(PERIOD)


@pytest.mark.parametrize("slices", [1, 2, 3, 4, 7])
def test_slice_windows_cover_the_month_without_gap_or_overlap(slices):
    windows = slice_windows(PERIOD, slices)
    assert len(windows) == slices
    assert windows[0][0] == PERIOD.unix_start and windows[-1][1] == PERIOD.unix_end
    assert all(a[1] == b[0] and a[0] < a[1] for a, b in zip(windows, windows[1:]))


@pytest.mark.parametrize("total, expected", [
    (0, 1), (150, 1), (150 * 19, 1), (150 * 20, 2), (150 * 39 + 1, 4), (10**6, 4)])
def test_a_month_is_sliced_only_when_every_slice_gets_enough_pages(total, expected):
    assert plan_slices(total, 150, time_slices=4, min_pages_per_slice=10) == expected


def test_a_small_month_keeps_one_cursor_and_the_minimum_calls(sandbox):
    """200 accounts: ~18 pages, fewer than 10 per slice for 2 slices: the probe page is the first page."""
    conversations = served(sandbox, PERIOD.unix_start, PERIOD.unix_end)
    result = extract_intercom(source_resources(sandbox)["intercom"], PERIOD, keys(sandbox))
    lookups = math.ceil(result.facts["contacts_looked_up"] / MAX_PER_PAGE)  # the company-less conversations' contacts
    assert sandbox.intercom.calls.snapshot() == {SEARCH: math.ceil(conversations / MAX_PER_PAGE), CONTACTS: lookups}
    assert result.facts["search_streams"] == 1 and result.facts["probe_calls"] == 0
    assert result.facts["conversations"] == conversations


def test_a_large_month_is_searched_in_concurrent_slices_with_the_same_metrics(sandbox):
    resources = source_resources(sandbox, intercom={"time_slices": 4, "min_pages_per_slice": 2})
    sliced = extract_intercom(resources["intercom"], PERIOD, keys(sandbox))
    sliced_calls = sandbox.intercom.calls.snapshot()
    sandbox.intercom.calls.reset()
    single = extract_intercom(source_resources(sandbox, intercom={"time_slices": 1})["intercom"], PERIOD,
                              keys(sandbox))
    pd.testing.assert_frame_equal(sliced.frame, single.frame, check_exact=False, rtol=1e-12)
    per_slice = [served(sandbox, lo, hi) for lo, hi in slice_windows(PERIOD, 4)]
    expected = 1 + sum(math.ceil(n / MAX_PER_PAGE) for n in per_slice)  # the probe, then each slice's pages
    lookups = sliced.facts["contact_search_calls"]
    assert lookups == math.ceil(sliced.facts["contacts_looked_up"] / MAX_PER_PAGE)
    assert sliced_calls == {SEARCH: expected, CONTACTS: lookups}
    whole = math.ceil(served(sandbox, PERIOD.unix_start, PERIOD.unix_end) / MAX_PER_PAGE)
    assert sandbox.intercom.calls.snapshot() == {SEARCH: whole, CONTACTS: lookups}
    assert whole < expected <= whole + 4
    assert sliced.facts["search_streams"] == 4 and sliced.facts["probe_calls"] == 1
    assert sliced.facts["conversations"] == single.facts["conversations"]  # each conversation counted once
    assert sliced.pages == {SEARCH: expected, CONTACTS: lookups}


def _after_first_answer(emulator: Any, endpoint: str, action: Callable[[], None]) -> Iterator[None]:
    routes = emulator.router._routes
    index = next(i for i, route in enumerate(routes) if route[2] == endpoint)
    method, pattern, name, handler = routes[index]

    def answer_then_act(request: Any) -> Any:
        response = handler(request)
        action()
        return response

    routes[index] = (method, pattern, name, answer_then_act)
    try:
        yield
    finally:
        routes[index] = (method, pattern, name, handler)


def test_a_failing_slice_fails_the_extraction_naming_the_call(sandbox):
    """After the probe every search answers 500: a slice's SourceError reaches the caller; nothing hangs."""
    resources = source_resources(sandbox, intercom={"time_slices": 4, "min_pages_per_slice": 2, "max_retries": 0})
    faults = sandbox.intercom.faults
    fired = []

    def fail_everything_after_the_probe() -> None:
        if not fired:
            fired.append(True)
            faults.fail_next(1000, status=500)

    guard = _after_first_answer(sandbox.intercom, SEARCH, fail_everything_after_the_probe)
    next(guard)
    try:
        with pytest.raises(SourceError) as raised:
            extract_intercom(resources["intercom"], PERIOD, keys(sandbox))
    finally:
        next(guard, None)
    assert str(raised.value).startswith("Intercom: POST /conversations/search answered HTTP 500")
    assert 2 <= sandbox.intercom.calls.snapshot()[SEARCH] <= 1 + 4  # the probe, then at most one per slice
