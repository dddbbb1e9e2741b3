"""One month through the production profile on real parts: `build_definitions` with HEALTH_PIPELINE_PROFILE=production,
its implicit asset job executed for 2026-10, against a real S3 and Secrets Manager API (moto server over HTTP) and
the four vendor emulators. Proves that the asset values land in the bucket under the prefix (dagster-aws's S3
pickle IO manager), that the Parquet export lands at health_scores/year=2026/month=10/ and reads back with one row
per mapped account, that the vendor credentials came from the secret (none is in the environment) and reached the
vendors, that delivery is live (the scores are upserted into Salesforce), and that no secret value is in the run's
events, its run config or its job snapshot (what run storage keeps).
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import Iterator

import dagster as dg
import pandas as pd
import pytest

from health_pipeline.deployment.secret_sources import SecretBackedSource
from health_pipeline.settings import MAPPING_FILE, default_config_dir, load_account_mapping
from health_pipeline.sources.factory import source_resource
from health_pipeline.sources.registry import SECRET_KEYS, SETTING_KEYS
from health_pipeline_tests.conftest import sandbox_secrets
from health_pipeline_tests.production.conftest import BUCKET, PARTITION, definitions_with_export, production_environ

pytestmark = [
    # Dagster 1.13.27 itself calls the deprecated InitResourceContext.dagster_run when it initialises a nested
    # resource (S3PickleIOManager's S3Resource): dagster/_core/execution/context/init.py, replace_config.
    pytest.mark.filterwarnings("ignore:InitResourceContext.dagster_run is deprecated:DeprecationWarning"),
]

IO_MANAGED = ("account_mapping", "intercom_support_metrics", "jira_bug_metrics", "looker_adoption_metrics",
              "salesforce_account_metrics", "account_health_scores")
EXPORT_KEY = "health_scores/year=2026/month=10/health_scores.parquet"


@dataclass
class Month:
    """The executed month and what it ran with."""

    env: dict[str, str]
    defs: dg.Definitions
    result: dg.ExecuteInProcessResult
    instance: dg.DagsterInstance
    environ_before: dict[str, str]
    vendor_calls: dict[str, int]


@pytest.fixture(scope="module")
def month(aws_endpoint, s3, vendor_secret, sandbox, tmp_path_factory) -> Iterator[Month]:
    """2026-10 materialised once through the production profile, with the Parquet export enabled."""
    env = production_environ(aws_endpoint, str(tmp_path_factory.mktemp("output")), HEALTH_PIPELINE_EXPORT_PARQUET="true")
    environ_before = dict(os.environ)
    sandbox.reset_counters_and_faults()
    defs = definitions_with_export(env)
    with dg.instance_for_test() as instance:
        # every asset of the month: the evidence group judges stored months and is not part of a month's run
        monthly = [key for key in defs.resolve_asset_graph().get_all_asset_keys() if key.to_user_string() != "score_backtest"]
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            partition_key=PARTITION, instance=instance, asset_selection=monthly)
        vendor_calls = {vendor: emulator.calls.total() for vendor, emulator in sandbox.emulators.items()}
        yield Month(env, defs, result, instance, environ_before, vendor_calls)


def test_every_asset_of_the_month_materialises(month):
    assert month.result.success
    materialised = {event.asset_key.to_user_string() for event in month.result.get_asset_materialization_events()}
    assert materialised == {*IO_MANAGED, "health_scores_parquet_export", "salesforce_health_scores"}


def test_asset_values_land_in_the_bucket_under_the_prefix(month, s3):
    prefix = month.env["HEALTH_PIPELINE_S3_PREFIX"]
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{prefix}/")
    keys = sorted(item["Key"] for item in listed.get("Contents", []))
    assert keys == sorted(f"{prefix}/{asset}/{PARTITION}" for asset in IO_MANAGED)


def test_the_parquet_export_reads_back_with_one_row_per_mapped_account(month, s3):
    body = s3.get_object(Bucket=BUCKET, Key=EXPORT_KEY)["Body"].read()
    exported = pd.read_parquet(io.BytesIO(body))
    scores = month.result.output_for_node("account_health_scores")
    assert len(exported) == len(load_account_mapping(default_config_dir() / MAPPING_FILE)) == 200
    assert list(exported.columns) == list(scores.columns)
    assert set(exported["period"]) == {"2026-10"}
    assert sorted(exported["salesforce_account_id"]) == sorted(scores["salesforce_account_id"])
    [event] = month.result.asset_materializations_for_node("health_scores_parquet_export")
    assert event.metadata["uri"].value == f"s3://{BUCKET}/{EXPORT_KEY}"


def test_credentials_came_from_the_secret_and_reached_the_vendors(month):
    assert not [name for name in (*SECRET_KEYS, *SETTING_KEYS) if name in month.environ_before or name in month.env]
    resources = month.defs.resources
    for vendor in ("intercom", "jira", "looker", "salesforce"):
        assert isinstance(resources[vendor], SecretBackedSource)
        assert month.vendor_calls[vendor] > 0, vendor


def test_delivery_is_live_and_the_scores_are_in_salesforce(month, vendor_secret):
    [event] = month.result.asset_materializations_for_node("salesforce_health_scores")
    assert (event.metadata["dry_run"].value, event.metadata["failed"].value) == (False, 0)
    client = source_resource("salesforce", vendor_secret, secrets_as_env=False).open_client()
    records = client.sf.query_all("SELECT Id, Period__c FROM Health_Score__c WHERE Period__c = '2026-10'")["records"]
    assert len(records) == 200


def test_no_secret_value_is_in_the_runs_events_config_or_job_snapshot(month, sandbox):
    run = month.instance.get_run_by_id(month.result.run_id)
    stored = [dg.serialize_value(record) for record in month.instance.all_logs(run.run_id)]
    stored.append(dg.serialize_value(run))
    stored.append(dg.serialize_value(month.instance.get_job_snapshot(run.job_snapshot_id)))
    text = "\n".join(stored)
    assert month.env["HEALTH_PIPELINE_SECRET_NAME"] in text  # the secret's name is config, so it is there
    for name, value in sandbox_secrets(sandbox).items():
        assert value not in text, name
