"""The Parquet export for BI: HEALTH_PIPELINE_EXPORT_PARQUET switches the asset on (default off); the asset, fed
a month of scores, writes one Parquet file at health_scores/year=YYYY/month=MM/health_scores.parquet that reads
back identical, under the local output folder (the sandbox's choice) or in S3 under an optional prefix (on the
moto server); re-running the month replaces the file.
"""
from __future__ import annotations

import io

import dagster as dg
import pandas as pd
import pytest

from health_pipeline.assets.export import export_assets, health_scores_parquet_export
from health_pipeline.delivery.delivery_log import DeliveryLogRow, append_row, read_log
from health_pipeline.delivery.parquet_export import ParquetExportResource, relative_key
from health_pipeline.delivery.sink_resource import HealthScoreSinkResource
from health_pipeline.partitions import MONTHLY
from health_pipeline_tests.production.conftest import BUCKET


def scores(period: str = "2026-10", rows: int = 3) -> pd.DataFrame:
    """A small month of scores with the nullable and text columns the real frame has."""
    return pd.DataFrame({
        "salesforce_account_id": [f"001A{n:04d}" for n in range(rows)],
        "period": [period] * rows,
        "health_score": pd.array([72, None, 15][:rows], dtype="Int64"),
        "tier": ["Healthy", "No Data", "Critical"][:rows],
        "coverage_pct": [100.0, 0.0, 62.5][:rows],
        "top_risk_factors": ["", "", "Support: 9 open tickets; Adoption: low logins"][:rows],
    })


def materialise(frame: pd.DataFrame, export: ParquetExportResource) -> dg.ExecuteInProcessResult:
    """The export asset for 2026-10, its upstream replaced by a stand-in of the same key."""

    @dg.asset(key="account_health_scores", partitions_def=MONTHLY)
    def stand_in() -> pd.DataFrame:
        """The hand-made scores."""
        return frame

    return dg.materialize([stand_in, health_scores_parquet_export], partition_key="2026-10",
                          resources={"parquet_export": export})


def test_the_export_is_off_unless_asked_for():
    assert export_assets({}) == []
    assert export_assets({"HEALTH_PIPELINE_EXPORT_PARQUET": "false"}) == []
    assert export_assets({"HEALTH_PIPELINE_EXPORT_PARQUET": "true"}) == [health_scores_parquet_export]


def test_the_asset_is_a_monthly_delivery_asset_reading_the_scores():
    spec = health_scores_parquet_export.specs_by_key[health_scores_parquet_export.key]
    assert (spec.group_name, spec.kinds) == ("delivery", {"parquet"})
    assert [dep.asset_key for dep in spec.deps] == [dg.AssetKey("account_health_scores")]
    assert health_scores_parquet_export.partitions_def == MONTHLY


def test_the_key_is_partitioned_by_year_and_month():
    assert relative_key("2026-01") == "health_scores/year=2026/month=01/health_scores.parquet"


def test_sandbox_writes_under_the_local_output_folder_and_reads_back(tmp_path):
    frame = scores()
    result = materialise(frame, ParquetExportResource(local_dir=str(tmp_path)))
    path = tmp_path / "health_scores" / "year=2026" / "month=10" / "health_scores.parquet"
    pd.testing.assert_frame_equal(pd.read_parquet(path), frame)
    [event] = result.asset_materializations_for_node("health_scores_parquet_export")
    assert event.metadata["uri"].value == str(path)
    assert event.metadata["dagster/row_count"].value == 3
    assert not [name for name in path.parent.iterdir() if name.name.startswith(".")]  # no temporary file left


def test_s3_export_lands_under_the_prefix_and_a_rerun_replaces_it(aws_endpoint, s3):
    export = ParquetExportResource(s3_bucket=BUCKET, s3_prefix="bi/", endpoint_url=aws_endpoint)
    materialise(scores(rows=3), export)
    materialise(scores(rows=2), export)
    body = s3.get_object(Bucket=BUCKET, Key="bi/health_scores/year=2026/month=10/health_scores.parquet")["Body"].read()
    pd.testing.assert_frame_equal(pd.read_parquet(io.BytesIO(body)), scores(rows=2))
    assert export.location("2026-10") == f"s3://{BUCKET}/bi/health_scores/year=2026/month=10/health_scores.parquet"


def test_an_export_without_a_destination_fails_clearly():
    with pytest.raises(ValueError, match="neither s3_bucket nor local_dir"):
        ParquetExportResource().write(scores(), "2026-10")


def test_the_delivery_log_appends_one_file_per_delivery_in_s3_and_reads_back(aws_endpoint, s3):
    sink = HealthScoreSinkResource(log_s3_bucket=BUCKET, log_s3_prefix="logtest", log_s3_endpoint_url=aws_endpoint)
    rows = [DeliveryLogRow("2026-10", run, f"2026-11-02T06:0{n}:00Z", f"2026-11-02T06:0{n}:30Z", 5 - n * 5, 0,
                           n * 5, 0, 0, 4, "collections" if n == 0 else "none") for n, run in enumerate(("r1", "r2"))]
    locations = [append_row(row, sink.delivery_log_store()) for row in rows]

    assert all(loc.startswith(f"s3://{BUCKET}/logtest/delivery_log/year=2026/month=10/") for loc in locations)
    log = read_log(sink.delivery_log_store())
    assert log["run_id"].tolist() == ["r1", "r2"] and log["unchanged"].tolist() == [0, 5]
