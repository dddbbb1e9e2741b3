"""The Salesforce extraction: describe once, then one paged SOQL stream per object for the mapped accounts."""
from __future__ import annotations

from typing import Any, Sequence

from health_pipeline.extract import salesforce as pure
from health_pipeline.extract.frame import metrics_frame
from health_pipeline.extract.period import Period
from health_pipeline.resources.http import LogFunction
from health_pipeline.resources.salesforce import SalesforceResource
from health_pipeline.sources.result import SourceResult, Stopwatch, not_configured, with_stats

# which accumulator method folds each object's records
_FOLDERS = {
    "Account": "add_accounts",
    "Opportunity": "add_renewals",
    "Contract": "add_contracts",
    "Churn_Signal__c": "add_signals",
}


def extract_salesforce(resource: SalesforceResource, period: Period, account_ids: Sequence[str],
                       log: LogFunction | None = None) -> SourceResult:
    """Financial, relationship and qualitative-signal metrics per mapped Salesforce account."""
    keys = [(account_id, account_id) for account_id in account_ids]
    if not resource.is_configured():
        return not_configured(keys, pure.METRICS, period, "Salesforce")
    watch = Stopwatch()
    client = resource.open_client(log)
    phase2 = pure.phase2_fields_present(client.describe_field_names("Account"))
    accumulator = pure.SalesforceAccumulator(period, phase2, account_ids)
    for sobject, statements in pure.soql_queries(period, list(account_ids), phase2).items():
        fold = getattr(accumulator, _FOLDERS[sobject])
        for soql in statements:
            for records in client.iter_query_pages(soql, sobject):
                fold(records)
    frame = metrics_frame(keys, accumulator.result(), pure.METRICS, pure.DEFAULTS)
    result = SourceResult(frame=frame, period=period, configured=True)
    result.facts = {
        "phase2_fields": phase2,
        "records_for_unmapped_accounts": accumulator.unmatched,
        "accounts_missing_in_salesforce": len(accumulator.missing_accounts),
    }
    if not phase2:
        result.notes.append(
            "This org lacks the Phase 2 relationship fields (QBR_Attendance_Rate__c, Champion_Since__c, "
            "Expansion_Signals__c): qbr_attendance, champion_stability and expansion_signals are missing."
        )
    result.notes.extend(f"unreadable value: {problem}" for problem in accumulator.problems[:20])
    return with_stats(result, client.stats, dict(client.pages), watch)
