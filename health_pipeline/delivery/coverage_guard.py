"""The delivery guard's comparison (pure): is this month much emptier than what was delivered before?

A month is compared with the last delivered version of the same month and of the previous month. It is
refused when no source was configured, when its mean coverage fell by more than the allowed points, or when
more than the allowed share of accounts lost all their data (counted net: accounts with data before minus
accounts with data now, over the accounts scored now).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol, Sequence

import pandas as pd

# the metadata keys a delivery records, read back as the baseline of later months
COVERAGE_KEYS = ("guard_accounts", "guard_accounts_with_data", "guard_mean_coverage_pct")


class GuardLimits(Protocol):
    """The guard's thresholds (pipeline.yaml's `delivery_guard` section)."""

    max_mean_coverage_drop_pts: float
    max_share_losing_all_data: float
    allow_coverage_drop: bool


@dataclass(frozen=True)
class Coverage:
    """How much data one version of a month held."""

    label: str  # what this version is, e.g. "2026-10 as last delivered"
    accounts: int
    accounts_with_data: int
    mean_coverage_pct: float

    def as_metadata(self) -> dict[str, Any]:
        """The facts a delivery records so that later runs can compare with it."""
        return dict(zip(COVERAGE_KEYS, (self.accounts, self.accounts_with_data, self.mean_coverage_pct)))

    @classmethod
    def from_metadata(cls, label: str, metadata: Mapping[str, Any]) -> "Coverage | None":
        """The coverage a delivery recorded, or None when it recorded none (delivered before the guard)."""
        values = [metadata.get(key) for key in COVERAGE_KEYS]
        if any(not isinstance(value, (int, float)) or isinstance(value, bool) for value in values):
            return None
        return cls(label, int(values[0]), int(values[1]), float(values[2]))


def coverage_of(scores: pd.DataFrame, label: str) -> Coverage:
    """The coverage of a scored month (an account has data when its coverage is above 0)."""
    coverage = scores["coverage_pct"].astype("float64").fillna(0.0)
    mean = float(coverage.mean()) if len(coverage) else 0.0
    return Coverage(label, len(scores), int((coverage > 0).sum()), round(mean, 2))


@dataclass(frozen=True)
class GuardVerdict:
    """Whether the month may be delivered, and every reason it may not."""

    passed: bool
    reasons: list[str] = field(default_factory=list)
    overridden: bool = False

    def sentence(self) -> str:
        """The verdict in words."""
        if not self.reasons:
            return "coverage held against what was delivered before"
        text = "; ".join(self.reasons)
        return f"delivered anyway (override): {text}" if self.overridden else f"refused: {text}"


def _drops(now: Coverage, before: Coverage, settings: GuardLimits) -> list[str]:
    reasons = []
    fall = before.mean_coverage_pct - now.mean_coverage_pct
    if fall > settings.max_mean_coverage_drop_pts:
        reasons.append(f"mean coverage fell from {before.mean_coverage_pct:.1f}% ({before.label}) to "
                       f"{now.mean_coverage_pct:.1f}%, {fall:.1f} points, more than the "
                       f"{settings.max_mean_coverage_drop_pts:g} allowed")
    lost = before.accounts_with_data - now.accounts_with_data
    share = lost / now.accounts if now.accounts else 0.0
    if share > settings.max_share_losing_all_data and not math.isclose(share, settings.max_share_losing_all_data):
        reasons.append(f"{lost} of {now.accounts} accounts ({share:.0%}) lost all data against {before.label}, "
                       f"more than the {settings.max_share_losing_all_data:.0%} allowed")
    return reasons


def judge(now: Coverage, baselines: Sequence[Coverage], configured_sources: int,
          settings: GuardLimits, override: bool = False) -> GuardVerdict:
    """The guard's verdict on `now` against the earlier deliveries in `baselines`."""
    reasons = [] if configured_sources else ["no source is configured, so every metric is missing"]
    for before in baselines:
        reasons.extend(_drops(now, before, settings))
    allowed = override or settings.allow_coverage_drop
    return GuardVerdict(passed=not reasons or allowed, reasons=reasons, overridden=bool(reasons) and allowed)
