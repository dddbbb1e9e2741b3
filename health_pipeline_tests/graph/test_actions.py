"""The actions group against the sandbox with the real simple_salesforce and slack_sdk clients: live mode writes
one Task per new alert for the account's owner (priority and due date from the play) and nothing for accounts
without an alert; a re-run creates none; tasks the org refuses are kept in a CSV and fail the sink; feedback CSMs
write on tasks is read back per play; the digest reaches the loopback Slack webhook; dry run writes the alerts
CSV and the digest file instead of tasks."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

import dagster as dg
import pytest

from health_pipeline.sandbox.runner import Sandbox
from health_pipeline.settings.resource import PipelineConfigResource
from health_pipeline_tests.graph.conftest import PERIOD, REPO_ROOT, Profile, read_csv, set_profile_env

TASKS = "salesforce_alert_tasks"
TASK_SOQL = ("SELECT Id, WhatId, OwnerId, Subject, Priority, ActivityDate, Status, Description, Health_Alert_Key__c "
             "FROM Task WHERE Health_Alert_Key__c LIKE '%-{period}-%'")
PRIORITY = {"critical": "High", "high": "High", "medium": "Normal", "low": "Low"}


def metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict:
    """An asset's materialisation metadata as plain values."""
    [event] = result.asset_materializations_for_node(asset)
    return {key: value.value for key, value in event.metadata.items()}


def tasks_of(profile: Profile, period: str = PERIOD) -> list[dict]:
    """The month's alert Tasks, read back through simple_salesforce."""
    return profile.org_resource().open_client().sf.query_all(TASK_SOQL.format(period=period))["records"]


@pytest.fixture(scope="module")
def org() -> Iterator[Sandbox]:
    """A sandbox of this module's own: its tests write Tasks and feedback into the emulated org."""
    with Sandbox() as running:
        yield running


@pytest.fixture
def live(org: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Profile:
    """The sandbox profile in live mode over the module's org."""
    output_dir = tmp_path / "output"
    return Profile(org, set_profile_env(monkeypatch, org, output_dir, HEALTH_PIPELINE_DRY_RUN="false"), output_dir)


def test_live_month_writes_a_task_per_new_alert_for_the_owner_and_posts_the_digest(live: Profile):
    before = {task["Health_Alert_Key__c"] for task in tasks_of(live)}

    result = live.materialise()

    assert result.success
    alerts = result.output_for_node("account_alerts")
    new = alerts[alerts["status"] == "new"]
    assert len(new) > 0
    tasks = {task["Health_Alert_Key__c"]: task for task in tasks_of(live)}
    assert set(tasks) - before == set(new["alert_key"])  # alerted accounts only, one task per new alert
    owners = {a["Id"][:15]: a["OwnerId"] for a in live.org_resource().open_client().sf.query_all(
        "SELECT Id, OwnerId FROM Account")["records"]}
    for alert in new.itertuples():
        task = tasks[alert.alert_key]
        assert task["WhatId"][:15] == alert.salesforce_account_id[:15]
        if alert.route == "account_owner":
            assert task["OwnerId"] == owners[alert.salesforce_account_id[:15]] == alert.owner_id
        assert (task["Priority"], task["ActivityDate"]) == (PRIORITY[alert.severity], alert.due_date)
        assert task["Status"] == "Not Started" and alert.reason in task["Description"]
    # the owners and their names come with the month's scores: no Account-owner or User query of its own
    scores = result.output_for_node("account_health_scores").set_index("salesforce_account_id")
    assert list(new["owner_name"]) == [scores.loc[account, "owner_name"] if route == "account_owner" else None
                                       for account, route in zip(new["salesforce_account_id"], new["route"])]
    calls = metadata(result, "account_alerts")["salesforce_calls_by_endpoint"]
    assert calls and not any("Account owners" in call or "(User)" in call for call in calls)
    written = metadata(result, TASKS)
    assert (written["created"], written["failed"], written["new_tasks"]) == (len(new), 0, len(new))
    # alerts whose earlier task is still open (the world's history) are reported, not written again
    assert written["still_open"] == (alerts["status"] == "still_open").sum() > 0
    digest = live.sandbox.slack.texts()[-1]
    assert digest.startswith(f"*Health alerts for {PERIOD}*: ")
    critical = alerts[alerts["severity"] == "critical"].iloc[0]
    assert f"{critical.account_name} ({critical.health_score}): " in digest and critical.reason in digest


def test_a_rerun_creates_no_second_task(live: Profile):
    live.materialise()  # the month may already be there from the test before; either way it is now
    before = tasks_of(live)

    again = live.materialise()

    assert again.success
    written = metadata(again, TASKS)
    assert (written["new_tasks"], written.get("created", 0)) == (0, 0)
    assert set(again.output_for_node("account_alerts")["status"]) <= {"task_exists", "still_open"}
    assert sorted(t["Id"] for t in tasks_of(live)) == sorted(t["Id"] for t in before)


def test_feedback_written_on_tasks_is_read_back_per_play(live: Profile):
    live.materialise()
    sf = live.org_resource().open_client().sf
    marked = [t for t in tasks_of(live) if t["Health_Alert_Key__c"].endswith("-renewal_at_risk")][:3]
    assert len(marked) == 3
    for task in marked:  # what a CSM does in Salesforce: close the task and say how accurate it was
        sf.Task.update(task["Id"], {"Status": "Completed", "IsClosed": True, "Alert_Feedback__c": "inaccurate"})

    following = live.materialise(partition="2026-11")

    assert following.success
    table = metadata(following, "account_alerts")["feedback_by_play"]
    row = next(line for line in table.splitlines() if line.startswith("| renewal_at_risk"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    raised, closed, accurate, somewhat, inaccurate = map(int, cells[1:6])
    assert inaccurate >= 3 and closed >= 3 and raised >= len(marked)
    [check] = [c for c in following.get_asset_check_evaluations() if c.check_name == "play_feedback"]
    assert check.metadata["inaccurate_share_renewal_at_risk"].value == inaccurate / (accurate + somewhat + inaccurate)


def test_tasks_the_org_refuses_are_kept_and_fail_the_sink(live: Profile, tmp_path: Path):
    config_dir = tmp_path / "config"
    shutil.copytree(REPO_ROOT / "config", config_dir)
    plays = config_dir / "plays.yaml"
    # every account under the floor goes to a data-team user the org does not have
    plays.write_text(plays.read_text().replace("floor_pct: 50", "floor_pct: 100")
                     .replace('# data_team_owner_id: "005000000000001"', 'data_team_owner_id: "005000000000999"'))

    before = len(tasks_of(live, "2026-09"))

    result = live.materialise(partition="2026-09", pipeline_config=PipelineConfigResource(config_dir=str(config_dir)))

    assert not result.success
    assert [event.step_key for event in result.get_step_failure_events()] == [TASKS]
    [failure] = [e.step_failure_data.user_failure_data for e in result.get_step_failure_events()]
    refused = failure.metadata["failed"].value
    assert refused > 0 and failure.description.startswith(f"{refused} of ")
    rows = read_csv(live.output_dir / "failed_alert_tasks_2026-09.csv")
    assert len(rows) == refused and {row["OwnerId"] for row in rows} == {"005000000000999"}
    assert all(row["error"].startswith("INVALID_CROSS_REFERENCE_KEY") for row in rows)
    assert all(row["Health_Alert_Key__c"].endswith("-2026-09-low_coverage") for row in rows)
    assert failure.metadata["created"].value == len(tasks_of(live, "2026-09")) - before


def test_dry_run_writes_the_alerts_csv_and_the_digest_file_and_no_task(profile: Profile):
    before = len(tasks_of(profile))

    result = profile.materialise()

    assert result.success
    alerts = result.output_for_node("account_alerts")
    rows = read_csv(profile.output_dir / f"alerts_{PERIOD}.csv")
    assert len(rows) == len(alerts) > 0
    assert {"salesforce_account_id", "play", "severity", "owner_id", "due_date", "status"} <= set(rows[0])
    digest = (profile.output_dir / f"alert_digest_{PERIOD}.md").read_text()
    assert digest.startswith(f"*Health alerts for {PERIOD}*: ")
    assert len(tasks_of(profile)) == before
