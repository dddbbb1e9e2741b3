"""What one source extraction gives the asset: the metrics frame and the facts for its metadata."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import pandas as pd

from health_pipeline.scoring.catalogue import ID_COLUMN
from health_pipeline.sources.common.frame import metrics_frame
from health_pipeline.sources.common.http import CallStats
from health_pipeline.sources.common.period import Period


@dataclass
class SourceResult:
    """A source's per-account metrics for one month, plus what it cost and what it noticed."""

    frame: pd.DataFrame
    period: Period
    configured: bool
    calls: dict[str, int] = field(default_factory=dict)
    retries: dict[str, int] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def accounts_with_data(self) -> int:
        """Mapped accounts with at least one metric present (metrics are the float columns; text columns describe)."""
        metrics = self.frame.drop(columns=[ID_COLUMN]).select_dtypes("number")
        return int(metrics.notna().any(axis=1).sum()) if len(metrics.columns) else 0


class Stopwatch:
    """Measures the wall time of an extraction."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def seconds(self) -> float:
        """Seconds since the stopwatch started."""
        return round(time.perf_counter() - self.started, 3)


def not_configured(keys: Sequence[tuple[str, Any]], metrics: Sequence[str], period: Period, source: str) -> SourceResult:
    """All-None metrics for every mapped account: the source has no credentials."""
    frame = metrics_frame([(account, None) for account, _ in keys], {}, metrics, {})
    note = f"{source} is not configured (no credentials): every {source} metric is missing and its weight is redistributed."
    return SourceResult(frame=frame, period=period, configured=False, notes=[note])


def with_stats(result: SourceResult, stats: CallStats, pages: dict[str, int], watch: Stopwatch) -> SourceResult:
    """Attach the call counts, retries, pages and duration of a run."""
    result.calls = dict(stats.calls)
    result.retries = dict(stats.retries)
    result.pages = pages
    result.seconds = watch.seconds()
    return result


def folded_month(pages: Iterable[Any], accumulator: Any, keys: Sequence[tuple[str, Any]], metrics: Sequence[str],
                 defaults: Mapping[str, Any], period: Period) -> tuple[SourceResult, dict]:
    """Fold every page into the pure accumulator; the month's frame as a configured result, and the per-key metrics."""
    for page in pages:
        accumulator.add_page(page)
    per_key = accumulator.result()
    frame = metrics_frame(keys, per_key, metrics, defaults)
    return SourceResult(frame=frame, period=period, configured=True), per_key

