"""Risk factors: points lost = effective weight x (100 - score), with the churn share 1 when
platform value is missing; they add up to the health points lost to churn risk; the top three are
ordered by points lost then by name, and missing or loss-free metrics are never listed."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from health_pipeline.scoring import (
    compute_churn_risk,
    compute_health_score,
    metric_points_lost,
    score_accounts,
    score_dimension,
    top_risk_factors,
)


def test_without_platform_value_the_churn_share_is_one(example):
    lost = metric_points_lost({"payment_health": 50.0}, example, platform_value=None)
    assert lost == pytest.approx({"payment_health": 50.0})


def test_missing_metrics_are_left_out(example):
    assert metric_points_lost({}, example, 80.0) == {}
    assert set(metric_points_lost({"dau": 10.0, "csat_score": None}, example)) == {"dau"}


def test_ties_are_broken_by_name_and_zero_losses_dropped():
    assert top_risk_factors({"b": 5.0, "a": 5.0, "c": 5.0, "d": 5.0}) == ("a", "b", "c")
    assert top_risk_factors({"z": 1.0, "y": 0.0, "x": 2.0}) == ("x", "z")
    assert top_risk_factors({"y": 0.0}) == ()
    assert top_risk_factors({}) == ()
    assert top_risk_factors({"a": 1.0, "b": 3.0}, count=1) == ("b",)


def test_points_add_up_to_the_health_points_lost(shipped_scoring):
    rng = np.random.default_rng(3)
    for _ in range(200):
        normalised = {m: (None if rng.random() < 0.3 else float(rng.uniform(0, 100))) for m in shipped_scoring.metrics}
        platform = None if rng.random() < 0.3 else float(rng.uniform(0, 100))
        lost = metric_points_lost(normalised, shipped_scoring, platform)
        dimensions = {d.name: score_dimension(normalised, d.metric_weights) for d in shipped_scoring.dimensions}
        churn = compute_churn_risk(dimensions, shipped_scoring.dimension_weights).score
        health = compute_health_score(churn, platform)
        if churn is None:
            assert lost == {}
            continue
        platform_loss = 0.0 if platform is None else 0.4 * (100 - platform)
        assert sum(lost.values()) + platform_loss == pytest.approx(100 - health, abs=1e-9)
        assert all(points >= 0 for points in lost.values())


def test_frame_lists_fewer_than_three(example):
    frame = pd.DataFrame([
        {"salesforce_account_id": "one", "segment": "paid", "payment_health": 50.0, "dau": 100.0},
        {"salesforce_account_id": "none", "segment": "paid", "payment_health": 100.0},
        {"salesforce_account_id": "empty", "segment": "paid"},
    ])
    result = score_accounts(frame, example)
    assert result["risk_factor_1"].tolist() == ["payment_health", None, None]
    assert result["risk_factor_2"].tolist() == [None, None, None]
    assert result["top_risk_factors"].tolist() == ["payment_health", "", ""]
