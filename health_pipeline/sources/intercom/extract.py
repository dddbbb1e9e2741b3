"""The Intercom extraction: the month's conversations (one search cursor, or concurrent time slices), aggregated page by page."""
from __future__ import annotations

from typing import Any, Sequence

from health_pipeline.sources.common.frame import unmapped_keys
from health_pipeline.sources.common.http import LogFunction
from health_pipeline.sources.common.period import Period
from health_pipeline.sources.common.result import SourceResult, Stopwatch, folded_month, not_configured, with_stats
from health_pipeline.sources.intercom import metrics as pure
from health_pipeline.sources.intercom.resource import IntercomResource


def extract_intercom(resource: IntercomResource, period: Period, keys: Sequence[tuple[str, Any]],
                     log: LogFunction | None = None) -> SourceResult:
    """Support metrics per mapped account (keys: salesforce_account_id, intercom_company_id)."""
    if not resource.is_configured():
        return not_configured(keys, pure.METRICS, period, "Intercom")
    watch = Stopwatch()
    client = resource.open_client(log)
    accumulator = pure.IntercomAccumulator(period)
    result, per_company = folded_month(client.iter_month_pages(period), accumulator, keys, pure.METRICS,
                                       pure.DEFAULTS, period)
    result.facts = {
        "conversations": accumulator.conversations_seen,
        "conversations_without_company": accumulator.without_company,
        "duplicate_conversations": accumulator.duplicates,
        "unmapped_companies": len(unmapped_keys(keys, per_company)),
        "search_streams": len(client.streams),
        "probe_calls": client.probe_calls,
    }
    return with_stats(result, client.stats, {"POST /conversations/search": client.pages}, watch)
