"""The source assets' Dagster types enforce the column contract: one row per account with a unique, non-null
salesforce_account_id and float64 metric columns, exactly the catalogued ones.

A frame that breaks it (a duplicated account, an integer or text metric column, a missing or extra column) is
rejected by `metric_frame_problems` and by the asset's own output type, so a bad frame fails the step that
made it instead of reaching scoring.
"""
from __future__ import annotations

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from health_pipeline.assets.contracts import metric_frame_problems, metric_frame_type
from health_pipeline.assets.sources import SOURCE_ASSETS
from health_pipeline.scoring.catalogue import ID_COLUMN
from health_pipeline.sources.common.frame import metrics_frame
from health_pipeline.sources.jira import metrics as jira_metrics

METRICS = jira_metrics.METRICS
JIRA_ASSET = next(asset for asset in SOURCE_ASSETS if asset.key.path[-1] == "jira_bug_metrics")


def good_frame() -> pd.DataFrame:
    """What extract_jira produces for three accounts (one with data, one mapped without bugs, one unmapped)."""
    keys = [("001A", "ALPHA"), ("001B", "BRAVO"), ("001C", None)]
    per_key = {"ALPHA": {"open_bugs": 3, "reopened_bugs": 1, "critical_bugs": 2, "avg_resolution_days": 12.5,
                         "bug_trend": 1.5}}
    return metrics_frame(keys, per_key, METRICS, jira_metrics.DEFAULTS)


def asset_type() -> dg.DagsterType:
    """The Dagster type of the jira_bug_metrics asset's output."""
    return JIRA_ASSET.op.outs["result"].dagster_type


def test_a_frame_made_by_the_extractor_meets_the_contract():
    frame = good_frame()
    assert metric_frame_problems(frame, METRICS) == []
    assert dg.check_dagster_type(asset_type(), frame).success
    assert dg.check_dagster_type(metric_frame_type("jira_frame", METRICS), frame).success


def test_the_asset_output_type_is_the_contract_for_its_own_metrics():
    assert asset_type().display_name == "jira_bug_metrics_frame"
    assert ", ".join(METRICS) in asset_type().description


BROKEN = {
    "duplicated account": (lambda f: pd.concat([f, f.iloc[[0]]], ignore_index=True), "duplicated account(s): 001A"),
    "integer metric column": (lambda f: f.assign(open_bugs=f["open_bugs"].fillna(0).astype("int64")),
                              "column open_bugs has dtype int64, expected float64"),
    "object metric column": (lambda f: f.assign(bug_trend=f["bug_trend"].astype(object)),
                             "column bug_trend has dtype object, expected float64"),
    "missing account id": (lambda f: f.assign(**{ID_COLUMN: [None, "001B", "001C"]}),
                           f"1 row(s) without a {ID_COLUMN}"),
    "missing metric column": (lambda f: f.drop(columns=["critical_bugs"]), "missing column(s): critical_bugs"),
    "extra column": (lambda f: f.assign(score=np.nan), "unexpected column(s): score"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_frame_is_rejected(case):
    breaks, problem = BROKEN[case]
    frame = breaks(good_frame())
    assert problem in metric_frame_problems(frame, METRICS)
    for dagster_type in (asset_type(), metric_frame_type("jira_frame", METRICS)):
        check = dg.check_dagster_type(dagster_type, frame)
        assert check.success is False
        assert problem in check.description


def test_not_a_dataframe_is_rejected():
    assert metric_frame_problems({"open_bugs": [1.0]}, METRICS) == ["expected a pandas DataFrame, got dict"]
    assert dg.check_dagster_type(asset_type(), [1, 2]).success is False


def test_a_duplicated_account_fails_the_asset_run():
    """End to end: an asset with the same output type that returns a duplicated account fails its step."""
    @dg.asset(dagster_type=metric_frame_type("jira_bug_metrics_frame", METRICS))
    def broken_jira_frame() -> pd.DataFrame:
        frame = good_frame()
        return pd.concat([frame, frame.iloc[[1]]], ignore_index=True)

    result = dg.materialize([broken_jira_frame], raise_on_error=False)
    assert result.success is False
    (failure,) = result.get_step_failure_events()
    assert "duplicated account(s): 001B" in failure.step_failure_data.error.message
