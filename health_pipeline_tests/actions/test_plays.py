"""The plays as pure rules: which accounts each fires for and why, owners, due dates, statuses against earlier
tasks, Task records and the digest, on hand-built months."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from health_pipeline.actions.alerts import ALERT_COLUMNS, account_facts, owners_from_scores, raise_alerts
from health_pipeline.actions.history import NEW, STILL_OPEN, TASK_EXISTS, AlertTask
from health_pipeline.actions.plays import RULES, Play
from health_pipeline.actions.records import digest_text, task_records
from health_pipeline.scoring.catalogue import ID_COLUMN

A, B, C, D = "001000000000001AAA", "001000000000002AAA", "001000000000003AAA", "001000000000004AAA"
OWNER = "005000000000001AAA"


def scores(**extra: list) -> pd.DataFrame:
    """Four accounts: A fell into Critical, B fell 12 points within Healthy->At Risk, C is steady, D is new."""
    frame = pd.DataFrame({
        ID_COLUMN: [A, B, C, D], "account_name": ["Acme", "Bolt", "Cove", "Dune"],
        "health_score": pd.array([55, 70, 91, 80], dtype="Int64"),
        "previous_score": pd.array([64, 82, 92, None], dtype="Int64"),
        "score_change": pd.array([-9, -12, -1, None], dtype="Int64"),
        "tier": ["Critical", "At Risk", "Champion", "Healthy"],
        "previous_tier": ["At Risk", "Healthy", "Champion", None],
        "coverage_pct": [90.0, 80.0, 95.0, 30.0], "top_risk_factors": ["csat_score", None, None, "dau"],
    })
    for name, values in extra.items():
        frame[name] = values
    return frame


SIGNALS = pd.DataFrame({ID_COLUMN: [A, B, C, D], "critical_signals": [1.0, 0.0, 0.0, np.nan],
                        "days_to_renewal": [45.0, 30.0, 10.0, np.nan]})
NEW_CRITICAL = {A: 1}  # critical signals detected during the month, by account
PLAYS = (
    Play("entered_critical", "critical", 3, "Call them."),
    Play("new_critical_signal", "critical", 3, "Escalate."),
    Play("score_drop", "high", 7, "Review.", params={"points": 10.0}),
    Play("tier_drop", "medium", 14, "Check."),
    Play("renewal_at_risk", "high", 7, "Prepare the renewal.", params={"days": 90.0}),
    Play("low_coverage", "low", 14, "Fix the mapping.", route="data_team", params={"floor_pct": 50.0}),
)


def alerts_of(frame: pd.DataFrame, new_critical: dict | None = NEW_CRITICAL, tasks=(), plays=PLAYS,
              period="2026-10"):
    facts = account_facts(frame, SIGNALS, new_critical)
    return raise_alerts(facts, plays, period, {A: OWNER, B: OWNER, C: OWNER, D: None}, {OWNER: "Avery Brooks"},
                        "005000000000009AAA", list(tasks))


def fired(alerts: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(alerts[ID_COLUMN], alerts["play"]))


def test_each_play_fires_for_the_accounts_its_rule_names_and_no_other():
    alerts = alerts_of(scores())
    assert fired(alerts) == {
        (A, "entered_critical"), (A, "new_critical_signal"), (A, "tier_drop"), (A, "renewal_at_risk"),
        (B, "score_drop"), (B, "tier_drop"), (B, "renewal_at_risk"), (D, "low_coverage"),
    }
    assert list(alerts.columns) == list(ALERT_COLUMNS)
    assert list(alerts["severity"]) == sorted(alerts["severity"], key=["critical", "high", "medium", "low"].index)


def test_reasons_say_what_happened_in_numbers():
    reasons = dict(zip(zip(alerts_of(scores())[ID_COLUMN], alerts_of(scores())["play"]), alerts_of(scores())["reason"]))
    assert reasons[(A, "entered_critical")] == "entered Critical (from At Risk) with a score of 55"
    assert reasons[(B, "score_drop")] == "score fell 12 points (82 -> 70)"
    assert reasons[(B, "tier_drop")] == "tier dropped from Healthy to At Risk"
    assert reasons[(A, "renewal_at_risk")] == "renewal in 45 days while Critical"
    assert reasons[(D, "low_coverage")] == "coverage 30% is under the floor of 50%"


def test_a_threshold_is_inclusive_and_a_missing_value_never_fires():
    plays = (Play("score_drop", "high", 7, "Review.", params={"points": 12.0}),)
    assert fired(alerts_of(scores(), plays=plays)) == {(B, "score_drop")}
    unknown = alerts_of(scores(), new_critical={}, plays=(PLAYS[1],))
    assert unknown.empty  # no signal detected this month
    assert alerts_of(scores(), new_critical=None, plays=(PLAYS[1],)).empty  # Salesforce not read: unknown


def test_a_first_scored_month_raises_entered_critical_but_no_drop():
    frame = scores(previous_tier=[None] * 4, previous_score=pd.array([None] * 4, dtype="Int64"),
                   score_change=pd.array([None] * 4, dtype="Int64"))
    assert {play for account, play in fired(alerts_of(frame, new_critical={})) if account == A} == {
        "entered_critical", "renewal_at_risk"}
    assert not any(play in ("score_drop", "tier_drop") for _, play in fired(alerts_of(frame)))


def test_owner_due_date_and_key_follow_the_play():
    alerts = alerts_of(scores()).set_index("play")
    critical = alerts.loc["entered_critical"]
    assert (critical["owner_id"], critical["owner_name"]) == (OWNER, "Avery Brooks")
    assert critical["due_date"] == "2026-11-04"  # the month ends 2026-11-01, due 3 days later
    assert critical["alert_key"] == f"{A}-2026-10-entered_critical"
    data = alerts.loc["low_coverage"]
    assert (data["owner_id"], data["route"]) == ("005000000000009AAA", "data_team")


def test_a_switched_off_play_raises_nothing():
    plays = tuple(Play(p.name, p.severity, p.due_days, p.action, p.route, p.name != "tier_drop", p.params)
                  for p in PLAYS)
    assert "tier_drop" not in set(alerts_of(scores(), plays=plays)["play"])


def test_status_against_earlier_tasks_and_this_months_tasks():
    tasks = [AlertTask(A[:15], "2026-09", "renewal_at_risk", False, None),  # open, 15-character id
             AlertTask(B, "2026-08", "renewal_at_risk", True, "accurate"),  # closed: a new alert is new
             AlertTask(B, "2026-10", "score_drop", False, None)]  # this month's task already written
    status = dict(zip(zip(alerts_of(scores(), tasks=tasks)[ID_COLUMN], alerts_of(scores(), tasks=tasks)["play"]),
                      alerts_of(scores(), tasks=tasks)["status"]))
    assert status[(A, "renewal_at_risk")] == STILL_OPEN
    assert status[(B, "renewal_at_risk")] == NEW
    assert status[(B, "score_drop")] == TASK_EXISTS
    records = task_records(alerts_of(scores(), tasks=tasks))
    keys = {record["Health_Alert_Key__c"] for record in records}
    assert f"{A}-2026-10-renewal_at_risk" not in keys and f"{B}-2026-10-score_drop" not in keys
    assert len(records) == 6


def test_task_records_carry_owner_priority_due_date_and_reasons():
    records = {r["Health_Alert_Key__c"]: r for r in task_records(alerts_of(scores()))}
    task = records[f"{A}-2026-10-entered_critical"]
    assert task["WhatId"] == A and task["OwnerId"] == OWNER and task["Priority"] == "High"
    assert task["ActivityDate"] == "2026-11-04" and task["Status"] == "Not Started"
    assert "Why: entered Critical (from At Risk) with a score of 55" in task["Description"]
    assert "Top risk factors: csat_score" in task["Description"] and "Top movers" not in task["Description"]
    assert records[f"{B}-2026-10-tier_drop"]["Priority"] == "Normal"
    assert records[f"{D}-2026-10-low_coverage"]["Priority"] == "Low"


def test_top_movers_are_filled_only_when_the_scores_carry_them():
    assert alerts_of(scores())["top_movers"].isna().all()
    with_movers = alerts_of(scores(score_change_reasons=["csat_score -6", "dau -4", None, None]))
    assert set(with_movers[with_movers[ID_COLUMN] == A]["top_movers"]) == {"csat_score -6"}
    description = task_records(with_movers)[0]["Description"]
    assert "Top movers: csat_score -6" in description


def test_digest_counts_severities_and_lists_critical_and_high_accounts_once():
    text = digest_text(alerts_of(scores()), "2026-10")
    assert text.startswith("*Health alerts for 2026-10*: 2 critical, 3 high, 2 medium, 1 low (8 alerts; 0 still open")
    assert text.count("Acme") == 1 and text.count("Bolt") == 1 and "Dune" not in text
    acme = next(line for line in text.splitlines() if "Acme" in line)
    assert "entered Critical" in acme and "renewal in 45 days" in acme and "Owner: Avery Brooks" in acme


def test_every_rule_has_a_docstring_and_declared_parameters():
    for name, (rule, parameters) in RULES.items():
        assert rule.__doc__, name
        for parameter in parameters.values():
            assert parameter.low <= parameter.default <= parameter.high


@pytest.mark.parametrize("missing", ["tier", "coverage_pct"])
def test_scores_without_a_needed_column_are_refused_by_name(missing):
    with pytest.raises(ValueError, match=missing):
        account_facts(scores().drop(columns=missing), SIGNALS, {})


def test_owners_come_from_the_scores_and_a_month_scored_without_them_asks_salesforce():
    frame = scores(owner_id=[OWNER, OWNER, None, "005000000000002AAA"],
                   owner_name=["Avery Brooks", "Avery Brooks", None, None])
    owners, names = owners_from_scores(frame)
    assert owners == {A: OWNER, B: OWNER, C: None, D: "005000000000002AAA"}
    assert names == {OWNER: "Avery Brooks"}  # an owner without a known name stays unnamed, never guessed
    assert owners_from_scores(scores()) is None  # stored before the scores carried owners
    assert owners_from_scores(scores(owner_id=[None] * 4, owner_name=[None] * 4)) is None  # Salesforce unconfigured
