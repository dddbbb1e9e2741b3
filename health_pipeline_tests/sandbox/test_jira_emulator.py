"""The Jira Cloud emulator speaks /rest/api/3/search/jql to the real `requests` client.

Proves: the data contract's JQL returns exactly the hand-counted bugs of a pinned data set and exactly
the brute-force matches of the synthetic world; paging follows nextPageToken (absent on the last page,
`isLast` true) under the server's cap (ask 1000, get 100); `fields` defaults to `id` only; the JQL
subset parses and filters as Jira does (EMPTY, NOT IN, ORDER BY, dates); invalid and unbounded JQL,
bad credentials, the removed search APIs and throttling get Jira's own status codes, headers and bodies.
"""
from __future__ import annotations

import base64
from datetime import datetime
from typing import Iterator

import numpy as np
import pytest
import requests

from health_pipeline.sandbox.jira.emulator import REMOVED_MESSAGE, UNAUTHENTICATED, JiraEmulator
from health_pipeline.sandbox.jira.jql import JqlError, parse
from health_pipeline.sandbox.jira.paging import JiraPaging
from health_pipeline.sandbox.server.emulator import EmulatorServer
from health_pipeline.sandbox.world.fixtures import FixtureData
from health_pipeline.sources.common.period import Period
from health_pipeline.sources.jira.metrics import build_bug_jql
from health_pipeline_tests.sandbox.conftest import JIRA_EMAIL, JIRA_TOKEN

SEARCH = "/rest/api/3/search/jql"
CONTRACT_FIELDS = ["created", "resolutiondate", "priority", "status", "components", "labels"]


def _issue(issue_id: int, key: str, kind: str, created: str, resolved: str | None = None, *,
           resolution: str = "Done", priority: str = "Medium", components: tuple = (), labels: tuple = (),
           account: str | None = None) -> dict:
    done = resolved is not None
    fields = {"project": {"key": key.split("-")[0], "name": key.split("-")[0].title(), "id": "1"},
              "issuetype": {"name": kind}, "created": f"{created}.000+0000",
              "resolutiondate": f"{resolved}.000+0000" if done else None,
              "resolution": {"name": resolution} if done else None,
              "priority": {"name": priority, "id": {"Highest": "1", "High": "2", "Medium": "3"}[priority]},
              "status": {"name": "Done" if done else "To Do", "statusCategory": {"key": "done" if done else "new"}},
              "components": [{"name": c} for c in components], "labels": list(labels)}
    if account:
        fields["customfield_10042"] = {"value": account}
    return {"id": str(issue_id), "key": key, "fields": fields}


PINNED = FixtureData(issues=[
    _issue(10001, "BUG-1", "Bug", "2025-05-10T09:00:00", components=("ACCT-1",), labels=("reopened",)),
    _issue(10002, "BUG-2", "Bug", "2025-05-10T09:00:00", "2025-05-31T23:59:59", components=("ACCT-1",)),
    _issue(10003, "BUG-3", "Bug", "2025-05-10T09:00:00", "2025-06-01T00:00:00", components=("ACCT-2", "API")),
    _issue(10004, "BUG-4", "Bug", "2025-06-30T23:59:59", priority="Highest", components=("ACCT-2",),
           account="ACCT-2"),
    _issue(10005, "BUG-5", "Bug", "2025-07-01T00:00:00", components=("ACCT-1",)),
    _issue(10006, "PLAT-1", "Bug", "2024-12-01T10:00:00", "2025-08-01T10:00:00", priority="High"),
    _issue(10007, "OPS-1", "Bug", "2025-06-05T10:00:00", components=("ACCT-1",)),
    _issue(10008, "BUG-6", "Story", "2025-06-05T10:00:00", components=("ACCT-1",)),
    _issue(10009, "PLAT-2", "Bug", "2025-06-15T10:00:00", "2025-06-20T10:00:00", labels=("regression",)),
    _issue(10010, "BUG-7", "Bug", "2025-06-02T10:00:00", "2025-06-03T10:00:00", resolution="Won't Do"),
])
CONTRACT_KEYS_JUNE = ["PLAT-1", "BUG-1", "BUG-3", "BUG-7", "PLAT-2", "BUG-4"]  # hand-counted, by created


@pytest.fixture(scope="module")
def pinned_server() -> Iterator[EmulatorServer]:
    server = EmulatorServer(JiraEmulator(PINNED, JIRA_EMAIL, JIRA_TOKEN, max_results_cap=100)).start()
    yield server
    server.stop()


@pytest.fixture()
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.auth = (JIRA_EMAIL, JIRA_TOKEN)
        yield s


@pytest.fixture(autouse=True)
def clean(jira_server: EmulatorServer, pinned_server: EmulatorServer) -> Iterator[None]:
    for server in (jira_server, pinned_server):
        server.emulator.faults.clear()
        server.emulator.calls.reset()
    yield
    for server in (jira_server, pinned_server):
        server.emulator.faults.clear()


def read_all(session: requests.Session, url: str, body: dict) -> tuple[list[dict], list[int]]:
    """POST search/jql following nextPageToken; returns the issues and the page sizes."""
    body, issues, sizes = dict(body), [], []
    while True:
        reply = session.post(url + SEARCH, json=body, timeout=30)
        assert reply.status_code == 200, reply.text
        page = reply.json()
        issues += page["issues"]
        sizes.append(len(page["issues"]))
        assert page["isLast"] is ("nextPageToken" not in page)
        if page["isLast"]:
            return issues, sizes
        body["nextPageToken"] = page["nextPageToken"]


def keys(session: requests.Session, url: str, jql: str) -> list[str]:
    issues, _ = read_all(session, url, {"jql": jql, "fields": ["created"], "maxResults": 100})
    return [issue["key"] for issue in issues]


def test_contract_jql_returns_the_hand_counted_bugs(session, pinned_server):
    jql = build_bug_jql(["BUG", "PLAT"], Period.parse("2025-06"))
    assert keys(session, pinned_server.url, jql) == CONTRACT_KEYS_JUNE
    issues, _ = read_all(session, pinned_server.url, {"jql": jql, "fields": CONTRACT_FIELDS})
    assert set(issues[0]["fields"]) == set(CONTRACT_FIELDS)
    assert {"id", "key", "self", "fields"} <= set(issues[0])


def test_contract_jql_on_the_world_equals_brute_force(session, jira_server, intercom_world):
    period = Period.parse("2025-06")
    start, end = period.start_date.isoformat(), period.end_date.isoformat()
    expected = []
    for table in intercom_world.jira_tables(None, None):
        for issue in table.issues(np.arange(len(table)), None, "x"):
            f = issue["fields"]
            if (f["project"]["key"] in ("BUG", "PLAT") and f["issuetype"]["name"] == "Bug" and f["created"] < end
                    and (f["resolutiondate"] is None or f["resolutiondate"] >= start)):
                expected.append(issue["id"])
    body = {"jql": build_bug_jql(["BUG", "PLAT"], period), "fields": CONTRACT_FIELDS, "maxResults": 1000}
    issues, sizes = read_all(session, jira_server.url, body)
    assert [issue["id"] for issue in issues] == expected and len(expected) > 150
    assert all(size == 100 for size in sizes[:-1]) and 0 < sizes[-1] <= 100  # asked 1000, capped at 100
    assert jira_server.emulator.calls.snapshot() == {"POST /rest/api/3/search/jql": len(sizes)}
    assert all(issue["fields"]["components"] for issue in issues[:50])


def test_small_pages_return_every_issue_once(session, jira_server):
    body = {"jql": "project = BUG AND created >= \"2025-05-01\" AND created < \"2025-07-01\"", "maxResults": 7}
    issues, sizes = read_all(session, jira_server.url, body)
    ids = [issue["id"] for issue in issues]
    assert len(ids) == len(set(ids)) > 30 and set(sizes[:-1]) == {7}


def test_default_fields_are_id_only_and_get_works(session, pinned_server):
    reply = session.get(pinned_server.url + SEARCH, params={"jql": "project = PLAT"}, timeout=10).json()
    assert reply == {"issues": [{"id": "10006"}, {"id": "10009"}], "isLast": True}
    some = session.get(pinned_server.url + SEARCH, params={"jql": "project = PLAT", "fields": "labels,priority",
                                                           "expand": "names"}, timeout=10).json()
    assert some["issues"][1]["fields"] == {"labels": ["regression"], "priority": {"name": "Medium", "id": "3"}}
    everything = session.get(pinned_server.url + SEARCH, params={"jql": "key = BUG-1 OR id = 10001"}, timeout=10)
    assert everything.status_code == 400  # searching by key is outside the sandbox's subset
    full = session.post(pinned_server.url + SEARCH, json={"jql": "id = 10001", "fields": ["*all"]}, timeout=10)
    assert set(full.json()["issues"][0]["fields"]) >= {"project", "issuetype", "created", "labels", "status"}


def test_paging_tokens_and_cap(session, pinned_server):
    first = session.get(pinned_server.url + SEARCH, params={"jql": "project in (BUG, PLAT, OPS)", "maxResults": 4},
                        timeout=10).json()
    assert len(first["issues"]) == 4 and first["isLast"] is False
    rest = session.get(pinned_server.url + SEARCH, params={"jql": "project in (BUG, PLAT, OPS)", "maxResults": 100,
                                                           "nextPageToken": first["nextPageToken"]}, timeout=10).json()
    assert len(rest["issues"]) == 6 and "nextPageToken" not in rest and rest["isLast"] is True
    bad = session.get(pinned_server.url + SEARCH, params={"jql": "project = BUG", "nextPageToken": "zzz"}, timeout=10)
    assert bad.status_code == 400 and bad.json()["errors"] == {}
    wrong = session.get(pinned_server.url + SEARCH, params={"jql": "project = BUG", "maxResults": "many"}, timeout=10)
    assert wrong.status_code == 400


@pytest.mark.parametrize("jql, expected", [
    ("component = ACCT-2", ["BUG-3", "BUG-4"]),
    ("component in (API, ACCT-1) AND issuetype = bug", ["BUG-1", "BUG-2", "BUG-3", "OPS-1", "BUG-5"]),
    ("component is EMPTY", ["PLAT-1", "BUG-7", "PLAT-2"]),
    ("labels = reopened", ["BUG-1"]),
    ("labels not in (reopened)", ["PLAT-2"]),  # Jira's NOT IN never matches an empty field
    ("labels != regression", ["BUG-1"]),
    ("statusCategory = Done AND resolution = \"Won't Do\"", ["BUG-7"]),
    ("resolution = Unresolved AND project = BUG", ["BUG-1", "BUG-6", "BUG-4", "BUG-5"]),
    ("resolution is not EMPTY AND resolved >= \"2025-06-01 00:00\"", ["PLAT-1", "BUG-3", "BUG-7", "PLAT-2"]),
    ("priority in (Highest, High)", ["PLAT-1", "BUG-4"]),
    ("cf[10042] = \"ACCT-2\"", ["BUG-4"]),
    ("customfield_10042 is EMPTY AND project = OPS", ["OPS-1"]),
    ("NOT project in (BUG, PLAT)", ["OPS-1"]),
    ("project = BUG AND (created < 2025-05-11 OR created >= '2025/07/01') ORDER BY created DESC, key ASC",
     ["BUG-5", "BUG-1", "BUG-2", "BUG-3"]),
    ("status = \"To Do\" AND status != Done ORDER BY priority DESC", ["BUG-4", "BUG-1", "BUG-5", "OPS-1", "BUG-6"]),
    ("status = \"To Do\" ORDER BY priority", ["BUG-1", "BUG-5", "OPS-1", "BUG-6", "BUG-4"]),
    ("created = \"2025-06-30 23:59\" OR created > \"2025-06-30\" and created < \"2025-07-01\"", ["BUG-4"]),
])
def test_jql_subset_filters_like_jira(session, pinned_server, jql, expected):
    assert keys(session, pinned_server.url, jql) == expected


@pytest.mark.parametrize("jql, needle", [
    ("project = = BUG", "Expecting either a value, list or function but got '='"),
    ("project = BUG AND", "Expecting a field name before the end of the query"),
    ("(project = BUG", "Expecting ')' before the end of the query"),
    ("colour = red", "Field 'colour' does not exist"),
    ("created < \"last week\"", "Date value 'last week' for field 'created' is invalid"),
    ("project ~ BUG", "The operator '~' is not supported by the 'project' field"),
    ("project > BUG", "The operator '>' is not supported by the 'project' field"),
    ("created > startOfMonth()", "function"),
    ("project = BUG ORDER BY colour", "colour"),
    ("project = \"BUG", "closing quote"),
    ("project = BUG project = PLAT", "Expecting either 'OR' or 'AND' but got 'project'"),
])
def test_invalid_jql_is_400_in_jiras_shape(session, pinned_server, jql, needle):
    reply = session.post(pinned_server.url + SEARCH, json={"jql": jql}, timeout=10)
    assert reply.status_code == 400
    body = reply.json()
    assert body["errors"] == {} and len(body["errorMessages"]) == 1
    assert body["errorMessages"][0].startswith("Error in the JQL Query: ") and needle in body["errorMessages"][0]


@pytest.mark.parametrize("jql", ["", "   ", "ORDER BY created DESC", None])
def test_unbounded_jql_is_refused(session, pinned_server, jql):
    reply = session.post(pinned_server.url + SEARCH, json={} if jql is None else {"jql": jql}, timeout=10)
    assert reply.status_code == 400
    assert reply.json() == {"errorMessages": ["Unbounded JQL queries are not allowed here. Please add a search "
                                              "restriction to your query."], "errors": {}}


@pytest.mark.parametrize("method, path", [("GET", "/rest/api/2/search"), ("POST", "/rest/api/2/search"),
                                          ("GET", "/rest/api/3/search"), ("POST", "/rest/api/3/search")])
def test_removed_search_apis_answer_410(session, pinned_server, method, path):
    reply = session.request(method, pinned_server.url + path, params={"jql": "project = BUG", "startAt": 0},
                            timeout=10)
    assert reply.status_code == 410
    assert reply.json() == {"errorMessages": [REMOVED_MESSAGE], "errors": {}}
    assert REMOVED_MESSAGE.startswith("The requested API has been removed. Please migrate to the "
                                      "/rest/api/3/search/jql API.")


def test_bad_credentials_are_401(pinned_server):
    for auth in ((JIRA_EMAIL, "wrong"), ("other@example.com", JIRA_TOKEN), None):
        reply = requests.get(pinned_server.url + SEARCH, params={"jql": "project = BUG"}, auth=auth, timeout=10)
        assert reply.status_code == 401
        assert reply.json() == {"errorMessages": [UNAUTHENTICATED], "errors": {}}
        assert reply.headers["WWW-Authenticate"]
    garbage = requests.get(pinned_server.url + SEARCH, headers={"Authorization": "Basic %%%"}, timeout=10)
    assert garbage.status_code == 401
    token = base64.b64encode(f"{JIRA_EMAIL}:{JIRA_TOKEN}".encode()).decode()
    ok = requests.get(pinned_server.url + "/rest/api/3/myself", headers={"Authorization": f"Basic {token}"},
                      timeout=10)
    assert ok.status_code == 200 and ok.json()["emailAddress"] == JIRA_EMAIL


def test_throttling_429_with_retry_after_and_503(session, pinned_server):
    pinned_server.emulator.faults.set_rate_limit(1, 30)
    ok = session.get(pinned_server.url + SEARCH, params={"jql": "project = BUG"}, timeout=10)
    assert ok.status_code == 200 and ok.headers["X-RateLimit-Remaining"] == "0"
    limited = session.get(pinned_server.url + SEARCH, params={"jql": "project = BUG"}, timeout=10)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 31
    assert limited.headers["X-RateLimit-Limit"] == "1" and limited.headers["X-RateLimit-Remaining"] == "0"
    datetime.strptime(limited.headers["X-RateLimit-Reset"], "%Y-%m-%dT%H:%M:%SZ")
    assert limited.json()["errors"] == {} and limited.json()["errorMessages"]
    pinned_server.emulator.faults.set_rate_limit(None)
    pinned_server.emulator.faults.fail_next(1, 503)
    unavailable = session.get(pinned_server.url + SEARCH, params={"jql": "project = BUG"}, timeout=10)
    assert unavailable.status_code == 503 and unavailable.headers["Retry-After"] == "1"
    assert set(unavailable.json()) == {"errorMessages", "errors"}
    assert session.get(pinned_server.url + SEARCH, params={"jql": "project = BUG"}, timeout=10).status_code == 200


def test_parser_builds_the_expected_tree():
    query = parse('project in (A, "B C") AND NOT (labels is EMPTY OR created <= "2024-03-04 10:30") ORDER BY created')
    assert query.order == [("created", True)]
    assert query.where.op == "AND"
    clause, negated = query.where.items
    assert (clause.field, clause.op, clause.values) == ("project", "in", ["A", "B C"])
    inner = negated.items[0]
    assert negated.op == "NOT" and inner.op == "OR"
    assert (inner.items[0].field, inner.items[0].op) == ("labels", "is")
    assert inner.items[1].values == [1709548200]  # 2024-03-04T10:30:00Z
    assert parse("resolution = EMPTY").where.op == "is"
    with pytest.raises(JqlError, match="Unbounded"):
        parse("order by created")


def test_short_pages_keep_the_cursor_complete(session, pinned_server):
    emulator = pinned_server.emulator
    jql = build_bug_jql(["BUG", "PLAT"], Period.parse("2025-06"))
    full, full_sizes = read_all(session, pinned_server.url, {"jql": jql, "fields": ["created"], "maxResults": 2})
    emulator.paging = JiraPaging(cap=100, short_every=2, short_size=1)  # every second page holds one issue
    try:
        issues, sizes = read_all(session, pinned_server.url, {"jql": jql, "fields": ["created"], "maxResults": 2})
    finally:
        emulator.paging = JiraPaging()
    assert (full_sizes, sizes) == ([2, 2, 2], [2, 1, 2, 1]) == ([2, 2, 2], [emulator.paging.size(2, 0)] + [1, 2, 1])
    assert [issue["key"] for issue in issues] == [issue["key"] for issue in full] == CONTRACT_KEYS_JUNE
    assert JiraPaging(100, 2, 1).pages(len(full), 2) == len(sizes)
