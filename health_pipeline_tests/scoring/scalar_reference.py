"""The scoring model applied to one account with the public scalar functions only (rules 1-6 and
the risk factors in sequence); the oracle `score_accounts` is compared with."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from health_pipeline.scoring import (
    ScoringConfig,
    apply_qualitative_modifier,
    classify_tier,
    compute_churn_risk,
    compute_health_score,
    metric_points_lost,
    normalise_metric,
    publish_score,
    score_dimension,
    top_risk_factors,
)


def score_one(account: Mapping[str, Any], config: ScoringConfig) -> dict[str, Any]:
    """One account (a mapping like a row of `score_accounts`' input) -> a dict like its output row."""
    thresholds = config.thresholds[account["segment"]]
    normalised = {}
    for metric in config.metrics:
        t = thresholds[metric]
        normalised[metric] = normalise_metric(account.get(metric), t.green, t.yellow, t.red, t.lower_is_better)
    dimensions = {d.name: score_dimension(normalised, d.metric_weights) for d in config.dimensions}
    churn = compute_churn_risk(dimensions, config.dimension_weights)
    platform = account.get("platform_value")
    health = compute_health_score(churn.score, platform, config.churn_weight, config.platform_weight)
    capped = apply_qualitative_modifier(
        health, account.get("critical_signals"), account.get("moderate_signals"), config.critical_cap, config.moderate_cap
    )
    factors = top_risk_factors(metric_points_lost(normalised, config, platform))
    row: dict[str, Any] = {
        "health_score": publish_score(capped.final_score),
        "health_score_exact": capped.final_score,
        "tier": classify_tier(capped.final_score),
        "churn_risk": churn.score,
        "coverage_pct": churn.coverage_pct,
        "modifier_applied": capped.modifier_applied,
        "top_risk_factors": "; ".join(factors),
    }
    for name, dimension in dimensions.items():
        row[f"{name}_score"], row[f"{name}_coverage"] = dimension.score, dimension.coverage
    for rank in range(3):
        row[f"risk_factor_{rank + 1}"] = factors[rank] if rank < len(factors) else None
    return row
