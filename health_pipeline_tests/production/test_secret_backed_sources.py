"""The secret-backed vendor resources: built from the same keys, they equal what sources/factory.py builds from
environment variables (so the two credential paths cannot drift apart), their config holds only the secret's name
and non-secret settings, and when a run initialises one the asset receives the ordinary vendor resource with the
secret's credentials (read from the moto server).
"""
from __future__ import annotations

import dagster as dg
import pytest

from health_pipeline.deployment.secret_sources import SecretBackedSource
from health_pipeline.sources.factory import RESOURCE_CLASS, build_source_resources, source_resource
from health_pipeline.sources.intercom.resource import IntercomResource
from health_pipeline.sources.registry import BY_KEY, SECRET_KEYS, SETTING_KEYS, VENDOR_KEYS
from health_pipeline_tests.production.conftest import SECRET_NAME

VENDORS = VENDOR_KEYS


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
    assert field_values(source_resource(vendor, env, secrets_as_env=False)) == resolved


def test_every_key_is_either_a_secret_or_a_setting_and_every_required_key_is_read():
    keys = {key for vendor in VENDORS for key in BY_KEY[vendor].env_keys}
    assert keys == set(SECRET_KEYS) | set(SETTING_KEYS)
    assert {key for vendor in VENDORS for key in BY_KEY[vendor].required_keys} <= keys
    assert set(RESOURCE_CLASS) == set(VENDORS)
    for vendor in VENDORS:
        fields = RESOURCE_CLASS[vendor].model_fields
        assert all(key.field in fields for key in BY_KEY[vendor].env), vendor


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
