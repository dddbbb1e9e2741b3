"""Materialises the whole graph for one month into a persistent Dagster instance, with progress lines."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import dagster as dg
import pandas as pd

from health_pipeline.automation.failure_reports import readable_error
from health_pipeline.automation.pools import apply_pool_limits
from health_pipeline.definitions import ASSETS
from health_pipeline.deployment.profiles import resources_for_profile

# The sandbox instance: vendor pools counted per run as in production (deploy/dagster.yaml), no telemetry.
SANDBOX_INSTANCE_YAML = """\
concurrency:
  pools:
    granularity: run
telemetry:
  enabled: false
"""
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class MonthResult:
    """What one month's run produced."""

    period: str
    success: bool
    scores: pd.DataFrame | None
    step_seconds: dict[str, float]
    errors: list[str]
    delivery: dict[str, object]
    alerts: pd.DataFrame | None = None
    actions: dict[str, dict[str, object]] = field(default_factory=dict)  # metadata of the action sinks, by asset


def project_instance(home: str | Path | None = None) -> dg.DagsterInstance:
    """The persistent instance in DAGSTER_HOME, or in .dagster_home of the working directory."""
    home = Path(home or os.environ.get("DAGSTER_HOME") or Path.cwd() / ".dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():  # said explicitly, else Dagster prints a notice every run
        (home / "dagster.yaml").write_text(SANDBOX_INSTANCE_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    instance = dg.DagsterInstance.get()
    apply_pool_limits(instance)
    return instance


def _step_seconds(result: dg.ExecuteInProcessResult) -> dict[str, float]:
    """Seconds per asset step, from the run's step-success events."""
    return {event.step_key: round(event.event_specific_data.duration_ms / 1000, 2)
            for event in result.all_events if event.is_step_success}


def _errors(result: dg.ExecuteInProcessResult) -> list[str]:
    """One readable sentence per failed step (the first line of its error)."""
    return [f"{event.step_key}: {readable_error(event.step_failure_data.error)}"
            for event in result.all_events if event.is_step_failure and event.step_failure_data.error is not None]


def _delivery(result: dg.ExecuteInProcessResult) -> dict[str, object]:
    """The sink's metadata (CSV path or created/updated/failed counts)."""
    for event in result.get_asset_materialization_events():
        if event.asset_key == dg.AssetKey("salesforce_health_scores"):
            return {key: value.value for key, value in event.materialization.metadata.items()
                    if key in ("csv_path", "path", "created", "updated", "failed", "rows", "method")}
    return {}


def _actions(result: dg.ExecuteInProcessResult) -> dict[str, dict[str, object]]:
    """The metadata of the alert tasks and the digest, by asset name."""
    return {event.asset_key.to_user_string(): {key: value.value for key, value in event.materialization.metadata.items()}
            for event in result.get_asset_materialization_events()
            if event.asset_key.to_user_string() in ("salesforce_alert_tasks", "slack_alert_digest")}


def materialise_month(period: str, instance: dg.DagsterInstance,
                      progress: Callable[[str], None] = print) -> MonthResult:
    """Run every asset of the graph for `period` (YYYY-MM) with the environment's profile resources."""
    progress(f"{period}: extracting, scoring and delivering ...")
    result = dg.materialize(ASSETS, partition_key=period, instance=instance,
                            resources=resources_for_profile(), run_config=QUIET, raise_on_error=False,
                            tags={"health_pipeline/launched_by": "cli"})
    seconds = _step_seconds(result)
    for step, value in seconds.items():
        progress(f"  {step:<28} done in {value:.2f}s")
    scores = result.output_for_node("account_health_scores") if "account_health_scores" in seconds else None
    alerts = result.output_for_node("account_alerts") if "account_alerts" in seconds else None
    return MonthResult(period, result.success, scores, seconds, _errors(result), _delivery(result), alerts,
                       _actions(result))
