"""One HTTP discipline for the four vendors, proven against the sandbox's reply faults (real clients, loopback).

A looping cursor, a body trickled past the request deadline, a body over the size limit, a reply missing its
list or carrying it in the wrong shape: each fails the source asset with one SourceError naming the source, the
call and what was wrong, after a handful of calls and with nothing materialised. Records repeated across pages
are counted once.
"""
from __future__ import annotations

import pytest

from health_pipeline_tests.sources import after_first_call
from health_pipeline_tests.sources.test_faults import SF_QUERY, emulator_calls, run_source, source_error

SEARCH = {"intercom": "Intercom: POST /conversations/search", "jira": "Jira: POST /rest/api/3/search/jql",
          "salesforce": "Salesforce: GET query (Account)"}
LOOKER_INLINE = "POST /api/4.0/queries/run/{format}"


def failed_cleanly(run) -> str:
    """The run failed with the source asset materialising nothing; its SourceError's text."""
    assert run.success is False
    assert set(run.metadata) == {"account_mapping"}
    return source_error(run)


@pytest.mark.parametrize("source", sorted(SEARCH))
def test_looping_cursor_fails_after_two_pages(mini_sandbox, mini_config_dir, source):
    """Issue case 2: a vendor that hands out the same cursor forever is stopped at its first repeat."""
    mini_sandbox.emulators[source].faults.loop_cursors()
    run = run_source(mini_sandbox, mini_config_dir, source)
    assert failed_cleanly(run) == (f"{SEARCH[source]} failed: the reply repeated a cursor already followed, "
                                   f"after 1 pages (the vendor is looping)")
    login = 1 if source == "salesforce" else 0
    assert emulator_calls(mini_sandbox, source) == login + 2


@pytest.mark.parametrize("source, expected", [
    ("intercom", "Intercom: POST /conversations/search failed: POST /conversations/search was still sending"),
    ("jira", "Jira: POST /rest/api/3/search/jql failed: POST /rest/api/3/search/jql was still sending"),
    ("salesforce", "Salesforce: GET query (Account) failed: GET /services/data/v65.0/query/ was still sending"),
    ("looker", "Looker: POST /api/4.0/queries/run/json (user_sessions) failed: POST /api/4.0/queries/run/json "
               "was still sending"),
])
def test_trickled_body_fails_at_the_request_deadline(mini_sandbox, mini_config_dir, source, expected):
    """Issue case 3: a body sent a byte at a time never trips the read timeout; the total deadline stops it."""
    emulator = mini_sandbox.emulators[source]
    data_call = {"salesforce": SF_QUERY, "looker": LOOKER_INLINE}.get(source)
    trickle = lambda: emulator.faults.trickle_next(1, seconds_per_byte=0.05)  # noqa: E731 - one line
    fields = {"request_deadline_seconds": 1.0}
    if data_call is None:
        trickle()
        run = run_source(mini_sandbox, mini_config_dir, source, **fields)
    else:  # after the login, on the first data call
        with after_first_call(emulator, data_call, trickle):
            run = run_source(mini_sandbox, mini_config_dir, source, **fields)
    message = failed_cleanly(run)
    assert message.startswith(expected)
    assert message.endswith("after the 1 s deadline (request_deadline_seconds)")


@pytest.mark.parametrize("source", ["intercom", "jira", "looker", "salesforce"])
def test_oversized_body_is_refused_before_it_is_read(mini_sandbox, mini_config_dir, source):
    """Issue case 7: a reply over max_reply_mb is refused from its Content-Length, not held in memory."""
    emulator = mini_sandbox.emulators[source]
    data_call = {"salesforce": SF_QUERY}.get(source)
    oversize = lambda: emulator.faults.oversize_next(1, 3 * 1048576)  # noqa: E731 - one line
    if data_call is None:
        oversize()
        run = run_source(mini_sandbox, mini_config_dir, source, max_reply_mb=1.0)
    else:
        with after_first_call(emulator, data_call, oversize):
            run = run_source(mini_sandbox, mini_config_dir, source, max_reply_mb=1.0)
    assert failed_cleanly(run).endswith("announced a body of 3.0 MiB, over the 1.0 MiB limit (max_reply_mb)")


SHAPES = [
    ("salesforce", "records", None, "Salesforce: GET query (Account) failed: the reply has no 'records'"),
    ("salesforce", "records", {"Id": "001"},
     "Salesforce: GET query (Account) failed: the reply's 'records' is an object, expected a list"),
    ("intercom", "conversations", ["a", "b"],
     "Intercom: POST /conversations/search failed: item 0 of the reply's 'conversations' is a string, "
     "expected an object"),
    ("intercom", "conversations", None, "Intercom: POST /conversations/search failed: the reply has no 'conversations'"),
    # the contact lookup of the company-less conversation 9010: its reply is checked like the search's
    ("intercom", "data", "none", "Intercom: POST /contacts/search failed: the reply's 'data' is a string, "
                                 "expected a list"),
    ("intercom", "data", [{"type": "contact", "id": "ct-9010"}],
     "Intercom: POST /contacts/search failed: the reply has no 'companies'"),
    ("jira", "issues", "none", "Jira: POST /rest/api/3/search/jql failed: the reply's 'issues' is a string, "
                               "expected a list"),
    ("jira", "nextPageToken", 7, "Jira: POST /rest/api/3/search/jql failed: the reply's 'nextPageToken' is a whole "
                                 "number, expected a string"),
]


@pytest.mark.parametrize("source, key, value, expected", SHAPES, ids=[f"{s}-{k}-{type(v).__name__}"
                                                                      for s, k, v, _ in SHAPES])
def test_reply_in_the_wrong_shape_names_source_call_and_problem(mini_sandbox, mini_config_dir, source, key, value,
                                                                 expected):
    """Issue cases 4 and 6: a missing list, or one in the wrong shape, is a SourceError, never an AttributeError."""
    faults = mini_sandbox.emulators[source].faults
    if value is None:
        faults.rewrite_next(key)
    else:
        faults.rewrite_next(key, value)
    run = run_source(mini_sandbox, mini_config_dir, source, **({"page_size": 3} if source == "jira" else {}))
    assert failed_cleanly(run) == expected


def test_salesforce_records_repeated_across_pages_are_counted_once(mini_sandbox, mini_config_dir):
    """Issue case 5: every query page repeats the previous page's records; the metrics equal a clean run's."""
    clean = run_source(mini_sandbox, mini_config_dir, "salesforce")
    assert clean.success, clean.failure_messages()
    mini_sandbox.salesforce.faults.repeat_items("records")
    repeated = run_source(mini_sandbox, mini_config_dir, "salesforce")
    assert repeated.success, repeated.failure_messages()
    assert repeated.frame("salesforce").equals(clean.frame("salesforce"))
    assert repeated.meta("salesforce")["repeated_records_dropped"] > 0
    assert clean.meta("salesforce")["repeated_records_dropped"] == 0
