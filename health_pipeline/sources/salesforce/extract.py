"""The Salesforce extraction: one paged SOQL stream per object for the mapped accounts (named in the statements,
or, for a large mapping, the whole object with unmapped accounts' records dropped)."""
from __future__ import annotations

from typing import Sequence

from health_pipeline.sources.common.errors import SourceError
from health_pipeline.sources.common.frame import metrics_frame, with_text_columns
from health_pipeline.sources.common.http import LogFunction
from health_pipeline.sources.common.period import Period
from health_pipeline.sources.common.result import SourceResult, Stopwatch, not_configured, with_stats
from health_pipeline.sources.salesforce import metrics as pure
from health_pipeline.sources.salesforce.resource import SalesforceClient, SalesforceResource

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
        result = not_configured(keys, pure.METRICS, period, "Salesforce")
        result.frame = with_text_columns(result.frame, {}, pure.OWNER_COLUMNS)
        return result
    watch = Stopwatch()
    client = resource.open_client(log)
    ids = list(account_ids)
    filter_by_id = len(ids) <= resource.soql_id_filter_max
    # Phase 2 fields: asked for and, in an org without them, asked again without (no describe call every run)
    phase2 = pure.phase2_fields_present(client.describe_field_names("Account")) if resource.phase2_by_describe else True
    accumulator = pure.SalesforceAccumulator(period, phase2, ids)
    statements = pure.soql_queries(period, ids, phase2, filter_by_id=filter_by_id)
    try:
        _fold(client, accumulator, "Account", statements["Account"])
    except SourceError as error:
        if not phase2 or not _names_missing_phase2_field(error):
            raise
        phase2 = False
        accumulator = pure.SalesforceAccumulator(period, phase2, ids)
        statements = pure.soql_queries(period, ids, phase2, filter_by_id=filter_by_id)
        _fold(client, accumulator, "Account", statements["Account"])
    for sobject in ("Opportunity", "Contract", "Churn_Signal__c"):
        _fold(client, accumulator, sobject, statements[sobject])
    frame = with_text_columns(metrics_frame(keys, accumulator.result(), pure.METRICS, pure.DEFAULTS),
                              accumulator.owners(), pure.OWNER_COLUMNS)
    result = SourceResult(frame=frame, period=period, configured=True)
    result.facts = {
        "phase2_fields": phase2,
        "records_for_unmapped_accounts": accumulator.unmatched,
        "accounts_missing_in_salesforce": len(accumulator.missing_accounts),
        "accounts_without_owner": int(frame["owner_id"].isna().sum()),
        "accounts_named_in_soql": filter_by_id,
        "soql_statements": sum(len(soql) for soql in statements.values()),
        "repeated_records_dropped": sum(client.repeated.values()),
    }
    if not phase2:
        result.notes.append(
            "This org lacks the Phase 2 relationship fields (QBR_Attendance_Rate__c, Champion_Since__c, "
            "Expansion_Signals__c): qbr_attendance, champion_stability and expansion_signals are missing."
        )
    result.notes.extend(f"unreadable value: {problem}" for problem in accumulator.problems[:20])
    return with_stats(result, client.stats, dict(client.pages), watch)


def _fold(client: SalesforceClient, accumulator: pure.SalesforceAccumulator, sobject: str,
          statements: Sequence[str]) -> None:
    """Run an object's statements page by page into the accumulator."""
    fold = getattr(accumulator, _FOLDERS[sobject])
    seen: set[str] = set()  # an object's records by Id, across its statements and pages
    for soql in statements:
        for records in client.iter_query_pages(soql, sobject, seen):
            fold(records)


def _names_missing_phase2_field(error: SourceError) -> bool:
    """True when Salesforce refused a query because one of the Phase 2 fields does not exist (for this user)."""
    return error.status == 400 and "INVALID_FIELD" in error.problem and any(
        name in error.problem for name in pure.PHASE2_FIELDS)
