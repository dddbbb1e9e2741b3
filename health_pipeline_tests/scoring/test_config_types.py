"""The scoring value objects: Threshold, DimensionConfig and ScoringConfig are frozen, refuse
inconsistent content with ValueError, and ScoringConfig's fingerprint is short, stable and
sensitive to every scoring parameter."""
from __future__ import annotations

import copy
import dataclasses
import pickle
import subprocess
import sys

import pytest

from health_pipeline.scoring import DimensionConfig, Threshold
from health_pipeline_tests.scoring.conftest import example_config


def test_threshold_order_is_enforced():
    with pytest.raises(ValueError, match="wrong order"):
        Threshold(4.0, 4.5, 3.0)
    with pytest.raises(ValueError, match="wrong order"):
        Threshold(1, 2, 3, lower_is_better=False)
    assert Threshold(1, 2, 3, lower_is_better=True).green == 1.0


def test_dimension_weights_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        DimensionConfig("support", 0, {"a": 1})
    with pytest.raises(ValueError, match="positive"):
        DimensionConfig("support", 1, {"a": True})
    with pytest.raises(ValueError, match="no metrics"):
        DimensionConfig("support", 1, {})


def test_value_objects_are_frozen(example):
    with pytest.raises(dataclasses.FrozenInstanceError):
        example.churn_weight = 0.5  # type: ignore[misc]
    with pytest.raises(TypeError):
        example.dimensions[0].metric_weights["csat_score"] = 5  # type: ignore[index]
    with pytest.raises(TypeError):
        example.thresholds["paid"] = {}  # type: ignore[index]
    assert hash(example) == hash(example_config())


def test_metrics_and_segments(example):
    assert example.metrics == ("median_first_response_seconds", "csat_score", "payment_health", "dau",
                               "qbr_attendance", "champion_stability")
    assert set(example.segments) == {"paid", "standard"}
    assert example.dimension_weights == {"support": 30.0, "financial": 30.0, "adoption": 25.0, "relationship": 15.0}
    assert example.dimension("adoption").metric_weights == {"dau": 1.0}


def test_inconsistent_configs_raise(example):
    with pytest.raises(ValueError, match="thresholds missing"):
        dataclasses.replace(example, thresholds={"paid": {"dau": Threshold(3, 2, 1)}})
    with pytest.raises(ValueError, match="more than one dimension"):
        dataclasses.replace(example, dimensions=example.dimensions + (DimensionConfig("extra", 1, {"dau": 1}),))
    with pytest.raises(ValueError, match="unique"):
        dataclasses.replace(example, dimensions=example.dimensions + example.dimensions[:1])
    with pytest.raises(ValueError, match="churn_weight"):
        dataclasses.replace(example, churn_weight=0)


def test_fingerprint_is_short_stable_and_sensitive(example):
    fingerprint = example.fingerprint()
    assert len(fingerprint) == 16 and int(fingerprint, 16) >= 0
    assert example_config().fingerprint() == fingerprint
    # integers and floats of the same value are the same configuration
    assert dataclasses.replace(example, critical_cap=59).fingerprint() == fingerprint
    changed = [
        dataclasses.replace(example, churn_weight=0.7),
        dataclasses.replace(example, moderate_cap=74),
        dataclasses.replace(example, dimensions=(dataclasses.replace(example.dimensions[0], weight=31),)
                            + example.dimensions[1:]),
        dataclasses.replace(example, thresholds={
            segment: {**by_metric, "dau": Threshold(100, 60, 1)} for segment, by_metric in example.thresholds.items()
        }),
    ]
    assert len({c.fingerprint() for c in changed} | {fingerprint}) == len(changed) + 1


def test_fingerprint_is_the_same_in_another_process(shipped_scoring):
    code = (
        "from health_pipeline.settings.scoring import load_scoring_config;"
        "from health_pipeline_tests.scoring.conftest import REPO_CONFIG_DIR;"
        "print(load_scoring_config(REPO_CONFIG_DIR, []).fingerprint())"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert output.stdout.strip() == shipped_scoring.fingerprint()


def test_configs_pickle_and_copy(shipped_scoring):
    restored = pickle.loads(pickle.dumps(shipped_scoring))
    assert restored == shipped_scoring and restored.fingerprint() == shipped_scoring.fingerprint()
    assert copy.deepcopy(shipped_scoring) == shipped_scoring
