"""The writer upserts Health_Score__c through the real simple_salesforce client against the emulator:
Collections below the threshold (at most 200 records per call, per-record results in order) and Bulk API 2.0
from it; re-running updates instead of duplicating, a refused record is reported with its error while the
rest are saved, a None clears the field on both paths (Bulk 2.0 gets `#N/A`), and client failures become
SourceErrors that carry no credentials."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from health_pipeline.delivery.bulk_ingest import ingest_csv, job_chunks, run_upsert_job
from health_pipeline.delivery.records import EXTERNAL_ID, health_score_records
from health_pipeline.delivery.salesforce_writer import (
    BULK_NULL,
    bulk_row,
    guarded,
    parse_bulk_error,
    upsert_health_scores,
)
from health_pipeline.sandbox.salesforce.emulator import BULK_CREATE, COLLECTION_UPSERT
from health_pipeline.sources.common.errors import SourceError
from health_pipeline_tests.delivery.conftest import ACCOUNT_IDS, CREDENTIALS, MISSING_ACCOUNT, Org
from health_pipeline_tests.delivery.frames import scores_frame

SCORED_AT = datetime(2026, 11, 2, 6, 0, tzinfo=timezone.utc)
FAST = {"bulk_threshold": 2000, "poll_seconds": 0.01}


def records_for(count: int, period: str = "2026-10") -> list[dict]:
    """Records for the first `count` seeded accounts."""
    return health_score_records(scores_frame(ACCOUNT_IDS[:count], period), SCORED_AT)


def by_key(rows: list[dict]) -> dict[str, dict]:
    """Rows by their external ID."""
    return {row[EXTERNAL_ID]: row for row in rows}


def test_collections_upsert_creates_then_updates_without_duplicates(org: Org):
    records = records_for(5)
    client = org.client()
    first = upsert_health_scores(client.sf, records, **FAST)
    assert (first.created, first.updated, first.failed, first.method) == (5, 0, [], "collections")
    stored = by_key(org.health_scores())
    assert set(stored) == {r[EXTERNAL_ID] for r in records}
    sample = stored[records[1][EXTERNAL_ID]]
    assert sample["Account__c"] == ACCOUNT_IDS[1] and sample["Period__c"] == "2026-10"
    assert sample["Health_Score__c"] == records[1]["Health_Score__c"] and sample["Tier__c"] == records[1]["Tier__c"]
    assert sample["Previous_Score__c"] is None

    again = upsert_health_scores(client.sf, records, **FAST)
    assert (again.created, again.updated, again.failed) == (0, 5, [])
    assert len(org.health_scores()) == 5


def test_collections_none_clears_a_field_that_had_a_value(org: Org):
    client = org.client()
    records = records_for(2)
    upsert_health_scores(client.sf, records, **FAST)
    cleared = [{**r, "Support_Score__c": None, "Top_Risk_Factors__c": None} for r in records]
    upsert_health_scores(client.sf, cleared, **FAST)
    for row in org.health_scores():
        assert row["Support_Score__c"] is None and row["Top_Risk_Factors__c"] is None


def test_one_bad_record_is_reported_while_the_rest_succeed(org: Org):
    records = records_for(6)
    records[2] = {**records[2], "Account__c": MISSING_ACCOUNT}
    records[4] = {**records[4], "Tier__c": "Gold"}
    outcome = upsert_health_scores(org.client().sf, records, **FAST)
    assert (outcome.created, outcome.updated) == (4, 0)
    failed = dict((r[EXTERNAL_ID], error) for r, error in outcome.failed)
    assert failed[records[2][EXTERNAL_ID]].startswith("INVALID_CROSS_REFERENCE_KEY: ")
    assert failed[records[2][EXTERNAL_ID]].endswith("; fields: Account__c")
    assert failed[records[4][EXTERNAL_ID]].startswith("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: ")
    assert [r for r, _ in outcome.failed] == [records[2], records[4]]
    assert len(org.health_scores()) == 4


def test_450_records_take_exactly_three_collection_calls(org: Org):
    client = org.client()
    org.emulator.calls.reset()
    outcome = upsert_health_scores(client.sf, records_for(450), **FAST)
    assert (outcome.created, outcome.method, outcome.api_calls) == (450, "collections", 3)
    assert org.emulator.calls.snapshot() == {COLLECTION_UPSERT: 3}
    assert len(org.health_scores()) == 450


def test_collection_size_is_honoured_and_bounded(org: Org):
    client = org.client()
    outcome = upsert_health_scores(client.sf, records_for(25), collection_size=10, **FAST)
    assert (outcome.created, outcome.api_calls) == (25, 3)
    with pytest.raises(ValueError, match="collection_size"):
        upsert_health_scores(client.sf, records_for(1), collection_size=201, **FAST)


def test_bulk2_round_trip_counts_created_updated_and_failed(org: Org):
    org.emulator.bulk_polls_before_complete = 2  # the writer must poll until the job completes
    client = org.client()
    records = records_for(12)
    records[3] = {**records[3], "Tier__c": "Gold"}
    org.emulator.calls.reset()
    first = upsert_health_scores(client.sf, records, bulk_threshold=10, poll_seconds=0.01)
    assert (first.method, first.created, first.updated) == ("bulk2", 11, 0)
    assert [(r[EXTERNAL_ID], e.split(":")[0]) for r, e in first.failed] == [
        (records[3][EXTERNAL_ID], "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")]
    assert first.failed[0][0] is records[3]
    assert org.emulator.calls.snapshot()[BULK_CREATE] == 1
    assert first.api_calls == org.emulator.calls.total()
    assert len(org.health_scores()) == 11

    records[3] = {**records[3], "Tier__c": "Healthy"}
    again = upsert_health_scores(client.sf, records, bulk_threshold=10, poll_seconds=0.01)
    assert (again.created, again.updated, again.failed) == (1, 11, [])
    assert len(org.health_scores()) == 12


def test_bulk2_job_takes_the_fewest_calls_create_upload_close_polls_results(org: Org):
    org.emulator.bulk_polls_before_complete = 2  # in progress for two polls: the third finds it complete
    client = org.client()
    org.emulator.calls.reset()
    outcome = upsert_health_scores(client.sf, records_for(12), bulk_threshold=10, poll_seconds=0.01)
    assert (outcome.method, outcome.created, outcome.failed) == ("bulk2", 12, [])
    # create, upload, close, three status polls, successful and failed results: no read of the finished job after
    assert org.emulator.calls.total() == outcome.api_calls == 3 + 3 + 2


def test_bulk2_job_rows_split_only_when_the_csv_exceeds_one_upload():
    rows = [{"Key__c": f"k{i}", "Note__c": "x" * 50} for i in range(8)]
    assert job_chunks(rows) == [rows]
    limit = len(ingest_csv(rows[:3]).encode("utf-8"))
    parts = job_chunks(rows, limit_bytes=limit)
    assert [row for part in parts for row in part] == rows and all(len(ingest_csv(p)) <= limit for p in parts)


def test_bulk2_job_past_its_deadline_fails_naming_the_status_call(org: Org):
    org.emulator.bulk_polls_before_complete = 10_000  # never completes within the deadline
    client = org.client()
    rows = [bulk_row(r) for r in records_for(12)]
    with pytest.raises(SourceError) as raised:
        run_upsert_job(client.sf, "Health_Score__c", EXTERNAL_ID, rows, 0.01, guarded, deadline_seconds=0.1)
    assert raised.value.call == "GET jobs/ingest/{id}" and "still InProgress" in str(raised.value)


def test_bulk2_none_clears_a_field_that_had_a_value(org: Org):
    client = org.client()
    records = records_for(10)
    upsert_health_scores(client.sf, records, bulk_threshold=10, poll_seconds=0.01)
    assert all(row["Support_Score__c"] is not None for row in org.health_scores())
    cleared = [{**r, "Support_Score__c": None, "Top_Risk_Factors__c": None} for r in records]
    outcome = upsert_health_scores(client.sf, cleared, bulk_threshold=10, poll_seconds=0.01)
    assert (outcome.updated, outcome.failed) == (10, [])
    for row in org.health_scores():
        assert row["Support_Score__c"] is None and row["Top_Risk_Factors__c"] is None
        assert row["Health_Score__c"] is not None


def test_bulk_rows_encode_none_as_na():
    assert bulk_row({"a": None, "b": 0, "c": ""}) == {"a": BULK_NULL, "b": 0, "c": ""}
    assert BULK_NULL == "#N/A"


def test_bulk_error_text_is_read_into_code_message_and_fields():
    text = "REQUIRED_FIELD_MISSING:Required fields are missing: [Account__c]:Account__c --"
    assert parse_bulk_error(text) == ("REQUIRED_FIELD_MISSING: Required fields are missing: [Account__c]; "
                                      "fields: Account__c")
    assert parse_bulk_error("A:one: -- B:two:x,y --") == "A: one | B: two; fields: x, y"


def test_client_failures_become_source_errors_without_secrets(org: Org):
    client = org.client()
    org.emulator.faults.fail_next(10, status=500)
    with pytest.raises(SourceError) as raised:
        upsert_health_scores(client.sf, records_for(3), **FAST)
    message = str(raised.value)
    assert raised.value.source == "Salesforce" and "composite/sobjects/Health_Score__c" in raised.value.call
    assert CREDENTIALS.sf_consumer_secret not in message and client.sf.session_id not in message


def test_no_records_make_no_calls(org: Org):
    client = org.client()
    org.emulator.calls.reset()
    outcome = upsert_health_scores(client.sf, [], **FAST)
    assert (outcome.created, outcome.updated, outcome.failed, outcome.api_calls) == (0, 0, [], 0)
    assert org.emulator.calls.total() == 0
