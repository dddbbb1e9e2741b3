"""Rule 2: a weighted average of normalised metrics, with missing weight redistributed.

`weighted_sums` / `weighted_mean_array` are the one implementation of "weighted average over the
present values"; the dimension score, the churn risk and the risk factors all use them.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from health_pipeline.scoring._values import as_float, as_optional, as_row, check_weights


@dataclass(frozen=True)
class DimensionScore:
    """A dimension's 0-100 score (None when no metric is present) and its coverage in [0, 1]."""

    score: float | None
    coverage: float


def weighted_sums(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For an (n, k) matrix (NaN = missing) and k weights, per row: ``sum(w * v)`` and ``sum(w)``
    over the present values.

    Columns are added one after the other in the given order, so a row gives bit-for-bit the same
    sums whether it is scored alone or among 100,000 others.
    """
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float)
    if values.ndim != 2 or values.shape[1] != weights.shape[0]:
        raise ValueError(f"values of shape {values.shape} do not match {weights.shape[0]} weights")
    weighted = np.zeros(values.shape[0])
    present_weight = np.zeros(values.shape[0])
    for column, weight in enumerate(weights):
        present = ~np.isnan(values[:, column])
        weighted = weighted + np.where(present, weight * values[:, column], 0.0)
        present_weight = present_weight + np.where(present, weight, 0.0)
    return weighted, present_weight


def total_weight(weights: np.ndarray) -> float:
    """``sum(w)`` added in the same order as `weighted_sums` (so full coverage is exactly 1.0)."""
    total = 0.0
    for weight in np.asarray(weights, dtype=float):
        total = total + weight
    return float(total)


def weighted_mean_array(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: ``(score, coverage)``.

    ``score = sum(w * v) / sum(w)`` over present values (NaN when none is present);
    ``coverage = sum(w of present) / sum(all w)``.
    """
    weights = np.asarray(weights, dtype=float)
    check_weights(weights, "weighted average")
    weighted, present_weight = weighted_sums(values, weights)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(present_weight > 0, weighted / present_weight, np.nan)
    return score, present_weight / total_weight(weights)


def score_dimension(normalised: Mapping[str, float | None], weights: Mapping[str, float]) -> DimensionScore:
    """Score one dimension of one account.

    ``normalised``: metric -> 0-100 or None; ``weights``: metric -> weight (> 0) for this dimension.
    A metric named in ``weights`` but absent from ``normalised`` counts as None; metrics of
    ``normalised`` that have no weight here belong to other dimensions and are ignored.
    """
    names = list(weights)
    values = as_row([as_float(normalised.get(name)) for name in names])
    score, coverage = weighted_mean_array(values, np.array([weights[name] for name in names], dtype=float))
    return DimensionScore(score=as_optional(score[0]), coverage=float(coverage[0]))
