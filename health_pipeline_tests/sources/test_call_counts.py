"""Each source makes the fewest HTTP calls its API allows (docs: vendor-apis "The minimum number of calls").

Intercom: ceil(N/150) search pages for N conversations; Jira: ceil(N/100) search/jql pages (the server caps a page at
100); Looker: 1 login + 2 inline runs + 1 Look run; Salesforce: 1 SOAP login + 1 describe + 1 query per object when
each object has fewer than 2,000 matching records. Checked twice, independently: by the emulators' own counters
(what reached the server, retries included) and by the asset's `http_calls_by_endpoint` metadata. The expected
numbers come from the data (the emulators' search engines, the stored records), not from guesses: on the pinned
mini data and on the default 200-account synthetic world for the last complete month.
"""
from __future__ import annotations

import pytest

from health_pipeline.extract.intercom import MAX_PER_PAGE, build_conversation_search
from health_pipeline.extract.jira import MAX_RESULTS, build_bug_jql
from health_pipeline.extract.period import Period
from health_pipeline.extract.salesforce import soql_queries
from health_pipeline.partitions import MONTHLY, period_label
from health_pipeline.settings import load_account_mapping
from health_pipeline_tests.conftest import SHIPPED_CONFIG_DIR, source_resources
from health_pipeline_tests.sources import MINI_PARTITION, materialize_sources, pages

SF_BATCH = 2000  # Salesforce query batch size (default and maximum)
SOURCES = ["intercom", "jira", "looker", "salesforce"]


def expected_calls(sandbox, partition_key: str,
                   account_ids: list[str]) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """The minimum calls per source and endpoint (emulator endpoint names), computed from the served data,
    and the record counts they were computed from."""
    period = Period.parse(period_label(partition_key))
    # Intercom: the emulator's own search engine says how many conversations the month's search matches
    query = build_conversation_search(period)["query"]
    conversations = sandbox.intercom.engine.search(query, MAX_PER_PAGE, None).total_count
    # Jira: the emulator's JQL engine over the configured projects
    issues = len(sandbox.jira.search.matches(build_bug_jql(sandbox.JIRA_PROJECTS.split(","), period)).rows)
    # Salesforce: every object holds fewer than 2,000 records, so each SOQL statement is answered in one batch
    records = sandbox.data.salesforce_records()
    statements = soql_queries(period, account_ids, phase2_fields_present=True)
    for sobject in statements:
        assert len(records.get(sobject, [])) < SF_BATCH, f"{sobject}: the one-batch premise does not hold"
    assert all(len(soql) == 1 for soql in statements.values())  # the mapped IDs fit in one statement each
    return {
        "intercom": {"POST /conversations/search": pages(conversations, MAX_PER_PAGE)},
        "jira": {"POST /rest/api/3/search/jql": pages(issues, MAX_RESULTS)},
        "looker": {"POST /api/4.0/login": 1, "POST /api/4.0/queries/run/{format}": 2,
                   "GET /api/4.0/looks/{id}/run/{format}": 1},
        "salesforce": {"POST /services/Soap/u/{version}": 1,
                       "GET /services/data/{version}/sobjects/{object}/describe": 1,
                       "GET /services/data/{version}/query": sum(len(s) for s in statements.values())},
    }, {"conversations": conversations, "issues": issues}


# the same calls under the names the client-side counters use (actual paths)
CLIENT_NAMES = {
    "POST /api/4.0/queries/run/{format}": "POST /api/4.0/queries/run/json",
    "GET /api/4.0/looks/{id}/run/{format}": "GET /api/4.0/looks/1/run/csv",
    "POST /services/Soap/u/{version}": "POST /services/Soap/u/59.0",
    "GET /services/data/{version}/sobjects/{object}/describe": "GET /services/data/v59.0/sobjects/Account/describe",
    "GET /services/data/{version}/query": "GET /services/data/v59.0/query/",
}


def check_minimum(run, sandbox, expected: dict[str, dict[str, int]]) -> None:
    for source in SOURCES:
        want = expected[source]
        assert sandbox.emulators[source].calls.snapshot() == want, source
        meta = run.meta(source)
        assert meta["http_calls_by_endpoint"] == {CLIENT_NAMES.get(k, k): n for k, n in want.items()}, source
        assert meta["retries"] == 0, source
        assert meta["http_calls"] == sum(want.values()), source


@pytest.fixture
def fresh():
    """Zero the counters of the sandbox under test before it runs (the autouse reset runs after tests)."""
    def reset(sandbox):
        sandbox.reset_counters_and_faults()
        return sandbox
    return reset


def test_minimum_calls_on_the_mini_data(mini_sandbox, mini_config_dir, fresh):
    sandbox = fresh(mini_sandbox)
    ids = [account.salesforce_account_id for account in load_account_mapping(mini_config_dir / "account_mapping.csv")]
    expected, sizes = expected_calls(sandbox, MINI_PARTITION, ids)
    # 11 conversations -> 1 page; 9 issues -> 1 page; 4 Salesforce queries (Account, Opportunity, Contract, signals)
    assert sizes == {"conversations": 11, "issues": 9}
    assert expected["salesforce"]["GET /services/data/{version}/query"] == 4
    run = materialize_sources(source_resources(sandbox), mini_config_dir, SOURCES)
    assert run.success, run.failure_messages()
    check_minimum(run, sandbox, expected)
    assert sum(sandbox.emulators["intercom"].calls.snapshot().values()) == 1
    assert sum(sandbox.emulators["jira"].calls.snapshot().values()) == 1


def test_minimum_calls_on_the_default_world(sandbox, fresh):
    """200 accounts, last complete month: Intercom pages = ceil(conversations / 150), and so on."""
    sandbox = fresh(sandbox)
    partition = MONTHLY.get_last_partition_key()
    ids = [account.salesforce_account_id for account in load_account_mapping(SHIPPED_CONFIG_DIR / "account_mapping.csv")]
    assert len(ids) == 200
    expected, sizes = expected_calls(sandbox, partition, ids)
    assert sizes["conversations"] > MAX_PER_PAGE and sizes["issues"] > MAX_RESULTS  # real paging happens
    run = materialize_sources(source_resources(sandbox), None, SOURCES, partition_key=partition)
    assert run.success, run.failure_messages()
    check_minimum(run, sandbox, expected)
    assert run.meta("intercom")["conversations"] == sizes["conversations"]
    assert run.meta("jira")["issues"] == sizes["issues"]
    assert run.meta("salesforce")["pages_by_stream"] == {
        "Account": 1, "Opportunity": 1, "Contract": 1, "Churn_Signal__c": 1}
