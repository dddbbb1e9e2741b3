"""Does the score predict churn? Score the matured months not stored yet, then backtest them against renewals."""
from __future__ import annotations

import argparse
from datetime import date, datetime, timezone

import pandas as pd

from health_pipeline.evidence.backtest import MonthRange, matured_months
from health_pipeline.evidence.outcomes import HORIZON_DAYS

SHOWN = ["months", "n", "churned", "auc", "top_decile_lift", "critical_precision", "critical_recall",
         "churn_rate_critical", "churn_rate_at_risk", "churn_rate_healthy", "churn_rate_champion",
         "excluded_no_renewal", "excluded_no_score"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `health-pipeline backtest`."""
    parser.add_argument("--months", default="", help="YYYY-MM:YYYY-MM (default: every matured month)")
    parser.add_argument("--horizon-days", type=int, default=HORIZON_DAYS,
                        help=f"days after a month's end within which its renewal counts (default {HORIZON_DAYS})")
    parser.add_argument("--as-of", default="", help="YYYY-MM-DD taken as today (default: today, UTC)")
    parser.add_argument("--auc-floor", type=float, default=0.70, help="warn under this pooled AUC (default 0.70)")


def parse_as_of(text: str) -> date:
    """The --as-of date, or today (UTC)."""
    return date.fromisoformat(text) if text else datetime.now(timezone.utc).date()


def print_table(table: pd.DataFrame) -> None:
    """The backtest table, months then pooled then segments."""
    print(table[SHOWN].to_string(index=False, float_format=lambda x: f"{x:.3f}", na_rep="-"))


def run(args: argparse.Namespace) -> int:
    """Score what is missing, backtest, print the table and `AUC <pooled value>`."""
    try:
        chosen, as_of = MonthRange.parse(args.months), parse_as_of(args.as_of)
        if not 1 <= args.horizon_days <= 730:
            raise ValueError(f"--horizon-days must be 1..730, got {args.horizon_days}")
    except ValueError as error:
        print(str(error))
        return 2
    from health_pipeline.commands.errors import readable_errors
    from health_pipeline.commands.evidence_runs import run_backtest_asset, score_missing_months, sources_available
    from health_pipeline.commands.materialise import project_instance
    from health_pipeline.partitions import MONTHLY

    months = matured_months(MONTHLY.get_partition_keys(), args.horizon_days, as_of, chosen)
    if not months:
        print(f"No matured month in {args.months or 'the partitions'}: a month matures {args.horizon_days} days after it ends.")
        return 1
    with sources_available(), readable_errors():
        instance = project_instance()
        errors = score_missing_months(months, instance)
        if errors:
            print("\n".join(errors))
            return 1
        result = run_backtest_asset(instance, {"months": f"{months[0]}:{months[-1]}", "horizon_days": args.horizon_days,
                                               "auc_floor": args.auc_floor, "as_of": as_of.isoformat()})
    if not result.success:
        print("\n".join(event.step_failure_data.error.message.splitlines()[0]
                        for event in result.get_step_failure_events() if event.step_failure_data.error))
        return 1
    table = result.output_for_node("score_backtest")
    print(f"Backtest of {len(months)} matured month(s), {months[0]}..{months[-1]}, horizon {args.horizon_days} days:")
    print_table(table)
    print_learned(result.asset_materializations_for_node("score_backtest")[0].metadata)
    auc = table.set_index("months").loc["pooled", "auc"]
    print(f"AUC {'-' if pd.isna(auc) else f'{auc:.3f}'}")
    return 0


def print_learned(metadata: dict) -> None:
    """The learned model's line: its out-of-time AUC beside the rule score's, and the weights it would suggest."""
    model, rule = metadata["learned_model_auc"].value, metadata["rule_auc_same_months"].value
    if model is None:
        print("Learned model: not enough churned and retained accounts in both the older and the newer months.")
        return
    weights = ", ".join(f"{name} {share:g}%" for name, share in metadata["learned_suggested_weights_pct"].value.items())
    print(f"Learned model (advice only; trained on {metadata['learned_trained_on'].value}, tested on "
          f"{metadata['learned_tested_on'].value}): AUC {model:.3f} against the rule score's {rule:.3f}; "
          f"weights it would suggest: {weights}")
