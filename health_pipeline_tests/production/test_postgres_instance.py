"""A month on a Dagster instance stored in a real PostgreSQL server, built from deploy/dagster.yaml itself (dagster-postgres
run, event-log and schedule storage, credentials from DAGSTER_POSTGRES_* variables): the production profile's month
runs on it, and the run, its materialisations and the month's materialised partitions read back from that instance;
the instance's run coordinator is the QueuedRunCoordinator, counting the vendor pools per run with the registry's limits.

Needs a server: set HEALTH_PIPELINE_TEST_POSTGRES_URL=postgresql://USER:PASSWORD@HOST:PORT/DB (a throwaway database;
.ci/run starts one). Without it the test is skipped.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import dagster as dg
import pytest

from health_pipeline.automation.job import MONTHLY_JOB_NAME
from health_pipeline.automation.pools import apply_pool_limits
from health_pipeline.sources.registry import POOL_LIMITS
from health_pipeline_tests.production.conftest import PARTITION, definitions_with_export, production_environ

POSTGRES_URL_ENV = "HEALTH_PIPELINE_TEST_POSTGRES_URL"
DEPLOY_DAGSTER_YAML = Path(__file__).resolve().parents[2] / "deploy" / "dagster.yaml"

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get(POSTGRES_URL_ENV),
        reason=f"no PostgreSQL server: set {POSTGRES_URL_ENV}=postgresql://USER:PASSWORD@HOST:PORT/DB "
               "(a throwaway database; .ci/run installs and starts one) to run this test",
    ),
    # Dagster 1.13.27 itself calls the deprecated InitResourceContext.dagster_run when it initialises a nested
    # resource (S3PickleIOManager's S3Resource): dagster/_core/execution/context/init.py, replace_config.
    pytest.mark.filterwarnings("ignore:InitResourceContext.dagster_run is deprecated:DeprecationWarning"),
]


def postgres_environment(url: str) -> dict[str, str]:
    """The DAGSTER_POSTGRES_* variables deploy/dagster.yaml reads, from a postgresql:// URL."""
    parts = urlparse(url)
    return {
        "DAGSTER_POSTGRES_HOST": parts.hostname or "localhost",
        "DAGSTER_POSTGRES_PORT": str(parts.port or 5432),
        "DAGSTER_POSTGRES_DB": parts.path.lstrip("/"),
        "DAGSTER_POSTGRES_USER": unquote(parts.username or ""),
        "DAGSTER_POSTGRES_PASSWORD": unquote(parts.password or ""),
    }


@pytest.fixture
def postgres_instance(tmp_path, monkeypatch):
    """A DagsterInstance from a copy of deploy/dagster.yaml (its home, local artifacts and compute logs in tmp_path)."""
    for name, value in postgres_environment(os.environ[POSTGRES_URL_ENV]).items():
        monkeypatch.setenv(name, value)
    shutil.copy(DEPLOY_DAGSTER_YAML, tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        yield instance


def test_a_month_runs_on_the_postgres_instance_and_reads_back(postgres_instance, aws_endpoint, s3, vendor_secret,
                                                               tmp_path):
    env = production_environ(aws_endpoint, str(tmp_path / "output"), HEALTH_PIPELINE_EXPORT_PARQUET="true")
    job = definitions_with_export(env).resolve_job_def(MONTHLY_JOB_NAME)
    result = job.execute_in_process(partition_key=PARTITION, instance=postgres_instance)
    assert result.success

    run = postgres_instance.get_run_by_id(result.run_id)
    assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS and run.tags["dagster/partition"] == PARTITION
    records = postgres_instance.get_records_for_run(
        result.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
    stored = {record.asset_key.to_user_string() for record in records}
    assert stored == {event.asset_key.to_user_string() for event in result.get_asset_materialization_events()}
    assert stored == {key.to_user_string() for key in job.asset_layer.executable_asset_keys}  # every asset of the job
    for key in stored:
        assert PARTITION in postgres_instance.get_materialized_partitions(dg.AssetKey(key))
    latest = postgres_instance.get_latest_materialization_event(dg.AssetKey("account_health_scores"))
    assert latest.run_id == result.run_id
    assert latest.asset_materialization.metadata["dagster/row_count"].value == 200


def test_the_instance_queues_runs_with_the_per_vendor_pool_limits(postgres_instance):
    assert type(postgres_instance.run_coordinator).__name__ == "QueuedRunCoordinator"
    assert postgres_instance.get_concurrency_config().pool_config.pool_granularity.value == "run"
    apply_pool_limits(postgres_instance)
    limits = {limit.name: limit.limit for limit in postgres_instance.event_log_storage.get_pool_limits()}
    assert {pool: limits[pool] for pool in POOL_LIMITS} == POOL_LIMITS
