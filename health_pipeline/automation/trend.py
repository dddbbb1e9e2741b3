"""Keeping each month's trend right: rescore a month when its previous month was scored again, and until then
report its `trend_up_to_date` check as failed.

A month's trend (previous_score, previous_tier, score_change) is read from the previous month's scores when the
month is scored; scoring the previous month again afterwards (a backfill out of order, a rescore after a weight
change) leaves it out of date.
"""
from __future__ import annotations

from typing import Mapping

import dagster as dg

from health_pipeline.assets.score_check_specs import SCORES, TREND_CHECK

# The scores of a month whose previous month (its self-dependency) was updated since it was last scored or
# requested; only months already scored and not in a run or backfill of their own.
TREND_REFRESH = (
    dg.AutomationCondition.any_deps_match(dg.AutomationCondition.newly_updated())
    .allow(dg.AssetSelection.assets(SCORES))
    .since(dg.AutomationCondition.newly_requested() | dg.AutomationCondition.newly_updated())
    & ~dg.AutomationCondition.missing()
    & ~dg.AutomationCondition.any_deps_missing()
    & ~dg.AutomationCondition.in_progress()
).with_label("previous month rescored")


def previous_month(month: str) -> str:
    """The YYYY-MM before `month`."""
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"


def out_of_date_months(latest: Mapping[str, int]) -> list[str]:
    """Months (YYYY-MM -> storage id of their latest scores) whose previous month was scored after them."""
    return sorted(month for month, stored in latest.items() if latest.get(previous_month(month), -1) > stored)


def latest_scores(instance: dg.DagsterInstance) -> dict[str, int]:
    """Each scored month's latest materialisation of the scores, as an event storage id (later is larger)."""
    return dict(instance.event_log_storage.get_latest_storage_id_by_partition(
        SCORES, dg.DagsterEventType.ASSET_MATERIALIZATION))


def out_of_date_evaluation(month: str) -> dg.AssetCheckEvaluation:
    """The failed trend check of `month`, saying what to rescore."""
    return dg.AssetCheckEvaluation(
        asset_key=SCORES, check_name=TREND_CHECK, passed=False, partition=month,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{previous_month(month)} was scored again after {month}: rescore {month} to refresh its trend",
        metadata={"previous_month": previous_month(month)})


@dg.sensor(
    name="trend_watch",
    description="Fails the trend_up_to_date check of every month whose previous month was scored again after it.",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
)
def trend_watch(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    """Reports, once per new rescoring, the months it left with an out-of-date trend."""
    latest = latest_scores(context.instance)
    seen = int(context.cursor or 0)
    newest = max(latest.values(), default=0)
    if newest <= seen:
        return dg.SkipReason("no month was scored since the last tick")
    stale = [month for month in out_of_date_months(latest) if latest[previous_month(month)] > seen]
    return dg.SensorResult(asset_events=[out_of_date_evaluation(month) for month in stale], cursor=str(newest))


trend_refresh = dg.AutomationConditionSensorDefinition(
    "trend_refresh",
    target=dg.AssetSelection.assets(SCORES),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Rescores a month when its previous month's scores changed, so its trend is right again.",
)
