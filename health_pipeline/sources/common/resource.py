"""What every vendor resource shares: retry and timeout settings, and one checked JSON call."""
from __future__ import annotations

from typing import Any

import dagster as dg
import requests
from pydantic import Field

from health_pipeline.sources.common.bounded import REFUSED, ReplyRefused
from health_pipeline.sources.common.errors import SourceError, short_body
from health_pipeline.sources.common.http import RetrySettings


class HttpSourceResource(dg.ConfigurableResource):
    """Retry, backoff and timeout settings shared by the vendor resources."""

    max_retries: int = Field(default=5, description="Retries per call on 429, 5xx and dropped connections.")
    backoff_factor: float = Field(default=0.5, description="Exponential backoff base in seconds (with jitter).")
    backoff_max: float = Field(default=30.0, description="Longest backoff between two retries, in seconds.")
    retry_after_max: float = Field(
        default=120.0, description="Longest wait honoured from a Retry-After or X-RateLimit-Reset header, in seconds."
    )
    connect_timeout: float = Field(default=5.0, description="TCP connect timeout per call, in seconds.")
    read_timeout: float = Field(default=60.0, description="Read timeout per call, in seconds.")
    request_deadline_seconds: float = Field(
        default=300.0, gt=0,
        description="Total time one request may take, connect plus every byte of the reply, in seconds.")
    max_reply_mb: float = Field(default=256.0, gt=0, description="Largest reply body accepted, in MiB.")

    def retry_settings(self) -> RetrySettings:
        """These settings as the HTTP layer's value object."""
        return RetrySettings(
            max_retries=self.max_retries,
            backoff_factor=self.backoff_factor,
            backoff_max=self.backoff_max,
            retry_after_max=self.retry_after_max,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            deadline_seconds=self.request_deadline_seconds,
            max_reply_bytes=int(self.max_reply_mb * 1048576),
        )


def call_json(session: requests.Session, source: str, call: str, method: str, url: str, **kwargs: Any) -> Any:
    """Make one call (the session retries it) and return its JSON, or raise a SourceError naming it."""
    try:
        response = session.request(method, url, **kwargs)
    except ReplyRefused as error:
        raise SourceError(source, call, str(error).removeprefix(REFUSED)) from None
    except requests.RequestException as error:
        raise SourceError(source, call, f"no reply after retries ({type(error).__name__})") from None
    if response.status_code >= 400:
        raise SourceError(source, call, short_body(response.text), status=response.status_code)
    try:
        return response.json()
    except ValueError:
        raise SourceError(source, call, "the reply is not valid JSON", status=response.status_code) from None
