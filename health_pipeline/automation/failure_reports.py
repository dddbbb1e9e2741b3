"""Where failed runs are reported: the run log always, Slack and Rollbar when configured."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import dagster as dg
from pydantic import Field

from health_pipeline.sources.common.http import RetrySettings, build_http_session

ROLLBAR_ITEM_URL = "https://api.rollbar.com/api/1/item/"
# errors the project raises on purpose: their message is the whole sentence, the class name adds nothing
SELF_EXPLAINING = frozenset({"Failure", "SourceError", "ConfigError", "ProfileError"})


def readable_error(error: Any) -> str:
    """The first line of a step's error (a Dagster SerializableErrorInfo): the user's own error behind Dagster's
    wrapper, without the exception's module path (and without its class when the project raised it on purpose)."""
    while error.cause is not None and error.message.startswith("dagster."):
        error = error.cause
    lines = error.message.strip().splitlines()
    first = lines[0] if lines else error.cls_name or "unknown error"
    qualified, separator, rest = first.partition(": ")
    if separator and qualified.rsplit(".", 1)[-1] == error.cls_name:
        first = rest if error.cls_name in SELF_EXPLAINING else f"{error.cls_name}: {rest}"
    return first


@dataclass(frozen=True)
class FailureReport:
    """What a CS-ops reader needs to know about a failed run."""

    job_name: str
    run_id: str
    partition: str | None
    failed_steps: tuple[str, ...]
    error: str

    def text(self) -> str:
        """A one-paragraph summary for humans."""
        month = f" for {self.partition}" if self.partition else ""
        steps = ", ".join(self.failed_steps) or "(no step: the run failed before or between steps)"
        return f"health_pipeline run {self.run_id[:8]} of {self.job_name}{month} failed in {steps}: {self.error}"


class AlertResource(dg.ConfigurableResource):
    """Optional alert destinations for failed runs."""

    slack_webhook_url: Optional[str] = Field(default=None, description="Slack incoming webhook (secret; SLACK_WEBHOOK_URL).")
    rollbar_access_token: Optional[str] = Field(
        default=None, description="Rollbar post_server_item token (secret; ROLLBAR_ACCESS_TOKEN)."
    )
    rollbar_url: str = Field(default=ROLLBAR_ITEM_URL, description="Rollbar item endpoint.")

    def destinations(self) -> list[str]:
        """The configured destinations, by name."""
        return [name for name, setting in (("slack", self.slack_webhook_url), ("rollbar", self.rollbar_access_token))
                if setting]

    def send(self, report: FailureReport) -> list[str]:
        """Post the report to every configured destination; returns the ones that accepted it."""
        session, _ = build_http_session("alerts", RetrySettings(max_retries=2, read_timeout=10.0))
        delivered = []
        if self.slack_webhook_url:
            reply = session.post(self.slack_webhook_url, json={"text": report.text()})
            if reply.ok:
                delivered.append("slack")
        if self.rollbar_access_token:
            payload = {"data": {"environment": "production", "level": "error", "title": report.text()[:255],
                                "body": {"message": {"body": report.text()}},
                                "custom": {"run_id": report.run_id, "job": report.job_name, "partition": report.partition}}}
            reply = session.post(self.rollbar_url, json=payload, headers={"X-Rollbar-Access-Token": self.rollbar_access_token})
            if reply.ok:
                delivered.append("rollbar")
        return delivered
