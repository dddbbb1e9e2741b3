"""Which Salesforce login the variables select, what they lack, and the profiles refusing a bad set at load."""
from __future__ import annotations

import pytest

from health_pipeline.deployment.errors import ProfileError
from health_pipeline.deployment.profiles import sandbox_resources
from health_pipeline.sources.salesforce.login import (
    CLIENT_CREDENTIALS,
    JWT_BEARER,
    SOAP_PASSWORD,
    choose_login,
    login_problem,
    needed_keys,
)

CC = {"SF_CONSUMER_KEY": "k", "SF_CONSUMER_SECRET": "s", "SF_DOMAIN": "acme.my"}


@pytest.mark.parametrize("values, method", [
    ({}, None),
    (CC, CLIENT_CREDENTIALS),
    ({"SF_USERNAME": "u", "SF_CONSUMER_KEY": "k", "SF_PRIVATE_KEY_FILE": "/k.pem"}, JWT_BEARER),
    ({"SF_USERNAME": "u", "SF_PASSWORD": "p", "SF_SECURITY_TOKEN": "t"}, SOAP_PASSWORD),
    ({"SF_CONSUMER_KEY": "k"}, CLIENT_CREDENTIALS),
])
def test_the_method_follows_from_the_keys_set(values, method):
    assert choose_login(values) is method


@pytest.mark.parametrize("values, problem", [
    ({}, None),
    (CC, None),
    ({**CC, "SF_API_VERSION": "v65"}, "SF_API_VERSION='v65' is not a Salesforce API version such as 65.0"),
    ({"SF_CONSUMER_KEY": "k"}, "Salesforce OAuth 2.0 client credentials needs SF_CONSUMER_SECRET, SF_DOMAIN "
                               "(set: SF_CONSUMER_KEY)"),
    ({**CC, "SF_DOMAIN": "login"}, "Salesforce OAuth 2.0 client credentials needs SF_DOMAIN to be the org's My "
                                   "Domain (such as 'acme.my'), not 'login' or 'test'"),
    ({"SF_USERNAME": "u", "SF_PRIVATE_KEY": "pem"}, "Salesforce OAuth 2.0 JWT bearer needs SF_CONSUMER_KEY "
                                                    "(set: SF_USERNAME, SF_PRIVATE_KEY)"),
    ({"SF_USERNAME": "u", "SF_PASSWORD": "p", "SF_SECURITY_TOKEN": "", "SF_API_VERSION": "64.0"}, None),
])
def test_a_problem_is_one_sentence_naming_variables_never_values(values, problem):
    assert login_problem(values) == problem


def test_the_legacy_login_is_refused_from_65():
    values = {"SF_USERNAME": "u", "SF_PASSWORD": "secret-pw", "SF_SECURITY_TOKEN": "t"}
    problem = login_problem(values)
    assert problem is not None and problem.startswith("Salesforce refuses the SOAP password login at API version 65.0")
    assert "secret-pw" not in problem
    assert login_problem({**values, "SF_API_VERSION": "64.0"}) is None


def test_needed_keys_are_those_of_the_selected_method():
    assert needed_keys({}) == ["SF_CONSUMER_KEY", "SF_CONSUMER_SECRET", "SF_DOMAIN"]
    assert needed_keys({"SF_PRIVATE_KEY_FILE": "/k.pem"}) == ["SF_USERNAME", "SF_CONSUMER_KEY", "SF_PRIVATE_KEY_FILE"]
    assert needed_keys({"SF_PASSWORD": "p"}) == ["SF_USERNAME", "SF_PASSWORD", "SF_SECURITY_TOKEN"]


def test_the_sandbox_profile_refuses_a_legacy_login_at_load(tmp_path):
    env = {"SF_USERNAME": "u", "SF_PASSWORD": "p", "SF_SECURITY_TOKEN": "t", "HEALTH_PIPELINE_OUTPUT_DIR": str(tmp_path)}
    with pytest.raises(ProfileError) as raised:
        sandbox_resources(env)
    assert str(raised.value).startswith("the sandbox profile cannot log in: Salesforce refuses the SOAP password login")
