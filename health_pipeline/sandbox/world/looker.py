"""The world's Looker rows at monthly grain, one view and month at a time."""
from __future__ import annotations

import numpy as np

from health_pipeline.sandbox.world.accounts import Accounts, Trajectory, ladder
from health_pipeline.sandbox.world.data import LOOKER_VIEWS
from health_pipeline.sandbox.world.months import month_label

# Anchors at q = 0, 0.2 (red), 0.5 (yellow), 0.8 (green), 1 -- paid, then standard.
MAU = ((20, 50, 200, 500, 800), (3, 8, 30, 80, 120))
DAU = ((3, 10, 50, 150, 250), (1, 2, 8, 25, 40))
BREADTH = ((5, 15, 40, 70, 85), (3, 10, 35, 60, 75))
LOGINS = ((1, 3, 10, 20, 28), (1, 2, 6, 15, 22))
PILLARS = ("efficiency_score", "revenue_score", "guest_experience_score", "adoption_score")


def looker_rows(seed: int, accounts: Accounts, trajectory: Trajectory, view: str, month: int) -> list[dict]:
    """Rows of `view` for month ordinal `month`: one per active account with a Looker id."""
    if view not in LOOKER_VIEWS:
        raise ValueError(f"unknown Looker view {view!r}; known: {', '.join(LOOKER_VIEWS)}")
    if month < 0:
        return []
    rng = np.random.default_rng([seed, 40, month])
    n = len(accounts)
    s = trajectory.quality(month)
    noise = rng.normal(0, 0.04, (8, n))
    paid = accounts.paid
    label = month_label(month)
    rows = np.flatnonzero(trajectory.active(month) & accounts.has_looker).tolist()
    ids = accounts.looker_ids
    if view == "user_sessions":
        mau = np.round(ladder(np.clip(s + noise[0], 0, 1), paid, *MAU, log=True))
        dau = np.minimum(ladder(np.clip(s + noise[1], 0, 1), paid, *DAU, log=True), mau).round(1)
        logins = ladder(np.clip(s + noise[2], 0, 1), paid, *LOGINS).round(1)
        return [{"account_id": ids[i], "month": label, "average_daily_active_users": float(dau[i]),
                 "monthly_active_users": int(mau[i]), "logins_per_user": float(logins[i])} for i in rows]
    if view == "feature_usage":
        breadth = ladder(np.clip(s + noise[3], 0, 1), paid, *BREADTH).round(1)
        return [{"account_id": ids[i], "month": label, "feature_breadth_pct": float(breadth[i])} for i in rows]
    pillars = np.clip(30 + 70 * (s + noise[4:8]), 0, 100).round(1)
    missing = rng.random((4, n)) < 0.04  # a pillar not computed for an account that month
    return [{"account_id": ids[i], "month": label,
             **{name: None if missing[p, i] else float(pillars[p, i]) for p, name in enumerate(PILLARS)}}
            for i in rows]
