"""Production profile: the real vendor APIs, credentials from AWS Secrets Manager (or the environment), asset
values in S3 through dagster-aws's pickle IO manager, delivery live unless HEALTH_PIPELINE_DRY_RUN=true.

Everything is checked when the code location loads, so a bad deployment fails at start with one sentence
naming the variable, secret key or bucket at fault, never by falling back to the sandbox:
settings (no network) -> credentials (one GetSecretValue, or the environment) -> bucket (one HeadBucket).
"""
from __future__ import annotations

from typing import Any, Mapping

import dagster as dg
from dagster_aws.s3 import S3PickleIOManager, S3Resource

from health_pipeline.assets.missing_upstream import MissingUpstreamExplained
from health_pipeline.delivery.parquet_export import ParquetExportResource
from health_pipeline.deployment.aws import LOAD_ATTEMPTS, RUN_ATTEMPTS, check_bucket, read_secret, secrets_client
from health_pipeline.deployment.errors import ProfileError
from health_pipeline.deployment.production_settings import (
    SECRET_ENV,
    ProductionSettings,
    missing_keys,
)
from health_pipeline.deployment.secret_sources import SecretBackedSource
from health_pipeline.deployment.shared import shared_resources
from health_pipeline.sources.factory import build_source_resources
from health_pipeline.sources.registry import BY_KEY, SETTING_KEYS


def production_resources(environ: Mapping[str, str]) -> dict[str, Any]:
    """The production profile's resources, after checking settings, credentials and the bucket."""
    settings = ProductionSettings.from_environ(environ)
    sources = secret_sources(settings, environ) if settings.secret_name else env_sources(settings, environ)
    check_bucket(s3_resource(settings, max_attempts=LOAD_ATTEMPTS).get_client(), settings.bucket)
    resources: dict[str, Any] = {
        **shared_resources(environ, dry_run=settings.dry_run),
        **sources,
        "io_manager": MonthS3PickleIOManager(s3_resource=s3_resource(settings), s3_bucket=settings.bucket,
                                             s3_prefix=settings.prefix),
    }
    # the delivery log lives beside the BI export, in the bucket
    resources["sink"] = resources["sink"].model_copy(update={
        "log_s3_bucket": settings.bucket, "log_s3_prefix": settings.export_prefix,
        "log_s3_endpoint_url": settings.endpoint_url})
    if settings.export_parquet:
        resources["parquet_export"] = ParquetExportResource(
            s3_bucket=settings.bucket, s3_prefix=settings.export_prefix, endpoint_url=settings.endpoint_url)
    return resources


class MonthS3PickleIOManager(S3PickleIOManager):
    """dagster-aws's S3 pickle IO manager (the bucket under the prefix) with missing months explained."""

    def create_io_manager(self, context: dg.InitResourceContext) -> dg.IOManager:
        """The S3 IO manager wrapped so that a missing upstream month reads as one sentence (dagster-aws raises
        FileNotFoundError for a key that is not in the bucket)."""
        return MissingUpstreamExplained(super().create_io_manager(context), (FileNotFoundError,))


def s3_resource(settings: ProductionSettings, max_attempts: int = RUN_ATTEMPTS) -> S3Resource:
    """dagster-aws's S3 resource for the bucket's endpoint (region and credentials from the standard AWS chain)."""
    return S3Resource(endpoint_url=settings.endpoint_url, max_attempts=max_attempts)


def env_sources(settings: ProductionSettings, environ: Mapping[str, str]) -> dict[str, Any]:
    """Vendor resources from environment variables (secrets as EnvVar, read at run time); every needed one must be set."""
    missing = missing_keys(environ, settings.required_keys(environ))
    if missing:
        raise ProfileError(f"the production profile is missing {', '.join(missing)}: set these environment variables, "
                           f"or name a Secrets Manager secret holding them in {SECRET_ENV}")
    refuse_login_problem(settings, environ)
    return unconfigured_left_out(build_source_resources(environ), settings)


def secret_sources(settings: ProductionSettings, environ: Mapping[str, str]) -> dict[str, Any]:
    """Vendor resources whose credentials a run reads from the secret; the secret is read once now to check its keys."""
    name = settings.secret_name or ""
    plain = {key: environ[key] for key in SETTING_KEYS if environ.get(key)}
    values = {**plain, **read_secret(secrets_client(settings.endpoint_url), name)}
    missing = missing_keys(values, settings.required_keys(values))
    if missing:
        raise ProfileError(f"the Secrets Manager secret {name!r} ({SECRET_ENV}) has no {', '.join(missing)}: "
                           f"add these keys to its JSON (site URLs may instead be environment variables)")
    refuse_login_problem(settings, values)
    resources = build_source_resources({})  # every vendor unconfigured, replaced below for the chosen ones
    for vendor in settings.sources:
        resources[vendor] = SecretBackedSource(
            vendor=vendor, secret_name=name, endpoint_url=settings.endpoint_url,
            settings={key: value for key, value in plain.items() if key in BY_KEY[vendor].env_keys},
        )
    return resources


def refuse_login_problem(settings: ProductionSettings, values: Mapping[str, str]) -> None:
    """ProfileError when the credentials set cannot log in (a legacy login the API version refuses, ...)."""
    problem = settings.login_problem(values)
    if problem:
        raise ProfileError(f"the production profile cannot log in: {problem}")


def unconfigured_left_out(resources: dict[str, Any], settings: ProductionSettings) -> dict[str, Any]:
    """The vendors left out of HEALTH_PIPELINE_SOURCES get an unconfigured resource (their metrics are missing)."""
    empty = build_source_resources({})
    return {vendor: (resource if vendor in settings.sources else empty[vendor]) for vendor, resource in resources.items()}
