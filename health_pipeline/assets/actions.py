"""The actions group: the month's alerts from the plays, a Salesforce Task per new alert, and the Slack digest."""
# No `from __future__ import annotations`: Dagster compares the `context` annotation to the class itself.
from typing import Any, Iterator

import dagster as dg
import pandas as pd

from health_pipeline.actions.alerts import account_facts, owners_from_scores, raise_alerts, severity_counts
from health_pipeline.actions.history import STILL_OPEN, feedback_by_play, parse_alert_tasks, too_often_wrong
from health_pipeline.actions.records import TASK_EXTERNAL_ID, TASK_SOBJECT, digest_text, task_records
from health_pipeline.assets.action_metadata import alerts_metadata
from health_pipeline.delivery.alert_digest import SlackAlertsResource
from health_pipeline.delivery.alert_files import alerts_path, digest_path, failed_tasks_path, write_text_atomically
from health_pipeline.delivery.csv_output import failed_rows, write_csv_atomically
from health_pipeline.delivery.salesforce_writer import upsert_health_scores
from health_pipeline.delivery.sink_resource import HealthScoreSinkResource
from health_pipeline.partitions import MONTHLY
from health_pipeline.scoring.catalogue import ID_COLUMN
from health_pipeline.settings.resource import PipelineConfigResource
from health_pipeline.sources.common.period import Period
from health_pipeline.sources.salesforce.alert_context import read_alert_context
from health_pipeline.sources.salesforce.resource import SalesforceResource

ALERTS = dg.AssetKey("account_alerts")
FEEDBACK_CHECK = "play_feedback"


@dg.asset(partitions_def=MONTHLY, group_name="actions", kinds={"pandas", "salesforce"}, owners=["team:data"],
          pool="salesforce", check_specs=[dg.AssetCheckSpec(
              FEEDBACK_CHECK, asset=ALERTS,
              description="Warns when CSMs marked too many of a play's earlier alerts inaccurate (plays.yaml feedback).")])
def account_alerts(context: dg.AssetExecutionContext, pipeline_config: PipelineConfigResource,
                   salesforce: SalesforceResource, account_health_scores: pd.DataFrame,
                   salesforce_account_metrics: pd.DataFrame) -> Iterator[Any]:
    """One row per (account, play) that fired this month: severity, score and change, reasons, suggested action, owner and due date, and whether a task is new or still open."""
    period = context.partition_key
    config = pipeline_config.load()
    org = read_alert_context(salesforce, Period.parse(period), list(account_health_scores[ID_COLUMN]),
                             context.log.warning, known_owners=owners_from_scores(account_health_scores))
    tasks, unreadable = parse_alert_tasks(org.task_records)
    for problem in unreadable:
        context.log.warning(f"alert task left out of the history: {problem}")
    facts = account_facts(account_health_scores, salesforce_account_metrics, org.new_critical)
    alerts = raise_alerts(facts, config.plays.plays, period, org.owners, org.owner_names,
                          config.plays.data_team_owner_id, tasks)
    stats = feedback_by_play(tasks, period, [play.name for play in config.plays.plays])
    context.log.info(f"{period}: {len(alerts)} alerts {severity_counts(alerts)}")
    yield dg.Output(alerts, metadata=alerts_metadata(alerts, stats, org.calls, org.configured, len(unreadable)))
    limits = config.plays.feedback
    wrong = too_often_wrong(stats, limits.max_inaccurate_share, limits.min_responses)
    yield dg.AssetCheckResult(
        check_name=FEEDBACK_CHECK, asset_key=ALERTS, passed=not wrong, severity=dg.AssetCheckSeverity.WARN,
        description=(f"CSMs marked more than {limits.max_inaccurate_share:.0%} of the alerts of {', '.join(wrong)} "
                     f"inaccurate: review those plays' rules" if wrong else "no play is marked inaccurate too often"),
        metadata={f"inaccurate_share_{s.play}": s.share("inaccurate") for s in stats if s.responses},
    )


def upsert_tasks(context: dg.AssetExecutionContext, records: list[dict], sink: HealthScoreSinkResource,
                 salesforce: SalesforceResource, period: str) -> dict[str, Any]:
    """Upsert the alert Tasks by Health_Alert_Key__c; refused ones go to a CSV and fail the asset above the tolerance."""
    if not salesforce.is_configured():
        raise dg.Failure(description="Salesforce is not configured (SF_USERNAME, SF_PASSWORD and SF_SECURITY_TOKEN "
                                     "are unset), so the alert tasks cannot be written; set them or use dry run.")
    client = salesforce.open_client(context.log.warning)
    outcome = upsert_health_scores(client.sf, records, bulk_threshold=sink.bulk_threshold,
                                   collection_size=sink.collection_size, poll_seconds=sink.bulk_poll_seconds,
                                   sobject=TASK_SOBJECT, external_id=TASK_EXTERNAL_ID)
    refused = sink.keep_rows(failed_rows(outcome.failed), period, "failed_alert_tasks",
                             failed_tasks_path(sink.output_dir, period))
    metadata: dict[str, Any] = {"created": outcome.created, "updated": outcome.updated, "failed": len(outcome.failed),
                                "method": outcome.method, "write_api_calls": outcome.api_calls}
    if refused is not None:
        metadata["failed_tasks_path"] = dg.MetadataValue.path(refused)
        context.log.warning(f"{period}: {len(outcome.failed)} alert tasks refused by Salesforce, kept in {refused}")
    if len(outcome.failed) > sink.failure_tolerance:
        raise dg.Failure(description=f"{len(outcome.failed)} of {len(records)} alert tasks for {period} were refused "
                                     f"by Salesforce (tolerance {sink.failure_tolerance}); they are kept in {refused}",
                         metadata=metadata)
    return metadata


@dg.asset(partitions_def=MONTHLY, group_name="actions", kinds={"salesforce"}, owners=["team:data"], pool="salesforce")
def salesforce_alert_tasks(context: dg.AssetExecutionContext, account_alerts: pd.DataFrame,
                           sink: HealthScoreSinkResource, salesforce: SalesforceResource) -> dg.MaterializeResult:
    """One Salesforce Task per new alert for the account's owner, upserted by Health_Alert_Key__c so a re-run creates none; alerts whose earlier task is still open get none (a CSV of the alerts in dry run)."""
    period = context.partition_key
    records = task_records(account_alerts)
    still_open = account_alerts[account_alerts["status"] == STILL_OPEN]
    metadata: dict[str, Any] = {"period": period, "dry_run": sink.dry_run, "alerts": len(account_alerts),
                                "new_tasks": len(records), "still_open": len(still_open),
                                "still_open_alerts": dg.MetadataValue.json(list(still_open["alert_key"]))}
    if sink.dry_run:
        path = write_csv_atomically(account_alerts, alerts_path(sink.output_dir, period))
        context.log.info(f"{period}: dry run, wrote {len(account_alerts)} alerts to {path}")
        return dg.MaterializeResult(metadata={**metadata, "path": dg.MetadataValue.path(str(path.resolve()))})
    return dg.MaterializeResult(metadata={**metadata, **upsert_tasks(context, records, sink, salesforce, period)})


@dg.asset(partitions_def=MONTHLY, group_name="actions", kinds={"slack"}, owners=["team:data"])
def slack_alert_digest(context: dg.AssetExecutionContext, account_alerts: pd.DataFrame,
                       sink: HealthScoreSinkResource, slack_alerts: SlackAlertsResource) -> dg.MaterializeResult:
    """The month's alert digest (counts per severity, the critical and high accounts with reasons and owners) posted to Slack; kept as a Markdown file in dry run or without a webhook."""
    period = context.partition_key
    text = digest_text(account_alerts, period)
    metadata: dict[str, Any] = {"period": period, "digest": dg.MetadataValue.md(text),
                                "posted_to_slack": slack_alerts.is_configured()}
    if sink.dry_run or not slack_alerts.is_configured():
        path = write_text_atomically(text, digest_path(sink.output_dir, period))
        metadata["path"] = dg.MetadataValue.path(str(path.resolve()))
        context.log.info(f"{period}: wrote the alert digest to {path}")
    if slack_alerts.is_configured():
        slack_alerts.post(text)
        context.log.info(f"{period}: posted the alert digest to Slack")
    else:
        context.log.warning(f"{period}: SLACK_ALERTS_WEBHOOK_URL is not set, so the digest was not posted")
    return dg.MaterializeResult(metadata=metadata)
