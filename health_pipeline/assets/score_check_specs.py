"""The checks declared on account_health_scores: names, descriptions, severity, and one result per month."""
from __future__ import annotations

import warnings

import dagster as dg

from health_pipeline.partitions import MONTHLY

SCORES = dg.AssetKey("account_health_scores")
# blocking: nothing is written to Salesforce for the month while one fails
BLOCKING_CHECKS = {
    "scores_in_range": "Every published health score is a whole number from 0 to 100, or null when no source had data.",
    "one_row_per_mapped_account": "The month holds exactly one row per account of config/account_mapping.csv.",
    "no_duplicate_keys": "No account appears twice, so no Health_Score__c external ID is written twice for the month.",
    "delivery_guard": "The month is not much emptier than the last delivered version of this month or the previous "
                      "month, and at least one source was configured (config/pipeline.yaml delivery_guard; "
                      "override: health-pipeline run --allow-coverage-drop).",
}
WARNING_CHECKS = {
    "coverage_floor": "At most the configured share of accounts falls under the coverage floor "
                      "(config/pipeline.yaml checks.coverage_floor_pct and checks.max_share_below_floor).",
    "sources_configured": "Every source had credentials this month (an unconfigured source leaves its metrics null).",
}
TREND_CHECK = "trend_up_to_date"
TREND_CHECK_DESCRIPTION = ("The month's trend (previous_score, previous_tier, score_change) was computed from the "
                           "previous month's latest scores; fails when the previous month was scored again afterwards "
                           "(rescore this month).")
CHECK_DESCRIPTIONS = {**BLOCKING_CHECKS, **WARNING_CHECKS, TREND_CHECK: TREND_CHECK_DESCRIPTION}


def monthly_check_spec(name: str, blocking: bool = False, **kwargs: object) -> dg.AssetCheckSpec:
    """A check on the scores with its description, reported per month (a result belongs to its partition)."""
    with warnings.catch_warnings():
        # per-partition checks are a preview in Dagster 1.13; they are what shows each month's result
        warnings.filterwarnings("ignore", message="Specifying a partitions_def on an AssetCheckSpec",
                                category=dg.PreviewWarning)
        return dg.AssetCheckSpec(name, asset=SCORES, description=CHECK_DESCRIPTIONS[name], blocking=blocking,
                                 partitions_def=MONTHLY, **kwargs)


SCORE_CHECK_SPECS = [monthly_check_spec(name, blocking=True) for name in BLOCKING_CHECKS] + [
    monthly_check_spec(name) for name in (*WARNING_CHECKS, TREND_CHECK)]
