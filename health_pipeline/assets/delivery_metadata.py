"""What the delivery asset shows in the UI: tiers, refused records, the sync preview and the delivery log."""
from typing import Any, Sequence

import dagster as dg
import pandas as pd

from health_pipeline.delivery.delivery_log import DeliveryLogRow, read_log
from health_pipeline.delivery.parquet_export import ParquetExportResource
from health_pipeline.delivery.records import EXTERNAL_ID
from health_pipeline.delivery.salesforce_sync import SyncOutcome
from health_pipeline.delivery.sync_plan import SyncPlan

FAILED_EXAMPLES = 5
LOG_MONTHS_SHOWN = 24
LOG_SCHEMA = dg.TableSchema(columns=[
    dg.TableColumn(name, kind, description=text) for name, kind, text in (
        ("month", "string", "Month delivered (YYYY-MM)"), ("run_id", "string", "Dagster run"),
        ("started_at", "string", "Start of the delivery (UTC)"), ("finished_at", "string", "End of the delivery (UTC)"),
        ("created", "int", "Records created"), ("updated", "int", "Records updated"),
        ("unchanged", "int", "Records left as they were (no write)"),
        ("conflicts", "int", "Records edited in Salesforce since our last write"),
        ("failed", "int", "Records refused"), ("calls", "int", "HTTP calls, login included"),
        ("method", "string", "collections, bulk2 or none"))
])


def failed_examples(failed: Sequence[tuple[dict, str]]) -> dg.MetadataValue:
    """The first refused records and their errors as a Markdown table."""
    rows = [{"key": record.get(EXTERNAL_ID), "account": record.get("Account__c"), "error": error}
            for record, error in failed[:FAILED_EXAMPLES]]
    return dg.MetadataValue.md(pd.DataFrame(rows, columns=["key", "account", "error"]).to_markdown(index=False))


def preview_metadata(plan: SyncPlan, conflicts_file: str | None) -> dict[str, Any]:
    """The sync preview: total, to create, to update, unchanged, conflicts and invalid records."""
    metadata: dict[str, Any] = {"sync_preview": dg.MetadataValue.json(plan.preview()),
                                "conflict_policy": plan.policy}
    if conflicts_file is not None:
        metadata["conflicts_path"] = dg.MetadataValue.path(conflicts_file)
    return metadata


def outcome_metadata(outcome: SyncOutcome, calls: dict[str, int], failed_file: str | None) -> dict[str, Any]:
    """What a live delivery did, for the UI (numbers are plotted over the months)."""
    upsert = outcome.upsert
    metadata: dict[str, Any] = {
        "created": upsert.created, "updated": upsert.updated, "unchanged": len(outcome.plan.unchanged),
        "conflicts": len(outcome.plan.conflicts), "failed": len(upsert.failed), "method": log_method(outcome),
        "write_api_calls": upsert.api_calls, "api_calls": outcome.calls,
        "api_calls_by_endpoint": dg.MetadataValue.json(calls),
    }
    if failed_file is not None:
        metadata["failed_records_path"] = dg.MetadataValue.path(failed_file)
        metadata["failed_examples"] = failed_examples(upsert.failed)
    return metadata


def log_method(outcome: SyncOutcome) -> str:
    """How the records went out: `collections`, `bulk2`, or `none` when nothing needed writing."""
    return outcome.upsert.method if outcome.plan.writes else "none"


def log_row(outcome: SyncOutcome, period: str, run_id: str, started: str, finished: str) -> DeliveryLogRow:
    """The delivery's row of the delivery log."""
    upsert = outcome.upsert
    return DeliveryLogRow(month=period, run_id=run_id, started_at=started, finished_at=finished,
                          created=upsert.created, updated=upsert.updated, unchanged=len(outcome.plan.unchanged),
                          conflicts=len(outcome.plan.conflicts), failed=len(upsert.failed), calls=outcome.calls,
                          method=log_method(outcome))


def log_table(store: ParquetExportResource) -> dg.TableMetadataValue:
    """The last deliveries of the log, one row each, for the UI."""
    frame = read_log(store).tail(LOG_MONTHS_SHOWN)
    rows = [dg.TableRecord({key: value.item() if hasattr(value, "item") else value for key, value in row.items()})
            for row in frame.to_dict("records")]
    return dg.MetadataValue.table(records=rows, schema=LOG_SCHEMA)
