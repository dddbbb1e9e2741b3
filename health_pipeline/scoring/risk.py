"""Risk factors: which metrics cost an account the most health points.

Definition (the same for `score_accounts` and the scalar functions here):

* A present metric ``m`` of dimension ``d`` carries, in the health score *before the caps*, the
  effective weight ``(w_m / W_d) * (D_d / D) * c``, where ``w_m`` is its weight, ``W_d`` the sum of
  the weights of the *present* metrics of ``d``, ``D_d`` the weight of ``d``, ``D`` the sum of the
  weights of the dimensions that have a score, and ``c`` the churn share of the health score:
  ``churn_weight / (churn_weight + platform_weight)`` when platform value is present, 1 when it is
  missing. That is the metric's share of churn risk after redistribution times the churn share.
* Points lost = ``effective_weight * (100 - normalised score)``: the health points the metric cost.
  Over all present metrics they add up to ``c * (100 - churn risk)``.
* The risk factors are the (up to) three metrics with the most points lost, largest first, ties
  broken by metric name (alphabetical); missing metrics and metrics that lost 0 points are never
  listed.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from health_pipeline.scoring._values import as_float, as_row
from health_pipeline.scoring.composite import churn_share_array
from health_pipeline.scoring.config_types import ScoringConfig
from health_pipeline.scoring.dimensions import weighted_sums

RISK_FACTOR_COUNT = 3


def effective_weight_array(normalised: np.ndarray, config: ScoringConfig, platform_value: Any) -> np.ndarray:
    """(n, M) normalised scores in ``config.metrics`` order (NaN = missing) and n platform values ->
    (n, M) effective weights: the health points per metric point (NaN for missing metrics)."""
    normalised = np.asarray(normalised, dtype=float)
    blocks = []  # per dimension: (its column slice, its metric weights, sum of present weights)
    start = 0
    for dimension in config.dimensions:
        weights = np.array(list(dimension.metric_weights.values()), dtype=float)
        columns = slice(start, start + len(weights))
        blocks.append((columns, weights, weighted_sums(normalised[:, columns], weights)[1]))
        start = columns.stop
    dimension_weights = np.array(list(config.dimension_weights.values()), dtype=float)
    dimension_present = np.column_stack([np.where(present > 0, 1.0, np.nan) for _, _, present in blocks])
    present_dimension_weight = weighted_sums(dimension_present, dimension_weights)[1]
    churn_share = churn_share_array(platform_value, config.churn_weight, config.platform_weight)
    effective_weight = np.empty_like(normalised)
    # rows where a dimension (or everything) is missing divide by 0 here; those entries are
    # masked below because their metrics are missing
    with np.errstate(invalid="ignore", divide="ignore"):
        for (columns, weights, present_weight), dimension_weight in zip(blocks, dimension_weights):
            share_in_dimension = weights / present_weight[:, None]
            share_in_churn = share_in_dimension * (dimension_weight / present_dimension_weight)[:, None]
            effective_weight[:, columns] = share_in_churn * churn_share[:, None]
    return np.where(np.isnan(normalised), np.nan, effective_weight)


def points_lost_array(normalised: np.ndarray, config: ScoringConfig, platform_value: Any) -> np.ndarray:
    """(n, M) normalised scores in ``config.metrics`` order (NaN = missing) and n platform values ->
    (n, M) health points lost per metric (NaN for missing metrics)."""
    return effective_weight_array(normalised, config, platform_value) * (100.0 - np.asarray(normalised, dtype=float))


def top_factors_array(points_lost: np.ndarray, names: tuple[str, ...], count: int = RISK_FACTOR_COUNT) -> np.ndarray:
    """(n, M) points lost (columns named by ``names``) -> (n, count) object array of metric names,
    largest first, ties by name, None where fewer than ``count`` metrics lost points."""
    points = np.atleast_2d(np.asarray(points_lost, dtype=float))
    result = np.full((points.shape[0], count), None, dtype=object)
    if not names:
        return result
    order = np.argsort(np.array(names, dtype=object), kind="stable")
    by_name = np.nan_to_num(points[:, order], nan=0.0)
    sorted_names = np.array([names[i] for i in order] + [None], dtype=object)
    rows = np.arange(by_name.shape[0])
    for rank in range(count):
        best = np.argmax(by_name, axis=1)  # the first maximum: alphabetically first among ties
        lost = by_name[rows, best]
        result[:, rank] = sorted_names[np.where(lost > 0, best, len(names))]
        by_name[rows, best] = -1.0
    return result


def metric_points_lost(
    normalised: Mapping[str, float | None], config: ScoringConfig, platform_value: float | None = None
) -> dict[str, float]:
    """Health points each present metric of one account cost (see the module docstring).
    ``normalised``: metric -> 0-100 or None (absent = None). Missing metrics are left out."""
    row = as_row([as_float(normalised.get(m)) for m in config.metrics])
    lost = points_lost_array(row, config, np.array([as_float(platform_value)]))[0]
    return {m: float(p) for m, p in zip(config.metrics, lost) if not np.isnan(p)}


def top_risk_factors(points_lost: Mapping[str, float], count: int = RISK_FACTOR_COUNT) -> tuple[str, ...]:
    """The (up to) ``count`` metrics with the most points lost, largest first, ties by name; metrics
    with 0 points lost are left out."""
    names = tuple(points_lost)
    row = as_row([as_float(points_lost[m]) for m in names])
    return tuple(name for name in top_factors_array(row, names, count)[0] if name is not None)
