"""Diff-only delivery: read the month's Health_Score__c records (one SOQL stream), write only what changed."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from simple_salesforce.format import format_soql

from health_pipeline.delivery.records import SOBJECT
from health_pipeline.delivery.salesforce_writer import UpsertOutcome, upsert_health_scores
from health_pipeline.delivery.sync_plan import EDITED_AT, EDITED_BY, FINGERPRINT, OWNED, SyncPlan, plan_sync
from health_pipeline.sources.salesforce.resource import SalesforceClient

READ_FIELDS: tuple[str, ...] = (*OWNED, FINGERPRINT, EDITED_BY, EDITED_AT)


def month_soql(period: str) -> str:
    """The month's Health_Score__c records with the fields we own, our fingerprint and who last edited them."""
    return format_soql(f"SELECT {', '.join(READ_FIELDS)} FROM {SOBJECT} WHERE Period__c = {{}}", period)


def read_month(client: SalesforceClient, period: str) -> list[dict]:
    """Every Health_Score__c record Salesforce holds for month `period` (YYYY-MM)."""
    return [record for page in client.iter_query_pages(month_soql(period), SOBJECT) for record in page]


@dataclass
class SyncOutcome:
    """A delivery: what the plan said, what the writes did, and every HTTP call it made (login included)."""

    plan: SyncPlan
    upsert: UpsertOutcome
    calls: int


def plan_month(client: SalesforceClient, records: list[dict], period: str, policy: str) -> SyncPlan:
    """The month's sync plan against what Salesforce holds now (no write)."""
    return plan_sync(records, read_month(client, period), policy)


def sync_month(client: SalesforceClient, records: list[dict], period: str, *, policy: str, bulk_threshold: int,
               collection_size: int, poll_seconds: float,
               on_plan: Callable[[SyncPlan], None] | None = None) -> SyncOutcome:
    """Write only the month's new and changed records (Collections or Bulk API 2.0 by how many), never a conflict
    under `skip`; records Salesforce would refuse are not sent and count as failed."""
    plan = plan_month(client, records, period, policy)
    if on_plan is not None:
        on_plan(plan)
    upsert = upsert_health_scores(client.sf, plan.writes, bulk_threshold=bulk_threshold,
                                  collection_size=collection_size, poll_seconds=poll_seconds)
    upsert.failed = [*plan.invalid, *upsert.failed]
    return SyncOutcome(plan, upsert, client.stats.total_calls())
