"""The Health_Score_Override__c records that may apply to a month: one paged SOQL stream (glue)."""
from __future__ import annotations

from health_pipeline.sources.common.errors import SourceError
from health_pipeline.sources.salesforce.resource import SalesforceClient

SOBJECT = "Health_Score_Override__c"
FIELDS = ("Id", "Account__c", "Override_Score__c", "Reason__c", "OwnerId", "Starts_On__c", "Expires_On__c",
          "CreatedDate")


def override_soql(month_start: str) -> str:
    """Overrides not expired before the month began (and those with no expiry, so they are reported)."""
    return (f"SELECT {', '.join(FIELDS)} FROM {SOBJECT} "
            f"WHERE Expires_On__c = null OR Expires_On__c > {month_start} ORDER BY CreatedDate")


def read_overrides(client: SalesforceClient, month_start: str) -> list[dict]:
    """Every override record that may apply to the month starting `month_start` (YYYY-MM-DD), as plain dicts."""
    records: list[dict] = []
    for page in client.iter_query_pages(override_soql(month_start), SOBJECT):
        for record in page:
            if not isinstance(record, dict):
                raise SourceError("Salesforce", f"GET query ({SOBJECT})", "a record of the reply is not an object")
            records.append({name: record.get(name) for name in FIELDS})
    return records
