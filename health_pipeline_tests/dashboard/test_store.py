"""Reading the stored months: the local instance's IO-manager folder (months, a damaged file, a frame without the
columns the pages need), and S3 as the production profile writes it (dagster-aws's pickle IO manager on a real S3
API, moto in server mode)."""
from __future__ import annotations

import pickle

import dagster as dg
import pandas as pd
import pytest
from dagster_aws.s3 import S3PickleIOManager, S3Resource

from health_pipeline.dashboard.history import load_stored_months
from health_pipeline.dashboard.names import SCORES_ASSET, SOURCE_ASSETS
from health_pipeline.dashboard.store import LocalAssetStore, S3AssetStore, StoreError, store_from_environ
from health_pipeline.definitions import ASSETS
from health_pipeline.deployment.profiles import resources_for_profile
from health_pipeline_tests.dashboard.conftest import MONTHS
from health_pipeline_tests.graph.conftest import QUIET, set_profile_env
from health_pipeline_tests.production.conftest import BUCKET, aws_endpoint, production_environ, s3  # noqa: F401


def test_the_local_store_lists_the_scored_months_and_reads_them(scored_home):
    stored = load_stored_months(store_from_environ({"DAGSTER_HOME": str(scored_home)}))
    assert stored.months == list(MONTHS)
    assert len(stored.scores) == 200 * len(MONTHS)
    assert set(stored.sources["source"]) == set(SOURCE_ASSETS.values())
    assert stored.sources["configured"].all() and set(stored.optional) == {"account_alerts"}  # the monthly job raises alerts


def test_a_home_with_nothing_stored_is_empty_not_an_error(empty_home):
    stored = load_stored_months(store_from_environ({"DAGSTER_HOME": str(empty_home)}))
    assert stored.empty and stored.scores.empty


def test_a_stored_month_without_the_pages_columns_is_refused_naming_them(tmp_path):
    root = tmp_path / "storage" / SCORES_ASSET
    root.mkdir(parents=True)
    (root / "2026-10").write_bytes(pickle.dumps(pd.DataFrame({"salesforce_account_id": ["a"], "tier": ["Healthy"]})))
    with pytest.raises(StoreError, match=r"account_health_scores 2026-10 .* lacks column\(s\) account_name, segment"):
        load_stored_months(LocalAssetStore(tmp_path / "storage"))


def test_a_stored_value_that_is_not_a_table_is_refused_naming_it(tmp_path):
    root = tmp_path / "storage" / SCORES_ASSET
    root.mkdir(parents=True)
    (root / "2026-10").write_bytes(pickle.dumps(["not", "a", "frame"]))
    with pytest.raises(StoreError, match="the stored account_health_scores 2026-10 is a list, not a table"):
        load_stored_months(LocalAssetStore(tmp_path / "storage"))


# Dagster 1.13.27 itself calls the deprecated InitResourceContext.dagster_run when it initialises a nested
# resource (S3PickleIOManager's S3Resource): dagster/_core/execution/context/init.py, replace_config.
@pytest.mark.filterwarnings("ignore:InitResourceContext.dagster_run is deprecated:DeprecationWarning")
def test_the_production_profile_reads_the_months_the_s3_io_manager_wrote(
        aws_endpoint, s3, sandbox, monkeypatch, tmp_path):  # noqa: F811
    env = production_environ(aws_endpoint, str(tmp_path / "output"))
    set_profile_env(monkeypatch, sandbox, tmp_path / "output")
    io_manager = S3PickleIOManager(s3_resource=S3Resource(endpoint_url=aws_endpoint), s3_bucket=BUCKET,
                                   s3_prefix=env["HEALTH_PIPELINE_S3_PREFIX"])
    result = dg.materialize(ASSETS, partition_key="2026-10", resources={**resources_for_profile(),
                            "io_manager": io_manager}, run_config=QUIET, raise_on_error=False)
    assert result.success

    store = store_from_environ(env)
    assert isinstance(store, S3AssetStore) and store.location == f"s3://{BUCKET}/{env['HEALTH_PIPELINE_S3_PREFIX']}"
    stored = load_stored_months(store)
    assert stored.months == ["2026-10"]
    pd.testing.assert_frame_equal(stored.scores.drop(columns="owner"),  # the owner label the pages show is added
                                  result.output_for_node(SCORES_ASSET).assign(period="2026-10"))
    assert len(stored.sources) == len(SOURCE_ASSETS)


def test_an_unreachable_bucket_is_one_sentence(aws_endpoint):  # noqa: F811
    store = S3AssetStore(S3Resource(endpoint_url=aws_endpoint).get_client(), "no-such-bucket", "p")
    with pytest.raises(StoreError, match="cannot list s3://no-such-bucket/p/account_health_scores/: .*NoSuchBucket"):
        store.months(SCORES_ASSET)
