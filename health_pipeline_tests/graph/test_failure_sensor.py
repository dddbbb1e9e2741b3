"""The report_failed_runs sensor on a run that really failed: the monthly_health_score job run on a persistent
instance while the Jira emulator answers 503 to every call (so jira_bug_metrics fails after its retries). With
a Slack webhook the sensor posts one message, to a loopback Slack, naming the job, the run, the month, the failed
step and the source's error (not Dagster's wrapper); without one it only logs; a Slack that is down is logged,
never raised."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Iterator

import dagster as dg
import pytest

from health_pipeline.automation.failure_reports import AlertResource
from health_pipeline.automation.job import MONTHLY_JOB_NAME, monthly_health_score_job
from health_pipeline.automation.sensors import report_failed_runs
from health_pipeline.definitions import ASSETS
from health_pipeline.sandbox.runner import Sandbox
from health_pipeline.sources.jira.resource import JiraResource
from health_pipeline_tests.graph.conftest import PARTITION, Profile, set_profile_env

FAILED_STEP = "jira_bug_metrics"
JIRA_ERROR = "Jira: POST /rest/api/3/search/jql answered HTTP 503: "  # then the start of Jira's error body


@dataclass
class FailedRun:
    """A run of the monthly job for October that failed because Jira kept answering 503, and its instance."""

    run: dg.DagsterRun
    instance: dg.DagsterInstance


@pytest.fixture(scope="module")
def failed(graph_sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FailedRun]:
    """The monthly job run once for the module, on a persistent instance, while Jira answers 503 to every call."""
    tmp = tmp_path_factory.mktemp("failed_run")
    (tmp / "home").mkdir()
    with pytest.MonkeyPatch.context() as monkeypatch, \
            dg.DagsterInstance.local_temp(tempdir=str(tmp / "home")) as instance:
        profile = Profile(graph_sandbox, set_profile_env(monkeypatch, graph_sandbox, tmp / "output"), tmp / "output")
        graph_sandbox.jira.faults.fail_next(50, status=503)
        jira = JiraResource(base_url=profile.env["JIRA_BASE_URL"], email=dg.EnvVar("JIRA_EMAIL"),
                            api_token=dg.EnvVar("JIRA_API_TOKEN"), projects=profile.env["JIRA_PROJECTS"],
                            max_retries=2, backoff_factor=0.01, backoff_max=0.05)
        defs = dg.Definitions(assets=ASSETS, jobs=[monthly_health_score_job], resources=profile.resources(jira=jira))
        try:
            result = defs.resolve_job_def(MONTHLY_JOB_NAME).execute_in_process(
                partition_key=PARTITION, instance=instance, raise_on_error=False)
            jira_calls = graph_sandbox.jira.calls.snapshot()
        finally:
            graph_sandbox.reset_counters_and_faults()
        assert not result.success
        assert [event.step_key for event in result.get_step_failure_events()] == [FAILED_STEP]
        assert jira_calls == {"POST /rest/api/3/search/jql": 3}  # the call and its 2 retries
        yield FailedRun(instance.get_run_by_id(result.run_id), instance)


class Records(logging.Handler):
    """Keeps the sensor's log records."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self, level: int) -> list[str]:
        return [record.getMessage() for record in self.records if record.levelno == level]


def evaluate(failed: FailedRun, alerts: AlertResource) -> Records:
    """Evaluate the sensor on the run's failure event as the daemon would; returns what it logged."""
    instance, run = failed.instance, failed.run
    [failure] = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE).records
    records = Records()
    with dg.build_run_status_sensor_context(
            sensor_name="report_failed_runs", dagster_instance=instance, dagster_run=run,
            dagster_event=failure.event_log_entry.dagster_event, resources={"alerts": alerts}) as context:
        context.log.addHandler(records)
        assert report_failed_runs(context) is None
    return records


def test_posts_the_run_the_failed_step_and_the_error_to_slack(failed: FailedRun, slack_webhook):
    hook, url = slack_webhook

    logged = evaluate(failed, AlertResource(slack_webhook_url=url))

    [payload] = hook.payloads
    assert list(payload) == ["text"]
    assert payload["text"].startswith(f"health_pipeline run {failed.run.run_id[:8]} of {MONTHLY_JOB_NAME} for 2026-10 "
                                      f"failed in {FAILED_STEP}: {JIRA_ERROR}")
    assert "dagster" not in payload["text"].lower()  # the source's own error, not Dagster's wrapper
    assert logged.lines(logging.ERROR) == [payload["text"]]
    assert logged.lines(logging.INFO) == ["failure alert sent to slack"]


def test_without_a_webhook_it_only_logs(failed: FailedRun, slack_webhook):
    hook, _ = slack_webhook

    logged = evaluate(failed, AlertResource())

    assert hook.payloads == []
    [line] = logged.lines(logging.ERROR)
    assert FAILED_STEP in line and JIRA_ERROR in line and failed.run.run_id[:8] in line
    assert logged.lines(logging.INFO) == [] and logged.lines(logging.WARNING) == []


def test_a_slack_that_is_down_is_logged_not_raised(failed: FailedRun, slack_webhook):
    hook, url = slack_webhook
    hook.faults.fail_next(10, status=500)

    logged = evaluate(failed, AlertResource(slack_webhook_url=url))

    assert hook.payloads == [] and hook.calls.total() >= 1
    assert len(logged.lines(logging.ERROR)) == 1
    assert logged.lines(logging.INFO) == []
    assert logged.lines(logging.WARNING) == ["the failure alert was refused by slack"]
