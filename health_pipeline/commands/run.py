"""Score one month: materialise the whole graph for --period with the configured resources."""
from __future__ import annotations

import argparse
import os
import re

from health_pipeline.commands.summary import most_at_risk_lines, sync_preview_line, tier_lines


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `health-pipeline run`."""
    parser.add_argument("--period", required=True, help="the month to score, YYYY-MM")
    parser.add_argument("--dry-run", action="store_true", help="write the CSV instead of upserting to Salesforce")
    parser.add_argument("--config-dir", help="configuration directory (default: the project's config/)")
    parser.add_argument("--env-file", help="read environment variables from this dotenv file first")


def load_env_file(path: str) -> None:
    """Set the variables of a dotenv file that are not already set."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                name, value = line.split("=", 1)
                os.environ.setdefault(name.strip(), value.strip())


def run(args: argparse.Namespace) -> int:
    """Materialise the month and print its outcome; exit 1 with a clear sentence on failure."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", args.period):
        print(f"--period must be a month as YYYY-MM, got {args.period!r}")
        return 2
    if args.env_file:
        load_env_file(args.env_file)
    if args.config_dir:
        os.environ["HEALTH_PIPELINE_CONFIG_DIR"] = args.config_dir
    if args.dry_run:
        os.environ["HEALTH_PIPELINE_DRY_RUN"] = "true"
    from health_pipeline.commands.errors import readable_errors
    with readable_errors():
        from health_pipeline.settings import default_config_dir, load_config

        load_config(default_config_dir())  # every configuration problem at once, before anything runs
        from health_pipeline.commands.materialise import materialise_month, project_instance

        month = materialise_month(args.period, project_instance())
    if not month.success:
        print(f"{args.period} failed:")
        for error in month.errors:
            print(f"  {error}")
        return 1
    print(f"{args.period} scored: {len(month.scores)} accounts")
    print("\n".join(tier_lines(month.scores)))
    print("Most at risk:")
    print("\n".join(most_at_risk_lines(month.scores)))
    preview = sync_preview_line(month.delivery)
    if preview is not None:
        print(preview)
    print(f"Delivery: {month.delivery}")
    return 0
