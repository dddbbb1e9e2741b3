"""Production's vendor resources: credentials from a Secrets Manager secret, read when a run starts, never kept in config.

A Dagster resource's config is shown in the UI and copied into every job snapshot in run storage, so
credentials must not be config values. `SecretBackedSource` carries only the secret's name and the
non-secret settings; when a run initialises it, it reads the secret and hands the asset the ordinary
vendor resource (`IntercomResource`, ...) built in memory.
"""
from __future__ import annotations

from typing import Any, Mapping

from dagster_aws.utils import ResourceWithBoto3Configuration
from pydantic import Field

from health_pipeline.production_aws import read_secret, secrets_client
from health_pipeline.resources.base import HttpSourceResource
from health_pipeline.resources.factory import TRUE_WORDS
from health_pipeline.resources.intercom import IntercomResource
from health_pipeline.resources.jira import JiraResource
from health_pipeline.resources.looker import LookerResource
from health_pipeline.resources.salesforce import SalesforceResource

# vendor -> (resource class, {resource field: key of config/.env.example}); mirrors resources/factory.py
SOURCE_FIELDS: dict[str, tuple[type[HttpSourceResource], dict[str, str]]] = {
    "intercom": (IntercomResource, {"token": "INTERCOM_API_TOKEN", "base_url": "INTERCOM_BASE_URL"}),
    "jira": (JiraResource, {
        "base_url": "JIRA_BASE_URL", "email": "JIRA_EMAIL", "api_token": "JIRA_API_TOKEN",
        "projects": "JIRA_PROJECTS", "account_link": "JIRA_ACCOUNT_LINK", "custom_field_id": "JIRA_CUSTOM_FIELD_ID",
    }),
    "looker": (LookerResource, {
        "base_url": "LOOKER_BASE_URL", "client_id": "LOOKER_CLIENT_ID", "client_secret": "LOOKER_CLIENT_SECRET",
        "verify_ssl": "LOOKER_VERIFY_SSL",
    }),
    "salesforce": (SalesforceResource, {
        "username": "SF_USERNAME", "password": "SF_PASSWORD", "security_token": "SF_SECURITY_TOKEN",
        "domain": "SF_DOMAIN", "login_url_override": "SF_LOGIN_URL", "ca_bundle": "SF_CA_BUNDLE",
    }),
}
BOOLEAN_FIELDS = frozenset({"verify_ssl"})


def source_from_values(vendor: str, values: Mapping[str, str]) -> HttpSourceResource:
    """The vendor's resource with plain values (blank keys keep the resource's defaults). Only ever built at run time."""
    cls, fields = SOURCE_FIELDS[vendor]
    kwargs: dict[str, Any] = {}
    for field, key in fields.items():
        value = values.get(key)
        if value is None or not str(value).strip():
            continue
        kwargs[field] = str(value).strip().lower() in TRUE_WORDS if field in BOOLEAN_FIELDS else str(value)
    return cls(**kwargs)


def vendor_keys(vendor: str) -> tuple[str, ...]:
    """The environment/secret keys one vendor's resource reads."""
    return tuple(SOURCE_FIELDS[vendor][1].values())


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
        return source_from_values(self.vendor, self.read_values())
