"""The monthly schedule built by `build_monthly_schedule()`: it runs the monthly_health_score job at 06:00 UTC on
day 2 (config/pipeline.yaml), ships stopped, and each tick asks for one run of the month that has just ended,
across a year boundary too."""
from __future__ import annotations

from datetime import datetime, timezone

import dagster as dg
import pytest

from health_pipeline.automation.job import MONTHLY_JOB_NAME, monthly_health_score_job
from health_pipeline.automation.schedule import build_monthly_schedule
from health_pipeline.definitions import ASSETS
from health_pipeline.deployment.profiles import resources_for_profile

# Evaluating a schedule built by build_schedule_from_partitioned_job calls Dagster's own deprecated
# JobDefinition.run_request_for_partition (1.13); like the build-time warning filtered in pyproject.toml, it is
# Dagster's internal call, not ours. Only that one warning is ignored.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Function `JobDefinition.run_request_for_partition` is deprecated:DeprecationWarning")


@pytest.fixture(scope="module")
def schedule() -> dg.ScheduleDefinition:
    """The schedule resolved against the graph (its partitions come from the assets it targets)."""
    defs = dg.Definitions(assets=ASSETS, jobs=[monthly_health_score_job], schedules=[build_monthly_schedule()],
                          resources=resources_for_profile({}))
    return defs.resolve_schedule_def("monthly_health_score_schedule")


def tick(schedule: dg.ScheduleDefinition, when: datetime) -> list[dg.RunRequest]:
    """The run requests of one tick at `when`."""
    return list(schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=when)).run_requests or [])


def test_runs_the_monthly_job_on_day_two_at_six_utc_and_ships_stopped(schedule: dg.ScheduleDefinition):
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 6 2 * *", "UTC")
    assert schedule.job_name == MONTHLY_JOB_NAME
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED


def test_a_november_tick_scores_october(schedule: dg.ScheduleDefinition):
    [request] = tick(schedule, datetime(2026, 11, 2, 6, tzinfo=timezone.utc))

    assert request.partition_key == "2026-10"
    assert request.job_name == MONTHLY_JOB_NAME
    assert request.tags["dagster/partition"] == "2026-10"


def test_a_january_tick_scores_december_of_the_previous_year(schedule: dg.ScheduleDefinition):
    [request] = tick(schedule, datetime(2027, 1, 2, 6, tzinfo=timezone.utc))

    assert request.partition_key == "2026-12"
