"""The resources both profiles build the same way: configuration, the health-score sink, failure alerts, the
alert digest's Slack webhook."""
from __future__ import annotations

from typing import Any, Mapping

from health_pipeline.automation.failure_reports import AlertResource
from health_pipeline.delivery.alert_digest import SlackAlertsResource
from health_pipeline.delivery.sink_resource import HealthScoreSinkResource
from health_pipeline.settings import default_config_dir, load_pipeline_settings
from health_pipeline.settings.resource import PipelineConfigResource
from health_pipeline.sources.factory import env_var

OUTPUT_DIR_ENV = "HEALTH_PIPELINE_OUTPUT_DIR"
DRY_RUN_ENV = "HEALTH_PIPELINE_DRY_RUN"


def output_dir(environ: Mapping[str, str]) -> str:
    """The output folder: HEALTH_PIPELINE_OUTPUT_DIR, else pipeline.yaml's delivery.output_dir."""
    return environ.get(OUTPUT_DIR_ENV) or str(load_pipeline_settings(default_config_dir()).delivery.output_dir)


def shared_resources(environ: Mapping[str, str], dry_run: bool) -> dict[str, Any]:
    """pipeline_config, sink, alerts and slack_alerts, as every profile has them."""
    delivery = load_pipeline_settings(default_config_dir()).delivery
    return {
        "pipeline_config": PipelineConfigResource(),
        "sink": HealthScoreSinkResource.from_settings(delivery, dry_run=dry_run, output_dir=output_dir(environ)),
        "alerts": AlertResource(
            slack_webhook_url=env_var(environ, "SLACK_WEBHOOK_URL"),
            rollbar_access_token=env_var(environ, "ROLLBAR_ACCESS_TOKEN"),
        ),
        "slack_alerts": SlackAlertsResource(webhook_url=env_var(environ, "SLACK_ALERTS_WEBHOOK_URL")),
    }
