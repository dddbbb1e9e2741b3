"""The salesforce_health_scores asset, materialised for one month with its upstream replaced by a stand-in
of the same key: dry run writes the month's CSV and touches no Salesforce; live mode upserts records that
read back from the emulator, re-running the month leaves the same records, a refused record fails the
asset (beyond the tolerance) and is kept in the failed-records CSV, and live mode without credentials
fails with a clear message instead of skipping."""
from __future__ import annotations

import csv
from pathlib import Path

import dagster as dg
import pandas as pd
import pydantic
import pytest

from health_pipeline.assets.delivery import salesforce_health_scores
from health_pipeline.delivery.records import EXTERNAL_ID
from health_pipeline.delivery.sink_resource import HealthScoreSinkResource
from health_pipeline.partitions import MONTHLY
from health_pipeline.settings.pipeline import DeliverySettings
from health_pipeline.sources.salesforce.resource import SalesforceResource
from health_pipeline_tests.delivery.conftest import ACCOUNT_IDS, Org
from health_pipeline_tests.delivery.frames import scores_frame

PARTITION = PERIOD = "2026-10"


def stand_in(frame: pd.DataFrame) -> dg.AssetsDefinition:
    """An asset with the upstream's key and partitions that returns `frame`."""

    @dg.asset(key="account_health_scores", partitions_def=MONTHLY)
    def account_health_scores_source() -> pd.DataFrame:
        """The hand-made scores."""
        return frame

    return account_health_scores_source


def run(frame: pd.DataFrame, sink: HealthScoreSinkResource,
        salesforce: SalesforceResource) -> dg.ExecuteInProcessResult:
    """Materialise the stand-in and the sink for the month."""
    return dg.materialize([stand_in(frame), salesforce_health_scores], partition_key=PARTITION,
                          resources={"sink": sink, "salesforce": salesforce}, raise_on_error=False)


def sink_metadata(result: dg.ExecuteInProcessResult) -> dict:
    """The sink's materialisation metadata."""
    [event] = result.asset_materializations_for_node("salesforce_health_scores")
    return event.metadata


def failure(result: dg.ExecuteInProcessResult) -> dg.Failure:
    """The Failure the sink raised."""
    [event] = [e for e in result.get_step_failure_events() if e.step_key == "salesforce_health_scores"]
    return event.step_failure_data.user_failure_data


def read_rows(path: Path) -> list[dict]:
    """The rows of a written CSV file."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def live(tmp_path: Path, **settings) -> HealthScoreSinkResource:
    """A live sink writing its files under `tmp_path`, polling Bulk 2.0 quickly."""
    return HealthScoreSinkResource(dry_run=False, output_dir=str(tmp_path), bulk_poll_seconds=0.01, **settings)


def test_definition_is_a_monthly_sink_in_the_delivery_group():
    spec = salesforce_health_scores.specs_by_key[salesforce_health_scores.key]
    assert (spec.group_name, spec.kinds, spec.owners) == ("delivery", {"salesforce"}, ["team:data"])
    assert [dep.asset_key for dep in spec.deps] == [dg.AssetKey("account_health_scores")]
    assert salesforce_health_scores.partitions_def == MONTHLY
    assert spec.description.startswith("Each account's monthly health score")


def test_dry_run_writes_the_months_csv_and_calls_nothing(tmp_path):
    frame = scores_frame(ACCOUNT_IDS[:5])
    frame.loc[0, "top_risk_factors"] = "=HYPERLINK(\"http://x\")"
    result = run(frame, HealthScoreSinkResource(output_dir=str(tmp_path)), SalesforceResource())
    assert result.success
    path = tmp_path / f"health_scores_{PERIOD}.csv"
    rows = read_rows(path)
    assert [row[EXTERNAL_ID] for row in rows] == [f"{a}-{PERIOD}" for a in ACCOUNT_IDS[:5]]
    assert rows[0]["Top_Risk_Factors__c"].startswith("'=")
    assert rows[0]["Previous_Score__c"] == ""
    metadata = sink_metadata(result)
    assert metadata["rows"].value == 5 and metadata["path"].value == str(path.resolve())
    assert metadata["dry_run"].value is True
    tiers = {record.data["tier"]: record.data["accounts"] for record in metadata["tier_distribution"].value.records}
    assert tiers == {"Champion": 2, "Healthy": 1, "At Risk": 1, "Critical": 1, "No Data": 0}

    assert run(scores_frame(ACCOUNT_IDS[:2]), HealthScoreSinkResource(output_dir=str(tmp_path)),
               SalesforceResource()).success
    assert len(read_rows(path)) == 2  # the month's file is overwritten, not appended to
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_live_upserts_records_that_read_back_and_rerun_is_idempotent(org: Org, tmp_path):
    frame = scores_frame(ACCOUNT_IDS[:5])
    first = run(frame, live(tmp_path), org.resource)
    assert first.success
    metadata = sink_metadata(first)
    assert (metadata["created"].value, metadata["updated"].value, metadata["failed"].value) == (5, 0, 0)
    assert metadata["method"].value == "collections" and metadata["write_api_calls"].value == 1
    calls = metadata["api_calls_by_endpoint"].value
    assert calls["POST /services/oauth2/token"] == 1
    assert calls["PATCH /services/data/v65.0/composite/sobjects/Health_Score__c/Health_Score_Key__c"] == 1
    stored = {row[EXTERNAL_ID]: row for row in org.health_scores()}
    assert set(stored) == {f"{a}-{PERIOD}" for a in ACCOUNT_IDS[:5]}
    assert stored[f"{ACCOUNT_IDS[0]}-{PERIOD}"]["Health_Score__c"] == 90

    second = run(frame, live(tmp_path), org.resource)
    assert second.success
    metadata = sink_metadata(second)
    # an unchanged month writes nothing: login and the month's query only
    assert (metadata["created"].value, metadata["updated"].value, metadata["unchanged"].value) == (0, 0, 5)
    assert (metadata["method"].value, metadata["write_api_calls"].value, metadata["api_calls"].value) == ("none", 0, 2)
    assert len(org.health_scores()) == 5
    assert not (tmp_path / f"failed_records_{PERIOD}.csv").exists()


def test_live_bulk2_path_above_the_threshold(org: Org, tmp_path):
    result = run(scores_frame(ACCOUNT_IDS[:12]), live(tmp_path, bulk_threshold=10), org.resource)
    assert result.success
    metadata = sink_metadata(result)
    assert (metadata["method"].value, metadata["created"].value) == ("bulk2", 12)
    assert len(org.health_scores()) == 12


def test_a_rejected_record_fails_the_asset_and_is_kept(org: Org, tmp_path):
    frame = scores_frame(ACCOUNT_IDS[:4])
    frame.loc[2, "tier"] = "Gold"
    result = run(frame, live(tmp_path), org.resource)
    assert not result.success
    failed_file = tmp_path / f"failed_records_{PERIOD}.csv"
    [kept] = read_rows(failed_file)
    assert kept[EXTERNAL_ID] == f"{ACCOUNT_IDS[2]}-{PERIOD}" and kept["Tier__c"] == "Gold"
    assert kept["error"].startswith("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: ")
    raised = failure(result)
    assert "1 of 4" in raised.description and str(failed_file) in raised.description
    assert raised.metadata["failed"].value == 1 and raised.metadata["created"].value == 3
    assert len(org.health_scores()) == 3

    frame.loc[2, "tier"] = "Healthy"
    fixed = run(frame, live(tmp_path), org.resource)
    assert fixed.success
    assert len(org.health_scores()) == 4
    assert not failed_file.exists()  # nothing failed this time: the stale file is gone


def test_failures_within_the_tolerance_succeed_but_are_kept(org: Org, tmp_path):
    frame = scores_frame(ACCOUNT_IDS[:3])
    frame.loc[0, "tier"] = "Gold"
    result = run(frame, live(tmp_path, failure_tolerance=1), org.resource)
    assert result.success
    metadata = sink_metadata(result)
    assert metadata["failed"].value == 1
    assert metadata["failed_records_path"].value == str((tmp_path / f"failed_records_{PERIOD}.csv").resolve())
    assert "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" in metadata["failed_examples"].value
    assert len(read_rows(tmp_path / f"failed_records_{PERIOD}.csv")) == 1


def test_live_without_salesforce_credentials_fails_clearly(tmp_path):
    result = run(scores_frame(ACCOUNT_IDS[:2]), live(tmp_path), SalesforceResource())
    assert not result.success
    assert "Salesforce is not configured" in failure(result).description
    assert list(tmp_path.iterdir()) == []


def test_sink_resource_defaults_bounds_and_settings():
    sink = HealthScoreSinkResource()
    assert (sink.dry_run, sink.output_dir, sink.bulk_threshold, sink.failure_tolerance) == (True, "output", 2000, 0)
    assert sink.dry_run_file(PERIOD) == Path("output") / f"health_scores_{PERIOD}.csv"
    assert sink.failed_records_file(PERIOD) == Path("output") / f"failed_records_{PERIOD}.csv"
    for bad in ({"collection_size": 201}, {"bulk_threshold": 0}, {"failure_tolerance": -1}, {"bulk_poll_seconds": 0}):
        with pytest.raises(pydantic.ValidationError):
            HealthScoreSinkResource(**bad)
    configured = HealthScoreSinkResource.from_settings(
        DeliverySettings(output_dir="/data/out", bulk_threshold=500, failure_tolerance=3), dry_run=False)
    assert (configured.dry_run, configured.output_dir, configured.bulk_threshold, configured.failure_tolerance) == (
        False, "/data/out", 500, 3)


def test_rows_of_another_month_are_refused(tmp_path):
    result = run(scores_frame(ACCOUNT_IDS[:2], period="2026-09"), HealthScoreSinkResource(output_dir=str(tmp_path)),
                 SalesforceResource())
    assert not result.success
    assert "holds rows of 2026-09" in failure(result).description
    assert list(tmp_path.iterdir()) == []
