"""The whole graph for one month against the sandbox, with the sandbox profile's resources built from the
environment as `definitions.py` builds them: dry run writes the month's CSV with one row per mapped account
and writes nothing to Salesforce; live mode upserts Health_Score__c records that read back through
simple_salesforce's SOQL, and re-running the unchanged month writes nothing (no record created, none updated); a record
the emulated org refuses (its Account was deleted after the mapping was written) is reported, kept in the
failed-records CSV and fails the sink; a Looker Look whose platform pillars come back out of the 0-100 scale
makes the blocking scores_in_range check fail, so the sink never runs and the org stays untouched."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import dagster as dg
import pandas as pd
import pytest

from health_pipeline.sandbox.runner import Sandbox
from health_pipeline.sandbox.world.data import LOOKER_VIEWS
from health_pipeline.sandbox.world.fixtures import FixtureData
from health_pipeline.sandbox.world.synthetic import World
from health_pipeline_tests.graph.conftest import PERIOD, Profile, mapped_account_ids, read_csv, set_profile_env

SINK = "salesforce_health_scores"
SCORES = "account_health_scores"
UPSERT = "PATCH /services/data/{version}/composite/sobjects/{object}/{field}"
PILLARS = ("efficiency_score", "revenue_score", "guest_experience_score", "adoption_score")


def sink_metadata(result: dg.ExecuteInProcessResult) -> dict:
    """The sink's materialisation metadata as plain values."""
    [event] = result.asset_materializations_for_node(SINK)
    return {key: value.value for key, value in event.metadata.items()}


def materialised(result: dg.ExecuteInProcessResult) -> set[str]:
    """The assets the run materialised."""
    return {event.asset_key.to_user_string() for event in result.get_asset_materialization_events()}


def failed_steps(result: dg.ExecuteInProcessResult) -> list[str]:
    """The steps that failed."""
    return [event.step_key for event in result.get_step_failure_events()]


def test_dry_run_writes_one_csv_row_per_mapped_account_and_nothing_to_salesforce(profile: Profile):
    org_before = profile.health_scores()

    result = profile.materialise()

    assert result.success, failed_steps(result)
    assert materialised(result) == {"account_mapping", "intercom_support_metrics", "jira_bug_metrics",
                                    "looker_adoption_metrics", "salesforce_account_metrics", "health_score_overrides", SCORES,
                                    SINK, "account_alerts", "salesforce_alert_tasks", "slack_alert_digest"}
    csv_file = profile.output_dir / f"health_scores_{PERIOD}.csv"
    assert sink_metadata(result)["path"] == str(csv_file.resolve())
    rows = read_csv(csv_file)
    accounts = mapped_account_ids()
    assert sorted(row["Account__c"] for row in rows) == sorted(accounts)
    assert {row["Health_Score_Key__c"] for row in rows} == {f"{account}-{PERIOD}" for account in accounts}
    assert {row["Period__c"] for row in rows} == {PERIOD}
    assert all(0 <= int(row["Health_Score__c"]) <= 100 for row in rows if row["Health_Score__c"])
    assert {row["Tier__c"] for row in rows} <= {"Champion", "Healthy", "At Risk", "Critical", "No Data"}
    # an ephemeral instance has no scored September, so there is no trend yet
    assert {row["Previous_Score__c"] for row in rows} == {""}
    scores = result.output_for_node(SCORES).set_index("salesforce_account_id")
    assert all(int(row["Health_Score__c"]) == scores.at[row["Account__c"], "health_score"]
               for row in rows if row["Health_Score__c"])
    # extraction read Salesforce, but dry run wrote nothing to it
    assert UPSERT not in profile.sandbox.salesforce.calls.snapshot()
    assert profile.health_scores() == org_before


@pytest.fixture
def live_profile(profile: Profile, monkeypatch: pytest.MonkeyPatch) -> Profile:
    """The sandbox profile in live mode (HEALTH_PIPELINE_DRY_RUN=false)."""
    monkeypatch.setenv("HEALTH_PIPELINE_DRY_RUN", "false")
    profile.env["HEALTH_PIPELINE_DRY_RUN"] = "false"
    return profile


def test_live_mode_upserts_the_month_and_an_unchanged_rerun_writes_nothing(live_profile: Profile):
    before = {record["Health_Score_Key__c"] for record in live_profile.health_scores()}

    first = live_profile.materialise()

    assert first.success, failed_steps(first)
    delivered = sink_metadata(first)
    assert (delivered["dry_run"], delivered["method"], delivered["failed"]) == (False, "collections", 0)
    assert delivered["created"] == 200 - len(before) and delivered["created"] + delivered["updated"] == 200
    assert not (live_profile.output_dir / f"health_scores_{PERIOD}.csv").exists()
    records = live_profile.health_scores()
    assert sorted(record["Account__c"] for record in records) == sorted(mapped_account_ids())
    scores = first.output_for_node(SCORES).set_index("salesforce_account_id")
    for record in records:
        assert record["Health_Score_Key__c"] == f"{record['Account__c']}-{PERIOD}"
        expected = scores.at[record["Account__c"], "health_score"]
        assert record["Health_Score__c"] == (None if pd.isna(expected) else expected)
        assert record["Tier__c"] == scores.at[record["Account__c"], "tier"]

    second = live_profile.materialise()

    assert second.success, failed_steps(second)
    again = sink_metadata(second)
    # the same month scored again: every record read back equals what we would write, so no write call
    assert (again["created"], again["updated"], again["unchanged"], again["failed"]) == (0, 0, 200, 0)
    assert (again["method"], again["conflicts"]) == ("none", 0)
    after = live_profile.health_scores()
    assert len(after) == 200
    assert {r["Id"]: r["Health_Score_Key__c"] for r in after} == {r["Id"]: r["Health_Score_Key__c"] for r in records}


@pytest.fixture
def fresh_sandbox() -> Iterator[Sandbox]:
    """A sandbox of its own, for a test that changes the emulated org."""
    with Sandbox() as running:
        yield running


def test_a_record_the_org_refuses_is_kept_in_the_failed_records_csv_and_fails_the_sink(
        fresh_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    output_dir = tmp_path / "output"
    profile = Profile(fresh_sandbox, set_profile_env(monkeypatch, fresh_sandbox, output_dir,
                                                     HEALTH_PIPELINE_DRY_RUN="false"), output_dir)
    gone = mapped_account_ids()[3]
    # the account is deleted (or merged away) in Salesforce after the mapping was written
    profile.org_resource().open_client().sf.Account.delete(gone)

    result = profile.materialise()

    assert not result.success
    # the account's alert task, if it has one, is refused for the same reason (and kept by its own sink)
    assert SINK in failed_steps(result) and set(failed_steps(result)) <= {SINK, "salesforce_alert_tasks"}
    [failure] = [e.step_failure_data.user_failure_data for e in result.get_step_failure_events() if e.step_key == SINK]
    assert failure.description.startswith(f"1 of 200 Health_Score__c records for {PERIOD} were refused by Salesforce")
    assert (failure.metadata["created"].value, failure.metadata["failed"].value) == (199, 1)
    assert "INVALID_CROSS_REFERENCE_KEY" in failure.metadata["failed_examples"].value
    failed_file = output_dir / f"failed_records_{PERIOD}.csv"
    assert failure.metadata["failed_records_path"].value == str(failed_file.resolve())
    [kept] = read_csv(failed_file)
    assert (kept["Account__c"], kept["Health_Score_Key__c"]) == (gone, f"{gone}-{PERIOD}")
    assert kept["error"] == "INVALID_CROSS_REFERENCE_KEY: invalid cross reference id; fields: Account__c"
    assert kept["Health_Score__c"] != ""  # the whole record is kept, to be delivered again once fixed
    written = profile.health_scores()
    assert len(written) == 199 and gone not in {record["Account__c"] for record in written}


@pytest.fixture
def rescaled_pillars_sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """Pinned data for the month whose Looker platform Look returns its pillars in basis points (0-10,000) instead
    of 0-100 (e.g. after a LookML change), with the world's Salesforce org; Intercom and Jira hold no records."""
    world = World(seed=7, accounts=200)
    looker = {view: world.looker_rows(view, PERIOD) for view in LOOKER_VIEWS}
    looker["platform_metrics"] = [{**row, **{p: None if row[p] is None else row[p] * 100 for p in PILLARS}}
                                  for row in looker["platform_metrics"]]
    FixtureData(looker=looker, salesforce=world.salesforce_records()).write(tmp_path / "fixture")
    with Sandbox(fixture_dir=tmp_path / "fixture") as running:
        yield running


def test_a_failing_blocking_check_stops_the_delivery(rescaled_pillars_sandbox: Sandbox,
                                                     monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    output_dir = tmp_path / "output"
    profile = Profile(rescaled_pillars_sandbox, set_profile_env(
        monkeypatch, rescaled_pillars_sandbox, output_dir, HEALTH_PIPELINE_DRY_RUN="false"), output_dir)

    result = profile.materialise()

    assert not result.success
    checks = {evaluation.check_name: evaluation for evaluation in result.get_asset_check_evaluations()}
    assert not checks["scores_in_range"].passed
    assert checks["scores_in_range"].metadata["out_of_range"].value > 0
    assert checks["one_row_per_mapped_account"].passed and checks["no_duplicate_keys"].passed
    assert failed_steps(result) == [SCORES]
    assert SINK not in materialised(result)
    assert SINK not in {event.step_key for event in result.all_events if event.is_step_start}
    assert UPSERT not in rescaled_pillars_sandbox.salesforce.calls.snapshot()
    assert profile.health_scores() == []
    assert not output_dir.exists() or list(output_dir.iterdir()) == []
