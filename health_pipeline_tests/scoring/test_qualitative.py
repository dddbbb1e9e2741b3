"""Rule 5 (apply_qualitative_modifier): critical then moderate caps, only ever lowering a score,
None scores and None signal counts."""
from __future__ import annotations

import numpy as np
import pytest

from health_pipeline.scoring import QualitativeResult, apply_qualitative_modifier


@pytest.mark.parametrize(
    ("score", "critical", "moderate", "expected"),
    [
        (80.0, 1, 0, QualitativeResult(59.0, "critical")),
        (80.0, 2, 3, QualitativeResult(59.0, "critical")),
        (80.0, 0, 1, QualitativeResult(75.0, "moderate")),
        (75.52, 0, 1, QualitativeResult(75.0, "moderate")),
        (59.0, 1, 0, QualitativeResult(59.0, None)),  # not above the cap: unchanged
        (40.0, 1, 1, QualitativeResult(40.0, None)),
        (70.0, 1, 1, QualitativeResult(59.0, "critical")),
        (70.0, 0, 1, QualitativeResult(70.0, None)),
        (75.0, 0, 1, QualitativeResult(75.0, None)),
        (75.0000001, 0, 1, QualitativeResult(75.0, "moderate")),
        (59.0000001, 1, 0, QualitativeResult(59.0, "critical")),
        (95.0, 0, 0, QualitativeResult(95.0, None)),
        (95.0, None, None, QualitativeResult(95.0, None)),
        (None, 3, 3, QualitativeResult(None, None)),
    ],
)
def test_caps(score, critical, moderate, expected):
    assert apply_qualitative_modifier(score, critical, moderate) == expected


def test_custom_caps():
    assert apply_qualitative_modifier(90.0, 1, 0, critical_cap=50, moderate_cap=70) == QualitativeResult(50.0, "critical")
    assert apply_qualitative_modifier(90.0, 0, 1, critical_cap=50, moderate_cap=70) == QualitativeResult(70.0, "moderate")


def test_caps_never_raise_a_score():
    rng = np.random.default_rng(1)
    for score, critical, moderate in zip(rng.uniform(0, 100, 500), rng.integers(0, 3, 500), rng.integers(0, 3, 500)):
        result = apply_qualitative_modifier(float(score), int(critical), int(moderate))
        assert result.final_score <= score
        assert (result.modifier_applied is None) == (result.final_score == score)
