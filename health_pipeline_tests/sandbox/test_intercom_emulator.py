"""The Intercom emulator speaks Intercom's wire protocol to the real `requests` client.

Proves: cursor paging (per_page 150 and small pages) returns every conversation exactly once with
`pages.next` absent on the last page; date bounds include equality; API 2.11 has no `company` and 2.15
has one; invalid requests (per_page > 150, unknown field/operator, deep nesting, bad cursor, bad token,
bad version) get Intercom's error.list; single conversations and companies can be fetched; each fault
reaches the client as the vendor sends it; and calls are counted per endpoint.
"""
from __future__ import annotations

import math
import time
from typing import Iterator

import numpy as np
import pytest
import requests

from health_pipeline.sandbox.intercom.emulator import IntercomEmulator
from health_pipeline.sandbox.server.emulator import EmulatorServer
from health_pipeline.sandbox.world.fixtures import FixtureData
from health_pipeline.sandbox.world.months import month_end, month_ordinal, month_start
from health_pipeline_tests.sandbox.conftest import INTERCOM_TOKEN

T0 = 1_748_736_000  # 2025-06-01T00:00:00Z
SEARCH = "POST /conversations/search"


def _conversation(cid: str, created: int, company: str | None, **extra) -> dict:
    conv = {"type": "conversation", "id": cid, "created_at": created, "updated_at": created + 60,
            "state": extra.pop("state", "closed"), "priority": extra.pop("priority", "not_priority"),
            "company": None if company is None else {"type": "company", "id": company, "name": company.upper()},
            "contacts": {"type": "contact.list", "contacts": [{"type": "contact", "id": "c1", "external_id": None}]},
            "conversation_rating": extra.pop("rating", None)}
    conv.update(extra)
    return conv


PINNED = FixtureData(conversations=[
    _conversation("11", T0 - 1, "acme"),
    _conversation("12", T0, "acme", state="open"),
    _conversation("14", T0 + 5, None),
    _conversation("13", T0 + 5, "globex", priority="priority", rating={"rating": 2}),
    _conversation("15", T0 + 100, "globex", rating={"rating": 5}),
    _conversation("16", T0 + 200, "initech"),
    _conversation("17", T0 + 200, "acme", state="snoozed"),
] + [_conversation(str(100 + i), T0 + 1000 + i, "bulk") for i in range(20)],
    companies=[{"type": "company", "id": "acme", "company_id": "sf-1", "name": "ACME"}])


@pytest.fixture(scope="module")
def pinned_server() -> Iterator[EmulatorServer]:
    server = EmulatorServer(IntercomEmulator(PINNED, INTERCOM_TOKEN, api_version="2.15")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def lenient_server() -> Iterator[EmulatorServer]:
    """The pinned data served with strict_search off: `company.id` is searchable (not in Intercom 2.15)."""
    server = EmulatorServer(IntercomEmulator(PINNED, INTERCOM_TOKEN, strict_search=False)).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def lenient_world_server(intercom_world) -> Iterator[EmulatorServer]:
    """The small world served with strict_search off."""
    server = EmulatorServer(IntercomEmulator(intercom_world, INTERCOM_TOKEN, strict_search=False)).start()
    yield server
    server.stop()


@pytest.fixture()
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.headers.update({"Authorization": f"Bearer {INTERCOM_TOKEN}", "Intercom-Version": "2.15"})
        yield s


@pytest.fixture(autouse=True)
def clean(intercom_server: EmulatorServer, pinned_server: EmulatorServer) -> Iterator[None]:
    for server in (intercom_server, pinned_server):
        server.emulator.faults.clear()
        server.emulator.calls.reset()
    yield
    for server in (intercom_server, pinned_server):
        server.emulator.faults.clear()


def search(session: requests.Session, url: str, query: dict, per_page: int | None = None,
           cursor: str | None = None) -> requests.Response:
    pagination = {"starting_after": cursor} if per_page is None else {"per_page": per_page, "starting_after": cursor}
    return session.post(f"{url}/conversations/search", json={"query": query, "pagination": pagination}, timeout=30)


def month_query(month: str) -> dict:
    """The data contract's query: bounds shifted by one second because Intercom's > and < include equality."""
    return {"operator": "AND", "value": [
        {"field": "created_at", "operator": ">", "value": month_start(month_ordinal(month)) - 1},
        {"field": "created_at", "operator": "<", "value": month_end(month_ordinal(month))}]}


def read_all(session: requests.Session, url: str, query: dict, per_page: int | None) -> list[dict]:
    """Follow pages.next to the end, checking the page bookkeeping on the way."""
    pages, cursor = [], None
    while True:
        reply = search(session, url, query, per_page, cursor)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        pages.append(body)
        assert body["type"] == "conversation.list" and body["pages"]["type"] == "pages"
        assert body["pages"]["page"] == len(pages)
        nxt = body["pages"].get("next")
        if nxt is None:
            break
        assert nxt["per_page"] == body["pages"]["per_page"]
        cursor = nxt["starting_after"]
    total = pages[0]["total_count"]
    size = per_page or 20
    assert all(p["total_count"] == total and p["pages"]["total_pages"] == math.ceil(total / size) for p in pages)
    assert all(len(p["conversations"]) == size for p in pages[:-1])
    return [c for p in pages for c in p["conversations"]]


def test_pages_of_150_return_every_conversation_of_the_month_once(session, intercom_server, intercom_world):
    convs = read_all(session, intercom_server.url, month_query("2025-06"), 150)
    ids = [c["id"] for c in convs]
    expected = len(intercom_world.intercom_month("2025-06"))
    assert len(ids) == len(set(ids)) and expected > 300
    in_month = [c for c in convs if month_start(17) <= c["created_at"] < month_end(17)]
    assert len(in_month) == expected
    keys = [(c["created_at"], int(c["id"])) for c in convs]
    assert keys == sorted(keys)
    assert intercom_server.emulator.calls.snapshot()[SEARCH] == math.ceil(len(convs) / 150)


def test_small_pages_and_default_page_size(session, pinned_server):
    everything = {"field": "created_at", "operator": ">", "value": 0}
    small = read_all(session, pinned_server.url, everything, 4)
    default = read_all(session, pinned_server.url, everything, None)
    assert [c["id"] for c in small] == [c["id"] for c in default]
    assert len(small) == len(PINNED.conversations) == 27
    assert [c["id"] for c in small[:4]] == ["11", "12", "13", "14"]  # created_at, then id


def test_last_page_has_no_next(session, pinned_server):
    body = search(session, pinned_server.url, {"field": "created_at", "operator": ">", "value": 0}, 150).json()
    assert body["pages"] == {"type": "pages", "page": 1, "per_page": 150, "total_pages": 1}
    empty = search(session, pinned_server.url, {"field": "created_at", "operator": "<", "value": 5}, 10).json()
    assert empty["conversations"] == [] and empty["total_count"] == 0 and "next" not in empty["pages"]


def test_date_bounds_include_equality(session, pinned_server):
    query = {"operator": "AND", "value": [{"field": "created_at", "operator": ">", "value": T0},
                                          {"field": "created_at", "operator": "<", "value": T0 + 100}]}
    ids = [c["id"] for c in read_all(session, pinned_server.url, query, 150)]
    assert ids == ["12", "13", "14", "15"]
    exact = {"field": "created_at", "operator": "=", "value": T0 + 5}
    assert [c["id"] for c in read_all(session, pinned_server.url, exact, 150)] == ["13", "14"]
    other = {"field": "created_at", "operator": "!=", "value": T0 - 1}
    assert "11" not in [c["id"] for c in read_all(session, pinned_server.url, other, 150)]


def test_general_filters(session, lenient_server):
    def ids(query: dict) -> list[str]:
        return [c["id"] for c in read_all(session, lenient_server.url, query, 150)]
    assert ids({"field": "company.id", "operator": "=", "value": "acme"}) == ["11", "12", "17"]
    assert ids({"field": "company.id", "operator": "IN", "value": ["globex", "initech"]}) == ["13", "15", "16"]
    assert ids({"field": "company.id", "operator": "=", "value": None}) == ["14"]
    assert ids({"field": "state", "operator": "!=", "value": "closed"}) == ["12", "17"]
    assert ids({"field": "priority", "operator": "=", "value": "priority"}) == ["13"]
    assert ids({"field": "conversation_rating.score", "operator": "<", "value": 3}) == ["13"]
    assert ids({"field": "id", "operator": "IN", "value": ["15", "16"]}) == ["15", "16"]
    nested = {"operator": "OR", "value": [
        {"field": "state", "operator": "=", "value": "open"},
        {"operator": "AND", "value": [{"field": "company.id", "operator": "=", "value": "globex"},
                                      {"field": "created_at", "operator": ">", "value": T0 + 50}]}]}
    assert ids(nested) == ["12", "15"]


def test_world_filters_match_the_month_arrays(session, lenient_world_server, intercom_world):
    table = intercom_world.intercom_month("2025-06")
    company = table.companies.ids[int(np.bincount(table.cols["company"][table.cols["company"] >= 0]).argmax())]
    query = {"operator": "AND", "value": [month_query("2025-06"),
                                          {"field": "company.id", "operator": "=", "value": company}]}
    convs = read_all(session, lenient_world_server.url, query, 7)
    assert {c["company"]["id"] for c in convs} == {company}
    shown = (table.cols["company"] == table.companies.ids.index(company)) & (table.cols["link"] == 0)
    assert len([c for c in convs if c["created_at"] < month_end(17)]) == int(shown.sum())


@pytest.mark.parametrize("query, per_page, needle", [
    ({"field": "created_at", "operator": ">", "value": 0}, 151, "150"),
    ({"field": "created_at", "operator": ">", "value": 0}, 0, "per_page"),
    ({"field": "colour", "operator": "=", "value": "red"}, 10, "colour"),
    ({"field": "created_at", "operator": ">=", "value": 0}, 10, ">="),
    ({"field": "state", "operator": "<", "value": "open"}, 10, "not supported"),
    ({"field": "created_at", "operator": ">", "value": "yesterday"}, 10, "number"),
    ({"operator": "XOR", "value": []}, 10, "AND or OR"),
    ({"operator": "AND", "value": [{"field": "state", "operator": "=", "value": "open"}] * 16}, 10, "15"),
    # strict 2.15: company.id is not in the searchable-field table; dates and integers take no text operators
    ({"field": "company.id", "operator": "=", "value": "acme"}, 10, "'company.id' is not a searchable"),
    ({"field": "statistics.time_to_admin_reply", "operator": "~", "value": "1"}, 10, "not supported"),
    ({"field": "id", "operator": "IN", "value": [str(i) for i in range(16)]}, 10, "at most 15 values"),
    ({"operator": "AND", "value": [{"operator": "OR", "value": [{"operator": "AND", "value": [
        {"field": "state", "operator": "=", "value": "open"}]}]}]}, 10, "nesting"),
])
def test_invalid_searches_get_400_error_list(session, pinned_server, query, per_page, needle):
    reply = search(session, pinned_server.url, query, per_page)
    assert reply.status_code == 400
    body = reply.json()
    assert body["type"] == "error.list" and body["request_id"]
    assert needle in body["errors"][0]["message"]


def test_invalid_cursor_is_400(session, pinned_server):
    reply = search(session, pinned_server.url, {"field": "created_at", "operator": ">", "value": 0}, 5, "not-a-cursor")
    assert reply.status_code == 400 and reply.json()["type"] == "error.list"
    first = search(session, pinned_server.url, {"field": "created_at", "operator": ">", "value": 0}, 5).json()
    other = search(session, pinned_server.url, {"field": "created_at", "operator": ">", "value": 1}, 5,
                   first["pages"]["next"]["starting_after"])
    assert other.status_code == 400  # a cursor belongs to its own query


def test_api_versions_shape_the_company(session, intercom_server):
    session.headers["Intercom-Version"] = "2.11"
    old = search(session, intercom_server.url, month_query("2025-06"), 5).json()["conversations"]
    assert old and all("company" not in c and c["contacts"]["type"] == "contact.list" for c in old)
    session.headers["Intercom-Version"] = "2.15"
    new = search(session, intercom_server.url, month_query("2025-06"), 5).json()["conversations"]
    assert [c["id"] for c in new] == [c["id"] for c in old]
    assert all("company" in c for c in new)
    assert all(c["company"] is None or set(c["company"]) == {"type", "id", "name"} for c in new)
    del session.headers["Intercom-Version"]  # no header: the app's pinned version (2.15)
    assert "company" in search(session, intercom_server.url, month_query("2025-06"), 1).json()["conversations"][0]
    session.headers["Intercom-Version"] = "1.4"
    reply = search(session, intercom_server.url, month_query("2025-06"), 1)
    assert reply.status_code == 400 and reply.json()["errors"][0]["code"] == "intercom_version_invalid"


def test_conversation_shape_follows_the_vendor(session, intercom_server):
    convs = read_all(session, intercom_server.url, month_query("2025-06"), 150)
    sample = convs[0]
    assert sample["type"] == "conversation" and isinstance(sample["id"], str)
    assert sample["tags"]["type"] == "tag.list" and sample["priority"] in ("priority", "not_priority")
    assert sample["custom_attributes"]["Priority"] in ("P1", "P2", "P3", "P4")
    assert any(c["statistics"] is None for c in convs) and any(c["conversation_rating"] for c in convs)
    assert any(t["name"] == "escalated" for c in convs for t in c["tags"]["tags"])
    rated = next(c["conversation_rating"] for c in convs if c["conversation_rating"])
    assert 1 <= rated["rating"] <= 5 and {"remark", "created_at", "contact", "teammate"} <= set(rated)
    stats = next(c["statistics"] for c in convs if c["statistics"])
    assert {"time_to_admin_reply", "time_to_first_close", "first_close_at", "count_reopens"} <= set(stats)


def test_bad_or_missing_token_is_401(pinned_server):
    expected = [{"code": "unauthorized", "message": "Access Token Invalid"}]
    for headers in ({"Authorization": "Bearer wrong"}, {}):
        reply = requests.post(f"{pinned_server.url}/conversations/search", json={"query": {}}, headers=headers,
                              timeout=10)
        assert reply.status_code == 401
        body = reply.json()
        assert body["type"] == "error.list" and body["errors"] == expected and body["request_id"]


def test_get_conversation_and_company(session, intercom_server, pinned_server, intercom_world):
    listed = search(session, intercom_server.url, month_query("2025-06"), 3).json()["conversations"][2]
    fetched = session.get(f"{intercom_server.url}/conversations/{listed['id']}", timeout=10)
    assert fetched.status_code == 200 and fetched.json() == listed
    missing = session.get(f"{intercom_server.url}/conversations/999999999999", timeout=10)
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "not_found"
    company_id = intercom_world.mapping_rows()[0]["intercom_company_id"] or intercom_world.mapping_rows()[1][
        "intercom_company_id"]
    company = session.get(f"{intercom_server.url}/companies/{company_id}", timeout=10).json()
    assert company["type"] == "company" and company["id"] == company_id and company["name"]
    assert company["company_id"] in {r["salesforce_account_id"] for r in intercom_world.mapping_rows()}
    assert session.get(f"{pinned_server.url}/companies/acme", timeout=10).json()["company_id"] == "sf-1"
    assert session.get(f"{pinned_server.url}/companies/nope", timeout=10).status_code == 404
    assert session.get(f"{pinned_server.url}/conversations/15", timeout=10).json()["id"] == "15"


def test_rate_limit_answers_429_with_intercom_headers(session, pinned_server):
    pinned_server.emulator.faults.set_rate_limit(2, 60)
    everything = {"field": "created_at", "operator": ">", "value": 0}
    ok = search(session, pinned_server.url, everything, 5)
    assert ok.status_code == 200
    assert ok.headers["X-RateLimit-Limit"] == "2" and ok.headers["X-RateLimit-Remaining"] == "1"
    search(session, pinned_server.url, everything, 5)
    limited = search(session, pinned_server.url, everything, 5)
    assert limited.status_code == 429
    assert limited.json()["errors"][0]["code"] == "rate_limit_exceeded"
    assert limited.headers["X-RateLimit-Remaining"] == "0" and limited.headers["X-RateLimit-Limit"] == "2"
    assert time.time() < int(limited.headers["X-RateLimit-Reset"]) <= time.time() + 61


def test_transient_503_then_ok_and_500(session, pinned_server):
    pinned_server.emulator.faults.fail_next(1, 503)
    pinned_server.emulator.faults.fail_next(1, 500)
    everything = {"field": "created_at", "operator": ">", "value": 0}
    first, second, third = (search(session, pinned_server.url, everything, 5) for _ in range(3))
    assert first.status_code == 503 and first.json()["errors"][0]["code"] == "service_unavailable"
    assert second.status_code == 500 and second.json()["errors"][0]["code"] == "server_error"
    assert third.status_code == 200


def test_malformed_body_dropped_connection_and_latency(session, pinned_server):
    everything = {"field": "created_at", "operator": ">", "value": 0}
    pinned_server.emulator.faults.malformed_next(1)
    broken = search(session, pinned_server.url, everything, 5)
    assert broken.status_code == 200
    with pytest.raises(requests.exceptions.JSONDecodeError):
        broken.json()
    pinned_server.emulator.faults.drop_next(1)
    with pytest.raises(requests.exceptions.ConnectionError):
        search(session, pinned_server.url, everything, 5)
    pinned_server.emulator.faults.set_latency(0.2)
    started = time.monotonic()
    assert search(session, pinned_server.url, everything, 5).status_code == 200
    assert time.monotonic() - started >= 0.2


def test_calls_are_counted_per_endpoint(session, pinned_server):
    everything = {"field": "created_at", "operator": ">", "value": 0}
    read_all(session, pinned_server.url, everything, 10)
    session.get(f"{pinned_server.url}/conversations/11", timeout=10)
    session.get(f"{pinned_server.url}/companies/acme", timeout=10)
    assert pinned_server.emulator.calls.snapshot() == {SEARCH: 3, "GET /conversations/{id}": 1,
                                                       "GET /companies/{id}": 1}



# --- contact search ------------------------------------------------------------------------------------------------

def search_contacts(session: requests.Session, url: str, query: dict, per_page: int | None = None,
                    cursor: str | None = None) -> requests.Response:
    pagination = {"starting_after": cursor} if per_page is None else {"per_page": per_page, "starting_after": cursor}
    return session.post(f"{url}/contacts/search", json={"query": query, "pagination": pagination}, timeout=30)


def test_contact_search_by_id_serves_each_contact_with_its_companies(session, intercom_server, intercom_world):
    """The contacts of the month's company-less conversations, looked up by id (OR of `id IN` groups of 15), come
    back in Intercom's list shape with the companies the world links them to: one for an attributable
    conversation (its owner), two for an ambiguous one, none for an unattributable one."""
    table = intercom_world.intercom_month("2025-06")
    rows = np.flatnonzero(table.cols["link"] != 0)[:40]
    convs = table.records(rows)
    wanted = {c["contacts"]["contacts"][0]["id"]: (int(link), int(owner)) for c, link, owner in
              zip(convs, table.cols["link"][rows].tolist(), table.cols["company"][rows].tolist())}
    ids = sorted(wanted)
    query = {"operator": "OR", "value": [{"field": "id", "operator": "IN", "value": ids[i:i + 15]}
                                         for i in range(0, len(ids), 15)]}
    found, cursor, page = [], None, 0
    while True:
        reply = search_contacts(session, intercom_server.url, query, 7, cursor)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        page += 1
        assert body["type"] == "list" and body["total_count"] == len(ids)
        assert body["pages"]["page"] == page and body["pages"]["total_pages"] == math.ceil(len(ids) / 7)
        found += body["data"]
        cursor = (body["pages"].get("next") or {}).get("starting_after")
        if cursor is None:
            break
    assert [c["id"] for c in found] == ids  # each once, in id order
    for contact in found:
        link, owner = wanted[contact["id"]]
        companies = [co["id"] for co in contact["companies"]["data"]]
        assert contact["type"] == "contact" and contact["companies"]["type"] == "list"
        assert contact["companies"]["total_count"] == len(companies) and contact["companies"]["has_more"] is False
        if link == 1:
            assert companies == [table.companies.ids[owner]]
        elif link == 2:
            assert len(companies) == 2 and companies[0] == table.companies.ids[owner]
            assert all(int(np.flatnonzero(np.array(table.companies.ids) == co)[0]) < intercom_world.size
                       for co in companies)  # both companies belong to accounts
        else:
            assert companies == []
    missing = search_contacts(session, intercom_server.url, {"field": "id", "operator": "=", "value": "nobody"})
    assert missing.json()["data"] == [] and missing.json()["total_count"] == 0
    assert intercom_server.emulator.calls.snapshot()["POST /contacts/search"] == page + 1


@pytest.mark.parametrize("query, per_page, needle", [
    ({"field": "company.id", "operator": "=", "value": "x"}, 10, "'company.id' is not a searchable contact field"),
    ({"field": "created_at", "operator": "!=", "value": 0}, 10, "not supported for date field created_at"),
    ({"field": "tag_id", "operator": "IN", "value": ["1"]}, 10, "not supported for string field tag_id"),
    ({"field": "id", "operator": "IN", "value": [str(i) for i in range(16)]}, 10, "at most 15 values"),
    ({"field": "role", "operator": "=", "value": "user"}, 10, "bound the query with id"),
    ({"field": "id", "operator": "=", "value": "x"}, 151, "150"),
])
def test_invalid_contact_searches_get_400_error_list(session, pinned_server, query, per_page, needle):
    reply = search_contacts(session, pinned_server.url, query, per_page)
    assert reply.status_code == 400
    body = reply.json()
    assert body["type"] == "error.list" and body["errors"][0]["code"] in ("parameter_invalid", "per_page_invalid")
    assert needle in body["errors"][0]["message"]
