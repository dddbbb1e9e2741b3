"""The production profile's S3 IO manager explains a missing month as the local one does: scoring a month whose
mapping and sources were never stored in the bucket fails the step with one sentence naming every missing upstream
asset and the job that does the whole month, not dagster-aws's FileNotFoundError."""
from __future__ import annotations

import dagster as dg
import pytest

from health_pipeline.automation.failure_reports import readable_error
from health_pipeline.definitions import build_definitions
from health_pipeline_tests.graph.test_missing_upstream import UPSTREAM

pytestmark = [
    # Dagster 1.13.27 itself calls the deprecated InitResourceContext.dagster_run when it initialises a nested
    # resource (S3PickleIOManager's S3Resource): dagster/_core/execution/context/init.py, replace_config.
    pytest.mark.filterwarnings("ignore:InitResourceContext.dagster_run is deprecated:DeprecationWarning"),
]


def test_scores_of_a_month_missing_from_the_bucket_fail_with_one_sentence(production_env):
    defs = build_definitions(production_env())
    job = defs.resolve_implicit_global_asset_job_def()
    with dg.instance_for_test() as instance:
        result = job.execute_in_process(partition_key="2026-03", instance=instance, raise_on_error=False,
                                        asset_selection=[dg.AssetKey("account_health_scores")])

    [failure] = result.get_step_failure_events()
    assert readable_error(failure.step_failure_data.error) == (
        f"account_health_scores for 2026-03 needs {', '.join(UPSTREAM)} for 2026-03, never materialised: "
        "materialise those first, or run the monthly_health_score job for 2026-03.")
    assert failure.step_failure_data.error.cause is None  # no FileNotFoundError behind it
