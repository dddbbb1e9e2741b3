"""Salesforce reads: a large mapping reads each object whole (no IN list) with the same metrics and
ceil(N/batch) calls (batch: what the server serves, 2,000 at most); no describe call; an org without the Phase 2 fields costs one refused query."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from health_pipeline.sources.common.period import Period
from health_pipeline.sources.salesforce.extract import extract_salesforce
from health_pipeline.sources.salesforce.metrics import soql_queries
from health_pipeline_tests.conftest import source_resources

PERIOD = Period(2025, 6)
LOGIN = "POST /services/oauth2/token"
QUERY = "GET /services/data/{version}/query"
QUERY_MORE = "GET /services/data/{version}/query/{locator}"
DESCRIBE = "GET /services/data/{version}/sobjects/{object}/describe"


def account_ids(sandbox) -> list[str]:
    return [row["salesforce_account_id"] for row in sandbox.world.mapping_rows()]


def matching(sandbox, soql: str) -> int:
    from health_pipeline.sandbox.salesforce.query import BoundQuery
    store = sandbox.salesforce.store
    bound = BoundQuery(soql, store.phase2)
    return len(bound.run(store.records(bound.sobject.name)))


def further_batches(box) -> dict[str, int]:
    """The queryMore calls of the month's statements without Phase 2 fields: a batch beyond each first one."""
    extra = sum(math.ceil(matching(box, soql) / box.salesforce.batch_cap) - 1
                for statements in soql_queries(PERIOD, account_ids(box), False).values() for soql in statements)
    return {QUERY_MORE: extra} if extra else {}


def test_unfiltered_statements_are_one_per_object_without_an_id_list():
    ids = ["001000000000001AAA", "001000000000002AAA"]
    named = soql_queries(PERIOD, ids, True)
    whole = soql_queries(PERIOD, ids, True, filter_by_id=False)
    assert set(whole) == set(named) and all(len(statements) == 1 for statements in whole.values())
    for sobject, (statement,) in whole.items():
        assert " IN (" not in statement
        assert named[sobject][0].startswith(statement + (" WHERE " if sobject == "Account" else " AND "))
    assert soql_queries(PERIOD, [], True, filter_by_id=False) == {name: [] for name in named}


def test_reading_whole_objects_gives_the_same_metrics_in_the_fewest_calls(sandbox):
    ids = account_ids(sandbox)
    named = extract_salesforce(source_resources(sandbox)["salesforce"], PERIOD, ids)
    assert named.facts["accounts_named_in_soql"] is True
    sandbox.salesforce.calls.reset()
    whole = extract_salesforce(source_resources(sandbox, salesforce={"soql_id_filter_max": 0})["salesforce"],
                               PERIOD, ids)
    assert whole.facts["accounts_named_in_soql"] is False
    pd.testing.assert_frame_equal(named.frame, whole.frame)
    pages = sum(math.ceil(matching(sandbox, s[0]) / sandbox.salesforce.batch_cap) or 1
                for s in soql_queries(PERIOD, ids, True, filter_by_id=False).values())
    calls = sandbox.salesforce.calls.snapshot()
    assert calls.get(DESCRIBE) is None
    assert calls[LOGIN] == 1 and calls[QUERY] + calls.get(QUERY_MORE, 0) == pages


def test_records_of_unmapped_accounts_are_dropped(sandbox):
    ids = account_ids(sandbox)
    subset = ids[::3]
    named = extract_salesforce(source_resources(sandbox)["salesforce"], PERIOD, subset)
    whole = extract_salesforce(source_resources(sandbox, salesforce={"soql_id_filter_max": 10})["salesforce"],
                               PERIOD, subset)
    pd.testing.assert_frame_equal(named.frame, whole.frame)
    assert named.facts["records_for_unmapped_accounts"] == 0
    assert whole.facts["records_for_unmapped_accounts"] > 0


@pytest.fixture(scope="module")
def sandbox_without_phase2():
    from health_pipeline.sandbox.runner import Sandbox
    with Sandbox(phase2_fields=False) as running:
        yield running


def test_an_org_without_phase2_fields_costs_one_refused_query(sandbox_without_phase2):
    box = sandbox_without_phase2
    result = extract_salesforce(source_resources(box)["salesforce"], PERIOD, account_ids(box))
    assert result.facts["phase2_fields"] is False
    assert result.frame[["qbr_attendance", "champion_stability", "expansion_signals"]].isna().all().all()
    assert result.frame["payment_health"].notna().any()
    assert any("lacks the Phase 2 relationship fields" in note for note in result.notes)
    calls = box.salesforce.calls.snapshot()
    assert calls == {LOGIN: 1, QUERY: 1 + 4, **further_batches(box)}  # the refused Account query, then one per object
    box.reset_counters_and_faults()


def test_describe_can_still_decide(sandbox_without_phase2):
    box = sandbox_without_phase2
    resources = source_resources(box, salesforce={"phase2_by_describe": True})
    result = extract_salesforce(resources["salesforce"], PERIOD, account_ids(box))
    assert result.facts["phase2_fields"] is False
    assert box.salesforce.calls.snapshot() == {LOGIN: 1, DESCRIBE: 1, QUERY: 4, **further_batches(box)}
    box.reset_counters_and_faults()
