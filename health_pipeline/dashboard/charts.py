"""Plotly figures of the dashboard, built from the summaries' frames (no Streamlit)."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from health_pipeline.dashboard.names import TIER_COLOURS, TIER_ORDER
from health_pipeline.scoring.tiers import LOWEST_TIER, TIER_FLOORS

TIER_STYLE = {"color": "tier", "color_discrete_map": TIER_COLOURS, "category_orders": {"tier": list(TIER_ORDER)}}


def tier_mix_chart(mix: pd.DataFrame) -> go.Figure:
    """Accounts per tier, stacked, one bar per month."""
    figure = px.bar(mix, x="period", y="accounts", **TIER_STYLE, title="Tier mix per month")
    return figure.update_layout(xaxis_type="category", legend_title_text="tier")


def means_chart(means: pd.DataFrame) -> go.Figure:
    """Mean published score and mean coverage (%) per month, on one 0-100 axis."""
    long = means.melt(id_vars="period", value_vars=["mean_score", "mean_coverage_pct"], var_name="measure")
    long["measure"] = long["measure"].map({"mean_score": "mean health score", "mean_coverage_pct": "mean coverage %"})
    figure = px.line(long, x="period", y="value", color="measure", markers=True,
                     title="Mean health score and coverage per month")
    return figure.update_layout(xaxis_type="category", yaxis_range=[0, 100], yaxis_title="")


def counts_chart(counts: pd.DataFrame, column: str, title: str) -> go.Figure:
    """Accounts per value of `column`, stacked by tier."""
    figure = px.bar(counts, x=column, y="accounts", **TIER_STYLE, title=title)
    return figure.update_layout(xaxis_type="category")


def add_tier_bands(figure: go.Figure) -> go.Figure:
    """Shade the score axis by tier (Critical below the lowest floor, then each floor up to 100)."""
    edges = [0, *sorted(floor for floor, _ in TIER_FLOORS), 100]
    names = [LOWEST_TIER, *[name for _, name in sorted(TIER_FLOORS)]]
    for low, high, name in zip(edges, edges[1:], names):
        figure.add_hrect(y0=low, y1=high, fillcolor=TIER_COLOURS[name], opacity=0.12, line_width=0,
                         annotation_text=name, annotation_position="top left")
    return figure.update_layout(yaxis_range=[0, 100])


def score_history_chart(history: pd.DataFrame) -> go.Figure:
    """One account's published score per month over the tier bands."""
    values = history.assign(score=history["health_score"].astype("Float64").astype(float))
    figure = px.line(values, x="period", y="score", markers=True, title="Health score per month")
    return add_tier_bands(figure.update_layout(xaxis_type="category", yaxis_title="health score"))


def dimension_chart(dimensions: pd.DataFrame) -> go.Figure:
    """One account's dimension scores (0-100) per month."""
    figure = px.line(dimensions, x="period", y="score", color="dimension", markers=True,
                     title="Dimension scores per month")
    return figure.update_layout(xaxis_type="category", yaxis_range=[0, 100])


def waterfall_chart(contributions: list[tuple[str, float]], title: str) -> go.Figure:
    """Signed points per contributor, as a waterfall ending in their total."""
    names = [name for name, _ in contributions]
    points = [value for _, value in contributions]
    figure = go.Figure(go.Waterfall(x=[*names, "total"], y=[*points, 0], measure=["relative"] * len(points) + ["total"],
                                    text=[f"{value:+.1f}" for value in points] + [f"{sum(points):+.1f}"]))
    return figure.update_layout(title=title, yaxis_title="points", showlegend=False)


def changes_chart(frame: pd.DataFrame, title: str) -> go.Figure:
    """Horizontal bars of the score change per account."""
    figure = px.bar(frame, x="change", y="account_name", orientation="h", title=title,
                    color="change", color_continuous_scale="RdYlGn", range_color=[-10, 10])
    return figure.update_layout(yaxis={"categoryorder": "total ascending"}, coloraxis_showscale=False)


def lines_chart(frame: pd.DataFrame, value: str, colour: str | None, title: str, percent: bool = False) -> go.Figure:
    """A value per month, one line per `colour` value (a percentage axis runs 0-100)."""
    figure = px.line(frame, x="period", y=value, color=colour, markers=True, title=title)
    figure.update_layout(xaxis_type="category", yaxis_title="")
    return figure.update_layout(yaxis_range=[0, 100]) if percent else figure


def auc_chart(months: pd.DataFrame) -> go.Figure:
    """AUC of the score against churn per matured month, with the coin-toss line at 0.5."""
    figure = px.line(months, x="period", y="auc", markers=True, title="AUC per month (does a low score rank the churners first?)")
    figure.add_hline(y=0.5, line_dash="dot", annotation_text="coin toss", annotation_position="bottom right")
    return figure.update_layout(xaxis_type="category", yaxis_range=[0, 1], yaxis_title="AUC")


def churn_by_tier_chart(rates: pd.DataFrame) -> go.Figure:
    """Churn rate (%) per month, one line per tier."""
    figure = px.line(rates, x="period", y="churn_rate_pct", markers=True, **TIER_STYLE,
                     title="Churn rate per tier per month (renewals lost within the horizon)")
    return figure.update_layout(xaxis_type="category", yaxis_title="churned %", legend_title_text="tier")


def lift_chart(months: pd.DataFrame) -> go.Figure:
    """Top-decile lift per month, with the no-better-than-random line at 1."""
    figure = px.bar(months, x="period", y="top_decile_lift", title="Top-decile lift per month")
    figure.add_hline(y=1.0, line_dash="dot", annotation_text="random", annotation_position="top left")
    return figure.update_layout(xaxis_type="category", yaxis_title="lift (x overall churn)")


def auc_beside_chart(model_auc: float | None, rule_auc: float | None, tested_on: str) -> go.Figure:
    """The learned model's AUC beside the rule score's on the same held-out months."""
    frame = pd.DataFrame({"score": ["rule score", "learned model"], "auc": [rule_auc, model_auc]})
    figure = px.bar(frame, x="score", y="auc", text_auto=".3f", title=f"AUC on the held-out months {tested_on}")
    figure.add_hline(y=0.5, line_dash="dot")
    return figure.update_layout(yaxis_range=[0, 1], yaxis_title="AUC", xaxis_title="")


def weights_chart(weights: pd.DataFrame) -> go.Figure:
    """The configured weights beside those the learned model suggests, in % of the health score."""
    figure = px.bar(weights, x="input", y="weight_pct", color="weights", barmode="group",
                    title="Weights: the rules beside the learned model's suggestion")
    return figure.update_layout(yaxis_title="% of the health score", xaxis_title="")
