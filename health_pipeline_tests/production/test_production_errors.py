"""Starting the production profile wrong fails at load with one sentence naming what is at fault, never by falling
back to the sandbox: a missing bucket variable, missing credentials (the environment variables, or the secret's
keys), a wrong secret name, a secret that is not a JSON object (its value never appears in the message), a bucket
that does not exist, an endpoint that does not answer, and a wrong HEALTH_PIPELINE_SOURCES. Also proves the two
ways that do start: credentials from the environment stay EnvVar references (read at run time, never copied), and
a source deliberately left out is unconfigured rather than required.
"""
from __future__ import annotations

import json
import socket

import boto3
import dagster as dg
import pytest

from health_pipeline.definitions import build_definitions
from health_pipeline.deployment.errors import ProfileError
from health_pipeline.deployment.production import production_resources
from health_pipeline.deployment.secret_sources import SecretBackedSource
from health_pipeline.sources.intercom.resource import IntercomResource
from health_pipeline.sources.looker.resource import LookerResource


def load_error(env: dict[str, str]) -> str:
    """The ProfileError message of loading the definitions with `env`."""
    with pytest.raises(ProfileError) as raised:
        build_definitions(env)
    message = str(raised.value)
    assert "\n" not in message
    return message


def closed_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_missing_bucket_variable_is_named(production_env):
    message = load_error(production_env(HEALTH_PIPELINE_S3_BUCKET=None))
    assert message == "the production profile needs HEALTH_PIPELINE_S3_BUCKET: the S3 bucket that holds the asset values"


def test_missing_credentials_in_the_environment_are_named(production_env):
    env = production_env(HEALTH_PIPELINE_SECRET_NAME=None, INTERCOM_API_TOKEN="set", JIRA_BASE_URL="https://x.example")
    assert load_error(env) == (
        "the production profile is missing JIRA_EMAIL, JIRA_API_TOKEN, LOOKER_BASE_URL, LOOKER_CLIENT_ID, "
        "LOOKER_CLIENT_SECRET, SF_CONSUMER_KEY, SF_CONSUMER_SECRET, SF_DOMAIN: set these environment variables, "
        "or name a Secrets Manager secret holding them in HEALTH_PIPELINE_SECRET_NAME")


def test_keys_missing_from_the_secret_are_named_without_any_value(production_env, aws_endpoint, vendor_secret):
    partial = {key: value for key, value in vendor_secret.items() if key not in ("SF_CONSUMER_KEY", "JIRA_BASE_URL")}
    boto3.client("secretsmanager", endpoint_url=aws_endpoint).create_secret(
        Name="health-pipeline/partial", SecretString=json.dumps(partial))
    message = load_error(production_env(HEALTH_PIPELINE_SECRET_NAME="health-pipeline/partial"))
    assert message == ("the Secrets Manager secret 'health-pipeline/partial' (HEALTH_PIPELINE_SECRET_NAME) has no "
                       "JIRA_BASE_URL, SF_CONSUMER_KEY: add these keys to its JSON (site URLs may instead be environment "
                       "variables)")


def test_a_wrong_secret_name_is_a_clear_error(production_env):
    message = load_error(production_env(HEALTH_PIPELINE_SECRET_NAME="health-pipeline/no-such-secret"))
    assert message == ("the Secrets Manager secret 'health-pipeline/no-such-secret' (HEALTH_PIPELINE_SECRET_NAME) "
                       "does not exist in region us-east-1")


def test_a_secret_that_is_not_json_is_refused_without_showing_its_value(production_env, aws_endpoint):
    boto3.client("secretsmanager", endpoint_url=aws_endpoint).create_secret(
        Name="health-pipeline/plain-text", SecretString="hunter2-not-json")
    with pytest.raises(ProfileError) as raised:
        build_definitions(production_env(HEALTH_PIPELINE_SECRET_NAME="health-pipeline/plain-text"))
    assert str(raised.value) == ("the Secrets Manager secret 'health-pipeline/plain-text' (HEALTH_PIPELINE_SECRET_NAME) "
                                 "is not a JSON object of credentials (keys such as INTERCOM_API_TOKEN)")
    assert raised.value.__cause__ is None and raised.value.__context__ is None  # no parser error quoting the text


def test_a_bucket_that_does_not_exist_is_a_clear_error(production_env):
    message = load_error(production_env(HEALTH_PIPELINE_S3_BUCKET="no-such-bucket"))
    assert message == "the S3 bucket 'no-such-bucket' (HEALTH_PIPELINE_S3_BUCKET) does not exist"


def test_an_endpoint_that_does_not_answer_is_a_clear_error(production_env, vendor_secret):
    endpoint = f"http://127.0.0.1:{closed_port()}"
    env = production_env(HEALTH_PIPELINE_SECRET_NAME=None, HEALTH_PIPELINE_AWS_ENDPOINT_URL=endpoint,
                         **vendor_secret)
    message = load_error(env)
    assert message.startswith(f"the S3 bucket 'health-pipeline-test' (HEALTH_PIPELINE_S3_BUCKET) is unreachable: "
                              f"no connection to {endpoint}")


def test_unknown_sources_and_a_left_out_salesforce_are_refused(production_env):
    assert load_error(production_env(HEALTH_PIPELINE_SOURCES="intercom,zendesk")) == (
        "HEALTH_PIPELINE_SOURCES names unknown source(s) zendesk; choose among intercom, jira, looker, salesforce")
    assert load_error(production_env(HEALTH_PIPELINE_SOURCES="intercom,jira")).startswith(
        "HEALTH_PIPELINE_SOURCES leaves out salesforce, but the health scores are delivered to Salesforce")


def test_credentials_from_the_environment_stay_envvar_references(production_env, vendor_secret):
    resources = production_resources(production_env(HEALTH_PIPELINE_SECRET_NAME=None, **vendor_secret))
    intercom = resources["intercom"]
    assert isinstance(intercom, IntercomResource)
    assert isinstance(intercom.token, dg.EnvVar) and intercom.token == "INTERCOM_API_TOKEN"
    assert resources["sink"].dry_run is False  # production delivers unless HEALTH_PIPELINE_DRY_RUN=true


def test_a_source_left_out_is_unconfigured_not_required(production_env):
    resources = production_resources(production_env(HEALTH_PIPELINE_SOURCES="intercom,jira,salesforce"))
    assert isinstance(resources["intercom"], SecretBackedSource)
    assert isinstance(resources["looker"], LookerResource) and not resources["looker"].is_configured()


def test_a_legacy_salesforce_login_at_api_65_is_refused_at_load(production_env):
    env = production_env(HEALTH_PIPELINE_SECRET_NAME=None, INTERCOM_API_TOKEN="set", JIRA_BASE_URL="https://x.example",
                         JIRA_EMAIL="e", JIRA_API_TOKEN="t", LOOKER_BASE_URL="https://l.example", LOOKER_CLIENT_ID="i",
                         LOOKER_CLIENT_SECRET="s", SF_USERNAME="u", SF_PASSWORD="pw-123", SF_SECURITY_TOKEN="tok")
    message = load_error(env)
    assert message.startswith("the production profile cannot log in: Salesforce refuses the SOAP password login at "
                              "API version 65.0")
    assert "pw-123" not in message
