"""The checks on a scored month: what must hold before anything is written to Salesforce, and what only warns."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import pandas as pd

from health_pipeline.scoring.catalogue import ID_COLUMN

ID = ID_COLUMN


@dataclass(frozen=True)
class CheckOutcome:
    """A check's verdict with the facts behind it."""

    name: str
    passed: bool
    description: str
    metadata: dict[str, Any] = field(default_factory=dict)


def scores_in_range(scores: pd.DataFrame) -> CheckOutcome:
    """Every published score is a whole number 0-100 or null."""
    values = scores["health_score"].astype("Float64")
    bad = scores.loc[values.notna() & ((values < 0) | (values > 100)), ID].tolist()
    return CheckOutcome("scores_in_range", not bad, "every score is 0-100 or null",
                        {"out_of_range": len(bad), "examples": ", ".join(bad[:5])})


def one_row_per_mapped_account(scores: pd.DataFrame, mapping: pd.DataFrame) -> CheckOutcome:
    """The scored accounts are exactly the mapped accounts, once each."""
    missing = sorted(set(mapping[ID]) - set(scores[ID]))
    extra = sorted(set(scores[ID]) - set(mapping[ID]))
    passed = not missing and not extra and len(scores) == len(mapping)
    return CheckOutcome("one_row_per_mapped_account", passed, "one row per mapped account",
                        {"rows": len(scores), "mapped": len(mapping), "missing": len(missing), "unexpected": len(extra)})


def no_duplicate_keys(scores: pd.DataFrame) -> CheckOutcome:
    """No account (hence no Health_Score__c external ID for the month) appears twice."""
    duplicated = sorted(set(scores.loc[scores[ID].duplicated(), ID]))
    return CheckOutcome("no_duplicate_keys", not duplicated, "no duplicated account key",
                        {"duplicated": len(duplicated), "examples": ", ".join(duplicated[:5])})


def coverage_floor(scores: pd.DataFrame, floor_pct: float, max_share: float) -> CheckOutcome:
    """At most `max_share` of the accounts fall under the coverage floor."""
    below = int((scores["coverage_pct"].fillna(0) < floor_pct).sum())
    share = below / len(scores) if len(scores) else 0.0
    return CheckOutcome("coverage_floor", share <= max_share,
                        f"at most {max_share:.0%} of accounts under {floor_pct:g}% coverage",
                        {"accounts_below_floor": below, "share_below_floor": round(share, 4)})


def sources_configured(unconfigured: Sequence[str]) -> CheckOutcome:
    """Every source had credentials this month."""
    return CheckOutcome("sources_configured", not unconfigured, "every source is configured",
                        {"unconfigured_sources": ", ".join(unconfigured) or "none"})


def trend_up_to_date(previous_month: str, previous_scored: bool) -> CheckOutcome:
    """Scored now, the month's trend comes from its previous month's latest scores (the trend_watch sensor fails
    this check when the previous month is scored again later)."""
    source = f"{previous_month}'s latest scores" if previous_scored else f"none: {previous_month} is not scored"
    return CheckOutcome("trend_up_to_date", True, f"trend from {source}",
                        {"previous_month": previous_month, "previous_month_scored": previous_scored})
