"""Asset metadata builders: row counts, previews, column schemas and a source run's cost."""
from __future__ import annotations

from typing import Any

import dagster as dg
import pandas as pd

from health_pipeline.assets.columns import frame_schema
from health_pipeline.sources.common.result import SourceResult

PREVIEW_ROWS = 10


def preview(frame: pd.DataFrame, rows: int = PREVIEW_ROWS) -> dg.MetadataValue:
    """The first rows of a frame as a Markdown table for the UI."""
    return dg.MetadataValue.md(frame.head(rows).to_markdown(index=False, floatfmt=".2f"))


def source_metadata(result: SourceResult) -> dict[str, Any]:
    """Everything the data team needs to judge one source materialisation."""
    return {
        "dagster/row_count": len(result.frame),
        "dagster/column_schema": frame_schema(result.frame),
        "source_configured": result.configured,
        "accounts_with_data": result.accounts_with_data,
        "period_start": result.period.start.isoformat(),
        "period_end_exclusive": result.period.end.isoformat(),
        "http_calls": sum(result.calls.values()) + sum(result.retries.values()),
        "http_calls_by_endpoint": dg.MetadataValue.json(result.calls),
        "pages_by_stream": dg.MetadataValue.json(result.pages),
        "retries": sum(result.retries.values()),
        "duration_seconds": result.seconds,
        **{key: value for key, value in result.facts.items()},
        "notes": dg.MetadataValue.md("\n".join(f"- {note}" for note in result.notes) or "none"),
        "preview": preview(result.frame),
    }
