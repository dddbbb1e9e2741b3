"""Check the configuration (weights, thresholds, pipeline settings, account mapping) and report every problem."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--config-dir``."""
    parser.add_argument(
        "--config-dir",
        metavar="DIR",
        type=Path,
        default=None,
        help="configuration directory (default: $HEALTH_PIPELINE_CONFIG_DIR, else the repository's config/)",
    )


def run(args: argparse.Namespace) -> int:
    """Print a summary and return 0 when the configuration is valid; print every problem and return 1."""
    from health_pipeline.settings import ConfigError, default_config_dir, load_config

    config_dir = args.config_dir if args.config_dir is not None else default_config_dir()
    try:
        config = load_config(config_dir)
    except ConfigError as error:
        print(f"Configuration in {config_dir} is invalid:", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        count = len(error.problems)
        print(f"{count} problem{'s' if count != 1 else ''} found.", file=sys.stderr)
        return 1
    scoring = config.scoring
    segments = ", ".join(f"{n} {s}" for s, n in sorted(config.mapping.segment_counts().items()))
    print(
        f"Configuration OK: {len(config.mapping)} accounts ({segments}), {len(scoring.metrics)} metrics "
        f"in {len(scoring.dimensions)} dimensions, {len(scoring.segments)} segments, "
        f"scoring fingerprint {scoring.fingerprint()} ({config_dir})"
    )
    return 0
