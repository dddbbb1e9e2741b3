"""Builds the vendor resources from environment variables: secrets as EnvVar, unset sources left unconfigured."""
from __future__ import annotations

import os
from typing import Any, Mapping

import dagster as dg

from health_pipeline.resources.intercom import IntercomResource
from health_pipeline.resources.jira import JiraResource
from health_pipeline.resources.looker import LookerResource
from health_pipeline.resources.salesforce import SalesforceResource

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


def _env(environ: Mapping[str, str], name: str) -> dg.EnvVar | None:
    """An EnvVar reference when the variable is set (read at run time, never copied), else None."""
    return dg.EnvVar(name) if environ.get(name) else None


def _plain(environ: Mapping[str, str], name: str, default: Any) -> Any:
    """A non-secret setting's value, or the default."""
    value = environ.get(name)
    return value if value else default


def env_flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    """A boolean environment setting (true/false, yes/no, 1/0)."""
    value = environ.get(name)
    return default if not value else value.strip().lower() in TRUE_WORDS


def build_source_resources(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The four vendor resources, configured from whichever environment variables are set."""
    env = os.environ if environ is None else environ
    return {
        "intercom": IntercomResource(
            token=_env(env, "INTERCOM_API_TOKEN"),
            base_url=_plain(env, "INTERCOM_BASE_URL", "https://api.intercom.io"),
        ),
        "jira": JiraResource(
            base_url=_plain(env, "JIRA_BASE_URL", None),
            email=_env(env, "JIRA_EMAIL"),
            api_token=_env(env, "JIRA_API_TOKEN"),
            projects=_plain(env, "JIRA_PROJECTS", "BUG"),
            account_link=_plain(env, "JIRA_ACCOUNT_LINK", "component"),
            custom_field_id=_plain(env, "JIRA_CUSTOM_FIELD_ID", None),
        ),
        "looker": LookerResource(
            base_url=_plain(env, "LOOKER_BASE_URL", None),
            client_id=_env(env, "LOOKER_CLIENT_ID"),
            client_secret=_env(env, "LOOKER_CLIENT_SECRET"),
            verify_ssl=env_flag(env, "LOOKER_VERIFY_SSL", True),
        ),
        "salesforce": SalesforceResource(
            username=_env(env, "SF_USERNAME"),
            password=_env(env, "SF_PASSWORD"),
            security_token=_env(env, "SF_SECURITY_TOKEN"),
            domain=_plain(env, "SF_DOMAIN", "login"),
            login_url_override=_plain(env, "SF_LOGIN_URL", None),
            ca_bundle=_plain(env, "SF_CA_BUNDLE", None),
        ),
    }
