"""The one Definitions of the code location: assets, checks, resources, jobs, schedules and sensors."""
from __future__ import annotations

import os
from typing import Mapping

import dagster as dg

from health_pipeline.assets.actions import account_alerts, salesforce_alert_tasks, slack_alert_digest
from health_pipeline.assets.delivery import salesforce_health_scores
from health_pipeline.assets.evidence import score_backtest
from health_pipeline.assets.export import export_assets
from health_pipeline.assets.mapping import account_mapping
from health_pipeline.assets.overrides import health_score_overrides
from health_pipeline.assets.scoring import account_health_scores
from health_pipeline.assets.sources import SOURCE_ASSETS
from health_pipeline.automation.executor import RUN_EXECUTOR
from health_pipeline.automation.job import monthly_health_score_job
from health_pipeline.automation.schedule import build_monthly_schedule
from health_pipeline.automation.sensors import report_failed_runs
from health_pipeline.automation.trend import trend_refresh, trend_watch
from health_pipeline.deployment.profiles import resources_for_profile
from health_pipeline.settings import default_config_dir, load_config

ASSETS = [account_mapping, *SOURCE_ASSETS, health_score_overrides, account_health_scores, salesforce_health_scores,
          account_alerts, salesforce_alert_tasks, slack_alert_digest]
EVIDENCE_ASSETS = [score_backtest]  # unpartitioned: it reads every stored month


def build_definitions(environ: Mapping[str, str] | None = None) -> dg.Definitions:
    """Validate the whole configuration, then assemble the graph with the chosen profile's resources."""
    env = os.environ if environ is None else environ
    load_config(default_config_dir())  # bad configuration stops the code location from loading, every problem listed
    return dg.Definitions(
        assets=[*ASSETS, *EVIDENCE_ASSETS, *export_assets(env)],
        jobs=[monthly_health_score_job],
        schedules=[build_monthly_schedule()],
        sensors=[report_failed_runs, trend_watch, trend_refresh],
        resources=resources_for_profile(env),
        executor=RUN_EXECUTOR,
    )


defs = build_definitions()
