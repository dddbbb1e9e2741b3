"""The Portfolio page's view for one filter choice: the latest month's figures (a missing score left out, never 0),
the per-owner chart only when owners are known, and None when the filters keep no account."""
from __future__ import annotations

import pandas as pd

from health_pipeline.dashboard import summaries
from health_pipeline.dashboard.portfolio_view import portfolio_view
from health_pipeline_tests.dashboard.test_summaries import scores


def with_owners(frame: pd.DataFrame, names: list[str | None]) -> pd.DataFrame:
    """The scores with an owner_name per row, labelled as the store labels them."""
    return summaries.with_owner(frame.assign(owner_name=names))


def test_the_latest_month_figures_and_charts_follow_the_filters():
    frame = with_owners(scores(), ["Ann", "Bo", "Ann", "Ann", "Bo", "Ann"])
    everything = portfolio_view(frame, [], [], [])
    assert (everything.month, everything.scored, everything.mean_coverage_pct) == ("2026-10", 3, 250.0 / 3)
    assert everything.mean_score == (70 + 58 + 91) / 3
    assert sum(sum(trace.y) for trace in everything.tier_mix.data) == 6  # two months of three accounts
    owners = {trace.name: dict(zip(trace.x, trace.y)) for trace in everything.per_owner.data}
    assert owners["Champion"] == {"Ann": 1} and owners["Critical"] == {"Bo": 1}

    paid = portfolio_view(frame, ["paid"], [], [])
    assert (paid.scored, paid.mean_score) == (2, (70 + 91) / 2)
    assert portfolio_view(frame, ["paid"], ["Bo"], []) is None  # Bo owns no paid account


def test_a_month_without_owners_has_no_owner_chart_and_a_missing_score_is_left_out():
    september = scores()[scores()["period"] == "2026-09"]
    view = portfolio_view(with_owners(september, [None, None, None]), [], [], [])
    assert view.per_owner is None
    assert (view.scored, view.mean_score) == (2, 65.0)
