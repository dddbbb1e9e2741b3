"""The health_scores_parquet_export asset: each month's scores as one Parquet file for BI, when the export is enabled."""
# No `from __future__ import annotations`: Dagster reads the context and input annotations at definition time.
from typing import Mapping

import dagster as dg
import pandas as pd

from health_pipeline.delivery.parquet_export import ParquetExportResource, export_enabled
from health_pipeline.partitions import MONTHLY


@dg.asset(partitions_def=MONTHLY, group_name="delivery", kinds={"parquet"}, owners=["team:data"])
def health_scores_parquet_export(
    context: dg.AssetExecutionContext,
    account_health_scores: pd.DataFrame,
    parquet_export: ParquetExportResource,
) -> dg.MaterializeResult:
    """The month's health scores as one Parquet file at health_scores/year=YYYY/month=MM/health_scores.parquet (S3 in production, the output folder in the sandbox), for BI tools."""
    period = context.partition_key
    exported = parquet_export.write(account_health_scores, period)
    context.log.info(f"{period}: wrote {len(account_health_scores)} rows ({exported.size_bytes} bytes) to {exported.location}")
    return dg.MaterializeResult(metadata={
        "period": period,
        "dagster/row_count": len(account_health_scores),
        "uri": dg.MetadataValue.path(exported.location),
        "size_bytes": exported.size_bytes,
    })


def export_assets(environ: Mapping[str, str]) -> list[dg.AssetsDefinition]:
    """[health_scores_parquet_export] when HEALTH_PIPELINE_EXPORT_PARQUET=true, else nothing."""
    return [health_scores_parquet_export] if export_enabled(environ) else []
