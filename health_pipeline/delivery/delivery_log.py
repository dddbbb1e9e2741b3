"""The delivery log: one Parquet row per delivery (month, run, times, counts, calls, method), kept by month."""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from health_pipeline.delivery.parquet_export import parquet_bytes, write_atomically

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


def log_key(row: DeliveryLogRow) -> str:
    """`delivery_log/year=YYYY/month=MM/<start>-<run id>.parquet`: one file per delivery, Hive-style months."""
    year, month = row.month.split("-")
    stamp = row.started_at.replace(":", "").replace("-", "")
    return f"{LOG_TABLE}/year={year}/month={month}/{stamp}-{row.run_id}.parquet"


def append_local(row: DeliveryLogRow, root: str | os.PathLike) -> Path:
    """Append the row to the log under folder `root` (a new file, never a rewrite of earlier rows)."""
    path = Path(root) / log_key(row)
    write_atomically(path, parquet_bytes(pd.DataFrame([asdict(row)])))
    return path


def read_local(root: str | os.PathLike) -> pd.DataFrame:
    """Every row of the log under `root`, oldest delivery first (an empty frame when none)."""
    files = sorted((Path(root) / LOG_TABLE).glob("year=*/month=*/*.parquet"))
    columns = list(DeliveryLogRow.__dataclass_fields__)
    if not files:
        return pd.DataFrame(columns=columns)
    frame = pd.concat([pd.read_parquet(file) for file in files], ignore_index=True)
    return frame[columns].sort_values(["started_at", "run_id"], ignore_index=True)
