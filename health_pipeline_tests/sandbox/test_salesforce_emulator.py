"""Proves the Salesforce emulator speaks Salesforce's wire formats to the unmodified simple_salesforce client.

Everything runs over loopback HTTPS with a throwaway CA that is trusted only through the product's
session transport (even with REQUESTS_CA_BUNDLE set): SOAP password login and its fault, the data
contract's SOQL (the product's own statements) with 2,000-record batches and query cursors, describe
with and without the Phase 2 fields, Salesforce's query errors, single and sObject Collections upserts
with per-record validation, transparent re-login after session expiry, and injected 403/503 faults.
The SOQL subset parser is also tested on its own.
"""
from __future__ import annotations

from datetime import datetime, timezone

import certifi
import pytest
import requests
from simple_salesforce import (
    SalesforceAuthenticationFailed,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)
from simple_salesforce.format import format_external_id, format_soql

from health_pipeline.sandbox.salesforce.emulator import LOGIN, QUERY, QUERY_MORE, SalesforceEmulator
from health_pipeline.sandbox.salesforce.soql import BoolOp, InList, Not, SoqlError, parse
from health_pipeline.sandbox.server.tls import SandboxTLS
from health_pipeline.sources.common.period import Period
from health_pipeline.sources.salesforce.session import build_salesforce_session
from health_pipeline.sources.salesforce.soql import soql_queries
from health_pipeline_tests.sandbox._sf_looker_fixtures import (
    SF_PASSWORD,
    SF_TOKEN,
    contract_records,
    salesforce_sandbox,
)


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


@pytest.fixture(scope="module")
def big(tls):
    accounts = [{"Name": f"Account {i:04d}", "ARR__c": 1000 + i} for i in range(4500)]
    with salesforce_sandbox(tls, {"Account": accounts}) as value:
        yield value


def _account_ids(sandbox) -> list[str]:
    return [r["Id"] for r in sandbox.emulator.store.records("Account")]


def _error(info) -> dict:
    return info.value.content[0]


def _score(key: str, account: str, **extra) -> dict:
    return {"attributes": {"type": "Health_Score__c"}, "Health_Score_Key__c": key, "Account__c": account,
            "Period__c": "2026-10", "Health_Score__c": 72.456, "Tier__c": "Healthy", **extra}


def test_soap_login_then_data_calls_reach_the_emulator(sandbox, sf):
    assert sf.sf_instance == f"127.0.0.1:{sandbox.server.port}"
    assert sf.query("SELECT Id FROM Account")["totalSize"] == 3
    assert sandbox.emulator.calls.snapshot()[LOGIN] == 1
    assert sf.api_usage["api-usage"].total == 100_000


def test_bad_password_fails_with_invalid_login_and_no_secret(sandbox):
    with pytest.raises(SalesforceAuthenticationFailed) as info:
        sandbox.client(password="not-the-password")
    assert info.value.code == "INVALID_LOGIN"
    assert "not-the-password" not in str(info.value) and SF_TOKEN not in str(info.value)


def test_trust_comes_from_the_transport_not_requests_ca_bundle(sandbox, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    assert sandbox.client().query("SELECT COUNT() FROM Account")["totalSize"] == 3
    with pytest.raises(requests.exceptions.SSLError):
        requests.Session().get(sandbox.server.url + "/services/data/", timeout=5)


def test_login_host_is_rerouted_with_path_and_query(sandbox):
    reply = sandbox.session().get("https://login.salesforce.com/services/data/v59.0/query/?q=SELECT+Id+FROM+Account")
    assert reply.status_code == 401
    assert reply.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    assert reply.url.startswith(sandbox.server.url + "/services/data/v59.0/query/?q=")


def test_session_default_read_timeout_applies(sandbox):
    session = build_salesforce_session(domain="login", login_url_override=sandbox.server.url,
                                       ca_bundle=str(sandbox.tls.ca_pem_path), timeout=(2, 0.2))
    sandbox.emulator.faults.set_latency(0.6)
    with pytest.raises(requests.exceptions.ReadTimeout):
        session.get("https://login.salesforce.com/services/data/")


def test_query_all_reads_4500_accounts_in_three_calls(big):
    big.emulator.calls.reset()
    result = big.client().query_all("SELECT Id, Name, ARR__c FROM Account")
    assert len(result["records"]) == 4500 == len({r["Id"] for r in result["records"]})
    calls = big.emulator.calls.snapshot()
    assert (calls[LOGIN], calls[QUERY], calls[QUERY_MORE]) == (1, 1, 2)


def test_query_and_query_more_follow_the_cursor_with_batch_size(big):
    sf = big.client()
    first = sf.query("SELECT Id FROM Account ORDER BY Name", headers={"Sforce-Query-Options": "batchSize=500"})
    assert (first["totalSize"], first["done"], len(first["records"])) == (4500, False, 500)
    assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g") and first["nextRecordsUrl"].endswith("-500")
    second = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert len(second["records"]) == 500 and second["nextRecordsUrl"].endswith("-1000")
    locator = second["nextRecordsUrl"].rsplit("/", 1)[1]
    third = sf.query_more(locator)
    assert third["records"][0]["Id"] not in {r["Id"] for r in first["records"] + second["records"]}
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query_more("01gXXXXXXXXXXXXXXX-2000")
    assert _error(info)["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_the_products_contract_queries_run_as_sent(sandbox, sf):
    ids = _account_ids(sandbox)
    a1, a2 = ids[0], ids[1]
    statements = soql_queries(Period(2026, 10), [i[:15] for i in ids], phase2_fields_present=True)
    results = {name: [r for q in queries for r in sf.query_all(q)["records"]] for name, queries in statements.items()}
    assert [r["Name"] for r in results["Account"]] == ["Acme Hotels", "O'Brien & Sons", "Zeta \\ Resorts"]
    assert results["Account"][0]["QBR_Attendance_Rate__c"] == 75 and results["Account"][0]["ARR__c"] == 120000
    assert [(r["AccountId"], r["CloseDate"]) for r in results["Opportunity"]] == [(a1, "2027-01-31")]
    assert [(r["AccountId"], r["StartDate"]) for r in results["Contract"]] == [(a2, "2026-03-01")]
    assert sorted((r["Account__c"], r["Severity__c"]) for r in results["Churn_Signal__c"]) == sorted(
        [(a2, "Critical"), (a1, "Moderate")])
    assert results["Account"][0]["attributes"] == {"type": "Account",
                                                   "url": f"/services/data/v59.0/sobjects/Account/{a1}"}


def test_count_order_limit_and_escaped_literals(sf):
    assert sf.query("SELECT COUNT() FROM Account WHERE Segment__c = 'paid'") == {
        "totalSize": 2, "done": True, "records": []}
    names = [r["Name"] for r in sf.query("SELECT Name FROM Account ORDER BY Name DESC LIMIT 2")["records"]]
    assert names == ["Zeta \\ Resorts", "O'Brien & Sons"]
    for name in ("O'Brien & Sons", "Zeta \\ Resorts"):
        found = sf.query(format_soql("SELECT Id, Name FROM Account WHERE Name = {}", name))["records"]
        assert [r["Name"] for r in found] == [name]
    like = format_soql("SELECT Name FROM Account WHERE Name LIKE '{:like}%'", "o'brien")
    assert [r["Name"] for r in sf.query(like)["records"]] == ["O'Brien & Sons"]
    nulls = sf.query("SELECT Name FROM Account WHERE ARR__c = null OR Usage_Tier__c NOT IN ('Gold')")["records"]
    assert {r["Name"] for r in nulls} == {"O'Brien & Sons", "Zeta \\ Resorts"}


def test_describe_lists_phase2_fields_only_when_switched_on(tls, sf):
    names = [f["name"] for f in sf.Account.describe()["fields"]]
    assert {"QBR_Attendance_Rate__c", "Champion_Since__c", "Expansion_Signals__c"} <= set(names)
    fields = {f["name"]: f for f in sf.Health_Score__c.describe()["fields"]}
    assert fields["Health_Score_Key__c"]["externalId"] and fields["Health_Score_Key__c"]["unique"]
    assert fields["Account__c"]["referenceTo"] == ["Account"] and not fields["Account__c"]["nillable"]
    assert [p["value"] for p in fields["Tier__c"]["picklistValues"]] == [
        "Champion", "Healthy", "At Risk", "Critical", "No Data"]
    with salesforce_sandbox(tls, contract_records(), phase2_fields=False) as off:
        client = off.client()
        assert "QBR_Attendance_Rate__c" not in [f["name"] for f in client.Account.describe()["fields"]]
        with pytest.raises(SalesforceMalformedRequest) as info:
            client.query("SELECT Id, QBR_Attendance_Rate__c FROM Account")
        assert _error(info)["errorCode"] == "INVALID_FIELD"
        assert "No such column 'QBR_Attendance_Rate__c' on entity 'Account'" in _error(info)["message"]


@pytest.mark.parametrize(("soql", "code", "fragment"), [
    ("SELECT Id FROM Acount", "INVALID_TYPE", "sObject type 'Acount' is not supported"),
    ("SELECT Id FROM Account WHERE", "MALFORMED_QUERY", "unexpected token: '<EOF>'"),
    ("SELECT Id FROM Opportunity WHERE CloseDate >= '2026-11-01'", "INVALID_FIELD", "must be of type date"),
    ("SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'", "MALFORMED_QUERY", "'OR'"),
    ("SELECT Id FROM Account WHERE Name = 'a\\q'", "MALFORMED_QUERY", "Illegal character sequence"),
])
def test_query_errors_use_salesforce_codes(sf, soql, code, fragment):
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query(soql)
    assert _error(info)["errorCode"] == code and fragment in _error(info)["message"]


def test_describe_of_an_unknown_object_is_not_found(sf):
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.Nope__c.describe()
    assert _error(info)["errorCode"] == "NOT_FOUND"


def test_single_upsert_creates_then_updates_and_reads_back(sandbox, sf):
    account = _account_ids(sandbox)[0]
    path = format_external_id("Health_Score_Key__c", "ACME/2026-10")
    body = {"Account__c": account, "Period__c": "2026-10", "Health_Score__c": 72.456, "Tier__c": "Healthy",
            "Scored_At__c": "2026-11-01T06:00:00Z"}
    assert sf.Health_Score__c.upsert(path, body) == 201
    assert sf.Health_Score__c.upsert(path, {**body, "Health_Score__c": 80}) == 200
    record = sf.Health_Score__c.get_by_custom_id("Health_Score_Key__c", "ACME/2026-10")
    assert sf.Health_Score__c.get(record["Id"])["Health_Score__c"] == 80.0
    assert (record["Health_Score_Key__c"], record["Scored_At__c"]) == ("ACME/2026-10", "2026-11-01T06:00:00.000+0000")
    rows = sf.query("SELECT Health_Score_Key__c, Health_Score__c FROM Health_Score__c")["records"]
    assert [(r["Health_Score_Key__c"], r["Health_Score__c"]) for r in rows] == [("ACME/2026-10", 80.0)]
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Health_Score__c.upsert(path, {**body, "Tier__c": "Great"})
    assert _error(info) == {"message": "Tier: bad value for restricted picklist field: Great",
                            "errorCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "fields": ["Tier__c"]}


def test_create_read_update_delete_by_id(sandbox, sf):
    account = _account_ids(sandbox)[0]
    created = sf.Task.create({"WhatId": account, "Subject": "Call the champion", "ActivityDate": "2026-11-05"})
    assert created["success"] and created["errors"] == [] and created["id"].startswith("00T")
    assert sf.Task.update(created["id"], {"Subject": "Call again"}) == 204
    task = sf.Task.get(created["id"])
    assert (task["Subject"], task["WhatId"], task["Description"]) == ("Call again", account, None)
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Task.create({"WhatId": "001Hp00000ZZZZZ", "ActivityDate": "soon"})
    assert sorted(e["errorCode"] for e in info.value.content) == [
        "INVALID_CROSS_REFERENCE_KEY", "INVALID_TYPE_ON_FIELD_IN_RECORD"]
    assert sf.Task.delete(created["id"]) == 204
    with pytest.raises(SalesforceResourceNotFound):
        sf.Task.get(created["id"])


def test_collection_upsert_reports_each_record_in_order(sandbox, sf):
    account = _account_ids(sandbox)[0]
    missing_account = "001Hp00000ZZZZZ"
    records = [_score("K1", account), _score("K2", account, Tier__c="Superb"), _score("K3", account),
               _score("K4", missing_account), _score("K5", account)]
    path = "composite/sobjects/Health_Score__c/Health_Score_Key__c"
    results = sf.restful(path, method="PATCH", json={"allOrNone": False, "records": records})
    assert [r["success"] for r in results] == [True, False, True, False, True]
    assert [r.get("created") for r in results] == [True, None, True, None, True]
    assert results[1]["errors"] == [{"statusCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                                     "message": "Tier: bad value for restricted picklist field: Superb",
                                     "fields": ["Tier__c"]}]
    assert results[3]["errors"][0]["statusCode"] == "INVALID_CROSS_REFERENCE_KEY"
    again = sf.restful(path, method="PATCH", json={"allOrNone": False, "records": [records[0]]})
    assert (again[0]["id"], again[0]["created"]) == (results[0]["id"], False)
    stored = sf.query("SELECT Health_Score_Key__c, Health_Score__c FROM Health_Score__c ORDER BY Health_Score_Key__c")
    assert [(r["Health_Score_Key__c"], r["Health_Score__c"]) for r in stored["records"]] == [
        ("K1", 72.46), ("K3", 72.46), ("K5", 72.46)]


def test_collection_validation_codes(sandbox, sf):
    account = _account_ids(sandbox)[0]
    opportunity = sandbox.emulator.store.records("Opportunity")[0]["Id"]
    records = [
        _score("A", account, Top_Risk_Factors__c="x" * 256),
        _score("B", account, Health_Score__c=1000),
        _score("C", account, Health_Score__c=150),
        {"attributes": {"type": "Health_Score__c"}, "Health_Score_Key__c": "D"},
        _score("E", account, Bogus__c=1),
        _score("F", account, Scored_At__c="yesterday"),
        _score("G", opportunity),
        _score("H", account), _score("h", account),
        _score("", account),
    ]
    results = sf.restful("composite/sobjects/Health_Score__c/Health_Score_Key__c", method="PATCH",
                         json={"allOrNone": False, "records": records})
    assert [r["errors"][0]["statusCode"] for r in results] == [
        "STRING_TOO_LONG", "NUMBER_OUTSIDE_VALID_RANGE", "FIELD_CUSTOM_VALIDATION_EXCEPTION", "REQUIRED_FIELD_MISSING",
        "INVALID_FIELD", "INVALID_TYPE_ON_FIELD_IN_RECORD", "FIELD_INTEGRITY_EXCEPTION", "DUPLICATE_EXTERNAL_ID",
        "DUPLICATE_EXTERNAL_ID", "MISSING_ARGUMENT"]
    assert results[3]["errors"][0]["fields"] == ["Account__c"]


def test_collection_limits_and_all_or_none(sandbox, sf):
    account = _account_ids(sandbox)[0]
    path = "composite/sobjects/Health_Score__c/Health_Score_Key__c"
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.restful(path, method="PATCH", json={"allOrNone": False,
                                               "records": [_score(f"K{i}", account) for i in range(201)]})
    assert _error(info)["errorCode"] == "EXCEEDED_ID_LIMIT"
    results = sf.restful(path, method="PATCH", json={"allOrNone": True, "records": [
        _score("K1", account), _score("K2", account, Tier__c="Superb")]})
    assert [r["errors"][0]["statusCode"] for r in results] == [
        "ALL_OR_NONE_OPERATION_ROLLED_BACK", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"]
    assert sf.query("SELECT COUNT() FROM Health_Score__c")["totalSize"] == 0
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.restful(path, method="PATCH", json={"records": [{"Health_Score_Key__c": "x"}]})
    assert _error(info)["errorCode"] == "INVALID_TYPE"


def test_expired_session_is_renewed_transparently(sandbox, sf):
    sandbox.emulator.faults.expire_sessions()
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 3
    sandbox.emulator.faults.expire_sessions()
    assert sf.Account.describe()["name"] == "Account"
    calls = sandbox.emulator.calls.snapshot()
    assert calls[LOGIN] == 3 and calls[QUERY] == 2


def test_server_error_and_request_limit_reach_the_client(sandbox, sf):
    sandbox.emulator.faults.fail_next(1, 503)
    with pytest.raises(SalesforceGeneralError) as info:
        sf.query("SELECT Id FROM Account")
    assert info.value.status == 503 and _error(info)["errorCode"] == "SERVER_UNAVAILABLE"
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 3
    sandbox.emulator.faults.set_rate_limit(1, 60)
    sf.query("SELECT COUNT() FROM Account")
    with pytest.raises(SalesforceRefusedRequest) as info:
        sf.query("SELECT COUNT() FROM Account")
    assert _error(info)["errorCode"] == "REQUEST_LIMIT_EXCEEDED"


def test_seed_data_outside_the_schema_is_rejected():
    with pytest.raises(ValueError, match="Rating__c"):
        SalesforceEmulator({"Account": [{"Name": "x", "Rating__c": 1}]}, username="u", password=SF_PASSWORD,
                           security_token=SF_TOKEN)


def test_soql_parser_decodes_escapes_and_builds_the_tree():
    query = parse("select Id from Account where not (Name = 'a\\'b\\\"c\\\\d\\ne\\u00e9' or Id in ('x')) "
                  "and ARR__c <> 5 and Name not in ('q') order by Name desc nulls first, Id limit 10 offset 2")
    assert isinstance(query.where, BoolOp) and query.where.op == "AND" and isinstance(query.where.items[0], Not)
    inner = query.where.items[0].item
    assert inner.op == "OR" and inner.items[0].value.value == "a'b\"c\\d\neé"
    assert query.where.items[1].op == "!=" and isinstance(query.where.items[2], InList) and query.where.items[2].negate
    assert (query.limit, query.offset, [o.descending for o in query.order]) == (10, 2, [True, False])
    like = parse("SELECT Id FROM Account WHERE Name LIKE '50\\% off_%'").where.pattern.like
    assert like == "50%\\ off..*"


def test_soql_parser_rejects_and_locates_errors():
    soql = "SELECT Id, COUNT() FROM Account"
    with pytest.raises(SoqlError) as info:
        parse(soql)
    assert info.value.code == "MALFORMED_QUERY"
    with pytest.raises(SoqlError) as info:
        parse("SELECT Id\nFROM Account WHERE Name = = 'x'")
    assert "ERROR at Row:2:Column:27" in info.value.render("SELECT Id\nFROM Account WHERE Name = = 'x'")
    dated = parse(format_soql("SELECT Id FROM Case WHERE CreatedDate >= {}", datetime(2026, 10, 1, tzinfo=timezone.utc)))
    assert dated.where.value.kind == "DATETIME"


def test_a_batch_cap_makes_batches_smaller_than_asked(big):
    big.emulator.batch_cap = 700  # the server's choice ("can be smaller"), whatever the client asks
    try:
        sf = big.client()
        asked_max = sf.query("SELECT Id FROM Account", headers={"Sforce-Query-Options": "batchSize=2000"})
        asked_less = sf.query("SELECT Id FROM Account", headers={"Sforce-Query-Options": "batchSize=300"})
        everything = sf.query_all("SELECT Id FROM Account")["records"]
    finally:
        big.emulator.batch_cap = 2000
    assert (len(asked_max["records"]), asked_max["done"], len(asked_less["records"])) == (700, False, 300)
    assert len(everything) == 4500 == len({r["Id"] for r in everything})


def test_a_parent_field_nests_under_its_relationship_as_salesforce_returns_it(sandbox, sf):
    owner = sf.User.create({"Name": "Dana Whitfield", "Email": "dana@example.com", "IsActive": True})["id"]
    acme = _account_ids(sandbox)[0]
    sf.Account.update(acme, {"OwnerId": owner})
    records = sf.query("SELECT Id, OwnerId, Owner.Name FROM Account ORDER BY Name")["records"]
    assert records[0]["Owner"] == {"attributes": {"type": "User", "url": f"/services/data/v59.0/sobjects/User/{owner}"},
                                   "Name": "Dana Whitfield"}
    assert records[0]["OwnerId"] == owner
    assert records[1]["OwnerId"] is None and records[1]["Owner"] is None  # no owner: the relationship is null
    for soql, fragment in (("SELECT Boss.Name FROM Account", "Didn't understand relationship 'Boss'"),
                           ("SELECT Owner.Nickname FROM Account", "No such column 'Nickname' on entity 'User'")):
        with pytest.raises(SalesforceMalformedRequest) as info:
            sf.query(soql)
        assert _error(info)["errorCode"] == "INVALID_FIELD" and fragment in _error(info)["message"]
