"""Builders shared by the Salesforce and Looker emulator tests: seeded data, started servers, real clients."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

from simple_salesforce import Salesforce

from health_pipeline.sandbox.looker.emulator import LookerEmulator
from health_pipeline.sandbox.salesforce.emulator import SalesforceEmulator
from health_pipeline.sandbox.salesforce.values import to18
from health_pipeline.sandbox.server.emulator import EmulatorServer
from health_pipeline.sandbox.server.tls import SandboxTLS
from health_pipeline.sources.salesforce.session import build_salesforce_session

SF_USERNAME = "integration@alliants.example"
SF_PASSWORD = "pa55-w0rd&<x>"
SF_TOKEN = "T0KEN123"
LOOKER_ID = "looker-client-id"
LOOKER_SECRET = "looker-client-secret"
MONTHS = ("2026-08", "2026-09", "2026-10")


@dataclass
class SalesforceSandbox:
    """A started Salesforce emulator and the means to reach it with the real client."""

    emulator: SalesforceEmulator
    server: EmulatorServer
    tls: SandboxTLS

    def session(self) -> Any:
        """The product's session builder pointed at the emulator."""
        return build_salesforce_session(domain="login", login_url_override=self.server.url,
                                        ca_bundle=str(self.tls.ca_pem_path))

    def client(self, password: str = SF_PASSWORD) -> Salesforce:
        """An unmodified simple_salesforce client that logs in by SOAP."""
        return Salesforce(username=SF_USERNAME, password=password, security_token=SF_TOKEN, domain="login",
                          session=self.session())


@contextmanager
def salesforce_sandbox(tls: SandboxTLS, records: dict[str, list[dict]], **kwargs: Any) -> Iterator[SalesforceSandbox]:
    """Serve `records` over HTTPS for the duration of the block."""
    emulator = SalesforceEmulator(records, username=SF_USERNAME, password=SF_PASSWORD, security_token=SF_TOKEN,
                                  **kwargs)
    with EmulatorServer(emulator, ssl_context=tls.server_context()) as server:
        emulator.base_url = server.url
        yield SalesforceSandbox(emulator, server, tls)


def contract_records() -> dict[str, list[dict]]:
    """A small org covering each query of docs/data-contract.md (month 2026-10, END = 2026-11-01)."""
    a1, a2, a3 = (to18(f"001Hp00000A000{n}") for n in (1, 2, 3))
    return {
        "Account": [
            {"Id": a1, "Name": "Acme Hotels", "Segment__c": "paid", "ARR__c": 120000, "Prior_Year_ARR__c": 100000,
             "Payment_Status__c": "Current", "Contracted_Tier__c": "Gold", "Usage_Tier__c": "Gold",
             "QBR_Attendance_Rate__c": 75, "Champion_Since__c": "2025-01-15", "Expansion_Signals__c": 2},
            {"Id": a2, "Name": "O'Brien & Sons", "Segment__c": "standard", "ARR__c": 50000,
             "Payment_Status__c": "31-60 Days Late", "Contracted_Tier__c": "Platinum", "Usage_Tier__c": "Silver"},
            {"Id": a3, "Name": "Zeta \\ Resorts", "Segment__c": "paid"},
        ],
        "Opportunity": [
            {"AccountId": a1, "Name": "Acme renewal", "Type": "Renewal", "StageName": "Open", "CloseDate": "2027-01-31"},
            {"AccountId": a1, "Name": "Acme old renewal", "Type": "Renewal", "StageName": "Won", "CloseDate": "2026-10-31"},
            {"AccountId": a2, "Name": "O'Brien upsell", "Type": "Upsell", "StageName": "Open", "CloseDate": "2026-12-01"},
        ],
        "Contract": [
            {"AccountId": a2, "StartDate": "2026-03-01", "Change_Type__c": "Downgrade"},
            {"AccountId": a2, "StartDate": "2025-10-31", "Change_Type__c": "Downgrade"},
            {"AccountId": a1, "StartDate": "2026-05-01", "Change_Type__c": "Upgrade"},
        ],
        "Churn_Signal__c": [
            {"Name": "S1", "Account__c": a2, "Severity__c": "Critical", "Detected_Date__c": "2026-09-10"},
            {"Name": "S2", "Account__c": a2, "Severity__c": "Watch", "Detected_Date__c": "2026-08-01",
             "Resolved_Date__c": "2026-10-15"},
            {"Name": "S3", "Account__c": a1, "Severity__c": "Moderate", "Detected_Date__c": "2026-09-01",
             "Resolved_Date__c": "2026-11-20"},
            {"Name": "S4", "Account__c": a1, "Severity__c": "Watch", "Detected_Date__c": "2026-11-02"},
        ],
    }


class MemoryLookerData:
    """Looker's monthly rows held in a dict: `rows(view, month)` and `months()`."""

    def __init__(self, rows: dict[tuple[str, str], list[dict]]) -> None:
        self._rows = rows

    def rows(self, view: str, month: str) -> list[dict]:
        """Rows of one view and month."""
        return list(self._rows.get((view, month), []))

    def months(self) -> list[str]:
        """Every month with data, ascending."""
        return sorted({month for _, month in self._rows})


def looker_data(accounts: int = 3) -> MemoryLookerData:
    """Deterministic rows for `accounts` accounts over MONTHS; values grow with the month index."""
    rows: dict[tuple[str, str], list[dict]] = {}
    for m, month in enumerate(MONTHS):
        for a in range(accounts):
            account = f"LK-{a:03d}"
            rows.setdefault(("user_sessions", month), []).append(
                {"account_id": account, "month": month, "average_daily_active_users": 10.0 * (m + 1) + a,
                 "monthly_active_users": 100 + a, "logins_per_user": 4.5})
            rows.setdefault(("feature_usage", month), []).append(
                {"account_id": account, "month": month, "feature_breadth_pct": 50.0 + m})
            rows.setdefault(("platform_metrics", month), []).append(
                {"account_id": account, "month": month, "efficiency_score": 70.0, "revenue_score": 80.0,
                 "guest_experience_score": 60.0 + m, "adoption_score": None if a == 0 else 90.0})
    return MemoryLookerData(rows)


@contextmanager
def looker_sandbox(data: Any = None, **kwargs: Any) -> Iterator[tuple[LookerEmulator, EmulatorServer]]:
    """Serve a Looker emulator over HTTP for the duration of the block."""
    emulator = LookerEmulator(data if data is not None else looker_data(), client_id=LOOKER_ID,
                              client_secret=LOOKER_SECRET, **kwargs)
    with EmulatorServer(emulator) as server:
        yield emulator, server
