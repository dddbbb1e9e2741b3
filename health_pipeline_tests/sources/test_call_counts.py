"""Each source makes the fewest HTTP calls its API allows (docs: vendor-apis "The minimum number of calls").

Intercom: ceil(N/150) search pages for N conversations in one cursor stream (a month large enough to be split into
concurrent time slices costs one probe page plus ceil(n/150) per slice), plus ceil(C/150) contact searches for the
C distinct contacts of the month's conversations without a company (none when C = 0); Jira: the search/jql pages
the server offers for N issues (it caps a page at 100 and, in the sandbox's harder default, serves every third page
short); Looker: 1 login + 2 inline runs + 1 Look run; Salesforce: 1 OAuth token, 1 query per object when each
object has no more matching records than the server's query batch holds, plus 1 describe when the resource is set to
detect the Phase 2 fields by describe. Checked twice, independently: by the emulators' own counters (what
reached the server, retries included) and by the asset's `http_calls_by_endpoint` metadata. The expected numbers
come from the data (the emulators' search engines, the stored records) and the resources' settings, not from
guesses: on the pinned mini data and on the default 200-account synthetic world for the last complete month.
"""
from __future__ import annotations

import math
from typing import Any

import pytest

from health_pipeline.partitions import MONTHLY
from health_pipeline.sandbox.salesforce.query import BoundQuery
from health_pipeline.settings import load_account_mapping
from health_pipeline.sources.common.period import Period
from health_pipeline.sources.intercom.metrics import build_conversation_search
from health_pipeline.sources.jira.metrics import JQL_MARGIN_DAYS, MAX_RESULTS, build_bug_jql
from health_pipeline.sources.salesforce.metrics import soql_queries
from health_pipeline_tests.conftest import SHIPPED_CONFIG_DIR, source_resources
from health_pipeline_tests.sources import MINI_PARTITION, materialize_sources, pages

SOURCES = ["intercom", "jira", "looker", "salesforce"]


def intercom_pages(sandbox, period: Period, resource: Any) -> tuple[int, int]:
    """(search calls, conversations) for the month, from the emulator's own search engine."""
    per_page = resource.per_page
    total = sandbox.intercom.engine.search(build_conversation_search(period)["query"], per_page, None).total_count
    try:  # the client splits a large month into concurrent time slices, at the cost of one probe page
        from health_pipeline.sources.intercom.resource import plan_slices, slice_windows, window_search
    except ImportError:  # a client with one search stream only
        return pages(total, per_page), total
    slices = plan_slices(total, per_page, resource.time_slices, resource.min_pages_per_slice)
    if slices == 1:
        return pages(total, per_page), total
    per_slice = [sandbox.intercom.engine.search(window_search(lo, hi, per_page)["query"], per_page, None).total_count
                 for lo, hi in slice_windows(period, slices)]
    return 1 + sum(pages(count, per_page) for count in per_slice), total


def contact_searches(sandbox, period: Period) -> tuple[int, int]:
    """(contact search calls, distinct contacts) for the month's company-less conversations, from the served data."""
    query = build_conversation_search(period)["query"]
    first = sandbox.intercom.engine.search(query, 150, None)
    served, cursor = list(first.conversations), first.next_cursor
    while cursor is not None:
        page = sandbox.intercom.engine.search(query, 150, cursor)
        served, cursor = served + page.conversations, page.next_cursor
    contacts = {person["id"] for conv in served if conv.get("company") is None
                and period.unix_start <= conv["created_at"] < period.unix_end
                for person in conv["contacts"]["contacts"]}
    return (math.ceil(len(contacts) / 150), len(contacts))
def salesforce_batches(sandbox, soql: str) -> int:
    """The query batches the emulator serves for a statement: its matching records over the server's batch size."""
    bound = BoundQuery(soql, sandbox.salesforce.store.phase2)
    matching = len(bound.run(sandbox.salesforce.store.records(bound.sobject.name)))
    return pages(matching, sandbox.salesforce.batch_cap)


def salesforce_calls(sandbox, period: Period, account_ids: list[str], resource: Any) -> dict[str, int]:
    """Token, describe (when the resource detects Phase 2 fields that way), and per SOQL statement one query plus
    a queryMore per further batch the server offers."""
    filter_by_id = len(account_ids) <= getattr(resource, "soql_id_filter_max", len(account_ids))
    try:
        statements = soql_queries(period, account_ids, True, filter_by_id=filter_by_id)
    except TypeError:  # a soql_queries that always names the accounts
        statements = soql_queries(period, account_ids, True)
    batches = [salesforce_batches(sandbox, soql) for chunks in statements.values() for soql in chunks]
    calls = {"POST /services/oauth2/token": 1, "GET /services/data/{version}/query": len(batches)}
    if sum(batches) > len(batches):
        calls["GET /services/data/{version}/query/{locator}"] = sum(batches) - len(batches)
    if getattr(resource, "phase2_by_describe", True):
        calls["GET /services/data/{version}/sobjects/{object}/describe"] = 1
    return calls


def expected_calls(sandbox, partition_key: str, account_ids: list[str],
                   resources: dict[str, Any]) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """The minimum calls per source and endpoint (emulator endpoint names), computed from the served data,
    and the record counts they were computed from."""
    period = Period.parse(partition_key)
    searches, conversations = intercom_pages(sandbox, period, resources["intercom"])
    # Jira: the emulator's JQL engine over the configured projects
    jql = build_bug_jql(sandbox.JIRA_PROJECTS.split(","), period, margin_days=JQL_MARGIN_DAYS)  # as the product asks
    issues = len(sandbox.jira.search.matches(jql).rows)
    lookups, contacts = contact_searches(sandbox, period)
    return {
        "intercom": {"POST /conversations/search": searches, **({"POST /contacts/search": lookups} if lookups else {})},
        "jira": {"POST /rest/api/3/search/jql": sandbox.jira.paging.pages(issues, resources["jira"].page_size)},
        "looker": {"POST /api/4.0/login": 1, "POST /api/4.0/queries/run/{format}": 3},
        "salesforce": salesforce_calls(sandbox, period, account_ids, resources["salesforce"]),
    }, {"conversations": conversations, "issues": issues, "companyless_contacts": contacts}


# the same calls under the names the client-side counters use (actual paths)
CLIENT_NAMES = {
    "POST /services/oauth2/token": "POST /services/oauth2/token",
    "GET /services/data/{version}/sobjects/{object}/describe": "GET /services/data/v65.0/sobjects/Account/describe",
    "GET /services/data/{version}/query": "GET /services/data/v65.0/query/",
    "GET /services/data/{version}/query/{locator}": "GET /services/data/v65.0/query/{id}",
}


def client_calls(want: dict[str, int]) -> dict[str, int]:
    """`want` under the client's names; the emulator counts Looker's inline runs on one route for every format."""
    calls = {CLIENT_NAMES.get(k, k): n for k, n in want.items() if k != "POST /api/4.0/queries/run/{format}"}
    if "POST /api/4.0/queries/run/{format}" in want:  # the two adoption views as JSON, platform value as CSV
        calls.update({"POST /api/4.0/queries/run/json": 2, "POST /api/4.0/queries/run/csv": 1})
    return calls


def check_minimum(run, sandbox, expected: dict[str, dict[str, int]]) -> None:
    for source in SOURCES:
        want = expected[source]
        assert sandbox.emulators[source].calls.snapshot() == want, source
        meta = run.meta(source)
        assert meta["http_calls_by_endpoint"] == client_calls(want), source
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
    resources = source_resources(sandbox)
    expected, sizes = expected_calls(sandbox, MINI_PARTITION, ids, resources)
    # 11 conversations -> 1 page, one of them company-less -> 1 contact search; 9 issues -> 1 page;
    # 4 Salesforce queries (Account, Opportunity, Contract, signals)
    assert sizes == {"conversations": 11, "issues": 9, "companyless_contacts": 1}
    assert expected["intercom"] == {"POST /conversations/search": 1, "POST /contacts/search": 1}
    assert expected["jira"] == {"POST /rest/api/3/search/jql": 1}
    assert expected["salesforce"]["GET /services/data/{version}/query"] == 4
    run = materialize_sources(resources, mini_config_dir, SOURCES)
    assert run.success, run.failure_messages()
    check_minimum(run, sandbox, expected)


def test_minimum_calls_on_the_default_world(sandbox, fresh):
    """200 accounts, last complete month: Intercom pages = ceil(conversations / 150), and so on."""
    sandbox = fresh(sandbox)
    partition = MONTHLY.get_last_partition_key()
    ids = [account.salesforce_account_id
           for account in load_account_mapping(SHIPPED_CONFIG_DIR / "account_mapping.csv")]
    assert len(ids) == 200
    resources = source_resources(sandbox)
    expected, sizes = expected_calls(sandbox, partition, ids, resources)
    assert sizes["conversations"] > 150 and sizes["issues"] > MAX_RESULTS  # real paging happens
    assert sizes["companyless_contacts"] > 150  # and the contact lookup takes more than one page
    # the harder Jira emulator serves short pages: the server's pages, not the product, cost the extra calls
    assert expected["jira"]["POST /rest/api/3/search/jql"] > pages(sizes["issues"], MAX_RESULTS)
    run = materialize_sources(resources, None, SOURCES, partition_key=partition)
    assert run.success, run.failure_messages()
    check_minimum(run, sandbox, expected)
    assert run.meta("intercom")["conversations"] == sizes["conversations"]
    assert run.meta("intercom")["contacts_looked_up"] == sizes["companyless_contacts"]
    assert run.meta("jira")["issues"] == sizes["issues"]
    salesforce_pages = run.meta("salesforce")["pages_by_stream"]
    assert sum(salesforce_pages.values()) == sum(expected["salesforce"].get(endpoint, 0) for endpoint in (
        "GET /services/data/{version}/query", "GET /services/data/{version}/query/{locator}"))
