"""Where the monthly health scores are exported as Parquet for BI: an S3 bucket (production) or a local folder (sandbox)."""
from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional

import pandas as pd
from dagster_aws.s3.resources import ResourceWithS3Configuration
from dagster_aws.s3.utils import construct_s3_client
from pydantic import Field

from health_pipeline.sources.factory import env_flag

EXPORT_ENV = "HEALTH_PIPELINE_EXPORT_PARQUET"
FILE_NAME = "health_scores.parquet"
PARQUET_CONTENT_TYPE = "application/vnd.apache.parquet"


def export_enabled(environ: Mapping[str, str]) -> bool:
    """True when HEALTH_PIPELINE_EXPORT_PARQUET asks for the export (default: off)."""
    return env_flag(environ, EXPORT_ENV, False)


def relative_key(period: str) -> str:
    """`health_scores/year=YYYY/month=MM/health_scores.parquet` for month `period` (YYYY-MM): Hive-style partitions."""
    year, month = period.split("-")
    return f"health_scores/year={year}/month={month}/{FILE_NAME}"


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as one Parquet file (pyarrow, no index)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, engine="pyarrow", index=False)
    return buffer.getvalue()


@dataclass(frozen=True)
class ExportedFile:
    """Where a month's export landed and how big it is."""

    location: str
    size_bytes: int


class ParquetExportResource(ResourceWithS3Configuration):
    """Writes a month's health scores as one Parquet file under health_scores/year=YYYY/month=MM/, in S3 or in a local folder."""

    s3_bucket: Optional[str] = Field(
        default=None, description="Bucket of the export (HEALTH_PIPELINE_S3_BUCKET); unset: write to local_dir.")
    s3_prefix: str = Field(
        default="", description="Key prefix before health_scores/ (HEALTH_PIPELINE_EXPORT_PREFIX; empty: the bucket root).")
    local_dir: Optional[str] = Field(
        default=None, description="Folder used when no bucket is set (the sandbox: the output folder).")

    def location(self, period: str) -> str:
        """The s3:// URI or local path of month `period`'s file."""
        key = self._key(period)
        if self.s3_bucket:
            return f"s3://{self.s3_bucket}/{key}"
        return str(Path(self._local_root()) / key)

    def write(self, frame: pd.DataFrame, period: str) -> ExportedFile:
        """Write (or overwrite) month `period`'s file; re-running a month replaces it."""
        return self.write_file(relative_key(period), parquet_bytes(frame))

    def write_file(self, relative: str, body: bytes, content_type: str = PARQUET_CONTENT_TYPE) -> ExportedFile:
        """Write one file at `relative` (a key under the prefix, or a path under the local folder)."""
        if self.s3_bucket:
            self._client().put_object(Bucket=self.s3_bucket, Key=self._full_key(relative), Body=body,
                                      ContentType=content_type)
            return ExportedFile(f"s3://{self.s3_bucket}/{self._full_key(relative)}", len(body))
        path = Path(self._local_root()) / relative
        write_atomically(path, body)
        return ExportedFile(str(path), len(body))

    def remove_file(self, relative: str) -> None:
        """Remove the file at `relative` if there is one (a stale output a re-run no longer produces)."""
        if self.s3_bucket:
            self._client().delete_object(Bucket=self.s3_bucket, Key=self._full_key(relative))
        else:
            (Path(self._local_root()) / relative).unlink(missing_ok=True)

    def read_files(self, folder: str) -> list[bytes]:
        """Every `.parquet` file under `folder` (relative, like `write_file`), in key order."""
        if not self.s3_bucket:
            return [path.read_bytes() for path in sorted((Path(self._local_root()) / folder).rglob("*.parquet"))]
        client, prefix = self._client(), self._full_key(folder).rstrip("/") + "/"
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=self.s3_bucket, Prefix=prefix)
        keys = sorted(item["Key"] for page in pages for item in page.get("Contents", [])
                      if item["Key"].endswith(".parquet"))
        return [client.get_object(Bucket=self.s3_bucket, Key=key)["Body"].read() for key in keys]

    def _key(self, period: str) -> str:
        return self._full_key(relative_key(period))

    def _full_key(self, relative: str) -> str:
        prefix = self.s3_prefix.strip("/") if self.s3_bucket else ""
        return f"{prefix}/{relative}" if prefix else relative

    def _local_root(self) -> str:
        if not self.local_dir:
            raise ValueError("ParquetExportResource has neither s3_bucket nor local_dir: nowhere to write the export")
        return self.local_dir

    def _client(self) -> Any:
        return construct_s3_client(
            max_attempts=self.max_attempts, region_name=self.region_name, endpoint_url=self.endpoint_url,
            use_unsigned_session=self.use_unsigned_session, profile_name=self.profile_name, use_ssl=self.use_ssl,
            verify=self.verify, aws_access_key_id=self.aws_access_key_id,
            aws_secret_access_key=self.aws_secret_access_key, aws_session_token=self.aws_session_token,
        )


def write_atomically(path: Path, body: bytes) -> None:
    """Write through a temporary file in the same folder and os.replace, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(body)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
