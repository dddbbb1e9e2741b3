"""The secret-backed vendor resources: built from the same keys, they equal what resources/factory.py builds from
environment variables (so the two credential paths cannot drift apart), their config holds only the secret's name
and non-secret settings, and when a run initialises one the asset receives the ordinary vendor resource with the
secret's credentials (read from the moto server).
"""
from __future__ import annotations

import dagster as dg
import pytest

from health_pipeline.production_settings import REQUIRED_KEYS, SECRET_KEYS, SETTING_KEYS
from health_pipeline.production_sources import SOURCE_FIELDS, SecretBackedSource, source_from_values, vendor_keys
from health_pipeline.resources.factory import build_source_resources
from health_pipeline.resources.intercom import IntercomResource
from health_pipeline_tests.production.conftest import SECRET_NAME

VENDORS = ("intercom", "jira", "looker", "salesforce")


def field_values(resource: dg.ConfigurableResource) -> dict:
    """A resource's field values by name."""
    return {name: getattr(resource, name) for name in type(resource).model_fields}


@pytest.mark.parametrize("vendor", VENDORS)
def test_built_from_values_equals_the_environment_factory(vendor, vendor_secret, monkeypatch):
    env = {**vendor_secret, "JIRA_CUSTOM_FIELD_ID": "customfield_10042"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    from_env = build_source_resources(env)[vendor]
    resolved = {name: (value.get_value() if isinstance(value, dg.EnvVar) else value)
                for name, value in field_values(from_env).items()}
    assert field_values(source_from_values(vendor, env)) == resolved


def test_every_key_is_either_a_secret_or_a_setting_and_every_required_key_is_read():
    keys = {key for vendor in VENDORS for key in vendor_keys(vendor)}
    assert keys == set(SECRET_KEYS) | set(SETTING_KEYS)
    assert {key for keys in REQUIRED_KEYS.values() for key in keys} <= keys
    assert set(SOURCE_FIELDS) == set(VENDORS)


def test_a_run_hands_the_asset_the_vendor_resource_with_the_secrets_credentials(aws_endpoint, vendor_secret):
    backed = SecretBackedSource(vendor="intercom", secret_name=SECRET_NAME, endpoint_url=aws_endpoint,
                                settings={"INTERCOM_BASE_URL": "https://overridden-by-the-secret.example"})

    @dg.asset
    def probe(intercom: IntercomResource) -> tuple[str, bool, str]:
        """What the asset received."""
        return type(intercom).__name__, intercom.token == vendor_secret["INTERCOM_API_TOKEN"], intercom.base_url

    result = dg.materialize([probe], resources={"intercom": backed})
    assert result.output_for_node("probe") == ("IntercomResource", True, vendor_secret["INTERCOM_BASE_URL"])
    assert vendor_secret["INTERCOM_API_TOKEN"] not in repr(backed)
