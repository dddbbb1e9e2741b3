"""Rule 7: score every account of a month at once (numpy; one pass per metric, never per row).

It calls the same array functions the scalar API wraps, so the two agree to the last bit.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from health_pipeline.scoring.catalogue import ID_COLUMN
from health_pipeline.scoring.composite import churn_risk_array, health_score_array
from health_pipeline.scoring.config_types import ScoringConfig
from health_pipeline.scoring.dimensions import weighted_mean_array
from health_pipeline.scoring.normalise import normalise_array
from health_pipeline.scoring.qualitative import MODIFIERS, cap_array
from health_pipeline.scoring.risk import RISK_FACTOR_COUNT, points_lost_array, top_factors_array
from health_pipeline.scoring.tiers import publish_array, tier_array

ID, SEGMENT, PLATFORM = ID_COLUMN, "segment", "platform_value"
CRITICAL, MODERATE = "critical_signals", "moderate_signals"
RISK_FACTOR_COLUMNS = tuple(f"risk_factor_{rank}" for rank in range(1, RISK_FACTOR_COUNT + 1))


def output_columns(config: ScoringConfig) -> list[str]:
    """The columns of `score_accounts`' result, in order."""
    per_dimension = [f"{d.name}_{part}" for d in config.dimensions for part in ("score", "coverage")]
    return [ID, SEGMENT, "health_score", "health_score_exact", "tier", "churn_risk", PLATFORM,
            *per_dimension, "coverage_pct", "modifier_applied", *RISK_FACTOR_COLUMNS, "top_risk_factors"]


def _numeric(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A column as floats with NaN for missing; an absent column is all missing."""
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    try:
        return pd.to_numeric(frame[column]).to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as error:
        raise ValueError(f"column {column!r} must be numeric: {error}") from None


def normalised_matrix(metrics: pd.DataFrame, config: ScoringConfig) -> np.ndarray:
    """(n, M) normalised scores in ``config.metrics`` order, thresholds chosen by each row's segment."""
    segments = metrics[SEGMENT]
    masks = {segment: segments.eq(segment).to_numpy(dtype=bool, na_value=False) for segment in config.segments}
    unknown = ~np.logical_or.reduce([np.zeros(len(segments), dtype=bool), *masks.values()])
    if unknown.any():
        bad = sorted({repr(s) for s in segments.to_numpy(dtype=object)[unknown]})
        raise ValueError(f"unknown segment(s) {', '.join(bad)}; expected one of {', '.join(config.segments)}")
    # column-major: every later step reads whole metric columns
    out = np.full((len(metrics), len(config.metrics)), np.nan, order="F")
    for column, metric in enumerate(config.metrics):
        values = _numeric(metrics, metric)
        target = out[:, column]  # a contiguous view
        for segment, mask in masks.items():
            t = config.thresholds[segment][metric]
            target[mask] = normalise_array(values[mask], t.green, t.yellow, t.red, t.lower_is_better)
    return out


def _joined(factors: np.ndarray) -> np.ndarray:
    """Join each row's non-null risk factors with "; " ("" when there are none)."""
    joined = np.full(factors.shape[0], "", dtype=object)
    for rank in range(factors.shape[1]):
        present = factors[:, rank] != None  # noqa: E711 (elementwise on an object array)
        separator = "" if rank == 0 else "; "
        joined[present] = joined[present] + separator + factors[present, rank]
    return joined


def score_accounts(metrics: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """Score every account; one output row per input row, same order and index.

    Input columns: ``salesforce_account_id``, ``segment`` (a segment of ``config``), one numeric
    column per metric of ``config`` (NaN/None = missing; an absent column is all missing),
    ``platform_value`` (0-100, used as is) and the ``critical_signals`` / ``moderate_signals``
    counts (missing = no signal). Other columns are ignored.

    Output (see `output_columns`): ``health_score`` (Int64, published ``floor(x + 0.5)``),
    ``health_score_exact`` (after the caps, before rounding), ``tier``, ``churn_risk``,
    ``platform_value``, ``{dimension}_score`` / ``{dimension}_coverage`` (0-1), ``coverage_pct``
    (0-100), ``modifier_applied`` (None / "critical" / "moderate"), ``risk_factor_1..3`` and
    ``top_risk_factors`` ("; "-joined, "" when none).

    Risk factors (defined in `health_pipeline.scoring.risk`): the three metrics with the largest
    points lost = ``effective_weight * (100 - normalised score)``, where ``effective_weight =
    (w_m / W_d) * (D_d / D) * c``: the metric's weight over the weights of its dimension's present
    metrics, times its dimension's weight over the weights of the dimensions that have a score,
    times the churn share of the health score (``churn_weight / (churn_weight + platform_weight)``,
    or 1 when platform value is missing). So it is how many health points (before the caps) the
    metric cost. Ties are broken by metric name; missing metrics and metrics that lost 0 points
    are never listed.
    Raises ValueError for a missing id/segment column, an unknown segment or a non-numeric column.
    """
    for column in (ID, SEGMENT):
        if column not in metrics.columns:
            raise ValueError(f"metrics frame has no {column!r} column")
    normalised = normalised_matrix(metrics, config)
    platform = _numeric(metrics, PLATFORM)
    columns: dict[str, object] = {}
    dimension_scores, dimension_coverages = [], []
    start = 0
    for dimension in config.dimensions:
        weights = np.array(list(dimension.metric_weights.values()), dtype=float)
        stop = start + len(weights)
        score, coverage = weighted_mean_array(normalised[:, start:stop], weights)
        columns[f"{dimension.name}_score"], columns[f"{dimension.name}_coverage"] = score, coverage
        dimension_scores.append(score)
        dimension_coverages.append(coverage)
        start = stop
    dimension_weights = np.array(list(config.dimension_weights.values()), dtype=float)
    churn, coverage_pct = churn_risk_array(
        np.column_stack(dimension_scores), np.column_stack(dimension_coverages), dimension_weights
    )
    health = health_score_array(churn, platform, config.churn_weight, config.platform_weight)
    final, modifier = cap_array(
        health, _numeric(metrics, CRITICAL), _numeric(metrics, MODERATE), config.critical_cap, config.moderate_cap
    )
    factors = top_factors_array(points_lost_array(normalised, config, platform), config.metrics)
    columns.update({
        ID: metrics[ID].to_numpy(dtype=object),
        SEGMENT: metrics[SEGMENT].to_numpy(dtype=object),
        "health_score": pd.array(publish_array(final), dtype="Int64"),
        "health_score_exact": final,
        "tier": tier_array(final),
        "churn_risk": churn,
        PLATFORM: platform,
        "coverage_pct": coverage_pct,
        "modifier_applied": np.array(MODIFIERS, dtype=object)[modifier],
        **{name: factors[:, rank] for rank, name in enumerate(RISK_FACTOR_COLUMNS)},
        "top_risk_factors": _joined(factors),
    })
    return pd.DataFrame({name: columns[name] for name in output_columns(config)}, index=metrics.index)
