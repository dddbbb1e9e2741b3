"""Each source asset survives what a vendor does on a bad day, or fails with a message a person can act on.

Faults are switched on in the sandbox emulators (real HTTP over loopback, real clients): 429 rate limits waited
out (Intercom's X-RateLimit-Reset, Jira's Retry-After), transient 503s and dropped connections retried, expired
Salesforce sessions and Looker tokens renewed by logging in again, persistent 5xx and malformed bodies failing
the asset with "<Source>: <call> answered HTTP <status>: <vendor's message>" (a SourceError, no library
traceback under it), a source without credentials giving all-missing metrics with a warning, and an org without
the Phase 2 fields giving missing relationship metrics without an error. Retries are counted both by the
emulators and in the asset metadata.
"""
from __future__ import annotations

import logging

import pytest

from health_pipeline.sources.intercom import metrics as intercom_metrics
from health_pipeline.sources.jira import metrics as jira_metrics
from health_pipeline.sources.looker import metrics as looker_metrics
from health_pipeline.sources.salesforce import metrics as salesforce_metrics
from health_pipeline.sources.salesforce.resource import SalesforceResource
from health_pipeline_tests.conftest import source_resources
from health_pipeline_tests.sources import after_first_call, login_then_expire, materialize_sources

SOURCES = ["intercom", "jira", "looker", "salesforce"]
LOOKER_LOGIN = "POST /api/4.0/login"
LOOKER_RUN_INLINE = "POST /api/4.0/queries/run/{format}"
SF_LOGIN = "POST /services/oauth2/token"
SF_QUERY = "GET /services/data/{version}/query"
SF_DESCRIBE = "GET /services/data/{version}/sobjects/{object}/describe"
# does the Salesforce resource ask describe for the Phase 2 fields (one more call), or just query them?
SF_DESCRIBES = bool(getattr(SalesforceResource(), "phase2_by_describe", True))
# the fewest calls of each source on the mini data (test_call_counts.py proves these are the minimum)
MINIMUM = {"intercom": 2, "jira": 1, "looker": 4, "salesforce": 5 + SF_DESCRIBES}  # Intercom: 1 search + 1 contact lookup
METRICS = {"intercom": intercom_metrics.METRICS, "jira": jira_metrics.METRICS, "looker": looker_metrics.METRICS,
           "salesforce": salesforce_metrics.METRICS}
ALPHA = "001Mn00000AlphaIAB"
# Retry-After / reset waits capped at 50 ms where the test is not about honouring them
NO_WAIT = {"retry_after_max": 0.05}


def run_source(sandbox, config_dir, source, **fields):
    """Materialise one source asset over `sandbox` with the resource's fields overridden."""
    return materialize_sources(source_resources(sandbox, **{source: fields}), config_dir, [source])


def source_error(run) -> str:
    """The SourceError's message behind the run's one failed step: the SourceError must be the root of the failure
    (nothing from a library underneath it), whether Dagster shows it as the step error or as its cause."""
    failures = run.result.get_step_failure_events()
    assert len(failures) == 1, run.failure_messages()
    error = failures[0].step_failure_data.error
    while error.cls_name not in ("SourceError", "Failure") and error.cause is not None:
        error = error.cause
    assert error.cls_name in ("SourceError", "Failure"), run.failure_texts()
    assert error.cause is None and error.context is None, run.failure_texts()  # no library error below it
    return error.message.strip().split(": ", 1)[1]  # drop the "module.ClassName: " prefix


def emulator_calls(sandbox, source) -> int:
    return sum(sandbox.emulators[source].calls.snapshot().values())


# --- rate limits ---------------------------------------------------------------------------------------------

def test_intercom_429_is_waited_out_until_the_rate_limit_reset(mini_sandbox, mini_config_dir):
    """Intercom answers 429 with X-RateLimit-Reset (UNIX seconds, no Retry-After): the client sleeps until then."""
    mini_sandbox.intercom.faults.set_rate_limit(2, 1.0)  # 2 calls per 1-second window
    run = run_source(mini_sandbox, mini_config_dir, "intercom", per_page=4)  # 11 conversations -> 3 pages
    assert run.success, run.failure_messages()
    meta = run.meta("intercom")
    assert meta["retries"] >= 1  # the third page at least was refused once
    assert meta["pages_by_stream"] == {"POST /conversations/search": 3, "POST /contacts/search": 1}
    assert emulator_calls(mini_sandbox, "intercom") == 4 + meta["retries"]  # every 429 reached the server
    assert meta["http_calls"] == 4 + meta["retries"]
    assert run.frame("intercom").at[ALPHA, "total_conversations"] == 4
    retries = [m for m in run.user_messages(logging.WARNING) if "HTTP 429" in m]
    assert len(retries) == meta["retries"]
    assert retries[0] == "Intercom: POST /conversations/search failed with HTTP 429; retry 1 of 3"


def test_jira_429_with_retry_after_is_waited_out(mini_sandbox, mini_config_dir):
    """Jira answers 429 with Retry-After (seconds) and an ISO X-RateLimit-Reset."""
    mini_sandbox.jira.faults.set_rate_limit(2, 1.0)
    run = run_source(mini_sandbox, mini_config_dir, "jira", page_size=3)  # 9 issues -> 3 pages
    assert run.success, run.failure_messages()
    meta = run.meta("jira")
    assert meta["retries"] >= 1
    assert meta["pages_by_stream"] == {"POST /rest/api/3/search/jql": 3}
    assert emulator_calls(mini_sandbox, "jira") == 3 + meta["retries"]
    assert run.frame("jira").at[ALPHA, "open_bugs"] == 3


# --- transient failures: recovered -----------------------------------------------------------------------------

@pytest.mark.parametrize("source", SOURCES)
def test_transient_503_is_retried(mini_sandbox, mini_config_dir, source):
    """Two 503s in a row (on the first call: a search, or the login) are retried and the asset succeeds."""
    mini_sandbox.emulators[source].faults.fail_next(2)
    run = run_source(mini_sandbox, mini_config_dir, source, **NO_WAIT)
    assert run.success, run.failure_messages()
    assert run.meta(source)["retries"] == 2
    assert run.meta(source)["http_calls"] == MINIMUM[source] + 2
    assert emulator_calls(mini_sandbox, source) == MINIMUM[source] + 2
    retry_lines = [m for m in run.user_messages(logging.WARNING) if "failed with HTTP 503" in m]
    assert len(retry_lines) == 2


@pytest.mark.parametrize("source", SOURCES)
def test_dropped_connection_is_retried(mini_sandbox, mini_config_dir, source):
    """The server closes the connection without a reply once; the call is sent again."""
    mini_sandbox.emulators[source].faults.drop_next(1)
    run = run_source(mini_sandbox, mini_config_dir, source)
    assert run.success, run.failure_messages()
    assert run.meta(source)["retries"] == 1
    assert emulator_calls(mini_sandbox, source) == MINIMUM[source] + 1
    assert any("ProtocolError" in m or "Connection" in m for m in run.user_messages(logging.WARNING))


# --- expired sessions: log in again ----------------------------------------------------------------------------

def test_expired_salesforce_session_logs_in_again(mini_sandbox, mini_config_dir):
    """The session dies right after login: the first REST call gets 401 INVALID_SESSION_ID (a JSON array),
    simple_salesforce logs in again and repeats the call."""
    with login_then_expire(mini_sandbox.salesforce, SF_LOGIN) as logins:
        run = run_source(mini_sandbox, mini_config_dir, "salesforce")
    assert run.success, run.failure_messages()
    assert logins == [2]
    calls = mini_sandbox.salesforce.calls.snapshot()
    assert calls[SF_LOGIN] == 2
    # the first data call (describe, or the Account query) twice: the 401, then the repeat
    assert calls.get(SF_DESCRIBE, 0) == 2 * SF_DESCRIBES
    assert calls[SF_QUERY] == 4 + (not SF_DESCRIBES)
    assert run.meta("salesforce")["http_calls_by_endpoint"]["POST /services/oauth2/token"] == 2
    assert run.frame("salesforce").at[ALPHA, "payment_health"] == 100


def test_expired_looker_token_logs_in_again(mini_sandbox, mini_config_dir):
    """The token dies right after login: the first run gets 401 "Requires authentication.", the client drops the
    token, looker_sdk logs in again and the run is repeated."""
    with login_then_expire(mini_sandbox.looker, LOOKER_LOGIN) as logins:
        run = run_source(mini_sandbox, mini_config_dir, "looker")
    assert run.success, run.failure_messages()
    assert logins == [2]
    calls = mini_sandbox.looker.calls.snapshot()
    assert calls[LOOKER_LOGIN] == 2
    assert calls[LOOKER_RUN_INLINE] == 4  # user_sessions twice (401, then again), feature_usage and platform once
    assert run.frame("looker").at[ALPHA, "platform_value"] == 75


# --- persistent failures: the asset fails, saying who, what and how -----------------------------------------------

PERSISTENT_5XX = {
    "intercom": "Intercom: POST /conversations/search answered HTTP 503: "
                '{"type":"error.list","request_id":"sbx',
    "jira": "Jira: POST /rest/api/3/search/jql answered HTTP 503: "
            '{"errorMessages":["Service Unavailable. Please try again later."],"errors":{}}',
    "looker": "Looker: POST /api/4.0/login answered HTTP 503: Looker is temporarily unavailable.",
    "salesforce": "Salesforce: POST oauth2/token (client credentials) answered HTTP 503: "
                  "SERVER_UNAVAILABLE: Server unavailable, please try again later.",
}


@pytest.mark.parametrize("source", SOURCES)
def test_persistent_5xx_fails_the_asset_naming_source_call_and_status(mini_sandbox, mini_config_dir, source):
    mini_sandbox.emulators[source].faults.fail_next(100)
    run = run_source(mini_sandbox, mini_config_dir, source, max_retries=2, **NO_WAIT)
    assert run.success is False
    assert source_error(run).startswith(PERSISTENT_5XX[source])
    assert emulator_calls(mini_sandbox, source) == 3  # the first call and exactly max_retries retries, no more
    assert sum("failed with HTTP 503" in m for m in run.user_messages(logging.WARNING)) == 2


@pytest.mark.parametrize("source, after, expected", [
    ("looker", LOOKER_LOGIN,
     "Looker: POST /api/4.0/queries/run/json (user_sessions) answered HTTP 500: An error has occurred."),
    ("salesforce", SF_LOGIN,
     f"Salesforce: {'GET sobjects/Account/describe' if SF_DESCRIBES else 'GET query (Account)'} answered HTTP 500: "
     "UNKNOWN_EXCEPTION: An unexpected error"),
], ids=["looker", "salesforce"])
def test_persistent_5xx_after_login_names_the_data_call(mini_sandbox, mini_config_dir, source, after, expected):
    faults = mini_sandbox.emulators[source].faults
    with after_first_call(mini_sandbox.emulators[source], after, lambda: faults.fail_next(100, status=500)):
        run = run_source(mini_sandbox, mini_config_dir, source, max_retries=1, **NO_WAIT)
    assert run.success is False
    assert source_error(run).startswith(expected)


MALFORMED = [
    ("intercom", None, "Intercom: POST /conversations/search answered HTTP 200: the reply is not valid JSON"),
    ("jira", None, "Jira: POST /rest/api/3/search/jql answered HTTP 200: the reply is not valid JSON"),
    ("looker", None, "Looker: POST /api/4.0/login answered HTTP 200: the reply is not valid JSON"),
    ("looker", LOOKER_RUN_INLINE,
     "Looker: POST /api/4.0/queries/run/json (user_sessions) failed: the reply is not valid JSON"),
    ("salesforce", None, "Salesforce: POST oauth2/token (client credentials) failed: the reply is not valid JSON"),
    ("salesforce", SF_QUERY, "Salesforce: GET query (Account) failed: the reply is not valid JSON"),
]


@pytest.mark.parametrize("source, spoiled, expected", MALFORMED,
                         ids=[f"{source}-{'first call' if spoiled is None else spoiled}"
                              for source, spoiled, _ in MALFORMED])
def test_malformed_body_fails_clearly(mini_sandbox, mini_config_dir, source, spoiled, expected):
    """A 200 whose body is cut short (not JSON / not XML) is not retried: the asset fails and says so."""
    emulator = mini_sandbox.emulators[source]
    if spoiled is None:  # the first reply of the run
        emulator.faults.malformed_next(1)
        run = run_source(mini_sandbox, mini_config_dir, source)
    else:  # the first reply of a data endpoint, after a good login
        with after_first_call(emulator, spoiled, lambda: emulator.faults.malformed_next(1)):
            run = run_source(mini_sandbox, mini_config_dir, source)
    assert run.success is False
    assert source_error(run).startswith(expected)
    assert set(run.metadata) == {"account_mapping"}  # the source asset materialised nothing


# --- degraded but valid ------------------------------------------------------------------------------------------

NO_CREDENTIALS = {"intercom": {"token": None}, "jira": {"api_token": None}, "looker": {"client_secret": None},
                  "salesforce": {"consumer_key": None, "consumer_secret": None}}


@pytest.mark.parametrize("source", SOURCES)
def test_source_without_credentials_gives_missing_metrics_and_a_warning(mini_sandbox, mini_config_dir, source):
    run = run_source(mini_sandbox, mini_config_dir, source, **NO_CREDENTIALS[source])
    assert run.success, run.failure_messages()
    frame = run.frame(source)
    owners = list(salesforce_metrics.OWNER_COLUMNS) if source == "salesforce" else []
    assert list(frame.columns) == [*METRICS[source], *owners] and len(frame) == 4
    assert frame.isna().all().all()  # every metric (and owner) of every account missing: not 0
    meta = run.meta(source)
    assert meta["source_configured"] is False
    assert meta["accounts_with_data"] == 0
    assert meta["http_calls"] == 0
    assert emulator_calls(mini_sandbox, source) == 0
    name = {"intercom": "Intercom", "jira": "Jira", "looker": "Looker", "salesforce": "Salesforce"}[source]
    warnings = run.user_messages(logging.WARNING)
    assert any(f"{name} is not configured" in m for m in warnings), warnings
    assert f"{name} is not configured" in meta["notes"]


def test_org_without_phase2_fields_gives_missing_relationship_metrics(mini_sandbox_no_phase2, mini_config_dir):
    """describe does not list the Phase 2 fields: the Account query leaves them out (asking would be an error),
    the three metrics are missing for every account, the rest is computed as usual and the metadata says why."""
    run = run_source(mini_sandbox_no_phase2, mini_config_dir, "salesforce")
    assert run.success, run.failure_messages()
    frame = run.frame("salesforce")
    assert frame[["qbr_attendance", "champion_stability", "expansion_signals"]].isna().all().all()
    # the other metrics are those of test_fixture_values (Alpha: 90 days, Current, +20 %, 1 critical signal)
    assert frame.loc[ALPHA, ["days_to_renewal", "payment_health", "arr_trajectory_pct", "critical_signals"]].tolist() \
        == [90, 100, 20, 1]
    meta = run.meta("salesforce")
    assert meta["phase2_fields"] is False
    assert "lacks the Phase 2 relationship fields" in meta["notes"]
    # login, describe or the Account query refused for its Phase 2 fields, then the 4 queries
    assert meta["http_calls"] == 6 and meta["retries"] == 0
    assert not run.result.get_step_failure_events()
