"""Rule 2 (score_dimension): the weighted average over present metrics, proportional
redistribution of missing weight, coverage, and invalid weights."""
from __future__ import annotations

import math

import pytest

from health_pipeline.scoring import DimensionScore, score_dimension


def test_all_present():
    result = score_dimension({"a": 80.0, "b": 76.0}, {"a": 1, "b": 1})
    assert result == DimensionScore(score=78.0, coverage=1.0)


def test_weighted():
    result = score_dimension({"a": 100.0, "b": 0.0}, {"a": 3, "b": 1})
    assert result.score == pytest.approx(75.0) and result.coverage == 1.0


def test_missing_weight_is_redistributed_proportionally():
    result = score_dimension({"a": 90.0, "b": None, "c": 60.0}, {"a": 2, "b": 5, "c": 1})
    assert result.score == pytest.approx((2 * 90 + 1 * 60) / 3)
    assert result.coverage == pytest.approx(3 / 8)


def test_metric_absent_from_normalised_counts_as_missing():
    result = score_dimension({"a": 40.0}, {"a": 1, "b": 3})
    assert result.score == pytest.approx(40.0) and result.coverage == pytest.approx(0.25)


def test_nan_counts_as_missing():
    assert score_dimension({"a": math.nan, "b": 50.0}, {"a": 1, "b": 1}).score == pytest.approx(50.0)


def test_no_metric_present_gives_none_and_zero_coverage():
    assert score_dimension({"a": None}, {"a": 1, "b": 1}) == DimensionScore(score=None, coverage=0.0)
    assert score_dimension({}, {"a": 1}) == DimensionScore(score=None, coverage=0.0)


def test_zero_is_a_score_not_missing():
    result = score_dimension({"a": 0.0, "b": None}, {"a": 1, "b": 1})
    assert result.score == 0.0 and result.coverage == 0.5


def test_metrics_without_weight_are_ignored():
    assert score_dimension({"a": 80.0, "other": 0.0}, {"a": 1}).score == pytest.approx(80.0)


@pytest.mark.parametrize("weights", [{}, {"a": 0}, {"a": -1}, {"a": math.inf}, {"a": math.nan}])
def test_invalid_weights_raise(weights):
    with pytest.raises(ValueError):
        score_dimension({"a": 50.0}, weights)


def test_value_object_is_frozen():
    result = score_dimension({"a": 1.0}, {"a": 1})
    with pytest.raises(AttributeError):
        result.score = 2.0  # type: ignore[misc]
