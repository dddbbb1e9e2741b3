"""Attribution: why an account's exact score moved since last month, exactly, and how much of it the configuration did.

For each account scored in both months, each metric's, the platform value's and the caps' contributions sum to
``exact(M) - exact(M-1)`` (to floating-point rounding). A month carries its own terms (``points_*`` columns,
computed under that month's configuration) and its inputs, so next month can explain itself against it:

* ``points_<metric> = e_m * s_m`` (0 when the metric is missing), ``e_m`` the effective weight of the risk factors;
* ``points_platform_value = p * PV`` with p the platform share actually used (the blend's share when churn risk
  and platform value both exist, 1 when only platform value does, 0 when it is missing);
* ``points_cap = exact - (sum of the above)`` when a cap applied, else 0.

The configuration's share is ``exact(M-1 under M's configuration) - exact(M-1)``; the rest is the customer's.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from health_pipeline.scoring.catalogue import ID_COLUMN
from health_pipeline.scoring.composite import churn_share_array
from health_pipeline.scoring.config_types import ScoringConfig
from health_pipeline.scoring.frame import CRITICAL, MODERATE, PLATFORM, normalised_matrix, score_accounts
from health_pipeline.scoring.risk import effective_weight_array, top_factors_array

POINTS = "points_"
CAP = "cap"
MOVER_COLUMNS = ("mover_1", "mover_2", "mover_3")
CHANGE_COLUMNS = ("score_change_exact", "change_from_config", "change_from_customer", *MOVER_COLUMNS,
                  "score_change_reasons")
ZERO = 1e-9  # a contribution smaller than this is floating-point noise, not a mover


def input_columns(config: ScoringConfig) -> list[str]:
    """The scorer's inputs a month keeps so that it can be re-scored later (platform value is already an output)."""
    return [*config.metrics, CRITICAL, MODERATE]


def term_names(config: ScoringConfig) -> list[str]:
    """Every name that can move a score: the metrics, ``platform_value`` and ``cap``."""
    return [*config.metrics, PLATFORM, CAP]


def points_columns(config: ScoringConfig) -> list[str]:
    """The ``points_*`` columns, one per term name."""
    return [POINTS + name for name in term_names(config)]


def score_terms(metrics: pd.DataFrame, scored: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """Per account, the health points each term contributes to the exact score (NaN when there is no score)."""
    normalised = normalised_matrix(metrics, config)
    platform = scored[PLATFORM].to_numpy(dtype=float)
    exact = scored["health_score_exact"].to_numpy(dtype=float)
    metric_points = np.nan_to_num(effective_weight_array(normalised, config, platform) * normalised)
    has_churn = scored["churn_risk"].notna().to_numpy()
    blend_share = 1.0 - churn_share_array(platform, config.churn_weight, config.platform_weight)
    platform_share = np.where(np.isnan(platform), 0.0, np.where(has_churn, blend_share, 1.0))
    platform_points = platform_share * np.nan_to_num(platform)
    capped = scored["modifier_applied"].notna().to_numpy()
    cap_points = np.where(capped, exact - metric_points.sum(axis=1) - platform_points, 0.0)
    terms = np.column_stack([metric_points, platform_points, cap_points])
    terms[np.isnan(exact)] = np.nan
    return pd.DataFrame(terms, columns=points_columns(config), index=scored.index)


def signed_mover(name: str, points: float) -> str:
    """A mover as a CSM reads it: ``csat_score -4.2``."""
    return f"{name} {points:+.1f}"


def top_movers(contributions: np.ndarray, names: list[str]) -> np.ndarray:
    """(n, T) contributions -> (n, 3) movers, largest |c| first, ties by name, zeros left out (None)."""
    size = np.where(np.abs(contributions) < ZERO, 0.0, np.abs(contributions))
    chosen = top_factors_array(size, tuple(names), len(MOVER_COLUMNS))
    position = {name: k for k, name in enumerate(names)}
    movers = np.full(chosen.shape, None, dtype=object)
    for (row, rank), name in np.ndenumerate(chosen):
        if name is not None:
            movers[row, rank] = signed_mover(name, contributions[row, position[name]])
    return movers


def _previous(previous: pd.DataFrame | None, ids: pd.Series, columns: list[str]) -> pd.DataFrame:
    """Last month's columns aligned to this month's accounts (NaN where absent, or stored before attribution)."""
    if previous is None or len(previous) == 0 or not set(columns) <= set(previous.columns):
        return pd.DataFrame(np.nan, index=ids.index, columns=columns)
    return previous.set_index(ID_COLUMN)[columns].reindex(ids.to_numpy()).set_axis(ids.index)


def _under_config(previous: pd.DataFrame | None, ids: pd.Series, config: ScoringConfig) -> np.ndarray:
    """Last month's exact scores re-computed with this month's configuration (NaN where unavailable)."""
    inputs = [ID_COLUMN, "segment", PLATFORM, *input_columns(config)]
    if previous is None or len(previous) == 0 or not set(inputs) <= set(previous.columns):
        return np.full(len(ids), np.nan)
    rescored = score_accounts(previous[inputs], config).set_index(ID_COLUMN)["health_score_exact"]
    return rescored.reindex(ids.to_numpy()).to_numpy(dtype=float)


def explain_change(scores: pd.DataFrame, metrics: pd.DataFrame, previous: pd.DataFrame | None,
                   config: ScoringConfig) -> pd.DataFrame:
    """`scores` plus this month's inputs, its ``points_*`` terms and the attribution of the change since `previous`."""
    out = scores.copy()
    for column in input_columns(config):
        out[column] = pd.to_numeric(metrics[column], errors="coerce").to_numpy(dtype=float) \
            if column in metrics.columns else np.nan
    terms = score_terms(metrics, scores, config)
    out[terms.columns] = terms
    names, columns = term_names(config), points_columns(config)
    contributions = terms.to_numpy() - _previous(previous, out[ID_COLUMN], columns).to_numpy(dtype=float)
    before = _previous(previous, out[ID_COLUMN], ["health_score_exact"])["health_score_exact"].to_numpy(dtype=float)
    change = out["health_score_exact"].to_numpy(dtype=float) - before
    from_config = _under_config(previous, out[ID_COLUMN], config) - before
    known = ~np.isnan(change)
    out["score_change_exact"] = change
    out["change_from_config"] = np.where(known, from_config, np.nan)
    out["change_from_customer"] = change - from_config
    movers = top_movers(np.where(known[:, None], contributions, 0.0), names)
    for rank, column in enumerate(MOVER_COLUMNS):
        out[column] = movers[:, rank]
    out["score_change_reasons"] = [", ".join(m for m in row if m is not None) if ok else None
                                   for row, ok in zip(movers, known)]
    return out


def contributions_of(current: pd.DataFrame, previous: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """Each term's contribution per account (accounts of `current`, NaN where either month lacks a score)."""
    columns = points_columns(config)
    now = current.set_index(ID_COLUMN)[columns]
    before = _previous(previous, current[ID_COLUMN], columns).set_axis(now.index)
    return (now - before).set_axis(term_names(config), axis=1)
