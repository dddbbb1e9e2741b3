"""Backtest statistics (rule 10) over (account, month) rows with a score, a tier and an outcome."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from health_pipeline.scoring.catalogue import ID_COLUMN
from health_pipeline.scoring.tiers import NO_DATA, TIERS

CRITICAL = "Critical"
TOP_SHARE = 0.10


def churn_rate_column(tier: str) -> str:
    """The backtest table's column of a tier's churn rate: `At Risk` -> `churn_rate_at_risk`."""
    return f"churn_rate_{tier.lower().replace(' ', '_')}"


def auc(risk: np.ndarray, churned: np.ndarray) -> float | None:
    """Mann-Whitney AUC of `risk` against `churned` (ties count 1/2); None without both classes."""
    positives = int(np.sum(churned))
    negatives = len(churned) - positives
    if positives == 0 or negatives == 0:
        return None
    # average ranks: a tie between a churner and a stayer counts one half
    ranks = pd.Series(risk).rank(method="average").to_numpy()
    return float((ranks[churned.astype(bool)].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def top_decile_lift(rows: pd.DataFrame) -> float | None:
    """Churn rate among the ceil(10% of n) lowest scores (ties by account id) over the overall churn rate."""
    rate = rows["churned"].mean() if len(rows) else 0.0
    if rate == 0:
        return None
    count = math.ceil(TOP_SHARE * len(rows))
    lowest = rows.sort_values(["score", ID_COLUMN], kind="stable").head(count)
    return float(lowest["churned"].mean() / rate)


def summarise(rows: pd.DataFrame) -> dict:
    """n, churned, AUC, churn rate per tier, top-decile lift, precision and recall of Critical for some rows.

    `rows` has columns score (exact, never None here), tier, churned (0/1) and the account id.
    """
    churned = rows["churned"].to_numpy(dtype=float)
    critical = rows["tier"].to_numpy(dtype=object) == CRITICAL
    flagged, churners = int(critical.sum()), int(churned.sum())
    per_tier = {churn_rate_column(tier): _rate(churned[rows["tier"].to_numpy() == tier])
                for tier in TIERS if tier != NO_DATA}
    return {
        "n": len(rows), "churned": churners,
        "auc": auc(100.0 - rows["score"].to_numpy(dtype=float), churned),
        **per_tier,
        "top_decile_lift": top_decile_lift(rows),
        "critical_precision": float(churned[critical].sum() / flagged) if flagged else None,
        "critical_recall": float(churned[critical].sum() / churners) if churners else None,
    }


def _rate(values: np.ndarray) -> float | None:
    """The mean of 0/1 values, None when there are none."""
    return float(values.mean()) if len(values) else None


def backtest_table(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per month, then `pooled`, then one per segment (pooled): the statistics of `summarise`, plus
    `excluded_no_score` (account-months with an outcome but no score) and `excluded_no_renewal`.

    `rows`: account id, period, segment, score (NaN = none), tier, churned (1/0, NaN = no closed renewal).
    """
    with_outcome = rows[rows["churned"].notna()]
    usable = with_outcome[with_outcome["score"].notna()]
    groups = [(period, "month", usable[usable["period"] == period], rows[rows["period"] == period])
              for period in sorted(rows["period"].unique())]
    groups.append(("pooled", "pooled", usable, rows))
    groups += [(f"segment {segment}", "segment", usable[usable["segment"] == segment], rows[rows["segment"] == segment])
               for segment in sorted(rows["segment"].dropna().unique())]
    table = []
    for label, kind, chosen, every in groups:
        table.append({"months": label, "kind": kind, **summarise(chosen),
                      "excluded_no_score": int((every["churned"].notna() & every["score"].isna()).sum()),
                      "excluded_no_renewal": int(every["churned"].isna().sum())})
    return pd.DataFrame(table)
