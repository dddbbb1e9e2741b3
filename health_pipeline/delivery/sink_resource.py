"""The health-score sink's settings: dry run or live, where files go, and how records reach Salesforce."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Mapping, Optional, Sequence

import dagster as dg
from pydantic import Field

from health_pipeline.delivery.csv_output import (
    CSV_CONTENT_TYPE,
    bucket_key,
    conflicts_path,
    csv_bytes,
    dry_run_path,
    failed_records_path,
    write_csv_atomically,
    write_rows_or_remove,
)
from health_pipeline.delivery.parquet_export import ParquetExportResource
from health_pipeline.settings.pipeline import DeliverySettings


class HealthScoreSinkResource(dg.ConfigurableResource):
    """Where the month's health scores go: a CSV file (dry run) or Health_Score__c records in Salesforce."""

    dry_run: bool = Field(
        default=True, description="Write the month's records to a CSV file instead of Salesforce.")
    output_dir: str = Field(
        default="output", description="Folder of the dry-run, failed-records and conflicts CSVs when no bucket is "
        "set.")
    bulk_threshold: int = Field(
        default=2000, ge=1, description="Use Bulk API 2.0 from this many records, sObject Collections below.")
    failure_tolerance: int = Field(
        default=0, ge=0, description="Records that may fail to deliver before the asset fails.")
    bulk_poll_seconds: float = Field(
        default=2.0, gt=0, description="Seconds between Bulk API 2.0 job status polls.")
    collection_size: int = Field(
        default=200, ge=1, le=200, description="Records per sObject Collections call (1 to 200).")
    conflict_policy: Literal["skip", "overwrite"] = Field(
        default="skip", description="A record edited in Salesforce since our last write: 'skip' keeps the edit "
        "(reported in conflicts_<YYYY-MM>.csv), 'overwrite' replaces it with the computed record.")
    log_s3_bucket: Optional[str] = Field(
        default=None, description="Bucket of the delivery log and of the dry-run, failed-records and conflicts "
        "CSVs (production); unset: under output_dir.")
    log_s3_prefix: str = Field(default="", description="Key prefix before delivery_log/ in the bucket.")
    log_s3_endpoint_url: Optional[str] = Field(default=None, description="S3 endpoint of the bucket (unset: AWS).")

    @classmethod
    def from_settings(cls, delivery: DeliverySettings, *, dry_run: bool = True,
                      output_dir: str | None = None) -> "HealthScoreSinkResource":
        """The sink configured from `pipeline.yaml`'s delivery section (`output_dir` overrides its folder)."""
        return cls(dry_run=dry_run, output_dir=output_dir or str(delivery.output_dir),
                   bulk_threshold=delivery.bulk_threshold, failure_tolerance=delivery.failure_tolerance,
                   conflict_policy=delivery.conflict_policy)

    def dry_run_file(self, period: str) -> Path:
        """The dry-run CSV of month `period` (YYYY-MM)."""
        return dry_run_path(self.output_dir, period)

    def failed_records_file(self, period: str) -> Path:
        """The failed-records CSV of month `period` (YYYY-MM)."""
        return failed_records_path(self.output_dir, period)

    def conflicts_file(self, period: str) -> Path:
        """The conflicts CSV of month `period` (YYYY-MM): records edited in Salesforce since our last write."""
        return conflicts_path(self.output_dir, period)

    def write_dry_run(self, records: Sequence[Mapping[str, Any]], period: str) -> str:
        """Write the month's dry-run CSV: in production `delivery/YYYY-MM/health_scores.csv` in the bucket, else
        `dry_run_file`; returns its s3:// URI or path."""
        if not self.log_s3_bucket:
            return str(write_csv_atomically(records, self.dry_run_file(period)).resolve())
        return self.delivery_log_store().write_file(bucket_key(period, "health_scores"), csv_bytes(records),
                                                    CSV_CONTENT_TYPE).location

    def keep_rows(self, rows: Sequence[Mapping[str, Any]], period: str, kind: str, local_file: Path) -> str | None:
        """Write the month's `kind` CSV (failed_records, conflicts, ...) beside the delivery log: in production
        `delivery/YYYY-MM/<kind>.csv` in the bucket, else `local_file`; returns its s3:// URI or path. With no rows,
        a stale copy is removed and None returned."""
        if not self.log_s3_bucket:
            path = write_rows_or_remove(rows, local_file)
            return None if path is None else str(path.resolve())
        store = self.delivery_log_store()
        if not rows:
            store.remove_file(bucket_key(period, kind))
            return None
        return store.write_file(bucket_key(period, kind), csv_bytes(rows), CSV_CONTENT_TYPE).location

    def delivery_log_store(self) -> ParquetExportResource:
        """Where the delivery log's Parquet files go: delivery_log/year=YYYY/month=MM/ in the bucket or output_dir."""
        return ParquetExportResource(s3_bucket=self.log_s3_bucket, s3_prefix=self.log_s3_prefix,
                                     endpoint_url=self.log_s3_endpoint_url, local_dir=self.output_dir)
