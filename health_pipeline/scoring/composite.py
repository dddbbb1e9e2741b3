"""Rules 3 and 4: churn risk from the dimensions, then the health score blend with platform value."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from health_pipeline.scoring._values import as_float, as_optional, as_row, check_weights
from health_pipeline.scoring.dimensions import DimensionScore, weighted_mean_array, weighted_sums


@dataclass(frozen=True)
class ChurnRisk:
    """Churn risk 0-100 (100 = lowest risk; None when no dimension has data) and coverage in %."""

    score: float | None
    coverage_pct: float


def churn_risk_array(
    dimension_scores: np.ndarray, dimension_coverages: np.ndarray, dimension_weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(n, d) dimension scores (NaN = no data) and coverages in [0, 1] -> (churn risk, coverage_pct).

    Churn risk is the weighted average of the present dimensions (missing weight redistributed);
    ``coverage_pct = 100 * sum(w_d * coverage_d) / sum(w_d)`` over all configured dimensions.
    """
    weights = np.asarray(dimension_weights, dtype=float)
    score, _ = weighted_mean_array(dimension_scores, weights)
    weighted_coverage, all_weight = weighted_sums(np.nan_to_num(np.asarray(dimension_coverages, dtype=float)), weights)
    return score, 100.0 * weighted_coverage / all_weight


def compute_churn_risk(
    dimension_scores: Mapping[str, DimensionScore | None], dimension_weights: Mapping[str, float]
) -> ChurnRisk:
    """Churn risk of one account. A configured dimension missing from ``dimension_scores`` (or None
    there) has no score and coverage 0; dimensions without a weight are ignored."""
    names = list(dimension_weights)
    found = [dimension_scores.get(name) for name in names]
    scores = as_row([as_float(d.score) if d is not None else np.nan for d in found])
    coverages = as_row([float(d.coverage) if d is not None else 0.0 for d in found])
    weights = np.array([dimension_weights[name] for name in names], dtype=float)
    score, coverage_pct = churn_risk_array(scores, coverages, weights)
    return ChurnRisk(score=as_optional(score[0]), coverage_pct=float(coverage_pct[0]))


def churn_share_array(platform_value: np.ndarray, churn_weight: float, platform_weight: float) -> np.ndarray:
    """The share of the health score that churn risk makes up: ``cw / (cw + pw)`` when platform value
    is present, 1 when it is missing (the health score is then the churn risk alone)."""
    check_weights(np.array([churn_weight, platform_weight], dtype=float), "health score blend")
    platform = np.asarray(platform_value, dtype=float)
    return np.where(np.isnan(platform), 1.0, churn_weight / (churn_weight + platform_weight))


def health_score_array(
    churn_risk: Any, platform_value: Any, churn_weight: float = 0.6, platform_weight: float = 0.4
) -> Any:
    """Both present: ``(cw * churn + pw * platform) / (cw + pw)``; one missing: the other alone;
    both missing: NaN."""
    check_weights(np.array([churn_weight, platform_weight], dtype=float), "health score blend")
    churn = np.asarray(churn_risk, dtype=float)
    platform = np.asarray(platform_value, dtype=float)
    blended = (churn_weight * churn + platform_weight * platform) / (churn_weight + platform_weight)
    out = np.where(np.isnan(churn), platform, np.where(np.isnan(platform), churn, blended))
    return out[()] if out.ndim == 0 else out


def compute_health_score(
    churn_risk: float | None, platform_value: float | None, churn_weight: float = 0.6, platform_weight: float = 0.4
) -> float | None:
    """Blend churn risk and platform value (see `health_score_array`); None when both are None."""
    health = health_score_array(as_float(churn_risk), as_float(platform_value), churn_weight, platform_weight)
    return as_optional(health)
