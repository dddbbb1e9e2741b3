"""Fixtures: a Salesforce emulator per test over loopback TLS, seeded with accounts, and the real client."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import pytest

from health_pipeline.sandbox.realism import EmulatorRealism
from health_pipeline.sandbox.runner import SandboxCredentials
from health_pipeline.sandbox.salesforce.emulator import SalesforceEmulator
from health_pipeline.sandbox.salesforce.values import make_id
from health_pipeline.sandbox.server.emulator import EmulatorServer
from health_pipeline.sandbox.server.tls import SandboxTLS
from health_pipeline.sources.salesforce.resource import SalesforceClient, SalesforceResource

CREDENTIALS = SandboxCredentials(sf_consumer_key="sink-key", sf_consumer_secret="sink-s3cret", sf_my_domain="sink.my")
ACCOUNT_COUNT = 460
ACCOUNT_IDS = [make_id("001", n) for n in range(1, ACCOUNT_COUNT + 1)]
MISSING_ACCOUNT = make_id("001", 99_999)  # well-formed, but no such Account


@dataclass
class Org:
    """A running emulator, the resource that reaches it, and helpers to read it back."""

    emulator: SalesforceEmulator
    resource: SalesforceResource

    def client(self) -> SalesforceClient:
        """A logged-in simple_salesforce client (with per-endpoint call counts)."""
        return self.resource.open_client()

    def health_scores(self) -> list[dict]:
        """Every Health_Score__c record, read back through the real client's SOQL."""
        soql = ("SELECT Id, Health_Score_Key__c, Account__c, Period__c, Health_Score__c, Tier__c, "
                "Support_Score__c, Previous_Score__c, Top_Risk_Factors__c, Scored_At__c FROM Health_Score__c")
        return self.client().sf.query_all(soql)["records"]


@pytest.fixture(scope="session")
def tls() -> Iterator[SandboxTLS]:
    """One throwaway CA and loopback certificate for the session."""
    with SandboxTLS() as sandbox_tls:
        yield sandbox_tls


@pytest.fixture
def org(tls: SandboxTLS) -> Iterator[Org]:
    """A fresh org per test, as hard as the sandbox's default (smaller query batches, slow Bulk jobs): the seeded
    accounts and no Health_Score__c records yet."""
    accounts = [{"Id": account_id, "Name": f"Account {n}", "Segment__c": "paid"}
                for n, account_id in enumerate(ACCOUNT_IDS)]
    emulator = EmulatorRealism.harder().apply(SalesforceEmulator({"Account": accounts}, **CREDENTIALS.salesforce_logins()))
    with EmulatorServer(emulator, ssl_context=tls.server_context()) as server:
        emulator.base_url = server.url
        resource = SalesforceResource(consumer_key=CREDENTIALS.sf_consumer_key,
                                      consumer_secret=CREDENTIALS.sf_consumer_secret, domain=CREDENTIALS.sf_my_domain,
                                      login_url_override=server.url, ca_bundle=str(tls.ca_pem_path), max_retries=1)
        yield Org(emulator, resource)
