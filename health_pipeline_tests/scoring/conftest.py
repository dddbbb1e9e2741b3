"""Shared fixtures: the shipped scoring configuration and a small configuration in which the
scoring model's hand-checked example can be written down as raw metric values."""
from __future__ import annotations

from pathlib import Path

import pytest

from health_pipeline.scoring import DimensionConfig, ScoringConfig, Threshold
from health_pipeline.settings.scoring import load_scoring_config

REPO_CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"


@pytest.fixture(scope="session")
def shipped_scoring() -> ScoringConfig:
    """config/weights.yaml + config/thresholds.yaml as shipped."""
    problems: list[str] = []
    config = load_scoring_config(REPO_CONFIG_DIR, problems)
    assert config is not None, problems
    return config


def example_config() -> ScoringConfig:
    """The hand-checked example's model: support = first response + CSAT (weights 1, 1);
    financial = payment_health; adoption = dau; relationship = qbr_attendance + champion_stability.
    With g=100, y=60, r=0 a raw value v scores v for v <= 60 and 60 + (v - 60) for v in 60..100."""
    plain = Threshold(100, 60, 0)
    thresholds = {
        "median_first_response_seconds": Threshold(3600, 14400, 43200, lower_is_better=True),
        "csat_score": Threshold(4.5, 4.0, 3.0),
        "payment_health": plain,
        "dau": plain,
        "qbr_attendance": plain,
        "champion_stability": plain,
    }
    return ScoringConfig(
        dimensions=(
            DimensionConfig("support", 30, {"median_first_response_seconds": 1, "csat_score": 1}),
            DimensionConfig("financial", 30, {"payment_health": 1}),
            DimensionConfig("adoption", 25, {"dau": 1}),
            DimensionConfig("relationship", 15, {"qbr_attendance": 1, "champion_stability": 1}),
        ),
        thresholds={"standard": thresholds, "paid": thresholds},
    )


@pytest.fixture
def example() -> ScoringConfig:
    return example_config()
