"""In production the delivery's failed-records and conflicts CSVs go to the bucket beside the delivery log, under
`<export prefix>/delivery/<YYYY-MM>/`, not onto the run's container: a live delivery against the Salesforce emulator
(real simple_salesforce) with the sink pointed at moto's S3 (real boto3), read back with boto3."""
from __future__ import annotations

import csv
import io

import pytest

from health_pipeline.delivery.records import EXTERNAL_ID
from health_pipeline.delivery.sink_resource import HealthScoreSinkResource
from health_pipeline.deployment.production import production_resources
from health_pipeline_tests.delivery import conftest as delivery_fixtures
from health_pipeline_tests.delivery.conftest import ACCOUNT_IDS, Org
from health_pipeline_tests.delivery.frames import scores_frame
from health_pipeline_tests.delivery.test_delivery_asset import PERIOD, failure, run, sink_metadata
from health_pipeline_tests.delivery.test_diff_sync import hand_edited_month, rescored
from health_pipeline_tests.production.conftest import BUCKET

PREFIX = "exports/health"
tls, org = delivery_fixtures.tls, delivery_fixtures.org  # the delivery tests' per-test org, here too


@pytest.fixture
def bucket_sink(aws_endpoint: str, s3, tmp_path) -> HealthScoreSinkResource:
    """A live sink whose log and CSVs go to the test bucket (its output folder must stay empty)."""
    return HealthScoreSinkResource(dry_run=False, output_dir=str(tmp_path), bulk_poll_seconds=0.01,
                                   log_s3_bucket=BUCKET, log_s3_prefix=PREFIX, log_s3_endpoint_url=aws_endpoint)


def bucket_rows(s3, key: str) -> list[dict]:
    """The rows of a CSV object in the test bucket."""
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


def keys_under(s3, prefix: str) -> list[str]:
    """Every key in the test bucket under `prefix`."""
    return sorted(item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", []))


def test_refused_records_land_in_the_bucket_and_the_metadata_names_the_uri(org: Org, bucket_sink, s3, tmp_path):
    frame = scores_frame(ACCOUNT_IDS[:4])
    frame.loc[1, "tier"] = "Gold"  # not in the Tier__c picklist: Salesforce refuses the record
    key = f"{PREFIX}/delivery/{PERIOD}/failed_records.csv"

    raised = failure(run(frame, bucket_sink, org.resource))

    assert raised.metadata["failed_records_path"].value == f"s3://{BUCKET}/{key}"
    assert f"s3://{BUCKET}/{key}" in raised.description
    [row] = bucket_rows(s3, key)
    assert row[EXTERNAL_ID] == f"{ACCOUNT_IDS[1]}-{PERIOD}" and "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" in row["error"]
    assert s3.head_object(Bucket=BUCKET, Key=key)["ContentType"].startswith("text/csv")
    assert list(tmp_path.iterdir()) == []  # nothing on the run's container

    frame.loc[1, "tier"] = "Healthy"
    assert run(frame, bucket_sink, org.resource).success
    assert key not in keys_under(s3, f"{PREFIX}/delivery/")  # nothing failed this time: the stale object is gone


def test_conflicts_land_in_the_bucket_beside_the_delivery_log(org: Org, bucket_sink, s3, tmp_path):
    edited, admin_id = hand_edited_month(org, tmp_path / "first")
    key = f"{PREFIX}/delivery/{PERIOD}/conflicts.csv"

    metadata = sink_metadata(run(rescored(), bucket_sink, org.resource))

    assert metadata["conflicts_path"].value == f"s3://{BUCKET}/{key}"
    [conflict] = bucket_rows(s3, key)
    assert (conflict[EXTERNAL_ID], conflict["edited_by"]) == (edited, admin_id)
    assert metadata["delivery_log_file"].value.startswith(f"s3://{BUCKET}/{PREFIX}/delivery_log/")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["first"]


def test_the_production_profile_points_the_sinks_files_at_the_bucket(production_env):
    sink = production_resources(production_env(HEALTH_PIPELINE_EXPORT_PREFIX=PREFIX))["sink"]
    assert (sink.log_s3_bucket, sink.log_s3_prefix) == (BUCKET, PREFIX)


def test_a_dry_run_keeps_the_months_csv_in_the_bucket(org: Org, aws_endpoint: str, s3, tmp_path):
    sink = HealthScoreSinkResource(dry_run=True, output_dir=str(tmp_path), log_s3_bucket=BUCKET, log_s3_prefix=PREFIX,
                                   log_s3_endpoint_url=aws_endpoint)
    key = f"{PREFIX}/delivery/{PERIOD}/health_scores.csv"

    metadata = sink_metadata(run(scores_frame(ACCOUNT_IDS[:4]), sink, org.resource))

    assert metadata["path"].value == f"s3://{BUCKET}/{key}"
    assert [row[EXTERNAL_ID] for row in bucket_rows(s3, key)] == [f"{a}-{PERIOD}" for a in ACCOUNT_IDS[:4]]
    assert list(tmp_path.iterdir()) == []  # nothing on the run's container
