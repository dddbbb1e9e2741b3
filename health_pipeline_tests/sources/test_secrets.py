"""No credential ever reaches a log line, an error message or the asset metadata.

The four sources run with the sandbox's credentials, with faults that make them log retries (a 503, a dropped
connection, an expired session), and then fail (persistent 5xx, wrong credentials). Everything a person or a
log store could see is collected: Dagster's event log (every message, every step error with its causes and
stack), the materialisation metadata, Python logging (urllib3, requests, looker_sdk, simple_salesforce, at
DEBUG) and whatever reached stdout/stderr. None of it may contain a token, password, security token or client
secret, nor the session IDs and access tokens the vendors issued during the run.
"""
from __future__ import annotations

import logging

import pytest

from health_pipeline_tests.conftest import sandbox_secrets, source_resources
from health_pipeline_tests.sources import login_then_expire, materialize_sources

SOURCES = ["intercom", "jira", "looker", "salesforce"]


def issued_tokens(sandbox) -> set[str]:
    """The session IDs and access tokens the emulators have issued so far (as secret as the passwords)."""
    return set(sandbox.salesforce._sessions) | set(sandbox.looker._tokens)


def everything_visible(run, caplog, capfd) -> str:
    """Every message, error and metadata value of the run, Python's log records and the captured output."""
    parts = [entry.message or "" for entry in run.logs]
    parts += [entry.user_message or "" for entry in run.logs]
    parts += [repr(entry.dagster_event) for entry in run.logs if entry.dagster_event is not None]
    parts += run.failure_texts()
    parts += [repr(metadata) for metadata in run.metadata.values()]
    parts += [record.getMessage() for record in caplog.records]
    parts.append(caplog.text)
    out, err = capfd.readouterr()
    parts += [out, err]
    return "\n".join(parts)


def assert_no_secret(text: str, secrets: dict[str, str]) -> None:
    leaked = [name for name, value in secrets.items() if value and value in text]
    assert not leaked, f"secret(s) visible: {leaked}"


@pytest.fixture
def debug_logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def test_a_successful_run_with_retries_shows_no_secret(mini_sandbox, mini_config_dir, debug_logs, capfd):
    emulators = mini_sandbox.emulators
    emulators["intercom"].faults.fail_next(1)
    emulators["jira"].faults.drop_next(1)
    emulators["looker"].faults.fail_next(1)
    with login_then_expire(mini_sandbox.salesforce, "POST /services/oauth2/token"):
        run = materialize_sources(source_resources(mini_sandbox, jira={"retry_after_max": 0.05}),
                                  mini_config_dir, SOURCES)
    assert run.success, run.failure_messages()
    assert sum(run.meta(source)["retries"] for source in SOURCES) == 3  # the faults did produce log lines
    text = everything_visible(run, debug_logs, capfd)
    assert "failed with HTTP 503; retry 1 of 3" in text  # the retry lines are part of what was checked
    assert "ProtocolError" in text
    assert_no_secret(text, {**sandbox_secrets(mini_sandbox),
                            **{f"issued {n}": t for n, t in enumerate(issued_tokens(mini_sandbox))}})


@pytest.mark.parametrize("source", SOURCES)
def test_a_failing_run_shows_no_secret(mini_sandbox, mini_config_dir, debug_logs, capfd, source):
    """Persistent 5xx: the error message and everything else of the failed run hold no secret."""
    mini_sandbox.emulators[source].faults.fail_next(100)
    resources = source_resources(mini_sandbox, **{source: {"max_retries": 1, "retry_after_max": 0.05}})
    run = materialize_sources(resources, mini_config_dir, [source])
    assert run.success is False
    assert any("answered HTTP 503" in text for text in run.failure_texts())
    assert_no_secret(everything_visible(run, debug_logs, capfd), sandbox_secrets(mini_sandbox))


WRONG = {
    "intercom": ({"token": "wrong-intercom-token-1234"}, "Intercom: POST /conversations/search answered HTTP 401"),
    "jira": ({"api_token": "wrong-jira-token-1234"}, "Jira: POST /rest/api/3/search/jql answered HTTP 401"),
    "looker": ({"client_secret": "wrong-looker-secret-1234"},
               "Looker: POST /api/4.0/login answered HTTP 404: Not found; the login was refused: check "
               "LOOKER_CLIENT_ID / LOOKER_CLIENT_SECRET / LOOKER_BASE_URL"),
    "salesforce": ({"consumer_secret": "wrong-sf-secret-1234"},
                   "Salesforce: POST oauth2/token (client credentials) failed: invalid_client: invalid client credentials"),
}


@pytest.mark.parametrize("source", SOURCES)
def test_rejected_credentials_fail_clearly_without_echoing_them(mini_sandbox, mini_config_dir, debug_logs, capfd,
                                                                source):
    fields, expected = WRONG[source]
    run = materialize_sources(source_resources(mini_sandbox, **{source: fields}), mini_config_dir, [source])
    assert run.success is False
    assert any(expected in text for text in run.failure_texts()), run.failure_texts()
    secrets = {**sandbox_secrets(mini_sandbox), **{f"wrong {name}": value for name, value in fields.items()}}
    assert_no_secret(everything_visible(run, debug_logs, capfd), secrets)
