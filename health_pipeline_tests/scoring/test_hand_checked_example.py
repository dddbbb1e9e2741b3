"""The scoring model's hand-checked example, end to end: through the scalar functions step by step
and through `score_accounts` from raw metric values (75.52 -> 75 moderate, At Risk, churn 69.2,
coverage_pct 67.5), including its risk factors."""
from __future__ import annotations

import pandas as pd
import pytest

from health_pipeline.scoring import (
    DimensionScore,
    apply_qualitative_modifier,
    classify_tier,
    compute_churn_risk,
    compute_health_score,
    metric_points_lost,
    normalise_metric,
    publish_score,
    score_accounts,
    score_dimension,
    top_risk_factors,
)

RAW = {
    "median_first_response_seconds": 9000.0,
    "csat_score": 4.2,
    "payment_health": 50.0,
    "dau": None,
    "qbr_attendance": 90.0,
    "champion_stability": None,
}


def test_step_by_step():
    first_response = normalise_metric(9000, 3600, 14400, 43200, lower_is_better=True)
    csat = normalise_metric(4.2, 4.5, 4.0, 3.0)
    assert first_response == pytest.approx(80.0) and csat == pytest.approx(76.0)
    support = score_dimension({"first_response": first_response, "csat": csat}, {"first_response": 1, "csat": 1})
    assert support.score == pytest.approx(78.0) and support.coverage == 1.0
    churn = compute_churn_risk(
        {"support": support, "financial": DimensionScore(50.0, 1.0), "relationship": DimensionScore(90.0, 0.5)},
        {"support": 0.30, "financial": 0.30, "adoption": 0.25, "relationship": 0.15},
    )
    assert churn.score == pytest.approx(69.2) and churn.coverage_pct == pytest.approx(67.5)
    health = compute_health_score(churn.score, 85)
    assert health == pytest.approx(75.52)
    capped = apply_qualitative_modifier(health, 0, 1)
    assert capped.final_score == 75.0 and capped.modifier_applied == "moderate"
    assert publish_score(capped.final_score) == 75 and classify_tier(capped.final_score) == "At Risk"


def test_frame_from_raw_values(example):
    frame = pd.DataFrame([{"salesforce_account_id": "001A", "segment": "standard", **RAW,
                           "platform_value": 85.0, "critical_signals": 0, "moderate_signals": 1}])
    row = score_accounts(frame, example).iloc[0]
    assert row["support_score"] == pytest.approx(78.0) and row["support_coverage"] == 1.0
    assert row["financial_score"] == pytest.approx(50.0) and row["financial_coverage"] == 1.0
    assert pd.isna(row["adoption_score"]) and row["adoption_coverage"] == 0.0
    assert row["relationship_score"] == pytest.approx(90.0) and row["relationship_coverage"] == 0.5
    assert row["churn_risk"] == pytest.approx(69.2) and row["coverage_pct"] == pytest.approx(67.5)
    assert row["health_score_exact"] == 75.0 and row["health_score"] == 75
    assert row["modifier_applied"] == "moderate" and row["tier"] == "At Risk"
    assert row["platform_value"] == 85.0


def test_risk_factors(example):
    # effective weights: support metrics (1/2)(30/75)(0.6) = 0.12; payment (30/75)(0.6) = 0.24;
    # qbr (15/75)(0.6) = 0.12 -> points lost 2.4, 2.88, 12.0, 1.2
    normalised = {"median_first_response_seconds": 80.0, "csat_score": 76.0, "payment_health": 50.0, "qbr_attendance": 90.0}
    lost = metric_points_lost(normalised, example, platform_value=85.0)
    assert lost == pytest.approx(
        {"median_first_response_seconds": 2.4, "csat_score": 2.88, "payment_health": 12.0, "qbr_attendance": 1.2}
    )
    assert sum(lost.values()) == pytest.approx(0.6 * (100 - 69.2))
    assert top_risk_factors(lost) == ("payment_health", "csat_score", "median_first_response_seconds")
    frame = pd.DataFrame([{"salesforce_account_id": "001A", "segment": "standard", **RAW, "platform_value": 85.0}])
    row = score_accounts(frame, example).iloc[0]
    assert [row["risk_factor_1"], row["risk_factor_2"], row["risk_factor_3"]] == [
        "payment_health", "csat_score", "median_first_response_seconds"]
    assert row["top_risk_factors"] == "payment_health; csat_score; median_first_response_seconds"
