"""score_accounts' contract: output columns, dtypes, row order and index, per-segment thresholds,
absent and null inputs, accounts without any data, and the errors it raises."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from health_pipeline.scoring import output_columns, score_accounts

DIMENSIONS = ("support", "financial", "adoption", "relationship")


def test_columns_and_dtypes(shipped_scoring):
    frame = pd.DataFrame([{"salesforce_account_id": "a", "segment": "paid", "csat_score": 4.0, "platform_value": 70}])
    result = score_accounts(frame, shipped_scoring)
    expected = ["salesforce_account_id", "segment", "health_score", "health_score_exact", "tier", "churn_risk",
                "platform_value"]
    expected += [f"{d}_{part}" for d in DIMENSIONS for part in ("score", "coverage")]
    expected += ["coverage_pct", "modifier_applied", "risk_factor_1", "risk_factor_2", "risk_factor_3",
                 "top_risk_factors"]
    assert list(result.columns) == expected == output_columns(shipped_scoring)
    assert str(result["health_score"].dtype) == "Int64"
    for column in ("health_score_exact", "churn_risk", "platform_value", "coverage_pct", "support_score"):
        assert result[column].dtype == np.float64
    for column in ("tier", "modifier_applied", "risk_factor_1", "top_risk_factors"):
        assert result[column].dtype == object


def test_order_and_index_are_kept(shipped_scoring):
    frame = pd.DataFrame(
        {"salesforce_account_id": ["c", "a", "b"], "segment": ["paid", "standard", "paid"],
         "csat_score": [4.6, 3.0, 4.3]},
        index=[10, 5, 7],
    )
    result = score_accounts(frame, shipped_scoring)
    assert result.index.tolist() == [10, 5, 7]
    assert result["salesforce_account_id"].tolist() == ["c", "a", "b"]
    assert result["support_score"].tolist() == pytest.approx([100.0, 0.0, 60 + 40 * 0.1 / 0.4])


def test_thresholds_follow_the_segment(shipped_scoring):
    frame = pd.DataFrame({"salesforce_account_id": ["p", "s"], "segment": ["paid", "standard"],
                          "median_first_response_seconds": [9000.0, 9000.0]})
    result = score_accounts(frame, shipped_scoring)
    paid = shipped_scoring.thresholds["paid"]["median_first_response_seconds"]
    assert result["support_score"].tolist() == pytest.approx([
        60 * (paid.red - 9000) / (paid.red - paid.yellow), 80.0])


def test_absent_columns_mean_missing(example):
    frame = pd.DataFrame({"salesforce_account_id": ["a"], "segment": ["paid"], "payment_health": [50.0]})
    row = score_accounts(frame, example).iloc[0]
    assert row["financial_score"] == 50.0 and np.isnan(row["platform_value"])
    assert row["health_score_exact"] == 50.0 and row["modifier_applied"] is None
    assert row["coverage_pct"] == pytest.approx(30.0)


def test_nulls_of_every_kind(example):
    frame = pd.DataFrame({
        "salesforce_account_id": ["a", "b", "c"],
        "segment": ["paid", "paid", "standard"],
        "payment_health": pd.array([50.0, None, None], dtype="Float64"),
        "dau": pd.Series([None, 100, None], dtype=object),
        "platform_value": [None, np.nan, 90.0],
        "critical_signals": pd.array([None, 1, None], dtype="Int64"),
        "moderate_signals": [np.nan, np.nan, 1.0],
    })
    result = score_accounts(frame, example)
    assert result["financial_score"].tolist()[0] == 50.0
    assert result["adoption_score"].tolist()[1] == 100.0
    assert result["health_score"].tolist() == [50, 59, 75]
    assert result["modifier_applied"].tolist() == [None, "critical", "moderate"]


def test_account_without_any_data(example):
    frame = pd.DataFrame({"salesforce_account_id": ["a", "b"], "segment": ["paid", "paid"],
                          "platform_value": [None, 88.0], "critical_signals": [2, 2]})
    result = score_accounts(frame, example)
    empty = result.iloc[0]
    assert pd.isna(empty["health_score"]) and np.isnan(empty["health_score_exact"])
    assert empty["tier"] == "No Data" and np.isnan(empty["churn_risk"])
    assert empty["coverage_pct"] == 0.0 and empty["modifier_applied"] is None
    assert empty["risk_factor_1"] is None and empty["top_risk_factors"] == ""
    platform_only = result.iloc[1]
    assert platform_only["health_score_exact"] == 59.0 and platform_only["modifier_applied"] == "critical"


def test_empty_frame(shipped_scoring):
    frame = pd.DataFrame({"salesforce_account_id": pd.Series([], dtype=object),
                          "segment": pd.Series([], dtype=object)})
    result = score_accounts(frame, shipped_scoring)
    assert len(result) == 0 and list(result.columns) == output_columns(shipped_scoring)
    assert str(result["health_score"].dtype) == "Int64"


def test_input_is_not_modified(shipped_scoring):
    frame = pd.DataFrame({"salesforce_account_id": ["a"], "segment": ["paid"], "csat_score": [None]})
    before = frame.copy()
    score_accounts(frame, shipped_scoring)
    pd.testing.assert_frame_equal(frame, before)


@pytest.mark.parametrize(("bad", "shown"), [("gold", "'gold'"), (None, "None"), (pd.NA, "<NA>")])
def test_unknown_or_missing_segment_raises(shipped_scoring, bad, shown):
    frame = pd.DataFrame({"salesforce_account_id": ["a", "b"], "segment": pd.Series(["paid", bad], dtype=object)})
    with pytest.raises(ValueError, match=f"unknown segment.*{shown}"):
        score_accounts(frame, shipped_scoring)


def test_string_and_categorical_segments(shipped_scoring):
    for segments in (pd.array(["paid", "standard"], dtype="string"), pd.Categorical(["paid", "standard"])):
        frame = pd.DataFrame({"salesforce_account_id": ["a", "b"], "segment": segments, "csat_score": [4.2, 4.2]})
        result = score_accounts(frame, shipped_scoring)
        assert result["support_score"].tolist() == pytest.approx([60.0, 76.0])


@pytest.mark.parametrize("column", ["salesforce_account_id", "segment"])
def test_required_columns(shipped_scoring, column):
    frame = pd.DataFrame({"salesforce_account_id": ["a"], "segment": ["paid"]}).drop(columns=column)
    with pytest.raises(ValueError, match=column):
        score_accounts(frame, shipped_scoring)


def test_non_numeric_metric_raises(shipped_scoring):
    frame = pd.DataFrame({"salesforce_account_id": ["a"], "segment": ["paid"], "csat_score": ["great"]})
    with pytest.raises(ValueError, match="csat_score"):
        score_accounts(frame, shipped_scoring)
