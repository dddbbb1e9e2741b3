"""A month scored before its sources exist: on a persistent instance, materialising only account_health_scores
for a month whose mapping and sources were never materialised fails the step with one sentence naming every
missing upstream asset, the month, and the job that does the whole month, instead of a FileNotFoundError."""
from __future__ import annotations

import dagster as dg

from health_pipeline.automation.failure_reports import readable_error
from health_pipeline.definitions import ASSETS
from health_pipeline_tests.graph.conftest import QUIET, Profile

UPSTREAM = ("account_mapping", "health_score_overrides", "intercom_support_metrics", "jira_bug_metrics",
            "looker_adoption_metrics", "salesforce_account_metrics")


def test_scores_of_a_month_without_its_sources_fail_with_one_sentence(
        profile: Profile, persistent_instance: dg.DagsterInstance):
    result = dg.materialize(ASSETS, selection=["account_health_scores"], partition_key="2026-03",
                            instance=persistent_instance, resources=profile.resources(), run_config=QUIET,
                            raise_on_error=False)

    [failure] = result.get_step_failure_events()
    sentence = readable_error(failure.step_failure_data.error)
    assert sentence == (f"account_health_scores for 2026-03 needs {', '.join(UPSTREAM)} for 2026-03, never "
                        "materialised: materialise those first, or run the monthly_health_score job for 2026-03.")
    assert failure.step_failure_data.error.cause is None  # no FileNotFoundError behind it


def test_only_the_months_really_missing_are_named(profile: Profile, persistent_instance: dg.DagsterInstance):
    assert profile.materialise("2026-04", instance=persistent_instance).success
    result = dg.materialize(ASSETS, selection=["account_health_scores", "account_mapping"],
                            partition_key="2026-05", instance=persistent_instance, resources=profile.resources(),
                            run_config=QUIET, raise_on_error=False)

    [failure] = result.get_step_failure_events()
    assert readable_error(failure.step_failure_data.error).startswith(
        f"account_health_scores for 2026-05 needs {', '.join(UPSTREAM[1:])} for 2026-05, never materialised")
