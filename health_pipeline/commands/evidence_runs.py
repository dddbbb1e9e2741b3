"""What the evidence commands share: the sandbox when nothing else is configured, and the stored months they read."""
from __future__ import annotations

import contextlib
import logging
import os
from typing import Callable, Iterator

import dagster as dg
import pandas as pd

from health_pipeline.commands.materialise import QUIET
from health_pipeline.definitions import ASSETS, EVIDENCE_ASSETS
from health_pipeline.deployment.profiles import resources_for_profile
from health_pipeline.sources.registry import BY_KEY

SCORES = dg.AssetKey("account_health_scores")
# the backtest loads every partition and skips, with a warning each, the months never scored: not news here
SILENT = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
SCORING_GROUPS = ("sources", "scoring")


@contextlib.contextmanager
def sources_available() -> Iterator[None]:
    """The sandbox emulators (over the shipped 200 accounts) unless Salesforce or another profile is configured."""
    salesforce_login = any(os.environ.get(key) for key in BY_KEY["salesforce"].secret_keys)
    if salesforce_login or os.environ.get("HEALTH_PIPELINE_PROFILE", "sandbox") != "sandbox":
        yield
        return
    from health_pipeline.sandbox.runner import Sandbox

    print("Starting the sandbox: Intercom, Jira, Looker and Salesforce emulators over the shipped 200 accounts ...")
    with Sandbox(state_dir=".sandbox") as sandbox:
        os.environ.update(sandbox.env())
        os.environ.setdefault("HEALTH_PIPELINE_DRY_RUN", "true")
        yield


def stored_months(instance: dg.DagsterInstance) -> set[str]:
    """The months whose scores are stored in the instance."""
    return set(instance.get_materialized_partitions(SCORES))


def score_missing_months(months: list[str], instance: dg.DagsterInstance,
                         progress: Callable[[str], None] = print) -> list[str]:
    """Extract and score (nothing is delivered) each month not stored yet, oldest first; returns errors."""
    errors: list[str] = []
    for period in sorted(set(months) - stored_months(instance)):
        progress(f"{period}: extracting and scoring ...")
        result = dg.materialize(ASSETS, partition_key=period, instance=instance, resources=resources_for_profile(),
                                run_config=QUIET, raise_on_error=False,
                                selection=dg.AssetSelection.groups(*SCORING_GROUPS),
                                tags={"health_pipeline/launched_by": "cli"})
        if not result.success:
            errors += [f"{period} {event.step_key}: {event.step_failure_data.error.message.splitlines()[0]}"
                       for event in result.get_step_failure_events() if event.step_failure_data.error]
    return errors


def run_backtest_asset(instance: dg.DagsterInstance, config: dict) -> dg.ExecuteInProcessResult:
    """Materialise score_backtest over the stored months with `config` (BacktestConfig fields)."""
    return dg.materialize([*ASSETS, *EVIDENCE_ASSETS], instance=instance, resources=resources_for_profile(),
                          run_config={**SILENT, "ops": {"score_backtest": {"config": config}}},
                          selection=dg.AssetSelection.assets(*EVIDENCE_ASSETS), raise_on_error=False,
                          tags={"health_pipeline/launched_by": "cli"})


def load_scores(instance: dg.DagsterInstance, months: list[str]) -> dict[str, pd.DataFrame]:
    """The stored scores of each month, read through the instance's IO manager."""
    definitions = dg.Definitions(assets=ASSETS, resources=resources_for_profile())
    logging.disable(logging.INFO)  # loading outside a run logs every partition at DEBUG on a logger of its own
    try:
        return {period: definitions.load_asset_value(SCORES, partition_key=period, instance=instance)
                for period in months}
    finally:
        logging.disable(logging.NOTSET)


def read_org_renewals() -> pd.DataFrame:
    """The closed renewals of the configured Salesforce org, read outside a run."""
    from health_pipeline.assets.evidence import read_renewals

    with dg.build_resources({"salesforce": resources_for_profile()["salesforce"]}) as resources:
        return read_renewals(resources.salesforce, print)
