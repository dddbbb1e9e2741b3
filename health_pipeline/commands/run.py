"""Score one month: materialise the whole graph for --period with the configured resources."""
from __future__ import annotations

import argparse
import os
import signal
from pathlib import Path
from typing import Any

from health_pipeline.commands.summary import most_at_risk_lines, sync_preview_line, tier_lines

DEFAULT_ENV_FILE = ".env"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `health-pipeline run`."""
    parser.add_argument("--period", required=True, help="the month to score, YYYY-MM")
    parser.add_argument("--dry-run", action="store_true", help="write the CSV instead of upserting to Salesforce")
    parser.add_argument("--config-dir", help="configuration directory (default: the project's config/)")
    parser.add_argument("--env-file", help="read environment variables from this dotenv file first "
                                           "(default: ./.env when it exists)")
    parser.add_argument("--allow-coverage-drop", action="store_true",
                        help="deliver even when the month's coverage collapsed against earlier deliveries")


def load_env_file(path: str) -> None:
    """Set the variables of a dotenv file that are not already set."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                name, value = line.split("=", 1)
                os.environ.setdefault(name.strip(), value.strip())


def _read_environment(env_file: str | None) -> str | None:
    """Load the named env file (or ./.env when present); a sentence when a named file is missing."""
    if env_file is None:
        if not Path(DEFAULT_ENV_FILE).is_file():
            print("No --env-file given and no ./.env here: only the shell's environment variables are used.")
            return None
        env_file = DEFAULT_ENV_FILE
    if not Path(env_file).is_file():
        return f"--env-file {env_file}: no such file"
    load_env_file(env_file)
    print(f"Read environment variables from {Path(env_file).resolve()}")
    return None


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    """A SIGTERM ends the run like Ctrl-C: the run is marked failed and an open Bulk API job is aborted."""
    raise KeyboardInterrupt


def _check_period(period: str) -> str | None:
    """A sentence when `period` is not a month that can be scored, else None."""
    from health_pipeline.partitions import MONTHLY

    keys = MONTHLY.get_partition_keys()
    if period in keys:
        return None
    span = f"{keys[0]} to {keys[-1]}" if keys else "none yet"
    return (f"--period {period} is not a month that can be scored: the months are {span} "
            f"(complete months from partitions.start_month in pipeline.yaml)")


def run(args: argparse.Namespace) -> int:
    """Materialise the month and print its outcome; exit 1 with a clear sentence on failure."""
    from health_pipeline.commands.errors import readable_errors
    from health_pipeline.sources.common.period import Period

    try:
        Period.parse(args.period)
    except ValueError:
        print(f"--period must be a month as YYYY-MM, got {args.period!r}")
        return 2
    problem = _read_environment(args.env_file)
    if problem:
        print(problem)
        return 2
    if args.config_dir:
        os.environ["HEALTH_PIPELINE_CONFIG_DIR"] = args.config_dir
    if args.dry_run:
        os.environ["HEALTH_PIPELINE_DRY_RUN"] = "true"
    with readable_errors():
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
        from health_pipeline.settings import default_config_dir, load_config

        load_config(default_config_dir())  # every configuration problem at once, before anything runs
        problem = _check_period(args.period)
        if problem:
            print(problem)
            return 2
        from health_pipeline.assets.delivery_guard import OVERRIDE_TAG
        from health_pipeline.commands.materialise import materialise_month, project_instance

        tags = {OVERRIDE_TAG: "true"} if args.allow_coverage_drop else {}
        month = materialise_month(args.period, project_instance(), tags=tags)
    if month.unconfigured not in ("none", "unknown"):
        print(f"WARNING: not configured: {month.unconfigured} (every metric of theirs is missing this month)")
    if not month.success:
        print(f"{args.period} failed:")
        for error in month.errors:
            print(f"  {error}")
        print(f"Full log: {month.log_path}")
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
