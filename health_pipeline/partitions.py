"""The monthly partitions shared by every asset of the graph (start month from config/pipeline.yaml)."""
from __future__ import annotations

import dagster as dg

from health_pipeline.settings import default_config_dir, load_pipeline_settings


def monthly_partitions(start_month: str) -> dg.MonthlyPartitionsDefinition:
    """Monthly partitions from `start_month` (YYYY-MM), keyed YYYY-MM-01, in UTC; the last is the last complete month."""
    return dg.MonthlyPartitionsDefinition(start_date=f"{start_month}-01", timezone="UTC")


def period_label(partition_key: str) -> str:
    """The month label YYYY-MM of a partition key YYYY-MM-DD."""
    return partition_key[:7]


def partition_key(period: str) -> str:
    """The partition key YYYY-MM-01 of a month label YYYY-MM."""
    return f"{period}-01"


MONTHLY = monthly_partitions(load_pipeline_settings(default_config_dir()).partitions.start_month)
