"""The Portfolio page's numbers and charts for one choice of filters (pure: pandas and plotly, no Streamlit, no I/O)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import pandas as pd
import plotly.graph_objects as go

from health_pipeline.dashboard import charts, summaries


@dataclass(frozen=True)
class PortfolioView:
    """What the Portfolio page shows for one filter choice: the latest month's figures and the four charts."""

    month: str
    scored: int
    mean_score: float | None
    mean_coverage_pct: float
    tier_mix: go.Figure
    means: go.Figure
    per_segment: go.Figure
    per_owner: go.Figure | None  # None when no account of the month names its owner


def portfolio_view(scores: pd.DataFrame, segments: Sequence[str], owners: Sequence[str],
                   tiers: Sequence[str]) -> PortfolioView | None:
    """The portfolio of the accounts the filters keep; None when they keep none."""
    chosen = summaries.filtered(scores, segments, owners, tiers)
    if chosen.empty:
        return None
    month = summaries.latest_month(chosen)
    this_month = chosen[chosen["period"] == month]
    means = summaries.monthly_means(chosen).set_index("period")
    mean_score = means.loc[month, "mean_score"]
    return PortfolioView(
        month=month,
        scored=int(means.loc[month, "scored"]),
        mean_score=None if summaries.missing(mean_score) else float(mean_score),
        mean_coverage_pct=float(means.loc[month, "mean_coverage_pct"]),
        tier_mix=charts.tier_mix_chart(summaries.tier_mix(chosen)),
        means=charts.means_chart(means.reset_index()),
        per_segment=charts.counts_chart(summaries.counts_by(this_month, "segment"), "segment", "Per segment"),
        per_owner=(charts.counts_chart(summaries.counts_by(this_month, "owner"), "owner", "Per owner")
                   if summaries.owners_known(this_month) else None),
    )
