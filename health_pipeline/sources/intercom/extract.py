"""The Intercom extraction: the month's conversations (one search cursor, or concurrent time slices), aggregated page
by page, then the company-less ones attributed through one bulk lookup of their contacts' companies."""
from __future__ import annotations

from typing import Any, Sequence

from health_pipeline.sources.common.frame import metrics_frame, unmapped_keys
from health_pipeline.sources.common.http import LogFunction
from health_pipeline.sources.common.period import Period
from health_pipeline.sources.common.result import SourceResult, Stopwatch, not_configured, with_stats
from health_pipeline.sources.common.values import to_key
from health_pipeline.sources.intercom import metrics as pure
from health_pipeline.sources.intercom.contacts import CONTACT_SEARCH_CALL, ContactDirectory
from health_pipeline.sources.intercom.resource import SEARCH_CALL, IntercomResource


def extract_intercom(resource: IntercomResource, period: Period, keys: Sequence[tuple[str, Any]],
                     log: LogFunction | None = None) -> SourceResult:
    """Support metrics per mapped account (keys: salesforce_account_id, intercom_company_id)."""
    if not resource.is_configured():
        return not_configured(keys, pure.METRICS, period, "Intercom")
    watch = Stopwatch()
    client = resource.open_client(log)
    accumulator = pure.IntercomAccumulator(period)
    for page in client.iter_month_pages(period):
        accumulator.add_page(page)
    directory = ContactDirectory(client.session, client.base_url)
    mapped = {key for key in (to_key(raw) for _, raw in keys) if key is not None}
    accumulator.attribute(directory.companies_of(accumulator.unknown_contacts()), mapped)
    per_company = accumulator.result()
    result = SourceResult(frame=metrics_frame(keys, per_company, pure.METRICS, pure.DEFAULTS), period=period,
                          configured=True)
    result.facts = {
        "conversations": accumulator.conversations_seen,
        "conversations_without_company": accumulator.without_company,
        "conversations_attributed_by_contact": accumulator.attributed_by_contact,
        "conversations_ambiguous_company": accumulator.ambiguous_company,
        "conversations_unattributed": accumulator.unattributed,
        "contacts_looked_up": directory.contacts_asked,
        "contact_search_calls": directory.calls,
        "duplicate_conversations": accumulator.duplicates,
        "unmapped_companies": len(unmapped_keys(keys, per_company)),
        "search_streams": len(client.streams),
        "probe_calls": client.probe_calls,
    }
    return with_stats(result, client.stats, {SEARCH_CALL: client.pages, CONTACT_SEARCH_CALL: directory.calls}, watch)
