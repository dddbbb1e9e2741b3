"""Salesforce login: OAuth 2.0 client credentials and JWT bearer through the real simple_salesforce client against
the emulator's token endpoint (signature checked against a registered certificate), the legacy SOAP login below
API 65.0 only, and a request URI over Salesforce's limit answered 414."""
from __future__ import annotations

import datetime
import logging
from typing import Iterator

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

from health_pipeline.sandbox.runner import SandboxCredentials
from health_pipeline.sandbox.salesforce.emulator import MAX_URI_AND_HEADERS, SalesforceEmulator
from health_pipeline.sandbox.salesforce.values import make_id
from health_pipeline.sandbox.server.emulator import EmulatorServer
from health_pipeline.sandbox.server.tls import SandboxTLS
from health_pipeline.sources.common.errors import SourceError
from health_pipeline.sources.salesforce.resource import SalesforceResource
from health_pipeline.sources.salesforce.session import build_salesforce_session
from health_pipeline.sources.salesforce.soql import chunked_in_queries

CREDS = SandboxCredentials(sf_consumer_key="oauth-key", sf_consumer_secret="oauth-s3cret", sf_my_domain="acme.my",
                           sf_username="integration@acme.example")
ACCOUNTS = {"Account": [{"Name": f"Account {n}", "Segment__c": "paid"} for n in range(3)]}


def key_and_certificate() -> tuple[str, bytes]:
    """A fresh RSA private key (PEM text) and a self-signed certificate of its public key (PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "health-pipeline-jwt")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return pem, certificate.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def jwt_key() -> tuple[str, bytes]:
    return key_and_certificate()


@pytest.fixture(scope="module")
def org(jwt_key) -> Iterator[tuple[SalesforceEmulator, EmulatorServer, SandboxTLS]]:
    """An emulated org whose connected app has the JWT certificate registered."""
    with SandboxTLS() as tls:
        emulator = SalesforceEmulator(ACCOUNTS, **CREDS.salesforce_logins(certificate_pem=jwt_key[1]))
        with EmulatorServer(emulator, ssl_context=tls.server_context()) as server:
            emulator.base_url = server.url
            yield emulator, server, tls


def resource(org, **fields) -> SalesforceResource:
    _, server, tls = org
    return SalesforceResource(login_url_override=server.url, ca_bundle=str(tls.ca_pem_path), max_retries=1,
                              **fields)


def count_accounts(client) -> int:
    return client.sf.query("SELECT COUNT() FROM Account")["totalSize"]


def login_calls(client) -> dict[str, int]:
    return {name: n for name, n in client.stats.calls.items() if "oauth2" in name or "Soap" in name}


def test_client_credentials_log_in_once_and_read(org):
    client = resource(org, consumer_key="oauth-key", consumer_secret="oauth-s3cret", domain="acme.my").open_client()
    assert count_accounts(client) == 3
    assert login_calls(client) == {"POST /services/oauth2/token": 1}


@pytest.mark.parametrize("how", ["private_key", "private_key_file"])
def test_jwt_bearer_signed_with_the_registered_key_logs_in(org, jwt_key, tmp_path, how):
    key_file = tmp_path / "server.key"
    key_file.write_text(jwt_key[0])
    value = jwt_key[0] if how == "private_key" else str(key_file)
    client = resource(org, consumer_key="oauth-key", username="integration@acme.example", **{how: value}).open_client()
    assert count_accounts(client) == 3
    assert login_calls(client) == {"POST /services/oauth2/token": 1}


@pytest.mark.parametrize("fields, expected", [
    ({"consumer_secret": "wrong"}, "failed: invalid_client: invalid client credentials"),
    ({"consumer_key": "other-app"}, "failed: invalid_client_id: client identifier invalid"),
])
def test_wrong_client_credentials_fail_in_salesforce_words(org, fields, expected):
    settings = {"consumer_key": "oauth-key", "consumer_secret": "oauth-s3cret", "domain": "acme.my", **fields}
    with pytest.raises(SourceError) as raised:
        resource(org, **settings).open_client()
    assert str(raised.value) == f"Salesforce: POST oauth2/token (client credentials) {expected}"
    assert "oauth-s3cret" not in str(raised.value)


@pytest.mark.parametrize("change, expected", [
    ("other key", "invalid_grant: invalid assertion"),
    ("other user", "invalid_grant: invalid user"),
    ("other app", "invalid_client_id: client identifier invalid"),
])
def test_a_wrong_assertion_is_refused(org, jwt_key, change, expected):
    fields = {"consumer_key": "oauth-key", "username": "integration@acme.example", "private_key": jwt_key[0]}
    if change == "other key":
        fields["private_key"] = key_and_certificate()[0]
    elif change == "other user":
        fields["username"] = "someone@acme.example"
    else:
        fields["consumer_key"] = "other-app"
    with pytest.raises(SourceError) as raised:
        resource(org, **fields).open_client()
    assert str(raised.value) == f"Salesforce: POST oauth2/token (JWT bearer) failed: {expected}"


def test_a_private_key_that_is_not_pem_is_named_without_its_text(org):
    with pytest.raises(SourceError) as raised:
        resource(org, consumer_key="oauth-key", username="u@x.example", private_key="not-a-key-123").open_client()
    assert str(raised.value) == ("Salesforce: POST oauth2/token (JWT bearer) failed: the private key is not a PEM RSA "
                                 "private key")


def test_client_credentials_on_the_shared_login_domain_are_refused_before_any_call(org):
    emulator = org[0]
    before = emulator.calls.total()
    with pytest.raises(SourceError) as raised:
        resource(org, consumer_key="oauth-key", consumer_secret="oauth-s3cret", domain="login").open_client()
    assert "needs SF_DOMAIN to be the org's My Domain" in str(raised.value)
    assert emulator.calls.total() == before


def test_legacy_soap_login_works_below_65_with_a_retirement_warning(org):
    messages: list[str] = []
    fields = {"username": CREDS.sf_username, "password": CREDS.sf_password, "security_token": CREDS.sf_security_token,
              "api_version": "64.0"}
    client = resource(org, **fields).open_client(messages.append)
    assert count_accounts(client) == 3
    assert login_calls(client) == {"POST /services/Soap/u/64.0": 1}
    assert any("retires SOAP login() in Summer '27" in message for message in messages)


def test_legacy_soap_login_is_refused_at_65_by_the_product_and_the_emulator(org):
    fields = {"username": CREDS.sf_username, "password": CREDS.sf_password, "security_token": CREDS.sf_security_token}
    with pytest.raises(SourceError) as raised:
        resource(org, **fields).open_client()
    assert str(raised.value).startswith("Salesforce: SOAP login failed: Salesforce refuses the SOAP password login at "
                                        "API version 65.0")
    _, server, tls = org
    session = build_salesforce_session(domain="login", login_url_override=server.url, ca_bundle=str(tls.ca_pem_path))
    with pytest.raises(SalesforceAuthenticationFailed) as refused:
        Salesforce(**{key: fields[key] for key in fields}, version="65.0", session=session)
    assert refused.value.code == "UNSUPPORTED_API_VERSION"


def test_a_request_uri_over_the_limit_is_answered_414_and_the_products_longest_query_fits(org):
    client = resource(org, consumer_key="oauth-key", consumer_secret="oauth-s3cret", domain="acme.my").open_client()
    url = f"{client.sf.base_url}query/"
    headers = {"Authorization": f"Bearer {client.sf.session_id}"}
    session: requests.Session = client.sf.session
    too_long = session.get(url, params={"q": "SELECT Id FROM Account WHERE Name = '" + "x" * MAX_URI_AND_HEADERS + "'"},
                           headers=headers)
    assert too_long.status_code == 414
    ids = [make_id("001", n) for n in range(2_000)]
    longest = chunked_in_queries("SELECT Id FROM Account WHERE", "Id", ids)[0]  # as long as the product sends
    assert session.get(url, params={"q": longest}, headers=headers).status_code == 200


def test_the_retirement_warning_names_no_secret(org, caplog):
    caplog.set_level(logging.DEBUG)
    fields = {"username": CREDS.sf_username, "password": CREDS.sf_password, "security_token": CREDS.sf_security_token,
              "api_version": "64.0"}
    messages: list[str] = []
    resource(org, **fields).open_client(messages.append)
    assert not any(CREDS.sf_password in text for text in [*messages, caplog.text])
