"""Deployment profiles: which resources (and IO manager) a code location runs with."""
from __future__ import annotations

import os
from typing import Any, Mapping

from health_pipeline.alerts import AlertResource
from health_pipeline.resources.config import PipelineConfigResource
from health_pipeline.resources.export import ParquetExportResource
from health_pipeline.resources.factory import _env, build_source_resources, env_flag
from health_pipeline.resources.sink import HealthScoreSinkResource
from health_pipeline.settings import default_config_dir, load_pipeline_settings

PROFILE_ENV = "HEALTH_PIPELINE_PROFILE"
PROFILES = ("sandbox", "production")


class ProfileError(ValueError):
    """The chosen profile cannot start (unknown name, missing credential, unreachable store)."""


def profile_name(environ: Mapping[str, str] | None = None) -> str:
    """The profile chosen by HEALTH_PIPELINE_PROFILE (default: sandbox)."""
    env = os.environ if environ is None else environ
    name = (env.get(PROFILE_ENV) or "sandbox").strip().lower()
    if name not in PROFILES:
        raise ProfileError(f"{PROFILE_ENV}={name!r} is not a profile; choose one of {', '.join(PROFILES)}")
    return name


def sandbox_resources(environ: Mapping[str, str]) -> dict[str, Any]:
    """Sandbox profile: vendors from the environment (the emulators' variables), local files, dry-run on."""
    delivery = load_pipeline_settings(default_config_dir()).delivery
    return {
        "pipeline_config": PipelineConfigResource(),
        **build_source_resources(environ),
        "sink": HealthScoreSinkResource(
            dry_run=env_flag(environ, "HEALTH_PIPELINE_DRY_RUN", True),
            output_dir=environ.get("HEALTH_PIPELINE_OUTPUT_DIR") or str(delivery.output_dir),
            bulk_threshold=delivery.bulk_threshold,
            failure_tolerance=delivery.failure_tolerance,
        ),
        # the BI export, when switched on, writes under the output folder in the sandbox
        "parquet_export": ParquetExportResource(
            local_dir=environ.get("HEALTH_PIPELINE_OUTPUT_DIR") or str(delivery.output_dir)),
        "alerts": AlertResource(
            slack_webhook_url=_env(environ, "SLACK_WEBHOOK_URL"),
            rollbar_access_token=_env(environ, "ROLLBAR_ACCESS_TOKEN"),
        ),
    }


def resources_for_profile(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The resources of the profile the environment chooses."""
    env = os.environ if environ is None else environ
    name = profile_name(env)
    if name == "sandbox":
        return sandbox_resources(env)
    from health_pipeline.production import production_resources

    return production_resources(env)
