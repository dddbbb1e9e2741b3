"""The plays: built-in alert rules over one month's account facts, each with its parameters and defaults."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from health_pipeline.scoring.tiers import LOWEST_TIER, TIER_FLOORS

SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low")
ROUTES: tuple[str, ...] = ("account_owner", "data_team")
# Salesforce's standard Task priorities
PRIORITY_OF_SEVERITY: dict[str, str] = {"critical": "High", "high": "High", "medium": "Normal", "low": "Low"}
TIER_RANK: dict[str, int] = {name: rank for rank, (_, name) in enumerate(reversed(TIER_FLOORS), start=1)}
TIER_RANK[LOWEST_TIER] = 0


@dataclass(frozen=True)
class Parameter:
    """A number a play reads from plays.yaml: its default and the range it must lie in."""

    default: float
    low: float
    high: float
    meaning: str


@dataclass(frozen=True)
class Play:
    """One play as configured: switched on or off, severity, due time, suggested action, who gets it."""

    name: str
    severity: str
    due_days: int
    action: str
    route: str = "account_owner"
    enabled: bool = True
    params: Mapping[str, float] = field(default_factory=dict)


# A rule gets the month's facts (one row per account) and its play's parameters, and returns which accounts
# it fires for and, for each, the reason a CSM reads.
Rule = Callable[[pd.DataFrame, Mapping[str, float]], tuple[np.ndarray, pd.Series]]


def _number(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as floats with NaN for missing (an absent column is all missing)."""
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype=float)
    return pd.to_numeric(frame[column], errors="coerce").astype(float)


def _whole(values: pd.Series) -> pd.Series:
    """Floats shown as whole numbers in a reason ("-" when missing)."""
    return values.map(lambda value: "-" if pd.isna(value) else f"{value:.0f}")


def entered_critical(facts: pd.DataFrame, params: Mapping[str, float]) -> tuple[np.ndarray, pd.Series]:
    """The account is Critical this month and was not last month (or was not scored)."""
    fired = (facts["tier"] == LOWEST_TIER) & (facts["previous_tier"] != LOWEST_TIER)
    before = facts["previous_tier"].map(lambda tier: tier if isinstance(tier, str) else "not scored")
    reason = "entered Critical (from " + before + ") with a score of " + _whole(_number(facts, "health_score"))
    return fired.to_numpy(dtype=bool), reason


def new_critical_signal(facts: pd.DataFrame, params: Mapping[str, float]) -> tuple[np.ndarray, pd.Series]:
    """A critical churn signal detected during the month and still active at its end."""
    new = _number(facts, "new_critical_signals")
    fired = new > 0
    reason = "new critical churn signal (" + _whole(new) + " detected this month, " + _whole(
        _number(facts, "critical_signals")) + " active)"
    return fired.to_numpy(dtype=bool), reason


def score_drop(facts: pd.DataFrame, params: Mapping[str, float]) -> tuple[np.ndarray, pd.Series]:
    """The score fell by at least `points` since last month."""
    change = _number(facts, "score_change")
    fired = change <= -params["points"]
    reason = ("score fell " + _whole(-change) + " points (" + _whole(_number(facts, "previous_score")) + " -> "
              + _whole(_number(facts, "health_score")) + ")")
    return fired.to_numpy(dtype=bool), reason


def tier_drop(facts: pd.DataFrame, params: Mapping[str, float]) -> tuple[np.ndarray, pd.Series]:
    """The tier is lower than last month's (both months scored)."""
    now, before = facts["tier"].map(TIER_RANK), facts["previous_tier"].map(TIER_RANK)
    fired = now < before
    reason = "tier dropped from " + facts["previous_tier"].astype(str) + " to " + facts["tier"].astype(str)
    return fired.to_numpy(dtype=bool), reason


def renewal_at_risk(facts: pd.DataFrame, params: Mapping[str, float]) -> tuple[np.ndarray, pd.Series]:
    """The renewal is within `days` days while the account is At Risk or Critical."""
    days = _number(facts, "days_to_renewal")
    fired = (days >= 0) & (days <= params["days"]) & facts["tier"].isin(["At Risk", LOWEST_TIER])
    reason = "renewal in " + _whole(days) + " days while " + facts["tier"].astype(str)
    return fired.to_numpy(dtype=bool), reason


def low_coverage(facts: pd.DataFrame, params: Mapping[str, float]) -> tuple[np.ndarray, pd.Series]:
    """Less than `floor_pct` % of the model had data for the account: a data problem, not a customer one."""
    coverage = _number(facts, "coverage_pct")
    fired = coverage.isna() | (coverage < params["floor_pct"])
    reason = "coverage " + _whole(coverage) + "% is under the floor of " + f"{params['floor_pct']:.0f}%"
    return fired.to_numpy(dtype=bool), reason


# play name -> (rule, its parameters); the order is the order alerts are listed in
RULES: dict[str, tuple[Rule, dict[str, Parameter]]] = {
    "entered_critical": (entered_critical, {}),
    "new_critical_signal": (new_critical_signal, {}),
    "score_drop": (score_drop, {"points": Parameter(10, 1, 100, "points lost month over month")}),
    "tier_drop": (tier_drop, {}),
    "renewal_at_risk": (renewal_at_risk, {"days": Parameter(90, 1, 730, "days to the renewal")}),
    "low_coverage": (low_coverage, {"floor_pct": Parameter(50, 0, 100, "coverage floor in %")}),
}
