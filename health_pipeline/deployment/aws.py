"""The production profile's AWS calls: one HeadBucket and one GetSecretValue, their failures as one-sentence errors.

Messages name the bucket, the secret and the variable that chose them, never a secret's value.
"""
from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError, NoRegionError
from dagster_aws.secretsmanager.secrets import construct_secretsmanager_client

from health_pipeline.deployment.errors import ProfileError
from health_pipeline.deployment.production_settings import BUCKET_ENV, SECRET_ENV

LOAD_ATTEMPTS = 2  # the checks at load retry once, so a wrong endpoint fails fast
RUN_ATTEMPTS = 5  # runs keep dagster-aws's default


def secrets_client(endpoint_url: str | None, max_attempts: int = LOAD_ATTEMPTS, region_name: str | None = None) -> Any:
    """A Secrets Manager client built by dagster-aws (region and credentials from the standard AWS chain by default)."""
    try:
        return construct_secretsmanager_client(max_attempts=max_attempts, endpoint_url=endpoint_url,
                                               region_name=region_name)
    except NoRegionError:
        raise ProfileError("no AWS region is set for Secrets Manager: set AWS_REGION (or AWS_DEFAULT_REGION)") from None


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "unknown"))


def _connection_problem(error: BotoCoreError) -> str:
    if isinstance(error, NoCredentialsError):
        return "no AWS credentials were found (use an IAM role, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
    if isinstance(error, EndpointConnectionError):
        return f"no connection to {error.kwargs.get('endpoint_url', 'the endpoint')}"
    return type(error).__name__


def _aws_call(call: Any, where: str, not_found: tuple[str, ...], denied: tuple[str, ...], missing: str,
              grant: str, operation: str) -> Any:
    """Make one AWS call; its failure becomes one ProfileError sentence about `where`."""
    try:
        return call()
    except ClientError as error:
        code = _code(error)
        if code in not_found:
            problem = missing
        elif code in denied:
            problem = f"refuses these AWS credentials (grant {grant})"
        else:
            problem = f"cannot be used ({operation} answered {code})"
        raise ProfileError(f"{where} {problem}") from error
    except BotoCoreError as error:
        raise ProfileError(f"{where} is unreachable: {_connection_problem(error)}") from error


def check_bucket(s3_client: Any, bucket: str) -> None:
    """One HeadBucket call: the bucket exists and these credentials may use it."""
    _aws_call(lambda: s3_client.head_bucket(Bucket=bucket), f"the S3 bucket {bucket!r} ({BUCKET_ENV})",
              ("404", "NoSuchBucket"), ("403", "AccessDenied"), "does not exist",
              "s3:ListBucket, s3:GetObject and s3:PutObject", "HeadBucket")


def read_secret(client: Any, name: str) -> dict[str, str]:
    """One GetSecretValue call: the secret's JSON object of vendor keys, every value as text."""
    where = f"the Secrets Manager secret {name!r} ({SECRET_ENV})"
    reply = _aws_call(lambda: client.get_secret_value(SecretId=name), where, ("ResourceNotFoundException",),
                      ("AccessDeniedException",), f"does not exist in region {client.meta.region_name}",
                      "secretsmanager:GetSecretValue", "GetSecretValue")
    return _parse_secret(reply.get("SecretString"), where)


def _parse_secret(text: str | None, where: str) -> dict[str, str]:
    """The secret's keys and values; the value never reaches the error (raised `from None` to drop the parser's copy)."""
    if text is None:
        raise ProfileError(f"{where} holds binary data, not a JSON object of credentials")
    try:
        values = json.loads(text)
    except ValueError:
        values = None
    if not isinstance(values, dict):
        raise ProfileError(f"{where} is not a JSON object of credentials (keys such as INTERCOM_API_TOKEN)") from None
    return {str(key): ("" if value is None else str(value)) for key, value in values.items()}
