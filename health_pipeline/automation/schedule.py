"""The monthly schedule: scores the month just ended, on the day, hour and time zone of config/pipeline.yaml."""

import dagster as dg

from health_pipeline.automation.job import monthly_health_score_job
from health_pipeline.settings import default_config_dir, load_pipeline_settings


def build_monthly_schedule() -> dg.ScheduleDefinition:
    """Runs after each month ends (day and hour from config/pipeline.yaml, in the partitions' time zone)."""
    schedule = load_pipeline_settings(default_config_dir()).schedule
    return dg.build_schedule_from_partitioned_job(
        monthly_health_score_job,
        name="monthly_health_score_schedule",
        description="Scores the month that has just ended.",
        day_of_month=schedule.day_of_month,
        hour_of_day=schedule.hour_of_day,
        minute_of_hour=0,
        default_status=dg.DefaultScheduleStatus.STOPPED,
    )
