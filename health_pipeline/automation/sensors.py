"""The run-failure sensor: reports a failed run to the log, and to Slack or Rollbar when configured."""

import dagster as dg
import requests

from health_pipeline.automation.failure_reports import AlertResource, FailureReport, readable_error


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
