"""Rule 6 (classify_tier, publish_score): round half up first, then the tier floors; the rounding
boundaries 89.5 / 75.5 / 59.5 and the capped scores."""
from __future__ import annotations

import math

import pytest

from health_pipeline.scoring import classify_tier, publish_score


@pytest.mark.parametrize(
    ("score", "published", "tier"),
    [
        (100.0, 100, "Champion"), (90.0, 90, "Champion"), (89.5, 90, "Champion"),
        (89.49999, 89, "Healthy"), (76.0, 76, "Healthy"), (75.5, 76, "Healthy"),
        (75.49999, 75, "At Risk"), (75.0, 75, "At Risk"), (60.0, 60, "At Risk"), (59.5, 60, "At Risk"),
        (59.49999, 59, "Critical"), (59.0, 59, "Critical"), (0.0, 0, "Critical"), (0.4, 0, "Critical"),
        (0.5, 1, "Critical"),
    ],
)
def test_round_half_up_then_tier(score, published, tier):
    assert publish_score(score) == published
    assert type(publish_score(score)) is int
    assert classify_tier(score) == tier


@pytest.mark.parametrize("missing", [None, math.nan])
def test_no_data(missing):
    assert classify_tier(missing) == "No Data"
    assert publish_score(missing) is None


def test_caps_land_in_fixed_tiers():
    assert classify_tier(59) == "Critical"  # the critical cap
    assert classify_tier(75) == "At Risk"  # the moderate cap
