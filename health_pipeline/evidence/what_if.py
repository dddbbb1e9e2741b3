"""What if the configuration changed? Stored months re-scored under another configuration, compared (nothing written)."""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from health_pipeline.evidence.backtest import computed
from health_pipeline.scoring.attribution import input_columns
from health_pipeline.scoring.catalogue import ID_COLUMN
from health_pipeline.scoring.config_types import ScoringConfig
from health_pipeline.scoring.frame import PLATFORM, score_accounts
from health_pipeline.scoring.tiers import TIERS


def rescore(months: Mapping[str, pd.DataFrame], config: ScoringConfig) -> dict[str, pd.DataFrame]:
    """Each stored month scored again from its stored inputs under `config`."""
    out = {}
    for period, stored in months.items():
        kept = [column for column in input_columns(config) if column in stored.columns]
        if not kept:
            raise ValueError(f"the stored scores of {period} hold no metric inputs (scored before they were kept): "
                             f"re-materialise {period} to compare it")
        out[period] = score_accounts(stored[[ID_COLUMN, "segment", PLATFORM, *kept]], config)
    return out


def side_by_side(before: Mapping[str, pd.DataFrame], after: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per (account, month): exact score and tier as stored and as re-scored."""
    frames = []
    for period, stored in sorted(before.items()):
        frames.append(pd.DataFrame({
            ID_COLUMN: stored[ID_COLUMN].to_numpy(), "period": period,
            "score_before": pd.to_numeric(stored["health_score_exact"]).to_numpy(dtype=float),
            "score_after": after[period]["health_score_exact"].to_numpy(dtype=float),
            "tier_before": computed(stored, "tier").to_numpy(dtype=object),
            "tier_after": after[period]["tier"].to_numpy(dtype=object)}))
    return pd.concat(frames, ignore_index=True)


def transition_matrix(pairs: pd.DataFrame) -> pd.DataFrame:
    """Account-months per (tier before, tier after), every tier on both axes."""
    matrix = pd.crosstab(pd.Categorical(pairs["tier_before"], TIERS), pd.Categorical(pairs["tier_after"], TIERS),
                         dropna=False)
    matrix.index.name, matrix.columns.name = "before \\ after", None
    return matrix


def tier_changes(pairs: pd.DataFrame) -> pd.DataFrame:
    """The account-months whose tier changes, largest score change first."""
    changed = pairs[pairs["tier_before"] != pairs["tier_after"]].copy()
    changed["change"] = changed["score_after"] - changed["score_before"]
    return changed.sort_values(["change", ID_COLUMN], key=lambda c: -c.abs() if c.name == "change" else c)


def mean_change(pairs: pd.DataFrame) -> float | None:
    """Mean change of the exact score over account-months scored both ways."""
    change = (pairs["score_after"] - pairs["score_before"]).to_numpy(dtype=float)
    change = change[~np.isnan(change)]
    return float(change.mean()) if len(change) else None
