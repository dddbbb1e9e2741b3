"""Rules 3 and 4 (compute_churn_risk, compute_health_score): redistribution across dimensions,
coverage_pct over all configured dimensions, and the churn / platform blend with missing parts."""
from __future__ import annotations

import math

import pytest

from health_pipeline.scoring import ChurnRisk, DimensionScore, compute_churn_risk, compute_health_score

WEIGHTS = {"support": 30, "financial": 30, "adoption": 25, "relationship": 15}


def test_weighted_average_of_present_dimensions():
    scores = {
        "support": DimensionScore(78.0, 1.0),
        "financial": DimensionScore(50.0, 1.0),
        "adoption": DimensionScore(None, 0.0),
        "relationship": DimensionScore(90.0, 0.5),
    }
    result = compute_churn_risk(scores, WEIGHTS)
    assert result.score == pytest.approx(69.2) and result.coverage_pct == pytest.approx(67.5)


def test_dimension_missing_from_the_mapping_has_coverage_zero():
    result = compute_churn_risk({"support": DimensionScore(80.0, 1.0)}, WEIGHTS)
    assert result.score == pytest.approx(80.0) and result.coverage_pct == pytest.approx(30.0)


def test_none_entry_counts_as_missing():
    result = compute_churn_risk({"support": None, "financial": DimensionScore(40.0, 0.5)}, WEIGHTS)
    assert result.score == pytest.approx(40.0) and result.coverage_pct == pytest.approx(15.0)


def test_no_dimension_scored_gives_none():
    assert compute_churn_risk({}, WEIGHTS) == ChurnRisk(score=None, coverage_pct=0.0)


def test_full_coverage_is_exactly_100():
    scores = {name: DimensionScore(60.0, 1.0) for name in WEIGHTS}
    assert compute_churn_risk(scores, WEIGHTS).coverage_pct == 100.0


def test_unconfigured_dimensions_are_ignored():
    result = compute_churn_risk({"support": DimensionScore(80.0, 1.0), "other": DimensionScore(0.0, 1.0)}, WEIGHTS)
    assert result.score == pytest.approx(80.0)


def test_health_blend():
    assert compute_health_score(69.2, 85) == pytest.approx(75.52)
    assert compute_health_score(50, 100, churn_weight=3, platform_weight=1) == pytest.approx(62.5)


@pytest.mark.parametrize("missing", [None, math.nan])
def test_health_with_one_side_missing_is_the_other_alone(missing):
    assert compute_health_score(missing, 85.0) == 85.0
    assert compute_health_score(69.2, missing) == 69.2
    assert compute_health_score(missing, missing) is None


def test_platform_value_is_used_as_is():
    assert compute_health_score(100, 0) == pytest.approx(60.0)
    assert compute_health_score(0, 100) == pytest.approx(40.0)


@pytest.mark.parametrize(("cw", "pw"), [(0, 0.4), (0.6, -1), (math.nan, 1)])
def test_invalid_blend_weights_raise(cw, pw):
    with pytest.raises(ValueError):
        compute_health_score(50, 50, cw, pw)
