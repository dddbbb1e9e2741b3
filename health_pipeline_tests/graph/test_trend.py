"""The trend across months: on one persistent instance, scoring September and then October makes October carry
September's score as its previous score (and tier), both in the scored frame and in the records delivered,
through the scoring asset's self-dependency on its previous month; the first scored month has no trend."""
from __future__ import annotations

import dagster as dg
import pandas as pd

from health_pipeline_tests.graph.conftest import Profile, read_csv

SCORES = "account_health_scores"


def scored(result: dg.ExecuteInProcessResult) -> pd.DataFrame:
    """The month's scores, indexed by account."""
    assert result.success, [event.step_key for event in result.get_step_failure_events()]
    return result.output_for_node(SCORES).set_index("salesforce_account_id")


def test_the_second_month_carries_the_first_months_score_as_its_previous_score(
        profile: Profile, persistent_instance: dg.DagsterInstance):
    september = scored(profile.materialise("2026-09", instance=persistent_instance))
    october = scored(profile.materialise("2026-10", instance=persistent_instance))

    assert september["previous_score"].isna().all()  # August was never scored on this instance
    assert sorted(october.index) == sorted(september.index)
    # values only: add_trend's previous_score dtype varies with the data (Int64, int64 or float64; reported)
    pd.testing.assert_series_equal(october["previous_score"], september.loc[october.index, "health_score"],
                                   check_names=False, check_dtype=False)
    assert (october["previous_tier"] == september.loc[october.index, "tier"]).all()
    assert (october["score_change"] == october["health_score"] - october["previous_score"]).all()
    assert (october["score_change"] != 0).any()  # the months really differ, so the trend is not trivially equal

    delivered = {row["Account__c"]: row for row in read_csv(profile.output_dir / "health_scores_2026-10.csv")}
    first_month = {row["Account__c"]: row for row in read_csv(profile.output_dir / "health_scores_2026-09.csv")}
    assert {account: row["Previous_Score__c"] for account, row in delivered.items()} == {
        account: row["Health_Score__c"] for account, row in first_month.items()}
    assert {account: row["Previous_Tier__c"] for account, row in delivered.items()} == {
        account: row["Tier__c"] for account, row in first_month.items()}  # what a CSM reads beside the tier
