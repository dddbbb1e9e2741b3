"""Benchmark of the scoring engine: `score_accounts` on a month of synthetic accounts against the
scalar functions applied account by account.

    python -m benchmarks.scoring_benchmark [--accounts 100000] [--scalar-sample 5000] [--repeat 3]

Synthetic accounts follow the shipped thresholds (config/) with a realistic share of missing data:
~20% without Jira, ~10% without Looker (no adoption metrics and no platform value), ~30% without the
Phase 2 relationship fields, ~8% with no Intercom conversation in the month, ~3% scattered NaNs.
The scalar path is timed on a sample and extrapolated to all accounts (the table says so).
"""
from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import pandas as pd

from health_pipeline.scoring import (
    METRIC_CATALOGUE,
    ScoringConfig,
    apply_qualitative_modifier,
    classify_tier,
    compute_churn_risk,
    compute_health_score,
    metric_points_lost,
    normalise_metric,
    publish_score,
    score_accounts,
    score_dimension,
    top_risk_factors,
)
from health_pipeline.settings import default_config_dir
from health_pipeline.settings.scoring import load_scoring_config
from health_pipeline.settings.yaml_file import ConfigError


def synthetic_accounts(config: ScoringConfig, count: int, seed: int = 2025) -> pd.DataFrame:
    """``count`` accounts with metrics spread around their segment's thresholds and realistic gaps."""
    rng = np.random.default_rng(seed)
    segment = np.where(rng.random(count) < 0.3, "paid", "standard")
    frame = pd.DataFrame({"salesforce_account_id": [f"001{i:015d}" for i in range(count)], "segment": segment})
    for metric in config.metrics:
        values = np.empty(count)
        for name in config.segments:
            t = config.thresholds[name][metric]
            mask = segment == name
            span = abs(t.red - t.green)
            values[mask] = rng.normal((t.green + t.yellow) / 2, span / 2, mask.sum())
        frame[metric] = values
    by_source: dict[str, list[str]] = {}
    for metric in config.metrics:
        by_source.setdefault(METRIC_CATALOGUE[metric].source, []).append(metric)
    frame.loc[rng.random(count) < 0.20, by_source.get("Jira", [])] = np.nan
    no_looker = rng.random(count) < 0.10
    frame.loc[no_looker, by_source.get("Looker", [])] = np.nan
    frame.loc[rng.random(count) < 0.30, by_source.get("Salesforce (Phase 2)", [])] = np.nan
    quiet = rng.random(count) < 0.08  # no conversation this month: a count of 0, the rest undefined
    frame.loc[quiet, [m for m in by_source.get("Intercom", []) if m != "total_conversations"]] = np.nan
    frame.loc[quiet, "total_conversations"] = 0.0
    scattered = rng.random((count, len(config.metrics))) < 0.03
    frame[list(config.metrics)] = frame[list(config.metrics)].mask(scattered)
    frame["platform_value"] = np.where(no_looker, np.nan, np.clip(rng.normal(70, 15, count), 0, 100))
    frame["critical_signals"] = (rng.random(count) < 0.05).astype(float)
    frame["moderate_signals"] = (rng.random(count) < 0.12) * rng.integers(1, 3, count).astype(float)
    return frame


def score_one_by_one(accounts: list[dict[str, Any]], config: ScoringConfig) -> list[tuple[Any, ...]]:
    """The scalar path: rules 1-6 and the risk factors with the public scalar functions, per account."""
    results = []
    for account in accounts:
        thresholds = config.thresholds[account["segment"]]
        normalised = {}
        for metric in config.metrics:
            t = thresholds[metric]
            normalised[metric] = normalise_metric(account[metric], t.green, t.yellow, t.red, t.lower_is_better)
        dimensions = {d.name: score_dimension(normalised, d.metric_weights) for d in config.dimensions}
        churn = compute_churn_risk(dimensions, config.dimension_weights)
        platform = account["platform_value"]
        health = compute_health_score(churn.score, platform, config.churn_weight, config.platform_weight)
        capped = apply_qualitative_modifier(health, account["critical_signals"], account["moderate_signals"],
                                            config.critical_cap, config.moderate_cap)
        factors = top_risk_factors(metric_points_lost(normalised, config, platform))
        results.append((publish_score(capped.final_score), classify_tier(capped.final_score), factors))
    return results


def best_of(repeat: int, function, *args) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scoring_benchmark", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000, help="accounts to score (default 100000)")
    parser.add_argument("--scalar-sample", type=int, default=5_000, help="accounts timed on the scalar path")
    parser.add_argument("--repeat", type=int, default=3, help="vectorised timing: best of this many runs")
    args = parser.parse_args(argv)
    problems: list[str] = []
    config = load_scoring_config(default_config_dir(), problems)
    if config is None:
        print(ConfigError(problems, default_config_dir()))
        return 1
    accounts = synthetic_accounts(config, args.accounts)
    vector_seconds, scored = best_of(args.repeat, score_accounts, accounts, config)
    sample_size = min(args.scalar_sample, args.accounts)
    sample = accounts.head(sample_size).to_dict("records")
    sample_seconds, scalar = best_of(1, score_one_by_one, sample, config)
    scalar_seconds = sample_seconds * args.accounts / sample_size
    head = scored.head(sample_size)
    agree = sum(
        (pd.isna(hs) and s is None or hs == s) and tier == t and tuple(f for f in factors if f) == rf
        for hs, tier, factors, (s, t, rf) in zip(
            head["health_score"], head["tier"],
            head[["risk_factor_1", "risk_factor_2", "risk_factor_3"]].itertuples(index=False), scalar)
    )
    missing = accounts[list(config.metrics)].isna().to_numpy().mean()
    print(f"Scoring benchmark: {args.accounts:,} synthetic accounts, {len(config.metrics)} metrics, "
          f"{missing:.0%} of metric values missing, {int(scored['health_score'].isna().sum())} without any data.")
    print()
    print("| accounts | vectorised `score_accounts` (s, best of %d) | scalar functions per account (s) | speed-up |"
          % args.repeat)
    print("|---:|---:|---:|---:|")
    print(f"| {args.accounts:,} | {vector_seconds:.3f} | {scalar_seconds:.1f} "
          f"(extrapolated from {sample_size:,} accounts: {sample_seconds:.2f} s) | {scalar_seconds / vector_seconds:.0f}x |")
    print()
    print(f"Scalar and vectorised results agree on {agree:,} of {sample_size:,} sampled accounts "
          "(published score, tier, risk factors).")
    return 0 if agree == sample_size else 1


if __name__ == "__main__":
    raise SystemExit(main())
