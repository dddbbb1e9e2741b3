"""A month scored out of order: October scored before September keeps no trend; scoring September afterwards
makes the trend_watch sensor fail October's trend_up_to_date check (for October only) and the declarative
automation ask to rescore October; rescoring it brings September's scores in as its trend and the check passes.
Every check result of the scores belongs to its month."""
from __future__ import annotations

import dagster as dg

from health_pipeline.assets.score_check_specs import CHECK_DESCRIPTIONS, SCORES, TREND_CHECK
from health_pipeline.automation.trend import trend_watch
from health_pipeline.definitions import ASSETS
from health_pipeline_tests.graph.conftest import Profile

# named: without a selection Dagster's evaluator builds one with a beta parameter
TARGET = dg.AssetSelection.assets(SCORES)


def requested_months(tick: dg.EvaluateAutomationConditionsResult) -> set[str]:
    """The months of the scores an automation tick requested."""
    return {key for result in tick.results for key in result.true_subset.expensively_compute_partition_keys()}


def check_results(result: dg.ExecuteInProcessResult) -> dict[str, tuple[bool, str | None]]:
    """check name -> (passed, partition) of a run's check evaluations on the scores."""
    return {evaluation.check_name: (evaluation.passed, evaluation.partition)
            for evaluation in result.get_asset_check_evaluations()
            if evaluation.asset_key == dg.AssetKey("account_health_scores")}


def test_a_month_scored_out_of_order_is_flagged_then_repaired(profile: Profile,
                                                               persistent_instance: dg.DagsterInstance):
    october = profile.materialise("2026-10", instance=persistent_instance)
    assert check_results(october) == {name: (True, "2026-10") for name in CHECK_DESCRIPTIONS}
    assert october.output_for_node("account_health_scores")["previous_score"].isna().all()
    assert isinstance(trend_watch(dg.build_sensor_context(instance=persistent_instance)), dg.SensorResult)
    defs = dg.Definitions(assets=ASSETS, resources=profile.resources())
    tick = dg.evaluate_automation_conditions(defs=defs, instance=persistent_instance, asset_selection=TARGET)
    assert tick.total_requested == 0  # a month scored once needs nothing

    september = profile.materialise("2026-09", instance=persistent_instance)
    flagged = trend_watch(dg.build_sensor_context(instance=persistent_instance, cursor=None))

    assert september.success
    [evaluation] = flagged.asset_events
    assert (evaluation.check_name, evaluation.partition, evaluation.passed) == (TREND_CHECK, "2026-10", False)
    assert evaluation.description == "2026-09 was scored again after 2026-10: rescore 2026-10 to refresh its trend"
    tick = dg.evaluate_automation_conditions(defs=defs, instance=persistent_instance, asset_selection=TARGET,
                                             cursor=tick.cursor)
    assert requested_months(tick) == {"2026-10"}

    repaired = profile.materialise("2026-10", instance=persistent_instance)
    scores = repaired.output_for_node("account_health_scores").set_index("salesforce_account_id")
    previous = september.output_for_node("account_health_scores").set_index("salesforce_account_id")
    assert (scores["previous_score"] == previous.loc[scores.index, "health_score"]).all()
    assert check_results(repaired)[TREND_CHECK] == (True, "2026-10")
    tick = dg.evaluate_automation_conditions(defs=defs, instance=persistent_instance, asset_selection=TARGET,
                                             cursor=tick.cursor)
    assert tick.total_requested == 0
