"""Materialises the whole graph for one month into a persistent Dagster instance, with progress lines."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import dagster as dg
import pandas as pd

from health_pipeline.automation.failure_reports import readable_error
from health_pipeline.automation.job import MONTHLY_JOB_NAME, monthly_health_score_job
from health_pipeline.automation.pools import apply_pool_limits
from health_pipeline.commands.one_month_at_a_time import claim_month, process_tags
from health_pipeline.commands.run_log import write_run_log
from health_pipeline.definitions import ASSETS
from health_pipeline.deployment.profiles import resources_for_profile

# The sandbox instance: vendor pools counted per run as in production (deploy/dagster.yaml), one run per month
# at a time for runs launched from the UI (the CLI's in-process runs are held to it by one_month_at_a_time),
# run monitoring for `dagster dev`'s daemon, no telemetry.
SANDBOX_INSTANCE_YAML = """\
concurrency:
  runs:
    tag_concurrency_limits:
      - key: "dagster/partition"
        value:
          applyLimitPerUniqueValue: true
        limit: 1
  pools:
    granularity: run
run_monitoring:
  enabled: true
telemetry:
  enabled: false
"""
# Stack traces go to the run's log (and its file when the run fails), not the terminal.
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


@dataclass
class MonthResult:
    """What one month's run produced."""

    period: str
    success: bool
    scores: pd.DataFrame | None
    step_seconds: dict[str, float]
    errors: list[str]
    delivery: dict[str, object]
    unconfigured: str = "none"
    log_path: Path | None = None
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
            for event in result.all_events if event.is_step_failure and event.step_failure_data.error is not None
            and event.step_failure_data.error.cls_name != "DagsterAssetCheckFailedError"]  # said by _failed_checks


def _failed_checks(result: dg.ExecuteInProcessResult) -> list[str]:
    """One sentence per failed blocking check (its verdict when it gives one)."""
    sentences = []
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
            verdict = evaluation.metadata.get("verdict")
            text = verdict.value if verdict is not None else evaluation.description or "failed"
            sentences.append(f"check {evaluation.check_name}: {text}")
    return sentences


def _scores_metadata(result: dg.ExecuteInProcessResult, key: str) -> str:
    """One metadata value of the account_health_scores materialisation, as text."""
    for event in result.get_asset_materialization_events():
        if event.asset_key == dg.AssetKey("account_health_scores") and key in event.materialization.metadata:
            return str(event.materialization.metadata[key].value)
    return "unknown"


def _delivery(result: dg.ExecuteInProcessResult) -> dict[str, object]:
    """The sink's metadata (CSV path or created/updated/failed counts)."""
    for event in result.get_asset_materialization_events():
        if event.asset_key == dg.AssetKey("salesforce_health_scores"):
            return {key: value.value for key, value in event.materialization.metadata.items()
                    if key in ("csv_path", "path", "created", "updated", "unchanged", "conflicts", "failed", "rows",
                               "method", "sync_preview", "conflicts_path")}
    return {}


def _actions(result: dg.ExecuteInProcessResult) -> dict[str, dict[str, object]]:
    """The metadata of the alert tasks and the digest, by asset name."""
    return {event.asset_key.to_user_string(): {key: value.value for key, value in event.materialization.metadata.items()}
            for event in result.get_asset_materialization_events()
            if event.asset_key.to_user_string() in ("salesforce_alert_tasks", "slack_alert_digest")}


def monthly_job() -> dg.JobDefinition:
    """The monthly_health_score job over the graph's assets with the environment's profile resources."""
    defs = dg.Definitions(assets=ASSETS, jobs=[monthly_health_score_job], resources=resources_for_profile())
    return defs.resolve_job_def(MONTHLY_JOB_NAME)


def materialise_month(period: str, instance: dg.DagsterInstance, progress: Callable[[str], None] = print,
                      tags: dict[str, str] | None = None) -> MonthResult:
    """Run the monthly_health_score job for `period` (YYYY-MM) in process, as the schedule and the UI name it.

    Raises MonthBusy when another live run of the month is in flight; a failed run's events are written to
    `<DAGSTER_HOME>/logs/<run id>.log`.
    """
    for run_id in claim_month(instance, period):
        progress(f"{period}: run {run_id} was left unfinished by a stopped process; marked failed")
    progress(f"{period}: extracting, scoring and delivering ...")
    result = monthly_job().execute_in_process(
        partition_key=period, instance=instance, run_config=QUIET, raise_on_error=False,
        tags={"health_pipeline/launched_by": "cli", **process_tags(), **(tags or {})})
    seconds = _step_seconds(result)
    for step, value in seconds.items():
        progress(f"  {step:<28} done in {value:.2f}s")
    scores = result.output_for_node("account_health_scores") if "account_health_scores" in seconds else None
    alerts = result.output_for_node("account_alerts") if "account_alerts" in seconds else None
    month = MonthResult(period, result.success, scores, seconds, _failed_checks(result) + _errors(result),
                        _delivery(result), _scores_metadata(result, "unconfigured_sources"), alerts=alerts,
                        actions=_actions(result))
    if not result.success:
        month.log_path = write_run_log(instance, result.run_id, Path(instance.root_directory) / "logs")
    return month
