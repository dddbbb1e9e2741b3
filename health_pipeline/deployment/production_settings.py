"""The production profile's settings from environment variables, and which vendor keys it needs."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from health_pipeline.deployment.errors import ProfileError
from health_pipeline.deployment.shared import DRY_RUN_ENV
from health_pipeline.sources.factory import env_flag
from health_pipeline.sources.registry import BY_KEY, VENDOR_KEYS

BUCKET_ENV = "HEALTH_PIPELINE_S3_BUCKET"
PREFIX_ENV = "HEALTH_PIPELINE_S3_PREFIX"
ENDPOINT_ENV = "HEALTH_PIPELINE_AWS_ENDPOINT_URL"
SECRET_ENV = "HEALTH_PIPELINE_SECRET_NAME"
EXPORT_ENV = "HEALTH_PIPELINE_EXPORT_PARQUET"
EXPORT_PREFIX_ENV = "HEALTH_PIPELINE_EXPORT_PREFIX"
SOURCES_ENV = "HEALTH_PIPELINE_SOURCES"
DEFAULT_PREFIX = "health_pipeline"


@dataclass(frozen=True)
class ProductionSettings:
    """Where production keeps asset values and exports, where credentials come from, and the delivery toggles."""

    bucket: str
    prefix: str
    endpoint_url: str | None
    secret_name: str | None
    dry_run: bool
    export_parquet: bool
    export_prefix: str
    sources: tuple[str, ...]

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> "ProductionSettings":
        """Read and check the settings (no network); raise ProfileError naming a missing or wrong variable."""
        bucket = (environ.get(BUCKET_ENV) or "").strip()
        if not bucket:
            raise ProfileError(f"the production profile needs {BUCKET_ENV}: the S3 bucket that holds the asset values")
        settings = cls(
            bucket=bucket,
            prefix=(environ.get(PREFIX_ENV) or DEFAULT_PREFIX).strip().strip("/"),
            endpoint_url=(environ.get(ENDPOINT_ENV) or "").strip() or None,
            secret_name=(environ.get(SECRET_ENV) or "").strip() or None,
            dry_run=env_flag(environ, DRY_RUN_ENV, False),
            export_parquet=env_flag(environ, EXPORT_ENV, False),
            export_prefix=(environ.get(EXPORT_PREFIX_ENV) or "").strip().strip("/"),
            sources=parse_sources(environ.get(SOURCES_ENV)),
        )
        if "salesforce" not in settings.sources and not settings.dry_run:
            raise ProfileError(f"{SOURCES_ENV} leaves out salesforce, but the health scores are delivered to "
                               f"Salesforce: add it, or set {DRY_RUN_ENV}=true")
        return settings

    def required_keys(self, values: Mapping[str, str]) -> list[str]:
        """Every vendor key the chosen sources need (given the values set), in a stable order."""
        return [key for vendor in self.sources for key in BY_KEY[vendor].needed_keys(values)]

    def login_problem(self, values: Mapping[str, str]) -> str | None:
        """Why the chosen sources' credentials cannot log in (e.g. SOAP login at API 65.0), or None."""
        checks = [BY_KEY[vendor].login_check for vendor in self.sources]
        return next((problem for check in checks if check and (problem := check(values))), None)


def parse_sources(value: str | None) -> tuple[str, ...]:
    """The vendors to call (default: all four), from a comma-separated list."""
    if not value or not value.strip():
        return VENDOR_KEYS
    names = [name.strip().lower() for name in value.split(",") if name.strip()]
    unknown = sorted(set(names) - set(VENDOR_KEYS))
    if unknown:
        raise ProfileError(f"{SOURCES_ENV} names unknown source(s) {', '.join(unknown)}; "
                           f"choose among {', '.join(VENDOR_KEYS)}")
    return tuple(vendor for vendor in VENDOR_KEYS if vendor in names)


def missing_keys(values: Mapping[str, object], keys: list[str]) -> list[str]:
    """The keys that are absent or blank in `values`."""
    return [key for key in keys if values.get(key) is None or not str(values.get(key)).strip()]
