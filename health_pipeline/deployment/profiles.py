"""Deployment profiles: which resources (and IO manager) a code location runs with."""
from __future__ import annotations

import os
from typing import Any, Mapping

from health_pipeline.assets.missing_upstream import MonthFilesystemIOManager
from health_pipeline.delivery.parquet_export import ParquetExportResource
from health_pipeline.deployment.errors import ProfileError
from health_pipeline.deployment.shared import DRY_RUN_ENV, output_dir, shared_resources
from health_pipeline.sources.factory import build_source_resources, env_flag
from health_pipeline.sources.registry import VENDORS

PROFILE_ENV = "HEALTH_PIPELINE_PROFILE"
PROFILES = ("sandbox", "production")


def profile_name(environ: Mapping[str, str] | None = None) -> str:
    """The profile chosen by HEALTH_PIPELINE_PROFILE (default: sandbox)."""
    env = os.environ if environ is None else environ
    name = (env.get(PROFILE_ENV) or "sandbox").strip().lower()
    if name not in PROFILES:
        raise ProfileError(f"{PROFILE_ENV}={name!r} is not a profile; choose one of {', '.join(PROFILES)}")
    return name


def sandbox_resources(environ: Mapping[str, str]) -> dict[str, Any]:
    """Sandbox profile: vendors from the environment (the emulators' variables), local files, dry-run on."""
    problem = next((problem for vendor in VENDORS if vendor.login_check and (problem := vendor.login_check(environ))),
                   None)
    if problem:
        raise ProfileError(f"the sandbox profile cannot log in: {problem}")
    return {
        **shared_resources(environ, dry_run=env_flag(environ, DRY_RUN_ENV, True)),
        **build_source_resources(environ),
        # the BI export, when switched on, writes under the output folder in the sandbox
        "parquet_export": ParquetExportResource(local_dir=output_dir(environ)),
        "io_manager": MonthFilesystemIOManager(),  # the instance's storage folder; missing months explained
    }


def resources_for_profile(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The resources of the profile the environment chooses."""
    env = os.environ if environ is None else environ
    name = profile_name(env)
    if name == "sandbox":
        return sandbox_resources(env)
    from health_pipeline.deployment.production import production_resources

    return production_resources(env)
