"""`health-pipeline status`: per month and asset, what is materialised, missing, failed or stale, and what to run
next. October scored, then September: October's scores are stale (trend out of date), August is missing; October's
scores materialised again: its delivery and alerts are stale; the command itself on a fresh folder says every asset is missing and refuses a bad range in one sentence."""
from __future__ import annotations

from datetime import date

import dagster as dg
import pytest

from health_pipeline.commands.status import asset_months, month_range, report
from health_pipeline.definitions import ASSETS
from health_pipeline_tests.graph.conftest import QUIET, Profile
from health_pipeline_tests.test_cli import run_cli


def test_a_rescored_previous_month_makes_the_next_months_scores_stale(profile: Profile,
                                                                       persistent_instance: dg.DagsterInstance):
    assert profile.materialise("2026-10", instance=persistent_instance).success
    assert profile.materialise("2026-09", instance=persistent_instance).success
    months = ["2026-08", "2026-09", "2026-10"]

    lines = report(asset_months(persistent_instance, ASSETS, months), months)

    assert lines == [
        "2026-08  missing: all 11 assets",
        "2026-09  up to date (all 11 assets materialised)",
        "2026-10  stale: account_health_scores",
        "         account_health_scores: trend out of date: 2026-09 was scored again after it",
        "Next: health-pipeline run --period 2026-08; health-pipeline run --period 2026-10",
    ]


def test_scores_materialised_again_make_that_months_delivery_and_alerts_stale(profile: Profile,
                                                                             persistent_instance: dg.DagsterInstance):
    assert profile.materialise("2026-10", instance=persistent_instance).success
    rescored = dg.materialize(ASSETS, selection=["account_health_scores"], partition_key="2026-10",
                              resources=profile.resources(), instance=persistent_instance, run_config=QUIET)
    assert rescored.success

    lines = report(asset_months(persistent_instance, ASSETS, ["2026-10"]), ["2026-10"])

    assert lines == [
        "2026-10  stale: salesforce_health_scores, account_alerts",
        "         salesforce_health_scores: account_health_scores of the same month materialised again after it: "
        "it still holds what came before",
        "         account_alerts: account_health_scores of the same month materialised again after it: "
        "it still holds what came before",
        "Next: health-pipeline run --period 2026-10",
    ]


def test_month_range_is_inclusive_and_crosses_years():
    assert month_range("2025-11:2026-02", date(2026, 12, 2)) == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert month_range(None, date(2026, 12, 2))[-1] == "2026-11"
    with pytest.raises(ValueError, match="--months starts after it ends: '2026-10:2026-09'"):
        month_range("2026-10:2026-09", date(2026, 12, 2))


def test_the_command_on_a_fresh_folder_lists_every_asset_missing(tmp_path):
    result = run_cli("status", "--months", "2026-09:2026-10", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "2026-09  missing: all 11 assets", "2026-10  missing: all 11 assets",
        "Next: health-pipeline run --period 2026-09; health-pipeline run --period 2026-10"]
    assert run_cli("status", "--months", "2026-9:2026-10", cwd=tmp_path).stdout.strip() == (
        "--months must be A:B with months as YYYY-MM, got '2026-9:2026-10'")
