"""The salesforce_health_scores sink: the month's scores upserted as Health_Score__c records, or a CSV in dry run."""
# No `from __future__ import annotations`: Dagster compares the `context` annotation to the class itself.
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

import dagster as dg
import pandas as pd

from health_pipeline.delivery.csv_output import write_csv_atomically, write_failed_records
from health_pipeline.delivery.records import EXTERNAL_ID, SOBJECT, health_score_records
from health_pipeline.delivery.salesforce_writer import UpsertOutcome, upsert_health_scores
from health_pipeline.delivery.sink_resource import HealthScoreSinkResource
from health_pipeline.partitions import MONTHLY
from health_pipeline.scoring.assemble import tier_counts
from health_pipeline.sources.salesforce.resource import SalesforceResource

FAILED_EXAMPLES = 5
TIER_SCHEMA = dg.TableSchema(columns=[
    dg.TableColumn("tier", "string", description="Health tier"),
    dg.TableColumn("accounts", "int", description="Accounts in the tier this month"),
])
NOT_CONFIGURED = ("Salesforce is not configured (no SF_CONSUMER_KEY / SF_CONSUMER_SECRET or other login is set), so the "
                  "health scores cannot be delivered. Set them, or run the sink in dry run (sink.dry_run: true).")


def tier_table(scores: pd.DataFrame) -> dg.TableMetadataValue:
    """Accounts per tier as a table for the UI."""
    rows = [dg.TableRecord({"tier": tier, "accounts": count}) for tier, count in tier_counts(scores).items()]
    return dg.MetadataValue.table(records=rows, schema=TIER_SCHEMA)


def failed_examples(failed: Sequence[tuple[dict, str]]) -> dg.MetadataValue:
    """The first refused records and their errors as a Markdown table."""
    rows = [{"key": record.get(EXTERNAL_ID), "account": record.get("Account__c"), "error": error}
            for record, error in failed[:FAILED_EXAMPLES]]
    return dg.MetadataValue.md(pd.DataFrame(rows, columns=["key", "account", "error"]).to_markdown(index=False))


def outcome_metadata(outcome: UpsertOutcome, calls: dict[str, int], failed_file: Path | None) -> dict[str, Any]:
    """What a live delivery did, for the UI."""
    metadata: dict[str, Any] = {
        "created": outcome.created, "updated": outcome.updated, "failed": len(outcome.failed),
        "method": outcome.method, "write_api_calls": outcome.api_calls,
        "api_calls_by_endpoint": dg.MetadataValue.json(calls),
    }
    if failed_file is not None:
        metadata["failed_records_path"] = dg.MetadataValue.path(str(failed_file.resolve()))
        metadata["failed_examples"] = failed_examples(outcome.failed)
    return metadata


def deliver(context: dg.AssetExecutionContext, records: list[dict], sink: HealthScoreSinkResource,
            salesforce: SalesforceResource, period: str) -> dict[str, Any]:
    """Upsert the records, keep the refused ones in the failed-records CSV, and describe the outcome."""
    if not salesforce.is_configured():
        raise dg.Failure(description=NOT_CONFIGURED)
    method = "bulk2" if len(records) >= sink.bulk_threshold else "collections"
    context.log.info(f"{period}: {len(records)} {SOBJECT} records to upsert by {EXTERNAL_ID} via {method}")
    client = salesforce.open_client(context.log.warning)
    outcome = upsert_health_scores(client.sf, records, bulk_threshold=sink.bulk_threshold,
                                   collection_size=sink.collection_size, poll_seconds=sink.bulk_poll_seconds)
    failed_file = write_failed_records(outcome.failed, sink.failed_records_file(period))
    context.log.info(f"{period}: {outcome.created} created, {outcome.updated} updated, {len(outcome.failed)} failed "
                     f"in {outcome.api_calls} {outcome.method} calls")
    if failed_file is not None:
        context.log.warning(f"{period}: {len(outcome.failed)} records refused by Salesforce, kept in {failed_file}")
    metadata = outcome_metadata(outcome, dict(client.stats.calls), failed_file)
    if len(outcome.failed) > sink.failure_tolerance:
        raise dg.Failure(
            description=f"{len(outcome.failed)} of {len(records)} {SOBJECT} records for {period} were refused by "
                        f"Salesforce (tolerance {sink.failure_tolerance}); they are kept in {failed_file}",
            metadata=metadata)
    return metadata


@dg.asset(partitions_def=MONTHLY, group_name="delivery", kinds={"salesforce"}, owners=["team:data"])
def salesforce_health_scores(
    context: dg.AssetExecutionContext,
    account_health_scores: pd.DataFrame,
    sink: HealthScoreSinkResource,
    salesforce: SalesforceResource,
) -> dg.MaterializeResult:
    """Each account's monthly health score as a Health_Score__c record in Salesforce, upserted by account and month (a CSV file in dry run); refused records are kept in a failed-records CSV."""
    period = context.partition_key
    records = health_score_records(account_health_scores, scored_at=datetime.now(timezone.utc))
    other_months = sorted({record["Period__c"] for record in records} - {period})
    if other_months:  # a wrong period would write another month's external IDs
        raise dg.Failure(description=f"account_health_scores for {period} holds rows of {', '.join(other_months)}")
    metadata: dict[str, Any] = {"period": period, "dry_run": sink.dry_run, "dagster/row_count": len(records),
                                "tier_distribution": tier_table(account_health_scores)}
    if sink.dry_run:
        path = write_csv_atomically(records, sink.dry_run_file(period))
        context.log.info(f"{period}: dry run, wrote {len(records)} {SOBJECT} records to {path}")
        return dg.MaterializeResult(metadata={**metadata, "path": dg.MetadataValue.path(str(path.resolve())),
                                              "rows": len(records)})
    return dg.MaterializeResult(metadata={**metadata, **deliver(context, records, sink, salesforce, period)})
