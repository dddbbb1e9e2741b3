"""Hand-made account_health_scores frames for the delivery tests."""
from __future__ import annotations

import numpy as np
import pandas as pd

TIERS = ("Champion", "Healthy", "At Risk", "Critical")


def scores_frame(account_ids: list[str], period: str = "2026-10") -> pd.DataFrame:
    """A scores frame shaped like the account_health_scores output, one row per account, varied values."""
    n = len(account_ids)
    index = np.arange(n)
    score = pd.array((90 - index * 7) % 101, dtype="Int64")
    frame = pd.DataFrame({
        "salesforce_account_id": account_ids,
        "account_name": [f"Account {i}" for i in index],
        "period": period,
        "segment": "paid",
        "health_score": score,
        "health_score_exact": score.astype(float) + 0.123,
        "tier": [TIERS[i % len(TIERS)] for i in index],
        "churn_risk": 100 - score.astype(float) + 0.456,
        "platform_value": 55.556,
        **{f"{d}_score": 60.0 + index % 7 for d in ("support", "financial", "adoption", "relationship")},
        **{f"{d}_coverage": 1.0 for d in ("support", "financial", "adoption", "relationship")},
        "coverage_pct": 87.5,
        "modifier_applied": [None] * n,
        "risk_factor_1": "csat_score", "risk_factor_2": None, "risk_factor_3": None,
        "top_risk_factors": "csat_score",
        "previous_score": pd.array([pd.NA] * n, dtype="Int64"),
        "previous_tier": [None] * n,
        "score_change": pd.array([pd.NA] * n, dtype="Int64"),
        "computed_score": score,
        "computed_tier": [TIERS[i % len(TIERS)] for i in index],
        "override_reason": [None] * n, "override_owner": [None] * n, "override_expires": [None] * n,
        "score_change_reasons": [None] * n,
    })
    return frame
