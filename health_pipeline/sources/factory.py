"""Builds the vendor resources from environment variables (or a secret's values), as the vendor registry says."""
from __future__ import annotations

import os
from typing import Any, Mapping

import dagster as dg

from health_pipeline.sources.common.resource import HttpSourceResource
from health_pipeline.sources.intercom.resource import IntercomResource
from health_pipeline.sources.jira.resource import JiraResource
from health_pipeline.sources.looker.resource import LookerResource
from health_pipeline.sources.registry import BY_KEY, VENDORS
from health_pipeline.sources.salesforce.resource import SalesforceResource

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
RESOURCE_CLASS: dict[str, type[HttpSourceResource]] = {
    "intercom": IntercomResource, "jira": JiraResource, "looker": LookerResource, "salesforce": SalesforceResource,
}


def env_var(environ: Mapping[str, str], name: str) -> dg.EnvVar | None:
    """An EnvVar reference when the variable is set (read at run time, never copied), else None."""
    return dg.EnvVar(name) if environ.get(name) else None


def is_true(value: str) -> bool:
    """Whether a setting's text means true (true/yes/on/1)."""
    return value.strip().lower() in TRUE_WORDS


def env_flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    """A boolean environment setting (true/false, yes/no, 1/0)."""
    value = environ.get(name)
    return default if not value else is_true(value)


def source_resource(vendor: str, values: Mapping[str, Any], secrets_as_env: bool) -> HttpSourceResource:
    """One vendor's resource from `values`; blank keys keep the resource's defaults.

    With `secrets_as_env`, credentials become EnvVar references (the environment is read at run time);
    otherwise every value is used as given (a secret's values, built in memory when a run starts)."""
    kwargs: dict[str, Any] = {}
    for key in BY_KEY[vendor].env:
        value = values.get(key.name)
        if value is None or not str(value).strip():
            continue
        if key.secret and secrets_as_env:
            kwargs[key.field] = dg.EnvVar(key.name)
        else:
            kwargs[key.field] = is_true(str(value)) if key.boolean else str(value)
    return RESOURCE_CLASS[vendor](**kwargs)


def build_source_resources(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The four vendor resources, configured from whichever environment variables are set."""
    env = os.environ if environ is None else environ
    return {vendor.key: source_resource(vendor.key, env, secrets_as_env=True) for vendor in VENDORS}
