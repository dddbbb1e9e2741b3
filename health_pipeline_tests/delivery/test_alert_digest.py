"""Posting the digest with slack_sdk's webhook client to the loopback Slack webhook: delivered as one message,
retried through transient 5xx, and a refusal is an error naming Slack, the call and the status, never the URL."""
from __future__ import annotations

from typing import Iterator

import pytest

from health_pipeline.delivery.alert_digest import SlackAlertsResource
from health_pipeline.sandbox.server.emulator import EmulatorServer
from health_pipeline.sandbox.slack.emulator import HOOK_PATH, SlackWebhookEmulator
from health_pipeline.sources.common.errors import SourceError


@pytest.fixture
def webhook() -> Iterator[tuple[SlackWebhookEmulator, str]]:
    hook = SlackWebhookEmulator()
    with EmulatorServer(hook) as server:
        yield hook, server.url


def test_the_digest_arrives_as_one_message(webhook):
    hook, url = webhook
    SlackAlertsResource(webhook_url=url + HOOK_PATH).post("*Health alerts for 2026-10*: 1 critical")
    assert hook.texts() == ["*Health alerts for 2026-10*: 1 critical"]
    assert hook.payloads[0]["unfurl_links"] is False


def test_transient_server_errors_are_retried(webhook):
    hook, url = webhook
    hook.faults.fail_next(2, status=503)
    SlackAlertsResource(webhook_url=url + HOOK_PATH).post("digest")
    assert hook.texts() == ["digest"] and hook.calls.total() == 3


def test_a_refused_post_names_slack_the_call_and_the_status_but_not_the_url(webhook):
    hook, url = webhook
    secret = url + "/services/T0/B0/not-a-hook-secret-part"
    with pytest.raises(SourceError) as raised:
        SlackAlertsResource(webhook_url=secret.replace("/services/", "/wrong/")).post("digest")
    assert str(raised.value) == "Slack: POST incoming webhook answered HTTP 404: no_service"
    assert "not-a-hook-secret-part" not in str(raised.value)
    assert hook.texts() == []
