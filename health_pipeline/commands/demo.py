"""The one-command demo: start the sandbox, score the last three complete months, show the results."""
from __future__ import annotations

import argparse
import os
from datetime import date
from pathlib import Path

from health_pipeline.commands.alert_summary import alert_lines, destination_lines
from health_pipeline.commands.summary import most_at_risk_lines, tier_lines, top_mover_lines

DIGEST_LINES = 12


def last_complete_months(today: date, count: int = 3) -> list[str]:
    """The `count` months before the current one, oldest first, as YYYY-MM."""
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        months.append(f"{year:04d}-{month:02d}")
    return list(reversed(months))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `health-pipeline demo`."""
    parser.add_argument("--months", type=int, default=3, help="complete months to score (default 3)")
    parser.add_argument("--output-dir", default="output", help="where the dry-run CSV files go (default output/)")


def run(args: argparse.Namespace) -> int:
    """Score the months into the project's Dagster instance and print what a CS manager would look at."""
    from health_pipeline.commands.errors import readable_errors
    from health_pipeline.sandbox.runner import Sandbox

    months = last_complete_months(date.today(), args.months)
    print("Starting the sandbox: Intercom, Jira, Looker and Salesforce emulators over the shipped 200 accounts ...")
    with Sandbox(state_dir=".sandbox") as sandbox, readable_errors():
        os.environ.update(sandbox.env())
        os.environ.setdefault("HEALTH_PIPELINE_DRY_RUN", "true")
        os.environ["HEALTH_PIPELINE_OUTPUT_DIR"] = args.output_dir
        from health_pipeline.commands.materialise import materialise_month, project_instance

        instance = project_instance()
        results = [materialise_month(period, instance) for period in months]
        digests = sandbox.slack.texts()  # what the loopback Slack webhook received
    failed = [month for month in results if not month.success]
    for month in failed:
        print(f"{month.period} failed:")
        print("\n".join(f"  {error}" for error in month.errors))
    if failed:
        return 1
    last = results[-1]
    print(f"\nTier distribution, {last.period} ({len(last.scores)} accounts):")
    print("\n".join(tier_lines(last.scores)))
    print(f"\nThe five accounts most at risk in {last.period}:")
    print("\n".join(most_at_risk_lines(last.scores)))
    if last.alerts is not None:
        print(f"\nAlerts in {last.period} by severity ({len(last.alerts)}; plays in config/plays.yaml):")
        print("\n".join(alert_lines(last.alerts)))
        print("\n".join(destination_lines(last.actions)))
    if digests:
        shown = digests[-1].rstrip().splitlines()
        print(f"\nThe Slack digest of {last.period}, as the sandbox's webhook received it (first {DIGEST_LINES} lines):")
        print("\n".join(shown[:DIGEST_LINES]) + ("\n  ..." if len(shown) > DIGEST_LINES else ""))
    print(f"\nCSV files (dry-run): {Path(args.output_dir).resolve()}/health_scores_<month>.csv")
    print(f"Dagster instance: {os.environ['DAGSTER_HOME']}")
    print("Open the UI on these runs (two terminals, this folder):")
    print("  health-pipeline sandbox --env-file .env")
    print("  DAGSTER_HOME=$PWD/.dagster_home dagster dev -m health_pipeline.definitions")
    print("Open the dashboard on these months:  health-pipeline dashboard  (then http://localhost:8501)")
    print(f"\nThe scores that moved most since {results[-2].period if len(results) > 1 else 'last month'}, and why:")
    print("\n".join(top_mover_lines(last.scores)) or "  (no previous month scored)")
    print("\nDoes the score predict churn? Backtest the matured months against the renewals that followed them:")
    print("  health-pipeline backtest")
    return 0
