"""Proves the emulator's Bulk API 2.0 ingest works with simple_salesforce's unmodified `sf.bulk2` client.

An upsert job round trip (create, one CSV upload answered 201, close, poll until JobComplete, final
counts) with a failed record, reading the records back by SOQL and the per-record successful and failed
results as CSV; updates through the same external ID; Bulk 2.0's empty-versus-`#N/A` semantics; the
`InProgress` polls; jobs that fail as a whole (unknown column, wrong line ending) with their
errorMessage; one upload per job; deleting a job; and that bulk2 calls, unlike REST calls, do not
re-login by themselves after a session expires.
"""
from __future__ import annotations

import csv
import io

import pytest
from simple_salesforce import SalesforceExpiredSession, SalesforceMalformedRequest, SalesforceResourceNotFound
from simple_salesforce.exceptions import SalesforceOperationError

from health_pipeline.sandbox.salesforce.emulator import (
    BULK_CLOSE,
    BULK_CREATE,
    BULK_RESULTS,
    BULK_STATUS,
    BULK_UPLOAD,
    LOGIN,
)
from health_pipeline.sandbox.server.tls import SandboxTLS
from health_pipeline_tests.sandbox._sf_looker_fixtures import contract_records, salesforce_sandbox


@pytest.fixture(scope="module")
def tls():
    with SandboxTLS() as value:
        yield value


@pytest.fixture
def sandbox(tls):
    with salesforce_sandbox(tls, contract_records()) as value:
        yield value


@pytest.fixture
def sf(sandbox):
    return sandbox.client()


def _scores(sandbox, count: int = 5, **extra) -> list[dict]:
    account = sandbox.emulator.store.records("Account")[0]["Id"]
    return [{"Health_Score_Key__c": f"ACME-{i}", "Account__c": account, "Period__c": "2026-10",
             "Health_Score__c": 60 + i, "Tier__c": "Healthy", "Scored_At__c": "2026-11-01T06:00:00Z", **extra}
            for i in range(count)]


def _csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_upsert_round_trip_with_one_failed_record(sandbox, sf):
    records = _scores(sandbox) + [{**_scores(sandbox, 1)[0], "Health_Score_Key__c": "ACME-bad", "Tier__c": "Superb"}]
    [result] = sf.bulk2.Health_Score__c.upsert(records=records, external_id_field="Health_Score_Key__c", wait=0)
    assert (result["numberRecordsProcessed"], result["numberRecordsFailed"], result["numberRecordsTotal"]) == (6, 1, 6)
    calls = sandbox.emulator.calls.snapshot()
    assert [calls[e] for e in (LOGIN, BULK_CREATE, BULK_UPLOAD, BULK_CLOSE, BULK_STATUS)] == [1, 1, 1, 1, 2]
    stored = sf.query_all("SELECT Health_Score_Key__c, Health_Score__c, Tier__c FROM Health_Score__c "
                          "ORDER BY Health_Score_Key__c")["records"]
    assert [(r["Health_Score_Key__c"], r["Health_Score__c"]) for r in stored] == [(f"ACME-{i}", 60.0 + i) for i in range(5)]
    failed = _csv(sf.bulk2.Health_Score__c.get_failed_records(result["job_id"]))
    assert [row["Health_Score_Key__c"] for row in failed] == ["ACME-bad"]
    assert failed[0]["sf__Id"] == "" and failed[0]["sf__Error"].startswith(
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:Tier: bad value for restricted picklist field: Superb:Tier__c")
    succeeded = _csv(sf.bulk2.Health_Score__c.get_successful_records(result["job_id"]))
    assert {row["sf__Created"] for row in succeeded} == {"true"} and len(succeeded) == 5
    assert {row["sf__Id"] for row in succeeded} == {r["attributes"]["url"].rsplit("/", 1)[1] for r in stored}
    assert sandbox.emulator.calls.snapshot()[BULK_RESULTS] == 2


def test_second_upsert_updates_and_honours_empty_and_na(sandbox, sf):
    sf.bulk2.Health_Score__c.upsert(records=_scores(sandbox, 2, Modifier_Applied__c="cap"),
                                    external_id_field="Health_Score_Key__c", wait=0)
    again = [{"Health_Score_Key__c": "ACME-0", "Health_Score__c": 90, "Modifier_Applied__c": None, "Tier__c": "#N/A"},
             {"Health_Score_Key__c": "ACME-1", "Health_Score__c": 91, "Modifier_Applied__c": "#N/A", "Tier__c": ""}]
    [result] = sf.bulk2.Health_Score__c.upsert(records=again, external_id_field="Health_Score_Key__c", wait=0)
    assert result["numberRecordsFailed"] == 0
    assert {row["sf__Created"] for row in _csv(sf.bulk2.Health_Score__c.get_successful_records(result["job_id"]))} == {
        "false"}
    rows = sf.query("SELECT Health_Score_Key__c, Health_Score__c, Modifier_Applied__c, Tier__c FROM Health_Score__c "
                    "ORDER BY Health_Score_Key__c")["records"]
    assert [(r["Health_Score__c"], r["Modifier_Applied__c"], r["Tier__c"]) for r in rows] == [
        (90.0, "cap", None), (91.0, None, "Healthy")]


def test_job_reports_in_progress_before_complete(sandbox, sf):
    sandbox.emulator.bulk_polls_before_complete = 2
    [result] = sf.bulk2.Health_Score__c.upsert(records=_scores(sandbox, 3), external_id_field="Health_Score_Key__c",
                                               wait=0)
    assert result["numberRecordsProcessed"] == 3
    assert sandbox.emulator.calls.snapshot()[BULK_STATUS] == 4


def test_unknown_column_fails_the_job_with_its_message(sandbox, sf):
    records = _scores(sandbox, 2, Bogus__c="x")
    with pytest.raises(SalesforceOperationError, match="InvalidBatch : Field name not found : Bogus__c"):
        sf.bulk2.Health_Score__c.upsert(records=records, external_id_field="Health_Score_Key__c", wait=0)
    [job] = sandbox.emulator.bulk2.job_infos()
    assert (job["state"], job["numberRecordsProcessed"]) == ("Failed", 0)
    unprocessed = _csv(sf.bulk2.Health_Score__c.get_unprocessed_records(job["id"]))
    assert [row["Health_Score_Key__c"] for row in unprocessed] == ["ACME-0", "ACME-1"]
    assert sf.query("SELECT COUNT() FROM Health_Score__c")["totalSize"] == 0


def test_failed_job_keeps_its_rows_as_unprocessed(sandbox, sf):
    job = sf.restful("jobs/ingest", method="POST", json={"object": "Health_Score__c", "operation": "upsert",
                                                         "externalIdFieldName": "Health_Score_Key__c",
                                                         "contentType": "CSV", "lineEnding": "LF"})
    assert job["state"] == "Open"
    headers = {"Authorization": f"Bearer {sf.session_id}", "Content-Type": "text/csv"}
    url = f"{sf.base_url}jobs/ingest/{job['id']}/batches"
    data = "Health_Score_Key__c,Period__c\r\nK1,2026-10\r\n"
    assert sf.session.put(url, data=data.encode(), headers=headers).status_code == 201
    second = sf.session.put(url, data=data.encode(), headers=headers)
    assert second.status_code == 400 and second.json()[0]["errorCode"] == "BULK_API_ERROR"
    sf.restful(f"jobs/ingest/{job['id']}", method="PATCH", json={"state": "UploadComplete"})
    info = sf.restful(f"jobs/ingest/{job['id']}")
    assert info["state"] == "Failed" and "LineEnding is invalid on user data" in info["errorMessage"]
    assert sf.restful(f"jobs/ingest/{job['id']}", method="DELETE") is None
    with pytest.raises(SalesforceResourceNotFound):
        sf.restful(f"jobs/ingest/{job['id']}")


def test_job_creation_is_validated(sf):
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.restful("jobs/ingest", method="POST", json={"object": "Nope__c", "operation": "insert"})
    assert info.value.content[0]["errorCode"] == "INVALIDENTITY"
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.restful("jobs/ingest", method="POST", json={"object": "Health_Score__c", "operation": "upsert"})
    assert info.value.content[0]["errorCode"] == "INVALIDJOB"


def test_insert_job_creates_records_with_new_ids(sandbox, sf):
    [result] = sf.bulk2.Task.insert(records=[{"Subject": "Call", "WhatId": sandbox.emulator.store.records(
        "Account")[0]["Id"], "ActivityDate": "2026-11-05"}], wait=0)
    assert (result["numberRecordsProcessed"], result["numberRecordsFailed"]) == (1, 0)
    [task] = sf.query("SELECT Id, Subject, ActivityDate FROM Task")["records"]
    assert task["Id"].startswith("00T") and (task["Subject"], task["ActivityDate"]) == ("Call", "2026-11-05")


def test_bulk2_calls_do_not_relogin_after_expiry(sandbox, sf):
    sandbox.emulator.faults.expire_sessions()
    with pytest.raises(SalesforceExpiredSession):
        sf.bulk2.Health_Score__c.upsert(records=_scores(sandbox, 1), external_id_field="Health_Score_Key__c", wait=0)
    sf.query("SELECT COUNT() FROM Account")
    [result] = sf.bulk2.Health_Score__c.upsert(records=_scores(sandbox, 1), external_id_field="Health_Score_Key__c",
                                               wait=0)
    assert result["numberRecordsFailed"] == 0 and sandbox.emulator.calls.snapshot()[LOGIN] == 2
