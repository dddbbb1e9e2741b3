"""The delivery log: one Parquet row per delivery (month, run, times, counts, calls, method), kept by month."""
from __future__ import annotations

import io
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

import pandas as pd

from health_pipeline.delivery.parquet_export import ParquetExportResource, parquet_bytes

LOG_TABLE = "delivery_log"


@dataclass(frozen=True)
class DeliveryLogRow:
    """One delivery of one month: when it ran, what it did, and what it cost."""

    month: str
    run_id: str
    started_at: str
    finished_at: str
    created: int
    updated: int
    unchanged: int
    conflicts: int
    failed: int
    calls: int
    method: str


def log_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC to the microsecond, so two deliveries within one second keep their order in the log."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def log_key(row: DeliveryLogRow) -> str:
    """`delivery_log/year=YYYY/month=MM/<start>-<run id>.parquet`: one file per delivery, Hive-style months."""
    year, month = row.month.split("-")
    stamp = row.started_at.replace(":", "").replace("-", "")
    return f"{LOG_TABLE}/year={year}/month={month}/{stamp}-{row.run_id}.parquet"


def append_row(row: DeliveryLogRow, store: ParquetExportResource) -> str:
    """Append the row to the log (a new file, never a rewrite of earlier rows); returns where it landed."""
    return store.write_file(log_key(row), parquet_bytes(pd.DataFrame([asdict(row)]))).location


def read_log(store: ParquetExportResource) -> pd.DataFrame:
    """Every row of the log, oldest delivery first (an empty frame when none)."""
    columns = list(DeliveryLogRow.__dataclass_fields__)
    files = store.read_files(LOG_TABLE)
    if not files:
        return pd.DataFrame(columns=columns)
    frame = pd.concat([pd.read_parquet(io.BytesIO(body)) for body in files], ignore_index=True)
    return frame[columns].sort_values(["started_at", "run_id"], ignore_index=True)
