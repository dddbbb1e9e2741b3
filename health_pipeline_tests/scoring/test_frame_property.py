"""Property: on 2,000 random accounts (both segments, ~30% missing values, values on and around
every threshold, accounts with whole dimensions or everything missing, random signals)
`score_accounts` gives exactly what the scalar functions give account by account."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from health_pipeline.scoring import ScoringConfig, score_accounts
from health_pipeline_tests.scoring.scalar_reference import score_one

ACCOUNTS = 2000


def random_accounts(config: ScoringConfig, count: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "salesforce_account_id": [f"001{i:015d}" for i in range(count)],
        "segment": rng.choice(list(config.segments), count),
    })
    for metric in config.metrics:
        values = np.empty(count)
        for segment in config.segments:
            t = config.thresholds[segment][metric]
            mask = frame["segment"].to_numpy() == segment
            low, high = min(t.green, t.red), max(t.green, t.red)
            span = high - low
            drawn = rng.uniform(low - span / 2, high + span / 2, mask.sum())
            on_threshold = rng.random(mask.sum()) < 0.15  # exact boundaries exercise the band edges
            drawn[on_threshold] = rng.choice([t.green, t.yellow, t.red], on_threshold.sum())
            values[mask] = drawn
        values[rng.random(count) < 0.3] = np.nan
        frame[metric] = values
    for dimension in config.dimensions:  # ~5% of accounts lack a whole source / dimension
        frame.loc[rng.random(count) < 0.05, list(dimension.metric_weights)] = np.nan
    frame.loc[rng.random(count) < 0.03, list(config.metrics)] = np.nan  # ~3% have no metric at all
    frame["platform_value"] = np.where(rng.random(count) < 0.15, np.nan, rng.uniform(0, 100, count))
    frame["critical_signals"] = np.where(rng.random(count) < 0.1, np.nan, (rng.random(count) < 0.1) * rng.integers(1, 3, count))
    frame["moderate_signals"] = np.where(rng.random(count) < 0.1, np.nan, (rng.random(count) < 0.25) * rng.integers(1, 4, count))
    return frame


def _same(got, expected) -> bool:
    """Equal, with every kind of missing (None, NaN, pd.NA) equal to every other; floats exactly."""
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        return got is None or got is pd.NA or (isinstance(got, float) and math.isnan(got))
    return type(got) is type(expected) and got == expected if isinstance(expected, str) else got == expected


def test_frame_equals_scalar_functions(shipped_scoring):
    accounts = random_accounts(shipped_scoring, ACCOUNTS, seed=11)
    result = score_accounts(accounts, shipped_scoring)
    assert len(result) == ACCOUNTS
    assert result["salesforce_account_id"].tolist() == accounts["salesforce_account_id"].tolist()
    mismatches = []
    for position, (account, row) in enumerate(zip(accounts.to_dict("records"), result.to_dict("records"))):
        expected = score_one(account, shipped_scoring)
        for column, value in expected.items():
            if not _same(row[column], value):
                mismatches.append((position, column, row[column], value))
    # same code path, so not merely within 1e-9 but bit for bit
    assert not mismatches, mismatches[:10]
    # the generated data really exercised the interesting cases
    assert set(result["tier"]) == {"Champion", "Healthy", "At Risk", "Critical", "No Data"}
    assert set(result["modifier_applied"]) == {None, "critical", "moderate"}
    for dimension in shipped_scoring.dimensions:
        assert (result[f"{dimension.name}_coverage"] == 0).any()
    assert (result["risk_factor_1"].notna() & result["risk_factor_3"].isna()).any()
    assert set(result["segment"]) == {"paid", "standard"}
