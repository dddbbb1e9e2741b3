"""The monthly job, its schedule, and the run-failure sensor."""

import dagster as dg
import requests

from health_pipeline.alerts import AlertResource, FailureReport, readable_error
from health_pipeline.assets.sources import SOURCE_ASSETS
from health_pipeline.production_tags import vendor_run_tags
from health_pipeline.settings import default_config_dir, load_pipeline_settings

MONTHLY_JOB_NAME = "monthly_health_score"

monthly_health_score_job = dg.define_asset_job(
    MONTHLY_JOB_NAME,
    selection=dg.AssetSelection.groups("sources", "scoring", "delivery"),
    description="Extract the four sources, score every account and deliver the month's health scores.",
    # run tags naming every vendor the run calls, for the run queue's per-vendor concurrency limits
    tags=vendor_run_tags(SOURCE_ASSETS),
)


def build_monthly_schedule() -> dg.ScheduleDefinition:
    """Runs after each month ends (day and hour from config/pipeline.yaml) and scores the month just ended."""
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


def failure_report(context: dg.RunFailureSensorContext) -> FailureReport:
    """The failed run, its failed steps and the first error, from the sensor context."""
    step_events = context.get_step_failure_events()
    steps = tuple(event.step_key or "?" for event in step_events)
    if step_events and step_events[0].step_failure_data.error is not None:
        error = readable_error(step_events[0].step_failure_data.error)  # the cause, not Dagster's wrapper
    else:
        error = (context.failure_event.message or "run failed").strip().splitlines()[0]
    run = context.dagster_run
    return FailureReport(run.job_name, run.run_id, run.tags.get("dagster/partition"), steps, error[:500])


@dg.run_failure_sensor(
    name="report_failed_runs",
    description="Reports a failed run, its failed step and error to the log, and to Slack or Rollbar when configured.",
    default_status=dg.DefaultSensorStatus.RUNNING,
    monitor_all_code_locations=False,
)
def report_failed_runs(context: dg.RunFailureSensorContext, alerts: AlertResource) -> None:
    """Reports a failed run, its failed step and error to the log, and to Slack or Rollbar when configured."""
    report = failure_report(context)
    context.log.error(report.text())
    try:
        delivered = alerts.send(report)
    except requests.RequestException as error:
        context.log.warning(f"the failure alert could not be delivered ({type(error).__name__})")
        return
    if delivered:
        context.log.info(f"failure alert sent to {', '.join(delivered)}")
    refused = [name for name in alerts.destinations() if name not in delivered]
    if refused:
        context.log.warning(f"the failure alert was refused by {', '.join(refused)}")
