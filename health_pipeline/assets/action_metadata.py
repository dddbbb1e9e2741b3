"""Metadata of the alert assets: counts by severity, play and status, CSM feedback per play (plotted over months)."""
from __future__ import annotations

from typing import Any, Sequence

import dagster as dg
import pandas as pd

from health_pipeline.actions.alerts import severity_counts
from health_pipeline.actions.history import FEEDBACK_VALUES, PlayFeedback
from health_pipeline.assets.columns import frame_schema
from health_pipeline.assets.metadata import preview
from health_pipeline.scoring.catalogue import ID_COLUMN

PREVIEW_COLUMNS = [ID_COLUMN, "account_name", "play", "severity", "health_score", "reason", "owner_name", "status"]


def feedback_table(stats: Sequence[PlayFeedback]) -> dg.MetadataValue:
    """Raised, closed and feedback counts and the accurate share per play, as a Markdown table."""
    rows = [{"play": s.play, "raised": s.raised, "closed": s.closed,
             **{value: s.feedback.get(value, 0) for value in FEEDBACK_VALUES},
             "accurate share": "-" if s.share("accurate") is None else f"{s.share('accurate'):.0%}"} for s in stats]
    return dg.MetadataValue.md(pd.DataFrame(rows).to_markdown(index=False))


def alerts_metadata(alerts: pd.DataFrame, stats: Sequence[PlayFeedback], calls: dict[str, int],
                    salesforce_configured: bool, unreadable_tasks: int) -> dict[str, Any]:
    """Everything the data team reads about a month's alerts; numbers are top-level so the UI plots them."""
    by_severity = severity_counts(alerts)
    metadata: dict[str, Any] = {
        "dagster/row_count": len(alerts),
        "dagster/column_schema": frame_schema(alerts),
        "alerts_by_severity": dg.MetadataValue.json(by_severity),
        "alerts_by_play": dg.MetadataValue.json({str(k): int(v) for k, v in alerts["play"].value_counts().items()}),
        "alerts_by_status": dg.MetadataValue.json({str(k): int(v) for k, v in alerts["status"].value_counts().items()}),
        **{f"{severity}_alerts": count for severity, count in by_severity.items()},
        "feedback_by_play": feedback_table(stats),
        **{f"accurate_share_{s.play}": s.share("accurate") for s in stats if s.share("accurate") is not None},
        "salesforce_configured": salesforce_configured,
        "salesforce_calls_by_endpoint": dg.MetadataValue.json(calls),
        "unreadable_alert_tasks": unreadable_tasks,
        "critical_and_high": preview(alerts[alerts["severity"].isin(["critical", "high"])][PREVIEW_COLUMNS]),
    }
    return metadata
