"""Fixtures: a real S3 and Secrets Manager API (moto in server mode on loopback, reached by boto3 over HTTP),
a secret holding the keys of the sandbox's four emulators (health_pipeline_tests/conftest.py's `sandbox`),
and the production environment that joins them."""
from __future__ import annotations

import json
import os
import uuid
from typing import Callable, Iterator

import boto3
import dagster as dg
import pytest
from moto.server import ThreadedMotoServer

from health_pipeline.assets.export import export_assets, health_scores_parquet_export
from health_pipeline.definitions import build_definitions
from health_pipeline.sandbox.runner import Sandbox
from health_pipeline.sources.registry import SECRET_KEYS, SETTING_KEYS

BUCKET = "health-pipeline-test"
SECRET_NAME = "health-pipeline/vendors"
PARTITION = "2026-10"
DUMMY_AWS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
             "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}
# anything that could point boto3 at a real account or another endpoint, or give the pipeline vendor credentials
CLEARED = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_SECRETS_MANAGER",
           "HEALTH_PIPELINE_PROFILE", *SECRET_KEYS, *SETTING_KEYS)


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    """moto's S3 + Secrets Manager server on a free loopback port, with dummy AWS credentials in the environment."""
    with pytest.MonkeyPatch.context() as patch:
        for name in CLEARED:
            patch.delenv(name, raising=False)
        for name, value in DUMMY_AWS.items():
            patch.setenv(name, value)
        patch.setenv("AWS_CONFIG_FILE", os.devnull)
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield f"http://{host}:{port}"
        finally:
            server.stop()


@pytest.fixture(scope="session")
def s3(aws_endpoint: str):
    """A boto3 S3 client on the emulated API, with the test bucket created."""
    client = boto3.client("s3", endpoint_url=aws_endpoint)
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture(scope="session")
def vendor_secret(aws_endpoint: str, sandbox: Sandbox) -> dict[str, str]:
    """The JSON secret holding the sandbox vendors' keys (credentials and URLs), as a deployment would store it."""
    values = sandbox.env()
    boto3.client("secretsmanager", endpoint_url=aws_endpoint).create_secret(
        Name=SECRET_NAME, SecretString=json.dumps(values))
    return values


def production_environ(aws_endpoint: str, output_dir: str, **overrides: str | None) -> dict[str, str]:
    """A production environment: the emulated bucket under a fresh prefix, the secret, local files in output_dir.

    An override of None removes the variable."""
    env: dict[str, str | None] = {
        "HEALTH_PIPELINE_PROFILE": "production",
        "HEALTH_PIPELINE_S3_BUCKET": BUCKET,
        "HEALTH_PIPELINE_S3_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
        "HEALTH_PIPELINE_SECRET_NAME": SECRET_NAME,
        "HEALTH_PIPELINE_AWS_ENDPOINT_URL": aws_endpoint,
        "HEALTH_PIPELINE_OUTPUT_DIR": output_dir,
        **overrides,
    }
    return {name: value for name, value in env.items() if value is not None}


@pytest.fixture
def production_env(aws_endpoint: str, s3, vendor_secret: dict[str, str], tmp_path) -> Callable[..., dict[str, str]]:
    """Builds a production environment (see production_environ) whose local files go under tmp_path."""

    def build(**overrides: str | None) -> dict[str, str]:
        return production_environ(aws_endpoint, str(tmp_path / "output"), **overrides)

    return build


def definitions_with_export(env: dict[str, str]) -> dg.Definitions:
    """build_definitions(env), plus the Parquet export if definitions.py does not include it yet."""
    defs = build_definitions(env)
    keys = {spec.key for spec in defs.resolve_all_asset_specs()}
    if health_scores_parquet_export.key not in keys and export_assets(env):
        # remove once definitions.py adds `*export_assets(env)` to its assets
        defs = dg.Definitions.merge(defs, dg.Definitions(assets=export_assets(env)))
    return defs
