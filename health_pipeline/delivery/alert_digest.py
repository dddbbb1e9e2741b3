"""Posting the month's alert digest to a Slack incoming webhook with slack_sdk, retried, failures named."""
from __future__ import annotations

from typing import Optional

import dagster as dg
from pydantic import Field
from slack_sdk.errors import SlackRequestError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.webhook import WebhookClient

from health_pipeline.sources.common.errors import SourceError, short_body

SOURCE = "Slack"
CALL = "POST incoming webhook"
MAX_RETRIES = 3


class SlackAlertsResource(dg.ConfigurableResource):
    """The Slack incoming webhook the alert digest is posted to (secret; SLACK_ALERTS_WEBHOOK_URL)."""

    webhook_url: Optional[str] = Field(
        default=None, description="Slack incoming webhook for the alert digest (secret; SLACK_ALERTS_WEBHOOK_URL).")
    timeout_seconds: int = Field(default=15, ge=1, description="Seconds to wait for Slack's reply.")

    def is_configured(self) -> bool:
        """Whether a webhook is set."""
        return bool(self.webhook_url)

    def post(self, text: str) -> None:
        """Post `text` as one message; after retries on dropped connections, 429 and 5xx, a refusal is a
        SourceError with Slack's status and reply (never the webhook's URL, which is its secret)."""
        if not self.webhook_url:
            raise ValueError("no Slack webhook is configured (SLACK_ALERTS_WEBHOOK_URL)")
        client = WebhookClient(self.webhook_url, timeout=self.timeout_seconds, retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=MAX_RETRIES),
            RateLimitErrorRetryHandler(max_retry_count=MAX_RETRIES),
            ServerErrorRetryHandler(max_retry_count=MAX_RETRIES),
        ])
        try:
            reply = client.send(text=text, unfurl_links=False, unfurl_media=False)
        except (SlackRequestError, OSError) as error:
            raise SourceError(SOURCE, CALL, f"no reply after retries ({type(error).__name__})") from None
        if reply.status_code != 200:
            raise SourceError(SOURCE, CALL, short_body(str(reply.body)), status=reply.status_code)
