"""What if the configuration changed? Re-score the stored months under another configuration; nothing is written."""
from __future__ import annotations

import argparse

import pandas as pd

from health_pipeline.commands.backtest import parse_as_of
from health_pipeline.evidence.backtest import MonthRange, run_backtest
from health_pipeline.evidence.outcomes import HORIZON_DAYS
from health_pipeline.evidence.what_if import mean_change, rescore, side_by_side, tier_changes, transition_matrix
from health_pipeline.scoring.catalogue import ID_COLUMN

SHOWN_CHANGES = 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `health-pipeline what-if`."""
    parser.add_argument("--config-dir", required=True, help="the other configuration directory")
    parser.add_argument("--months", default="", help="YYYY-MM:YYYY-MM of the stored months (default: all stored)")
    parser.add_argument("--horizon-days", type=int, default=HORIZON_DAYS, help="the backtest horizon for the AUCs")
    parser.add_argument("--as-of", default="", help="YYYY-MM-DD taken as today (default: today, UTC)")


def pooled_auc(months: dict[str, pd.DataFrame], renewals: pd.DataFrame, args: argparse.Namespace) -> str:
    """The pooled AUC over the matured months among `months`, printable."""
    table, _ = run_backtest(months, renewals, args.horizon_days, parse_as_of(args.as_of))
    auc = table.set_index("months").loc["pooled", "auc"]
    return "-" if pd.isna(auc) else f"{auc:.3f}"


def run(args: argparse.Namespace) -> int:
    """Print the tier transition matrix, the accounts that change tier, the mean change and both pooled AUCs."""
    try:
        chosen = MonthRange.parse(args.months)
        parse_as_of(args.as_of)
    except ValueError as error:
        print(str(error))
        return 2
    import dagster as dg

    from health_pipeline.commands.errors import readable_errors
    from health_pipeline.commands.evidence_runs import load_scores, read_org_renewals, sources_available, stored_months
    from health_pipeline.commands.materialise import project_instance
    from health_pipeline.settings import default_config_dir, load_config

    with readable_errors():
        current, other = load_config(default_config_dir()).scoring, load_config(args.config_dir).scoring
        with sources_available():
            instance = project_instance()
            months = sorted(p for p in stored_months(instance) if p in chosen)
            if not months:
                print("No stored month to compare: score some first (health-pipeline backtest or run).")
                return 1
            stored = load_scores(instance, months)
            try:
                renewals = read_org_renewals()
            except dg.Failure as failure:
                print(failure.description)
                return 1
    try:
        before, after = rescore(stored, current), rescore(stored, other)
    except ValueError as error:
        print(str(error))
        return 1
    pairs = side_by_side(before, after)
    print(f"What if: {len(months)} stored month(s) {months[0]}..{months[-1]}, {len(pairs)} account-months, "
          f"current configuration -> {args.config_dir}")
    print("\nTier transitions (account-months):")
    print(transition_matrix(pairs).to_string())
    changes = tier_changes(pairs)
    print(f"\n{len(changes)} account-months change tier" + (f"; the {SHOWN_CHANGES} largest moves:" if changes.size else ""))
    if len(changes):
        print(changes.head(SHOWN_CHANGES)[[ID_COLUMN, "period", "tier_before", "tier_after", "score_before", "score_after"]]
              .to_string(index=False, float_format=lambda x: f"{x:.1f}"))
    change = mean_change(pairs)
    print(f"\nMean change of the exact score: {'-' if change is None else f'{change:+.2f}'} points")
    print(f"Pooled AUC (matured months): current {pooled_auc(before, renewals, args)}   "
          f"{args.config_dir} {pooled_auc(after, renewals, args)}")
    return 0
