"""The Looker extraction: one login and one inline query per view for the month (platform value optionally from a saved Look)."""
from __future__ import annotations

import csv
import json
from typing import Any, Iterator, Sequence

from health_pipeline.sources.common.errors import SourceError
from health_pipeline.sources.common.frame import metrics_frame, unmapped_keys
from health_pipeline.sources.common.http import LogFunction
from health_pipeline.sources.common.period import Period
from health_pipeline.sources.common.result import SourceResult, Stopwatch, not_configured, with_stats
from health_pipeline.sources.looker import metrics as pure
from health_pipeline.sources.looker.resource import LookerResource

SOURCE = "Looker"


def extract_looker(resource: LookerResource, period: Period, keys: Sequence[tuple[str, Any]], *,
                   model: str, user_sessions_view: str, feature_usage_view: str, platform_view: str,
                   platform_look_id: str | None = None, log: LogFunction | None = None) -> SourceResult:
    """Adoption metrics and platform value per mapped account (keys: salesforce_account_id, looker_account_id)."""
    if not resource.is_configured():
        return not_configured(keys, pure.METRICS, period, SOURCE)
    watch = Stopwatch()
    client = resource.open_client(log)
    problems: list[tuple[str, str, str]] = []
    sessions_query, usage_query = pure.adoption_queries(period, model, user_sessions_view, feature_usage_view)
    # No logout: the token lapses by itself, and a logout would add a call to every month.
    sessions = _parse(lambda text: pure.parse_user_sessions(text, user_sessions_view, problems),
                      client.run_inline_json(sessions_query), user_sessions_view)
    usage = _parse(lambda text: pure.parse_feature_usage(text, feature_usage_view, problems),
                   client.run_inline_json(usage_query), feature_usage_view)
    platform_query = pure.platform_query(period, model, platform_view) if platform_look_id is None \
        else _look_month_query(client.look_query(platform_look_id), platform_look_id, period)
    look = pure.PlatformLookParser(period, platform_query["view"])
    platform_csv = client.run_inline_csv(platform_query)
    try:
        # line by line from the text: a StringIO over it would hold the whole result again, four bytes a character
        look.feed(_lines(platform_csv))
    except (ValueError, csv.Error) as error:
        raise SourceError(SOURCE, f"POST /api/4.0/queries/run/csv ({platform_query['view']})",
                          f"unusable result: {error}") from None
    per_account = pure.combine(sessions, usage, look.result())
    frame = metrics_frame(keys, per_account, pure.METRICS, pure.DEFAULTS)
    result = SourceResult(frame=frame, period=period, configured=True)
    result.facts = {
        "user_session_rows": len(sessions),
        "feature_usage_rows": len(usage),
        "platform_rows_in_month": look.rows_kept,
        "platform_rows_other_months": look.rows_other_months,
        "platform_value_from": f"view {platform_view}" if platform_look_id is None else f"Look {platform_look_id}",
        "unmapped_accounts": len(unmapped_keys(keys, per_account)),
    }
    result.notes.extend(f"unreadable value: {problem}" for problem in (problems + look.problems)[:20])
    pages = {"POST /api/4.0/queries/run/json": 2, "POST /api/4.0/queries/run/csv": 1}
    return with_stats(result, client.stats, pages, watch)


# the parts of a Look's query that an inline run takes (WriteQuery); filters and limit are set below
_WRITE_QUERY_PARTS = ("model", "view", "fields", "pivots", "fill_fields", "filter_expression", "sorts", "column_limit",
                      "total", "row_total", "subtotals", "dynamic_fields", "query_timezone")


def _look_month_query(query: Any, look_id: str, period: Period) -> dict[str, Any]:
    """A saved Look's query limited to the month: everything the Look defines, plus the month filter.

    `run_look` takes no filter: it returns every account for every month of history (accounts x months rows,
    1.75 million at 50,000 accounts and three years, growing every month) to keep one month of it; at that
    size the run outlasts the read timeout. Reading the Look's query costs one call and keeps its fields,
    filters and sorts.
    """
    if query is None or not getattr(query, "model", None) or not getattr(query, "view", None):
        raise SourceError(SOURCE, f"GET /api/4.0/looks/{look_id}", "the Look has no query (model and view)")
    body = {part: getattr(query, part) for part in _WRITE_QUERY_PARTS if getattr(query, part, None) is not None}
    body["filters"] = {**(query.filters or {}), f"{query.view}.month": pure.date_filter(period)}
    body["limit"] = "-1"
    return body


def _lines(text: str) -> Iterator[str]:
    """The lines of `text`, each with its line ending, one at a time (csv.reader joins a quoted field's lines)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def _parse(parse: Any, text: str, view: str) -> dict[str, dict[str, Any]]:
    """Parse one query's JSON result, turning a malformed reply into a SourceError naming the view."""
    call = f"POST /api/4.0/queries/run/json ({view})"
    try:
        return parse(text)
    except json.JSONDecodeError as error:
        raise SourceError(SOURCE, call, f"the reply is not valid JSON ({error.msg} at char {error.pos})") from None
    except ValueError as error:
        raise SourceError(SOURCE, call, f"unusable result: {error}") from None
