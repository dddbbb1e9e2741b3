"""The backtest statistics equal an independent computation on a small hand-made table: AUC with tied scores,
lift with ties, an account excluded for want of a renewal, one without a score, and an unmatured month."""
from __future__ import annotations

import itertools
import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from health_pipeline.evidence.backtest import MonthRange, run_backtest
from health_pipeline.evidence.outcomes import is_matured, renewal_outcomes
from health_pipeline.evidence.statistics import auc

AS_OF = date(2026, 12, 2)


def scores(rows: list[tuple[str, float | None, str]]) -> pd.DataFrame:
    """A stored month reduced to what the backtest reads."""
    return pd.DataFrame({"salesforce_account_id": [r[0] for r in rows], "segment": [r[2] for r in rows],
                         "health_score_exact": [np.nan if r[1] is None else r[1] for r in rows],
                         "tier": [_tier(r[1]) for r in rows]})


def _tier(score: float | None) -> str:
    if score is None:
        return "No Data"
    published = math.floor(score + 0.5)
    return "Champion" if published >= 90 else "Healthy" if published >= 76 else "At Risk" if published >= 60 else "Critical"


# January 2025: month end 2025-01-31, window (2025-01-31, 2025-07-30] for 180 days
JANUARY = scores([("A1", 40.0, "paid"), ("A2", 55.0, "paid"), ("A3", 55.0, "standard"), ("A4", 70.0, "standard"),
                  ("A5", 70.0, "paid"), ("A6", 92.0, "standard"), ("A7", 80.0, "paid"), ("A8", None, "paid"),
                  ("A9", 30.0, "standard")])
RENEWALS = renewal_outcomes([
    {"AccountId": "A1", "CloseDate": "2025-03-01", "IsWon": False},
    {"AccountId": "A1", "CloseDate": "2025-06-01", "IsWon": True},   # later in the window: the earliest decides
    {"AccountId": "A2", "CloseDate": "2025-07-30", "IsWon": True},   # the window's last day is inside
    {"AccountId": "A3", "CloseDate": "2025-05-10", "IsWon": False},
    {"AccountId": "A4", "CloseDate": "2025-02-01", "IsWon": False},
    {"AccountId": "A5", "CloseDate": "2025-04-01", "IsWon": True},
    {"AccountId": "A6", "CloseDate": "2025-02-15", "IsWon": True},
    {"AccountId": "A7", "CloseDate": "2025-01-31", "IsWon": False},  # on the month's last day: outside
    {"AccountId": "A7", "CloseDate": "2025-07-31", "IsWon": False},  # the day after the window: outside
    {"AccountId": "A8", "CloseDate": "2025-03-01", "IsWon": False},  # no score: excluded, counted
    {"AccountId": "A9", "CloseDate": "2025-03-01", "IsWon": True},
])
# outcomes by hand: A1 churned, A2 stayed, A3 churned, A4 churned, A5 stayed, A6 stayed, A7 none, A8 no score, A9 stayed
EXPECTED = {"A1": (40.0, 1), "A2": (55.0, 0), "A3": (55.0, 1), "A4": (70.0, 1), "A5": (70.0, 0), "A6": (92.0, 0),
            "A9": (30.0, 0)}


def pairwise_auc(pairs: dict[str, tuple[float, int]]) -> float:
    """AUC the slow way: over every (churner, stayer) pair, 1 when the churner scored lower, 1/2 on a tie."""
    churners = [s for s, y in pairs.values() if y]
    stayers = [s for s, y in pairs.values() if not y]
    wins = [1.0 if c < s else 0.5 if c == s else 0.0 for c, s in itertools.product(churners, stayers)]
    return sum(wins) / len(wins)


def test_statistics_equal_a_hand_computation():
    unmatured = scores([("A1", 10.0, "paid")])
    table, rows = run_backtest({"2025-01": JANUARY, "2026-10": unmatured}, RENEWALS, 180, AS_OF)
    assert sorted(rows["period"].unique()) == ["2025-01"]  # October 2026 has not matured on 2026-12-02
    january = table.set_index("months").loc["2025-01"]
    pooled = table.set_index("months").loc["pooled"]
    assert january.to_dict() == pooled.to_dict() | {"kind": "month"}

    assert (pooled["n"], pooled["churned"]) == (7, 3)
    assert (pooled["excluded_no_renewal"], pooled["excluded_no_score"]) == (1, 1)
    # churners 40, 55, 70 against stayers 55, 70, 92, 30: 3 + 2.5 + 1.5 of 12 pairs
    assert pooled["auc"] == pytest.approx(pairwise_auc(EXPECTED), abs=1e-12)
    assert pooled["auc"] == pytest.approx((3 + 2.5 + 1.5) / 12, abs=1e-12)
    # ceil(0.7) = 1 lowest score: A9 (30, stayed) -> lift 0
    assert pooled["top_decile_lift"] == 0.0
    # Critical (< 59.5): A1 40 churned, A2 55 stayed, A3 55 churned, A9 30 stayed
    assert pooled["critical_precision"] == pytest.approx(2 / 4) and pooled["critical_recall"] == pytest.approx(2 / 3)
    assert pooled["churn_rate_at_risk"] == pytest.approx(1 / 2)  # A4 churned, A5 stayed
    assert pooled["churn_rate_healthy"] is None or np.isnan(pooled["churn_rate_healthy"])
    assert pooled["churn_rate_champion"] == 0.0
    paid = table.set_index("months").loc["segment paid"]
    assert (paid["n"], paid["churned"]) == (3, 1)  # A1, A2, A5 (A7 no renewal, A8 no score)


def test_lift_with_tied_scores_breaks_ties_by_account_id():
    tied = scores([(f"B{k:02d}", 50.0 if k < 3 else 80.0 + k, "paid") for k in range(20)])
    renewals = renewal_outcomes([{"AccountId": f"B{k:02d}", "CloseDate": "2025-03-01", "IsWon": k not in (1, 2, 7)}
                                 for k in range(20)])
    table, _ = run_backtest({"2025-01": tied}, renewals, 180, AS_OF)
    pooled = table.set_index("months").loc["pooled"]
    # ceil(2.0) = 2 lowest: B00 (stayed) and B01 (churned) of the tied B00, B01, B02 -> 1/2 over 3/20
    assert pooled["top_decile_lift"] == pytest.approx(0.5 / (3 / 20))
    assert pooled["auc"] == pytest.approx(pairwise_auc({f"B{k:02d}": (50.0 if k < 3 else 80.0 + k, int(k in (1, 2, 7)))
                                                        for k in range(20)}))


def test_auc_matches_pairs_on_random_ties():
    rng = np.random.default_rng(3)
    risk = rng.integers(0, 5, 60).astype(float)
    churned = (rng.random(60) < 0.3).astype(float)
    pairs = {str(k): (-risk[k], int(churned[k])) for k in range(60)}
    assert auc(risk, churned) == pytest.approx(pairwise_auc(pairs), abs=1e-12)
    assert auc(risk, np.zeros(60)) is None


def test_maturity_and_month_ranges():
    assert is_matured("2026-05", 180, AS_OF) and not is_matured("2026-06", 180, AS_OF)
    assert is_matured("2026-06", 150, AS_OF)
    chosen = MonthRange.parse("2025-03:2025-05")
    assert "2025-03" in chosen and "2025-05" in chosen and "2025-06" not in chosen
    assert "2030-01" in MonthRange.parse("2025-01:") and "2024-12" not in MonthRange.parse("2025-01:")
    for bad in ("2025-13:", "25-01", "2025-05:2025-01"):
        with pytest.raises(ValueError, match="months"):
            MonthRange.parse(bad)


def test_a_malformed_renewal_names_the_query_and_the_record():
    with pytest.raises(ValueError, match="Opportunity query: renewal record 1 is unusable"):
        renewal_outcomes([{"AccountId": "A", "CloseDate": "2025-01-01", "IsWon": True},
                          {"AccountId": "A", "CloseDate": "2025-01-01", "IsWon": "yes"}])
