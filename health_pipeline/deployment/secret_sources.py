"""Production's vendor resources: credentials from a Secrets Manager secret, read when a run starts, never kept in config.

A Dagster resource's config is shown in the UI and copied into every job snapshot in run storage, so
credentials must not be config values. `SecretBackedSource` carries only the secret's name and the
non-secret settings; when a run initialises it, it reads the secret and hands the asset the ordinary
vendor resource (`IntercomResource`, ...) built in memory.
"""
from __future__ import annotations

from typing import Any

from dagster_aws.utils import ResourceWithBoto3Configuration
from pydantic import Field

from health_pipeline.deployment.aws import read_secret, secrets_client
from health_pipeline.sources.common.resource import HttpSourceResource
from health_pipeline.sources.factory import source_resource


class SecretBackedSource(ResourceWithBoto3Configuration):
    """A vendor's API access whose credentials are read from an AWS Secrets Manager secret each time a run starts."""

    vendor: str = Field(description="Which vendor: intercom, jira, looker or salesforce.")
    secret_name: str = Field(description="Name or ARN of the JSON secret holding the vendor keys (HEALTH_PIPELINE_SECRET_NAME).")
    settings: dict[str, str] = Field(
        default_factory=dict,
        description="Non-secret settings from the environment (URLs, projects, domain); the secret's keys win.",
    )

    def read_values(self) -> dict[str, str]:
        """The settings overlaid with the secret's keys (one GetSecretValue)."""
        client = secrets_client(self.endpoint_url, self.max_attempts, self.region_name)
        return {**self.settings, **read_secret(client, self.secret_name)}

    def create_resource(self, context: Any) -> HttpSourceResource:  # type: ignore[override]
        """The object the assets receive: the ordinary vendor resource, built in memory from the secret."""
        return source_resource(self.vendor, self.read_values(), secrets_as_env=False)
