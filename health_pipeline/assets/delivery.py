"""The salesforce_health_scores sink: only the month's new and changed Health_Score__c records are written (a CSV
in dry run); hand edits made in Salesforce are kept as the conflict policy says; every delivery is logged."""
# No `from __future__ import annotations`: Dagster compares the `context` annotation to the class itself.
from datetime import datetime, timezone
from typing import Any

import dagster as dg
import pandas as pd

from health_pipeline.assets.delivery_metadata import log_row, log_table, outcome_metadata, preview_metadata
from health_pipeline.assets.score_metadata import tier_metadata
from health_pipeline.delivery.coverage_guard import coverage_of
from health_pipeline.delivery.csv_output import failed_rows
from health_pipeline.delivery.delivery_log import append_row, log_timestamp
from health_pipeline.delivery.records import SOBJECT, health_score_records
from health_pipeline.delivery.salesforce_sync import plan_month, sync_month
from health_pipeline.delivery.sink_resource import HealthScoreSinkResource
from health_pipeline.delivery.sync_plan import SyncPlan
from health_pipeline.partitions import MONTHLY
from health_pipeline.sources.common.errors import SourceError
from health_pipeline.sources.salesforce.resource import SalesforceResource

NOT_CONFIGURED = ("Salesforce is not configured (no SF_CONSUMER_KEY / SF_CONSUMER_SECRET or other login is set), so the "
                  "health scores cannot be delivered. Set them, or run the sink in dry run (sink.dry_run: true).")


def keep_conflicts(context: dg.AssetExecutionContext, plan: SyncPlan, sink: HealthScoreSinkResource,
                   period: str) -> dict[str, Any]:
    """Write the month's conflicts CSV (or remove a stale one), log the preview, and describe both."""
    path = sink.keep_rows([conflict.row() for conflict in plan.conflicts], period, "conflicts",
                          sink.conflicts_file(period))
    context.log.info(f"{period}: sync preview {plan.preview()}")
    if path is not None:
        action = "overwritten" if plan.policy == "overwrite" else "kept as edited (not overwritten)"
        context.log.warning(f"{period}: {len(plan.conflicts)} records edited in Salesforce since our last write, "
                            f"{action}; listed in {path}")
    return preview_metadata(plan, path)


def dry_run(context: dg.AssetExecutionContext, records: list[dict], sink: HealthScoreSinkResource,
            salesforce: SalesforceResource, period: str) -> dict[str, Any]:
    """Write the month's CSV and, when Salesforce is reachable, preview the sync against it (no write)."""
    path = sink.write_dry_run(records, period)
    context.log.info(f"{period}: dry run, wrote {len(records)} {SOBJECT} records to {path}")
    metadata: dict[str, Any] = {"path": dg.MetadataValue.path(path), "rows": len(records)}
    if salesforce.is_configured():
        plan = plan_month(salesforce.open_client(context.log.warning), records, period, sink.conflict_policy)
        metadata.update(keep_conflicts(context, plan, sink, period))
    return metadata


def deliver(context: dg.AssetExecutionContext, records: list[dict], sink: HealthScoreSinkResource,
            salesforce: SalesforceResource, period: str) -> dict[str, Any]:
    """Write what changed, keep conflicts and refused records in their CSVs, log the delivery, describe it."""
    if not salesforce.is_configured():
        raise dg.Failure(description=NOT_CONFIGURED)
    started = log_timestamp(datetime.now(timezone.utc))
    client = salesforce.open_client(context.log.warning)
    previewed: dict[str, Any] = {}
    outcome = sync_month(client, records, period, policy=sink.conflict_policy, bulk_threshold=sink.bulk_threshold,
                         collection_size=sink.collection_size, poll_seconds=sink.bulk_poll_seconds,
                         on_plan=lambda plan: previewed.update(keep_conflicts(context, plan, sink, period)))
    failed_file = sink.keep_rows(failed_rows(outcome.upsert.failed), period, "failed_records",
                                 sink.failed_records_file(period))
    row = log_row(outcome, period, context.run.run_id, started, log_timestamp(datetime.now(timezone.utc)))
    store = sink.delivery_log_store()
    log_location = append_row(row, store)
    context.log.info(f"{period}: {row.created} created, {row.updated} updated, {row.unchanged} unchanged, "
                     f"{row.conflicts} conflicts, {row.failed} failed in {row.calls} calls ({row.method})")
    metadata = {**previewed, **outcome_metadata(outcome, dict(client.stats.calls), failed_file),
                "delivery_log": log_table(store), "delivery_log_file": dg.MetadataValue.path(log_location)}
    if row.failed > sink.failure_tolerance:
        raise dg.Failure(
            description=f"{row.failed} of {len(records)} {SOBJECT} records for {period} were refused by Salesforce"
                        f"{f' or before sending ({len(outcome.plan.invalid)} invalid)' if outcome.plan.invalid else ''}"
                        f" (tolerance {sink.failure_tolerance}); they are kept in {failed_file}", metadata=metadata)
    return metadata


@dg.asset(partitions_def=MONTHLY, group_name="delivery", kinds={"salesforce"}, owners=["team:data"])
def salesforce_health_scores(
    context: dg.AssetExecutionContext,
    account_health_scores: pd.DataFrame,
    sink: HealthScoreSinkResource,
    salesforce: SalesforceResource,
) -> dg.MaterializeResult:
    """Each account's monthly health score as a Health_Score__c record in Salesforce, upserted by account and month (a CSV file in dry run); only new and changed records are written, records edited in Salesforce since our last write are kept (conflicts CSV) unless the policy is overwrite, refused records are kept in a failed-records CSV, and every delivery appends a row to the delivery log."""
    period = context.partition_key
    records = health_score_records(account_health_scores, scored_at=datetime.now(timezone.utc))
    other_months = sorted({record["Period__c"] for record in records} - {period})
    if other_months:  # a wrong period would write another month's external IDs
        raise dg.Failure(description=f"account_health_scores for {period} holds rows of {', '.join(other_months)}")
    metadata: dict[str, Any] = {"period": period, "dry_run": sink.dry_run, "dagster/row_count": len(records),
                                **tier_metadata(account_health_scores),
                                **coverage_of(account_health_scores, period).as_metadata()}  # the guard's baseline
    action = dry_run if sink.dry_run else deliver
    try:
        metadata.update(action(context, records, sink, salesforce, period))
    except SourceError as error:
        raise dg.Failure(description=str(error), metadata={"source": error.source, "call": error.call}) from None
    return dg.MaterializeResult(metadata=metadata)
