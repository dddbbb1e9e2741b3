"""Where the dashboard reads the stored asset values: the local instance's IO-manager folder, or S3 in production.

The layout is the pickle IO managers' (`fs_io_manager` locally, `S3PickleIOManager` in production):
`<root>/<asset>/<YYYY-MM>` for a monthly asset, `<root>/<asset>` for an unpartitioned one. Nothing is written.
"""
from __future__ import annotations

import os
import pickle
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Protocol

import pandas as pd
import yaml

MONTH_KEY = re.compile(r"^\d{4}-\d{2}$")


class StoreError(Exception):
    """A stored value the dashboard cannot read, or a store it cannot reach."""


class AssetStore(Protocol):
    """Read-only access to the stored values of assets."""

    location: str

    def months(self, asset: str) -> list[str]:
        """The asset's stored monthly partitions, oldest first (empty when it has none)."""

    def has(self, asset: str) -> bool:
        """True when the asset has any stored value (monthly or not)."""

    def load(self, asset: str, month: str | None = None) -> Any:
        """The stored value of one month of the asset (or of the unpartitioned asset)."""


def _unpickle(body: bytes, asset: str, month: str | None, location: str) -> Any:
    """The value a pickle IO manager stored, or a StoreError naming the asset, month and place."""
    try:
        return pickle.loads(body)
    except Exception as error:  # a truncated or foreign file: say which one, never a traceback
        where = f"{asset} {month}" if month else asset
        raise StoreError(f"cannot read the stored {where} at {location}: {type(error).__name__}: {error}") from None


@dataclass(frozen=True)
class LocalAssetStore:
    """The local instance's storage folder (what `fs_io_manager` writes)."""

    root: Path

    @property
    def location(self) -> str:
        """The folder read."""
        return str(self.root)

    def months(self, asset: str) -> list[str]:
        """Monthly partitions stored as files under <root>/<asset>/."""
        folder = self.root / asset
        if not folder.is_dir():
            return []
        return sorted(path.name for path in folder.iterdir() if path.is_file() and MONTH_KEY.match(path.name))

    def has(self, asset: str) -> bool:
        """A file <root>/<asset>, or any stored month of it."""
        return (self.root / asset).is_file() or bool(self.months(asset))

    def load(self, asset: str, month: str | None = None) -> Any:
        """Unpickle <root>/<asset>/<month> (or <root>/<asset>)."""
        path = self.root / asset / month if month else self.root / asset
        try:
            body = path.read_bytes()
        except OSError as error:
            raise StoreError(f"cannot read the stored {asset} {month or ''} at {path}: {error.strerror}") from None
        return _unpickle(body, asset, month, str(path))


@dataclass(frozen=True)
class S3AssetStore:
    """A bucket and prefix that `S3PickleIOManager` writes (production)."""

    client: Any
    bucket: str
    prefix: str

    @property
    def location(self) -> str:
        """The s3:// URI read."""
        return f"s3://{self.bucket}/{self.prefix}"

    def _key(self, *parts: str) -> str:
        return "/".join(part for part in (self.prefix, *parts) if part)

    def months(self, asset: str) -> list[str]:
        """Monthly partitions listed under <prefix>/<asset>/."""
        folder = self._key(asset) + "/"
        names = []
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=folder):
                names += [item["Key"][len(folder):] for item in page.get("Contents", [])]
        except Exception as error:  # botocore's ClientError and connection errors alike: one sentence
            raise StoreError(f"cannot list s3://{self.bucket}/{folder}: {error}") from None
        return sorted(name for name in names if MONTH_KEY.match(name))

    def has(self, asset: str) -> bool:
        """Any object at or under <prefix>/<asset>."""
        reply = self.client.list_objects_v2(Bucket=self.bucket, Prefix=self._key(asset), MaxKeys=1)
        return reply.get("KeyCount", 0) > 0

    def load(self, asset: str, month: str | None = None) -> Any:
        """Unpickle s3://<bucket>/<prefix>/<asset>/<month> (or .../<asset>)."""
        key = self._key(asset, month or "")
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except Exception as error:  # botocore's ClientError and connection errors alike: one sentence
            raise StoreError(f"cannot read s3://{self.bucket}/{key}: {error}") from None
        return _unpickle(body, asset, month, f"s3://{self.bucket}/{key}")


def local_storage_dir(home: Path) -> Path:
    """The instance's storage folder: dagster.yaml's local_artifact_storage base_dir, else <home>/storage."""
    config_file = home / "dagster.yaml"
    config = yaml.safe_load(config_file.read_text(encoding="utf-8")) if config_file.is_file() else None
    base_dir = ((config or {}).get("local_artifact_storage") or {}).get("config", {}).get("base_dir")
    return Path(base_dir) if base_dir else home / "storage"


def store_from_environ(environ: Mapping[str, str] | None = None) -> AssetStore:
    """S3 under the production profile (its bucket and prefix), else the instance in DAGSTER_HOME or ./.dagster_home."""
    env = os.environ if environ is None else environ
    from health_pipeline.deployment.profiles import profile_name

    if profile_name(env) == "production":
        from health_pipeline.deployment.production import s3_resource
        from health_pipeline.deployment.production_settings import ProductionSettings

        settings = ProductionSettings.from_environ(env)
        return S3AssetStore(s3_resource(settings).get_client(), settings.bucket, settings.prefix)
    return LocalAssetStore(local_storage_dir(instance_home(env)))


def delivery_log_from_environ(environ: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The delivery log's rows: in the production bucket beside the BI export, else under the output folder."""
    env = os.environ if environ is None else environ
    from health_pipeline.delivery.delivery_log import read_log
    from health_pipeline.delivery.parquet_export import ParquetExportResource
    from health_pipeline.deployment.profiles import profile_name

    if profile_name(env) == "production":
        from health_pipeline.deployment.production_settings import ProductionSettings

        settings = ProductionSettings.from_environ(env)
        return read_log(ParquetExportResource(s3_bucket=settings.bucket, s3_prefix=settings.export_prefix,
                                              endpoint_url=settings.endpoint_url))
    from health_pipeline.deployment.shared import output_dir

    return read_log(ParquetExportResource(local_dir=output_dir(env)))


def instance_home(environ: Mapping[str, str]) -> Path:
    """The Dagster instance's folder: DAGSTER_HOME, else ./.dagster_home (as `health-pipeline demo` uses)."""
    return Path(environ.get("DAGSTER_HOME") or Path.cwd() / ".dagster_home")
