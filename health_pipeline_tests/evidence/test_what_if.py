"""What-if: stored months re-scored under another configuration, compared account-month by account-month."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from health_pipeline.evidence.what_if import mean_change, rescore, side_by_side, tier_changes, transition_matrix
from health_pipeline.scoring import score_accounts
from health_pipeline.scoring.attribution import explain_change
from health_pipeline_tests.scoring.test_frame_property import random_accounts


@pytest.fixture
def stored(shipped_scoring) -> dict[str, pd.DataFrame]:
    """Two months as account_health_scores stores them."""
    months = {}
    for seed, period in ((1, "2025-01"), (2, "2025-02")):
        metrics = random_accounts(shipped_scoring, 300, seed)
        months[period] = explain_change(score_accounts(metrics, shipped_scoring), metrics, None, shipped_scoring)
    return months


def test_the_same_configuration_changes_nothing(stored, shipped_scoring):
    pairs = side_by_side(stored, rescore(stored, shipped_scoring))
    assert mean_change(pairs) == 0.0 and tier_changes(pairs).empty
    matrix = transition_matrix(pairs)
    assert int(np.trace(matrix.to_numpy())) == len(pairs) == 600


def test_another_configuration_is_scored_from_the_stored_inputs(stored, shipped_scoring):
    other = dataclasses.replace(shipped_scoring, churn_weight=0.9, platform_weight=0.1, moderate_cap=70.0)
    after = rescore(stored, other)
    direct = score_accounts(random_accounts(shipped_scoring, 300, 2), other)
    np.testing.assert_array_equal(after["2025-02"]["health_score_exact"].to_numpy(), direct["health_score_exact"].to_numpy())
    pairs = side_by_side(stored, after)
    changes = tier_changes(pairs)
    assert len(changes) == int((pairs["tier_before"] != pairs["tier_after"]).sum()) > 0
    assert changes["change"].abs().is_monotonic_decreasing
    expected = np.nanmean(pairs["score_after"] - pairs["score_before"])
    assert mean_change(pairs) == pytest.approx(expected)
    assert transition_matrix(pairs).to_numpy().sum() == len(pairs)


def test_a_month_stored_without_its_inputs_is_named(shipped_scoring):
    bare = score_accounts(random_accounts(shipped_scoring, 5, 1), shipped_scoring)
    with pytest.raises(ValueError, match="2024-12 hold no metric inputs"):
        rescore({"2024-12": bare}, shipped_scoring)
