"""Set each vendor pool's concurrency limit on the Dagster instance in DAGSTER_HOME (from the vendor registry)."""
from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """`pools` takes no arguments: the instance is the one DAGSTER_HOME names (or ./.dagster_home)."""


def run(args: argparse.Namespace) -> int:
    """Apply the limits and print them."""
    from health_pipeline.automation.pools import apply_pool_limits
    from health_pipeline.commands.materialise import project_instance

    with project_instance() as instance:
        for pool, limit in apply_pool_limits(instance).items():
            print(f"pool {pool}: at most {limit} run(s) at once")
    return 0
