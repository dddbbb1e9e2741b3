"""Proves the Looker emulator speaks Looker API 4.0 to the unmodified looker_sdk, configured by environment.

`looker_sdk.init40()` logs in with client credentials and runs the product's own inline queries, a
created query and the saved Look `1` (JSON and CSV, with `view.field` or label headers); month filters
select whole months and a range averages them; limits and sorts apply. Failures come back as Looker
does them and reach the caller as `SDKError`: bad credentials, unknown fields, 429 and 5xx faults, a
revoked token. The SDK renews a token it sees expiring by itself, but not one the server revoked.
"""
from __future__ import annotations

import csv
import io
import json
import time

import looker_sdk
import pytest
import requests
from looker_sdk import models40
from looker_sdk.error import SDKError
from looker_sdk.rtl.auth_token import AuthToken

from health_pipeline.sandbox.looker.emulator import CREATE_QUERY, LOGIN, RUN_INLINE, RUN_LOOK, RUN_QUERY
from health_pipeline.sources.common.period import Period
from health_pipeline.sources.looker.metrics import (
    PlatformLookParser,
    adoption_queries,
    parse_feature_usage,
    parse_user_sessions,
)
from health_pipeline_tests.sandbox._sf_looker_fixtures import (
    LOOKER_ID,
    LOOKER_SECRET,
    MemoryLookerData,
    looker_data,
    looker_sandbox,
)

FIELDS = ["user_sessions.account_id", "user_sessions.average_daily_active_users"]


@pytest.fixture
def looker():
    with looker_sandbox() as value:
        yield value


def _sdk(monkeypatch, server, secret: str = LOOKER_SECRET):
    monkeypatch.setenv("LOOKERSDK_BASE_URL", server.url)
    monkeypatch.setenv("LOOKERSDK_CLIENT_ID", LOOKER_ID)
    monkeypatch.setenv("LOOKERSDK_CLIENT_SECRET", secret)
    monkeypatch.setenv("LOOKERSDK_VERIFY_SSL", "false")
    return looker_sdk.init40()


@pytest.fixture
def sdk(looker, monkeypatch):
    return _sdk(monkeypatch, looker[1])


def _sessions(month_filter: str, **extra) -> models40.WriteQuery:
    return models40.WriteQuery(**{"model": "alliants", "view": "user_sessions", "fields": FIELDS,
                                  "filters": {"user_sessions.session_date": month_filter}, "limit": "-1", **extra})


def test_create_query_then_run_it(looker, sdk):
    query = sdk.create_query(_sessions("2026/10/01 to 2026/11/01", sorts=["user_sessions.account_id"]))
    assert isinstance(query.id, str) and (query.model, query.view) == ("alliants", "user_sessions")
    rows = json.loads(sdk.run_query(query.id, "json"))
    assert rows == [{"user_sessions.account_id": f"LK-00{a}", "user_sessions.average_daily_active_users": 30.0 + a}
                    for a in range(3)]
    calls = looker[0].calls.snapshot()
    assert (calls[LOGIN], calls[CREATE_QUERY], calls[RUN_QUERY]) == (1, 1, 1)


def test_the_products_inline_queries_run_as_sent(looker, sdk):
    sessions, features = adoption_queries(Period(2026, 9))
    by_account = parse_user_sessions(sdk.run_inline_query("json", models40.WriteQuery(**sessions)))
    assert by_account["LK-002"] == {"dau": 22.0, "mau": 102.0, "login_frequency": 4.5}
    assert parse_feature_usage(sdk.run_inline_query("json", models40.WriteQuery(**features)))["LK-000"] == {
        "feature_breadth": 51.0}
    assert looker[0].calls.snapshot()[RUN_INLINE] == 2


def test_a_range_of_months_averages_and_a_month_label_selects_one(sdk):
    rows = json.loads(sdk.run_inline_query("json", _sessions("2026/08/01 to 2026/11/01")))
    assert {r["user_sessions.account_id"]: r["user_sessions.average_daily_active_users"] for r in rows} == {
        "LK-000": 20.0, "LK-001": 21.0, "LK-002": 22.0}
    rows = json.loads(sdk.run_inline_query("json", _sessions("2026-08")))
    assert sorted(r["user_sessions.average_daily_active_users"] for r in rows) == [10.0, 11.0, 12.0]


def test_default_sort_limit_and_csv(sdk):
    rows = json.loads(sdk.run_inline_query("json", _sessions("2026-10", limit="2")))
    assert [r["user_sessions.account_id"] for r in rows] == ["LK-002", "LK-001"]
    text = sdk.run_inline_query("csv", _sessions("2026-10", sorts=["user_sessions.account_id"]))
    assert text.splitlines()[:2] == ["user_sessions.account_id,user_sessions.average_daily_active_users", "LK-000,30.0"]
    text = sdk.run_inline_query("txt", _sessions("2026-10", sorts=["user_sessions.account_id desc"]))
    assert text.splitlines()[1] == "LK-002\t32.0"


def test_saved_look_runs_as_csv_for_every_month(looker, sdk):
    look = sdk.look("1")
    assert look.title == "Platform value pillars" and look.query.view == "platform_metrics"
    text = sdk.run_look("1", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 9 and {r["platform_metrics.month"] for r in rows} == {"2026-08", "2026-09", "2026-10"}
    parser = PlatformLookParser(Period(2026, 10))
    parser.feed(text)
    assert parser.result()["LK-000"] == {"platform_value": pytest.approx((70 + 80 + 62) / 3)}
    assert looker[0].calls.snapshot()[RUN_LOOK] == 1


def test_saved_look_keeps_the_ui_row_limit_unless_told_otherwise(monkeypatch):
    with looker_sandbox(looker_data(accounts=2000)) as (_, server):
        sdk = _sdk(monkeypatch, server)
        assert len(sdk.run_look("1", "csv").splitlines()) == 1 + 5000
        assert len(sdk.run_look("1", "csv", limit=-1).splitlines()) == 1 + 6000


def test_csv_labels_mode_uses_looker_column_labels(monkeypatch):
    with looker_sandbox(csv_labels=True) as (_, server):
        text = _sdk(monkeypatch, server).run_look("1", "csv")
    assert text.splitlines()[0] == ("Platform Metrics Account ID,Platform Metrics Month,Platform Metrics Efficiency "
                                    "Score,Platform Metrics Revenue Score,Platform Metrics Guest Experience Score,"
                                    "Platform Metrics Adoption Score")
    parser = PlatformLookParser(Period(2026, 10))
    parser.feed(text)
    assert len(parser.result()) == 3


def test_bad_credentials_raise_sdk_error(looker, monkeypatch):
    sdk = _sdk(monkeypatch, looker[1], secret="wrong")
    with pytest.raises(SDKError) as info:
        sdk.run_inline_query("json", _sessions("2026-10"))
    assert '"Not found"' in str(info.value.args[0]) and "wrong" not in str(info.value)


def test_unknown_field_and_model_use_lookers_error_shape(sdk):
    with pytest.raises(SDKError) as info:
        sdk.run_inline_query("json", models40.WriteQuery(model="alliants", view="user_sessions",
                                                         fields=["user_sessions.nope"]))
    assert info.value.message == "Validation Failed"
    assert info.value.errors[0].message == "Unknown field 'user_sessions.nope' in explore 'alliants::user_sessions'"
    with pytest.raises(SDKError) as info:
        sdk.create_query(models40.WriteQuery(model="other", view="user_sessions", fields=FIELDS))
    assert info.value.message == "Not found" and info.value.errors[0].field == "model"


def test_a_filter_looker_cannot_apply_comes_back_as_a_looker_error_row(sdk):
    rows = json.loads(sdk.run_inline_query("json", _sessions("last tuesday")))
    assert list(rows[0]) == ["looker_error"]


def test_rate_limit_and_server_errors_reach_the_caller(looker, sdk):
    emulator = looker[0]
    sdk.run_inline_query("json", _sessions("2026-10"))
    emulator.faults.set_rate_limit(1, 60)
    sdk.run_inline_query("json", _sessions("2026-10"))
    with pytest.raises(SDKError, match="Too many requests"):
        sdk.run_inline_query("json", _sessions("2026-10"))
    emulator.faults.set_rate_limit(None)
    emulator.faults.fail_next(1, 503)
    with pytest.raises(SDKError) as info:
        sdk.run_inline_query("json", _sessions("2026-10"))
    assert info.value.message == "Looker is temporarily unavailable."
    assert json.loads(sdk.run_inline_query("json", _sessions("2026-10")))


def test_sdk_renews_a_token_it_sees_expiring(monkeypatch):
    with looker_sandbox(token_ttl_seconds=11) as (emulator, server):
        sdk = _sdk(monkeypatch, server)
        sdk.run_inline_query("json", _sessions("2026-10"))
        time.sleep(1.1)  # the SDK treats a token as expired 10 s before expires_in
        sdk.run_inline_query("json", _sessions("2026-10"))
        assert emulator.calls.snapshot()[LOGIN] == 2


def test_revoked_token_is_an_sdk_error_until_the_token_is_dropped(looker, sdk):
    emulator = looker[0]
    sdk.run_inline_query("json", _sessions("2026-10"))
    emulator.faults.expire_sessions()
    with pytest.raises(SDKError) as info:
        sdk.run_inline_query("json", _sessions("2026-10"))
    assert info.value.message == "Requires authentication."
    sdk.auth.token = AuthToken()
    assert json.loads(sdk.run_inline_query("json", _sessions("2026-10")))
    assert emulator.calls.snapshot()[LOGIN] == 2


def test_token_scheme_logout_and_the_data_protocol(looker):
    emulator, server = looker
    token = requests.post(f"{server.url}/api/4.0/login", data={"client_id": LOOKER_ID, "client_secret": LOOKER_SECRET},
                          timeout=5).json()
    assert (token["token_type"], token["expires_in"]) == ("Bearer", 3600)
    headers = {"Authorization": f"token {token['access_token']}"}
    assert requests.get(f"{server.url}/api/4.0/looks/1", headers=headers, timeout=5).status_code == 200
    assert requests.delete(f"{server.url}/api/logout", headers=headers, timeout=5).status_code == 204
    denied = requests.get(f"{server.url}/api/4.0/looks/1", headers=headers, timeout=5)
    assert denied.status_code == 401 and denied.json()["message"] == "Requires authentication."
    assert MemoryLookerData({}).months() == []
