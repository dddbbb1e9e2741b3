"""The sandbox's harder default shows each hazard of the real vendors, and the product still reads a complete month:
Jira pages shorter than asked (followed by nextPageToken), Salesforce query batches smaller than 2,000 (followed by
nextRecordsUrl), Bulk API 2.0 jobs that need several polls, and a Jira user west of UTC. The same month read from a
gentle sandbox over the same world gives the same metric frames."""
from __future__ import annotations

import argparse
import math
from datetime import datetime, timezone
from typing import Iterator

import pandas as pd
import pytest

from health_pipeline.commands import sandbox as sandbox_command
from health_pipeline.delivery.records import EXTERNAL_ID, health_score_records
from health_pipeline.delivery.salesforce_writer import upsert_health_scores
from health_pipeline.partitions import MONTHLY
from health_pipeline.sandbox.realism import EmulatorRealism
from health_pipeline.sandbox.runner import Sandbox
from health_pipeline.sources.common.period import Period
from health_pipeline.sources.jira.extract import extract_jira
from health_pipeline.sources.jira.metrics import JQL_MARGIN_DAYS, build_bug_jql
from health_pipeline.sources.salesforce.extract import extract_salesforce
from health_pipeline_tests.conftest import source_resources
from health_pipeline_tests.delivery.frames import scores_frame

SEARCH = "POST /rest/api/3/search/jql"
QUERY, QUERY_MORE = "GET /services/data/{version}/query", "GET /services/data/{version}/query/{locator}"
JOB_STATUS = "GET /services/data/{version}/jobs/ingest/{id}"
PERIOD = Period.parse(MONTHLY.get_last_partition_key())


@pytest.fixture(scope="module")
def gentle_sandbox() -> Iterator[Sandbox]:
    """The default world behind emulators as kind as they used to be (full pages, a UTC Jira user)."""
    with Sandbox(realism=EmulatorRealism.gentle()) as running:
        yield running


def jira_keys(sandbox: Sandbox) -> list[tuple[str, str]]:
    """(salesforce_account_id, jira_key) of every account of the world with a Jira key."""
    return [(row["salesforce_account_id"], row["jira_key"]) for row in sandbox.world.mapping_rows() if row["jira_key"]]


def test_the_default_sandbox_is_the_harder_one(sandbox):
    assert sandbox.realism == EmulatorRealism.harder()
    assert sandbox.jira.user_time_zone == "America/Los_Angeles" and sandbox.jira.paging.short_every == 3
    assert (sandbox.salesforce.batch_cap, sandbox.salesforce.bulk_polls_before_complete) == (500, 2)
    assert sandbox.intercom.strict_search is True


def test_the_gentle_sandbox_relaxes_every_hazard(gentle_sandbox):
    assert gentle_sandbox.jira.user_time_zone == "UTC" and gentle_sandbox.jira.paging.short_every == 0
    assert (gentle_sandbox.salesforce.batch_cap, gentle_sandbox.salesforce.bulk_polls_before_complete) == (2000, 0)
    assert gentle_sandbox.intercom.strict_search is False


def test_short_jira_pages_are_followed_to_a_complete_month(sandbox, gentle_sandbox):
    sandbox.reset_counters_and_faults()
    served = []  # the number of issues of each page, as the client received it
    harder = extract_jira(source_resources(sandbox)["jira"], PERIOD, jira_keys(sandbox))
    jql = build_bug_jql(sandbox.JIRA_PROJECTS.split(","), PERIOD, margin_days=JQL_MARGIN_DAYS)
    token = None
    for number in range(sandbox.jira.paging.pages(harder.facts["issues"], 100)):
        issues, token = sandbox.jira.search.page(jql, token, lambda n: sandbox.jira.paging.size(100, n), {"id"}, "")
        served.append(len(issues))
    assert token is None and sum(served) == harder.facts["issues"] == len(sandbox.jira.search.matches(jql).rows)
    assert 0 < min(served[:-1]) < 100  # a page shorter than asked came before the last one
    calls = sandbox.jira.calls.snapshot()[SEARCH]
    assert calls == len(served) > math.ceil(harder.facts["issues"] / 100)

    gentle = extract_jira(source_resources(gentle_sandbox)["jira"], PERIOD, jira_keys(gentle_sandbox))
    assert gentle_sandbox.jira.calls.snapshot()[SEARCH] == math.ceil(gentle.facts["issues"] / 100)
    assert harder.facts["issues"] == gentle.facts["issues"]  # a west-of-UTC user reads the same month
    pd.testing.assert_frame_equal(harder.frame, gentle.frame)


def test_small_salesforce_batches_are_followed_to_a_complete_month(sandbox, gentle_sandbox):
    ids = [row["salesforce_account_id"] for row in sandbox.world.mapping_rows()]
    sandbox.reset_counters_and_faults()
    # 200 accounts match fewer than 500 renewals a month: batches of Salesforce's smallest size, 200, make sure
    # the month's statements take several (a larger org does the same at the default cap of 500)
    sandbox.salesforce.batch_cap = 200
    try:
        harder = extract_salesforce(source_resources(sandbox)["salesforce"], PERIOD, ids)
    finally:
        sandbox.realism.apply(sandbox.salesforce)
    calls = sandbox.salesforce.calls.snapshot()
    assert calls[QUERY] == harder.facts["soql_statements"] and calls[QUERY_MORE] >= 1
    assert harder.pages["Opportunity"] > 1  # more batches than ceil(N/2000) = 1

    gentle = extract_salesforce(source_resources(gentle_sandbox)["salesforce"], PERIOD, ids)
    assert QUERY_MORE not in gentle_sandbox.salesforce.calls.snapshot()
    pd.testing.assert_frame_equal(harder.frame, gentle.frame)


def test_every_record_of_a_batched_query_arrives_once(sandbox):
    client = source_resources(sandbox)["salesforce"].open_client()
    stored = {record["Id"] for record in sandbox.data.salesforce_records()["Opportunity"]}
    assert len(stored) > 2 * sandbox.salesforce.batch_cap
    pages = list(client.iter_query_pages("SELECT Id FROM Opportunity", "Opportunity"))
    assert [len(page) for page in pages[:-1]] == [500] * (len(pages) - 1)
    assert len(pages) == math.ceil(len(stored) / 500) > math.ceil(len(stored) / 2000)
    assert {record["Id"] for page in pages for record in page} == stored


def test_a_bulk_job_is_polled_until_it_completes():
    with Sandbox(accounts=20) as small:  # its own org: the session's stays without Health_Score__c records
        accounts = [row["salesforce_account_id"] for row in small.world.mapping_rows()][:12]
        records = health_score_records(scores_frame(accounts, "2026-10"), datetime(2026, 11, 2, tzinfo=timezone.utc))
        sf = source_resources(small)["salesforce"].open_client().sf

        outcome = upsert_health_scores(sf, records, bulk_threshold=10, poll_seconds=0.01)

        assert (outcome.method, outcome.created, outcome.failed) == ("bulk2", 12, [])
        # InProgress twice, then JobComplete (simple_salesforce reads the job once more for its counts)
        assert small.salesforce.calls.snapshot()[JOB_STATUS] >= EmulatorRealism.harder().bulk_job_polls() == 3
        written = sf.query_all("SELECT Health_Score_Key__c FROM Health_Score__c")["records"]
        assert sorted(r[EXTERNAL_ID] for r in written) == sorted(r[EXTERNAL_ID] for r in records)


def test_realism_settings_are_checked_and_paging_is_counted_as_served():
    with pytest.raises(ValueError):
        EmulatorRealism(salesforce_batch_cap=100)
    with pytest.raises(ValueError):
        EmulatorRealism(jira_short_page_every=2, jira_short_page_size=100)
    paging = EmulatorRealism.harder().jira_paging()
    assert [paging.size(100, n) for n in range(6)] == [100, 100, 37, 100, 100, 37]
    assert (paging.pages(0, 100), paging.pages(237, 100), paging.pages(238, 100)) == (1, 3, 4)
    assert EmulatorRealism.harder().salesforce_batches(1001) == 3
    assert EmulatorRealism.harder().salesforce_batches(1001, "batchSize=200") == 6
    assert EmulatorRealism.gentle().salesforce_batches(1001) == 1


def test_the_sandbox_command_is_harder_unless_asked_to_be_gentle(tmp_path):
    parser = argparse.ArgumentParser()
    sandbox_command.add_arguments(parser)
    state = ["--state-dir", str(tmp_path)]
    assert sandbox_command.build_sandbox(parser.parse_args(state)).realism == EmulatorRealism.harder()
    gentle = sandbox_command.build_sandbox(parser.parse_args([*state, "--gentle"]))
    assert gentle.realism == EmulatorRealism.gentle()
    assert (gentle.jira.user_time_zone, gentle.salesforce.batch_cap, gentle.jira.paging.short_every) == ("UTC", 2000, 0)
