"""The four source assets compute exactly the hand-computed metrics of the pinned `mini` fixture data.

health_pipeline_tests/fixtures/mini holds raw vendor records for four mapped accounts (fixtures/mini/README.md);
the sandbox serves them over loopback and the real clients (requests, looker_sdk, simple_salesforce) read them.
Month: June 2025, i.e. [2025-06-01, 2025-07-01). Every expected value below is worked out by hand from the
records, with the arithmetic in the comments; the edge cases are chosen to catch off-by-one windows,
wrong projects or issue types, other months' rows, and missing-versus-zero mistakes.
"""
from __future__ import annotations

import math

import pytest

from health_pipeline_tests.conftest import source_resources
from health_pipeline_tests.sources import materialize_sources

ALPHA, BRAVO, CHARLIE, DELTA = "001Mn00000AlphaIAB", "001Mn00000BravoIAB", "001Mn0000CharliIQA", "001Mn00000DeltaIAB"
NAN = math.nan


@pytest.fixture(scope="module")
def mini_run(mini_sandbox, mini_config_dir):
    """One run of the four source assets over the mini data for June 2025."""
    run = materialize_sources(source_resources(mini_sandbox), mini_config_dir,
                              ["intercom", "jira", "looker", "salesforce"])
    mini_sandbox.reset_counters_and_faults()
    assert run.success, run.failure_messages()
    return run


def assert_rows(frame, expected: dict[str, dict[str, float]]) -> None:
    """Every account's metrics equal the expected values (NaN = missing), and nothing else is in the frame."""
    assert list(frame.index) == [ALPHA, BRAVO, CHARLIE, DELTA]  # mapping order, one row per mapped account
    for account, metrics in expected.items():
        assert list(frame.select_dtypes("number").columns) == list(metrics), account
        for metric, value in metrics.items():
            got = frame.at[account, metric]
            if math.isnan(value):
                assert math.isnan(got), f"{account} {metric}: expected missing, got {got}"
            else:
                assert got == pytest.approx(value, rel=1e-12), f"{account} {metric}"


def test_intercom_support_metrics(mini_run):
    # The search is created_at > 1748735999 AND created_at < 1751328000; Intercom's > and < include equality, so
    # the server also returns 9006 (2025-05-31 23:59:59) and 9005 (2025-07-01 00:00:00): 11 conversations in
    # all (9001-9011), of which the extractor keeps the 9 created inside June.
    # Alpha, in June: 9001 (P1, tag escalated, reply 600 s, close 3600 s, closed, rated 5),
    #   9002 (P3, tag billing, reply 1200, close 7200, closed, unrated; `priority: "priority"` is not the
    #   Priority attribute), 9003 (P2, statistics null, unrated), 9004 (P4, tag escalation-review, reply 300,
    #   never closed, rated 2). 9005 / 9006 (P1, escalated, rated 1) fall outside the month.
    #   total 4; p1_p2 = 2/4 = 50 %; escalation = 1/4 = 25 % ("escalation-review" is not "escalated");
    #   median reply = median(600, 1200, 300) = 600; median close = median(3600, 7200) = 5400;
    #   csat = (5 + 2) / 2 = 3.5; response rate = rated and closed (9001) / closed (9001, 9002) = 1/2 = 50 %.
    # Bravo: 9007 (P2, escalated, reply 1800, close 86400, rated 4), 9008 (P3, reply 2400, close 43200,
    #   unrated), 9009 (no Priority attribute, reply null, close 3600, rated 2); all three closed.
    #   total 3; p1_p2 = 1/3; escalation = 1/3; median reply = median(1800, 2400) = 2100;
    #   median close = median(86400, 43200, 3600) = 43200; csat = (4 + 2) / 2 = 3; response rate = 2/3.
    # Charlie: mapped, its only conversation (9012) is from May -> 0 conversations, the rest missing.
    # Delta: no intercom_company_id -> every metric missing (not 0).
    # 9010 has no company and its contact (a lead) none either; 9011 an unmapped company: counted in metadata,
    # scored nowhere.
    rest = dict.fromkeys(["p1_p2_pct", "escalation_pct", "median_first_response_seconds",
                          "median_resolution_seconds", "csat_score", "csat_response_rate"], NAN)
    assert_rows(mini_run.frame("intercom"), {
        ALPHA: {"total_conversations": 4, "p1_p2_pct": 50.0, "escalation_pct": 25.0,
                "median_first_response_seconds": 600, "median_resolution_seconds": 5400,
                "csat_score": 3.5, "csat_response_rate": 50.0},
        BRAVO: {"total_conversations": 3, "p1_p2_pct": 100 / 3, "escalation_pct": 100 / 3,
                "median_first_response_seconds": 2100, "median_resolution_seconds": 43200,
                "csat_score": 3.0, "csat_response_rate": 200 / 3},
        CHARLIE: {"total_conversations": 0, **rest},
        DELTA: {"total_conversations": NAN, **rest},
    })
    meta = mini_run.meta("intercom")
    assert meta["conversations"] == 11
    assert meta["conversations_without_company"] == 1
    assert meta["conversations_unattributed"] == 1  # its contact, looked up, belongs to no company
    assert meta["conversations_attributed_by_contact"] == 0 and meta["conversations_ambiguous_company"] == 0
    assert meta["contacts_looked_up"] == 1 and meta["contact_search_calls"] == 1
    assert meta["unmapped_companies"] == 1
    assert meta["duplicate_conversations"] == 0
    assert meta["accounts_with_data"] == 3  # Delta has nothing at all
    assert meta["source_configured"] is True


def test_jira_bug_metrics(mini_run):
    # JQL: project in (BUG, PLAT) AND issuetype = Bug AND created < "2025-07-01"
    #      AND (resolutiondate >= "2025-06-01" OR resolution = EMPTY)
    # The server returns 9 issues: BUG-1, BUG-2, BUG-3, PLAT-1, BUG-5, BUG-6, PLAT-2, BUG-7, BUG-8. Not returned:
    #   BUG-4 (resolved 2025-05-15), OPS-1 (project OPS: internal, must not count, though Highest + reopened),
    #   BUG-9 (created 2025-07-02), BUG-10 (a Task).
    # ALPHA (component): BUG-1 created 03-10 open Highest; BUG-2 created 06-03 open, label reopened;
    #   BUG-3 created 06-01 00:00 resolved 06-11 00:00 (10 days); PLAT-1 created 05-20 12:00 resolved
    #   06-04 12:00 (15 days); BUG-5 created 06-20 Critical, resolved 07-03 = after month end, so still open.
    #   open = BUG-1, BUG-2, BUG-5 = 3; reopened = BUG-2 = 1; critical = BUG-1 (Highest) + BUG-5 (Critical) = 2;
    #   avg resolution = (10 + 15) / 2 = 12.5 days; created in June = BUG-2, BUG-3, BUG-5 = 3,
    #   resolved in June = BUG-3, PLAT-1 = 2 -> bug_trend = 3 / 2 = 1.5.
    # BRAVO: BUG-6 created 05-02 open Blocker, label reopened; PLAT-2 created 06-15 00:00 resolved 06-17 12:00.
    #   open 1, reopened 1, critical 1 (Blocker); avg resolution 2.5 days; trend = 1 created / 1 resolved = 1.
    # DELTA: mapped, no bugs -> counts 0, average and trend missing. CHARLIE: no jira_key -> all missing.
    # BUG-7 has no component (unlinked), BUG-8's component ZULU is not mapped.
    assert_rows(mini_run.frame("jira"), {
        ALPHA: {"open_bugs": 3, "reopened_bugs": 1, "critical_bugs": 2, "avg_resolution_days": 12.5,
                "bug_trend": 1.5},
        BRAVO: {"open_bugs": 1, "reopened_bugs": 1, "critical_bugs": 1, "avg_resolution_days": 2.5,
                "bug_trend": 1.0},
        CHARLIE: {"open_bugs": NAN, "reopened_bugs": NAN, "critical_bugs": NAN, "avg_resolution_days": NAN,
                  "bug_trend": NAN},
        DELTA: {"open_bugs": 0, "reopened_bugs": 0, "critical_bugs": 0, "avg_resolution_days": NAN,
                "bug_trend": NAN},
    })
    meta = mini_run.meta("jira")
    assert meta["issues"] == 9
    assert meta["issues_without_account"] == 1
    assert meta["unmapped_keys"] == 1


def test_looker_adoption_metrics(mini_run):
    # user_sessions June: 5001 -> dau 120, mau 300, logins 14.5; 5002 -> 40, 90, 6.25; 5999 is not mapped.
    #   (5001's May row of 999s and 5003's May-only row are outside the month filter.)
    # feature_usage June: 5001 -> 62.5 %, 5002 -> 30 %; 5003 only has May.
    # platform_metrics (CSV, month filter): June 5001 -> (80 + 70 + 90 + 60) / 4 = 75;
    #   June 5002 -> revenue_score null, so (50 + 40 + 60) / 3 = 50; the two May rows are not sent.
    # 5003 (Charlie) has only May rows -> missing; Delta has no looker_account_id -> missing.
    missing = dict.fromkeys(["dau", "mau", "feature_breadth", "login_frequency", "platform_value"], NAN)
    assert_rows(mini_run.frame("looker"), {
        ALPHA: {"dau": 120, "mau": 300, "feature_breadth": 62.5, "login_frequency": 14.5, "platform_value": 75},
        BRAVO: {"dau": 40, "mau": 90, "feature_breadth": 30, "login_frequency": 6.25, "platform_value": 50},
        CHARLIE: missing,
        DELTA: missing,
    })
    meta = mini_run.meta("looker")
    assert (meta["user_session_rows"], meta["feature_usage_rows"]) == (3, 2)  # incl. unmapped 5999
    assert (meta["platform_rows_in_month"], meta["platform_rows_other_months"]) == (2, 0)
    assert meta["unmapped_accounts"] == 1


def test_salesforce_account_metrics(mini_run):
    # Month end (END) = 2025-07-01; the downgrade window is [2024-07-01, 2025-07-01).
    # days_to_renewal: Alpha's Renewals close 2025-06-30 (before END: ignored), 2025-09-29 and 2026-09-29; its
    #   Expansion on 2025-07-15 is not a renewal -> 2025-09-29 - 2025-07-01 = 30 (Jul 1-31) + 31 (Aug) + 28 = 90.
    #   Bravo: Renewal on 2025-07-01 = END itself -> 0. Charlie: none -> missing.
    #   Delta: 2026-01-01 -> 31 + 31 + 30 + 31 + 30 + 31 (Jul..Dec) = 184.
    # payment_health: Current 100, 31-60 Days Late 40, Collections 0, 1-30 Days Late 70.
    # contract_changes: Bravo's downgrades start 2024-07-01 (in), 2025-06-30 (in), 2024-06-30 (out),
    #   2025-07-01 (out) -> 2; Charlie: an Upgrade (not counted) and a Downgrade on 2025-02-01 -> 1; others 0.
    # arr_trajectory_pct: Alpha 100 * (120000 - 100000) / 100000 = 20; Bravo 100 * (90000 - 100000) / 100000 = -10;
    #   Charlie prior 0 -> missing; Delta ARR null -> missing.
    # tier_alignment: Alpha Gold -> usage Platinum (above) 75; Bravo Gold -> Silver (one below) 40;
    #   Charlie Platinum -> Bronze (three below) 0; Delta Silver = Silver 100.
    # Phase 2: qbr 80 / 50 / null / 100; expansion 3 / 0 / null / 1; champion_stability in whole months to END:
    #   Alpha since 2023-01-15: (2025 - 2023) * 12 + (7 - 1) - 1 (day 1 < 15) = 29; Bravo since 2025-06-01: 1;
    #   Charlie null -> missing; Delta since 2025-07-01 = END -> 0.
    # Churn signals active at END (detected < END and resolved null or >= END):
    #   Alpha: Critical (05-01, open) yes; Watch (06-15, resolved 07-01 = END) yes; Moderate (resolved 06-20) no.
    #   Bravo: Moderate (06-30, open) yes; Moderate detected 07-01 = END no; Watch (01-01, open) yes.
    #   Delta: Critical (06-01, open) yes. Charlie: none -> 0 (an Account record exists, so counts are 0).
    # The unmapped Account 001Mn00000Zulu9 and its records are never asked for (the SOQL filters on mapped IDs).
    assert_rows(mini_run.frame("salesforce"), {
        ALPHA: {"days_to_renewal": 90, "payment_health": 100, "contract_changes": 0, "arr_trajectory_pct": 20,
                "tier_alignment": 75, "qbr_attendance": 80, "champion_stability": 29, "expansion_signals": 3,
                "critical_signals": 1, "moderate_signals": 0, "watch_signals": 1},
        BRAVO: {"days_to_renewal": 0, "payment_health": 40, "contract_changes": 2, "arr_trajectory_pct": -10,
                "tier_alignment": 40, "qbr_attendance": 50, "champion_stability": 1, "expansion_signals": 0,
                "critical_signals": 0, "moderate_signals": 1, "watch_signals": 1},
        CHARLIE: {"days_to_renewal": NAN, "payment_health": 0, "contract_changes": 1, "arr_trajectory_pct": NAN,
                  "tier_alignment": 0, "qbr_attendance": NAN, "champion_stability": NAN, "expansion_signals": NAN,
                  "critical_signals": 0, "moderate_signals": 0, "watch_signals": 0},
        DELTA: {"days_to_renewal": 184, "payment_health": 70, "contract_changes": 0, "arr_trajectory_pct": NAN,
                "tier_alignment": 100, "qbr_attendance": 100, "champion_stability": 0, "expansion_signals": 1,
                "critical_signals": 1, "moderate_signals": 0, "watch_signals": 0},
    })
    # Owners, from OwnerId and Owner.Name on the same Account statement: Alpha and Bravo Dana Whitfield's; Charlie
    #   has no owner; Delta's OwnerId names no User, so the Id is known and the name is not.
    owners = mini_run.frame("salesforce")[["owner_id", "owner_name"]].astype(object)
    assert owners.where(owners.notna(), None).to_dict("index") == {
        ALPHA: {"owner_id": "005Mn00000DanaWIAR", "owner_name": "Dana Whitfield"},
        BRAVO: {"owner_id": "005Mn00000DanaWIAR", "owner_name": "Dana Whitfield"},
        CHARLIE: {"owner_id": None, "owner_name": None},
        DELTA: {"owner_id": "005Mn00000GoneXIAR", "owner_name": None}}
    meta = mini_run.meta("salesforce")
    assert meta["phase2_fields"] is True
    assert meta["accounts_without_owner"] == 1
    assert meta["soql_statements"] == 4  # one statement per object: the owner asks for no statement of its own
    assert meta["records_for_unmapped_accounts"] == 0
    assert meta["accounts_missing_in_salesforce"] == 0


def test_small_pages_give_the_same_metrics(mini_sandbox, mini_config_dir, mini_run):
    """Following the cursors page by page (Intercom 4 a page, Jira 4 a page) changes nothing but the call count."""
    resources = source_resources(mini_sandbox, intercom={"per_page": 4}, jira={"page_size": 4})
    run = materialize_sources(resources, mini_config_dir, ["intercom", "jira"])
    assert run.success, run.failure_messages()
    for source in ("intercom", "jira"):
        assert run.frame(source).equals(mini_run.frame(source)), source
    # 11 conversations at 4 a page = 3 pages (and one contact lookup for 9010); 9 issues at 4 a page = 3 pages
    assert run.meta("intercom")["pages_by_stream"] == {"POST /conversations/search": 3, "POST /contacts/search": 1}
    assert run.meta("jira")["pages_by_stream"] == {"POST /rest/api/3/search/jql": 3}
    assert mini_sandbox.intercom.calls.snapshot() == {"POST /conversations/search": 3, "POST /contacts/search": 1}
    assert mini_sandbox.jira.calls.snapshot() == {"POST /rest/api/3/search/jql": 3}
