"""The Jira extraction: one JQL cursor over the configured projects for the month."""
from __future__ import annotations

from typing import Any, Sequence

from health_pipeline.sources.common.frame import unmapped_keys
from health_pipeline.sources.common.http import LogFunction
from health_pipeline.sources.common.period import Period
from health_pipeline.sources.common.result import SourceResult, Stopwatch, folded_month, not_configured, with_stats
from health_pipeline.sources.jira import metrics as pure
from health_pipeline.sources.jira.resource import JiraResource


def extract_jira(resource: JiraResource, period: Period, keys: Sequence[tuple[str, Any]],
                 log: LogFunction | None = None) -> SourceResult:
    """Bug metrics per mapped account (keys: salesforce_account_id, jira_key)."""
    if not resource.is_configured():
        return not_configured(keys, pure.METRICS, period, "Jira")
    watch = Stopwatch()
    client = resource.open_client(log)
    link = resource.link()
    accumulator = pure.JiraBugAccumulator(link, period)
    result, per_key = folded_month(client.iter_bug_pages(resource.project_keys(), period, link), accumulator, keys,
                                   pure.METRICS, pure.DEFAULTS, period)
    result.facts = {
        "issues": accumulator.issues_seen,
        "issues_without_account": accumulator.unlinked,
        "duplicate_issues": accumulator.duplicates,
        "unmapped_keys": len(unmapped_keys(keys, per_key)),
    }
    result.notes.extend(f"unreadable value: {problem}" for problem in accumulator.problems[:20])
    return with_stats(result, client.stats, {"POST /rest/api/3/search/jql": client.pages}, watch)
