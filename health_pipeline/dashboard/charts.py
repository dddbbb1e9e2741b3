"""Plotly figures of the dashboard, built from the summaries' frames (no Streamlit).

Built with plotly's graph objects, one trace per coloured group, not with plotly express: express took 50-120 ms a
figure (0.3 s the first time) against under 10 ms, and the figures are built on every page switch."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from health_pipeline.dashboard.names import TIER_COLOURS, TIER_ORDER
from health_pipeline.scoring.tiers import LOWEST_TIER, TIER_FLOORS

TIER_STYLE = {"colour": "tier", "colours": TIER_COLOURS, "order": TIER_ORDER}
# The figures carry their own look, close to Streamlit's (its font, text colour, grid and categorical colours), and
# the pages draw them with `theme=None`: Streamlit's theme is merged into each figure in the browser, which cost a
# page switch about 60 ms a chart.
LOOK = go.layout.Template(layout={
    "font": {"family": '"Source Sans Pro", "Source Sans", sans-serif', "color": "#31333F"},
    "colorway": ["#0068c9", "#83c9ff", "#ff2b2b", "#ffabab", "#29b09d", "#7defa1", "#ff8700", "#ffd16a", "#6d3fc0",
                 "#d5dae5"],
    "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
    "xaxis": {"showgrid": False, "linecolor": "#e6eaf1", "zeroline": False, "automargin": True},
    "yaxis": {"gridcolor": "#e6eaf1", "linecolor": "#e6eaf1", "zeroline": False, "automargin": True},
    "title": {"font": {"size": 15, "weight": 600}, "x": 0, "xanchor": "left", "xref": "paper"},
    "margin": {"t": 60, "l": 10, "r": 10, "b": 10},
})
CHANGE_SCALE, CHANGE_RANGE = "RdYlGn", 10.0  # red for a drop, green for a rise, full colour at 10 points


def _groups(frame: pd.DataFrame, colour: str | None,
            order: Sequence[str] | None) -> list[tuple[str | None, pd.DataFrame]]:
    """The frame's rows per value of `colour` (listed values first, in that order, then the rest as they come)."""
    if colour is None:
        return [(None, frame)]
    present = list(dict.fromkeys(frame[colour].tolist()))
    ordered = [value for value in (order or []) if value in present] + [v for v in present if v not in (order or [])]
    return [(value, frame[frame[colour] == value]) for value in ordered]


def _lines(frame: pd.DataFrame, x: str, y: str, colour: str | None = None,
           colours: Mapping[str, str] | None = None, order: Sequence[str] | None = None) -> list[go.Scatter]:
    """One line with markers per value of `colour`."""
    return [go.Scatter(x=rows[x], y=rows[y], mode="lines+markers", name=None if value is None else str(value),
                       showlegend=value is not None,
                       marker_color=(colours or {}).get(value), line_color=(colours or {}).get(value))
            for value, rows in _groups(frame, colour, order)]


def _bars(frame: pd.DataFrame, x: str, y: str, colour: str | None = None,
          colours: Mapping[str, str] | None = None, order: Sequence[str] | None = None) -> list[go.Bar]:
    """One set of bars per value of `colour`."""
    return [go.Bar(x=rows[x], y=rows[y], name=None if value is None else str(value), showlegend=value is not None,
                   marker_color=(colours or {}).get(value))
            for value, rows in _groups(frame, colour, order)]


def _figure(traces: list, title: str, x_title: str, y_title: str, legend_title: str | None = None,
            **layout) -> go.Figure:
    """A figure of the traces with its title, axis titles and legend title."""
    return go.Figure(traces, layout={"template": LOOK, "title": {"text": title}, "xaxis": {"title": {"text": x_title}},
                                     "yaxis": {"title": {"text": y_title}},
                                     "legend": {"title": {"text": legend_title or ""}}, **layout})


def tier_mix_chart(mix: pd.DataFrame) -> go.Figure:
    """Accounts per tier, stacked, one bar per month."""
    return _figure(_bars(mix, "period", "accounts", **TIER_STYLE), "Tier mix per month", "period", "accounts",
                   "tier", barmode="relative", xaxis_type="category")


def means_chart(means: pd.DataFrame) -> go.Figure:
    """Mean published score and mean coverage (%) per month, on one 0-100 axis."""
    long = means.melt(id_vars="period", value_vars=["mean_score", "mean_coverage_pct"], var_name="measure")
    long["measure"] = long["measure"].map({"mean_score": "mean health score", "mean_coverage_pct": "mean coverage %"})
    return _figure(_lines(long, "period", "value", "measure"), "Mean health score and coverage per month", "period",
                   "", "measure", xaxis_type="category", yaxis_range=[0, 100])


def counts_chart(counts: pd.DataFrame, column: str, title: str) -> go.Figure:
    """Accounts per value of `column`, stacked by tier."""
    return _figure(_bars(counts, column, "accounts", **TIER_STYLE), title, column, "accounts", "tier",
                   barmode="relative", xaxis_type="category")


def tier_bands() -> dict[str, list[dict]]:
    """Layout shapes and labels shading the score axis by tier (Critical below the lowest floor, then each floor
    up to 100)."""
    edges = [0, *sorted(floor for floor, _ in TIER_FLOORS), 100]
    names = [LOWEST_TIER, *[name for _, name in sorted(TIER_FLOORS)]]
    bands = list(zip(edges, edges[1:], names))
    return {"shapes": [{"type": "rect", "xref": "paper", "x0": 0, "x1": 1, "y0": low, "y1": high, "layer": "below",
                        "fillcolor": TIER_COLOURS[name], "opacity": 0.12, "line": {"width": 0}}
                       for low, high, name in bands],
            "annotations": [{"xref": "paper", "x": 0, "y": high, "text": name, "showarrow": False,
                             "xanchor": "left", "yanchor": "top"} for _, high, name in bands]}


def score_history_chart(history: pd.DataFrame) -> go.Figure:
    """One account's published score per month over the tier bands."""
    values = history.assign(score=history["health_score"].astype("Float64").astype(float))
    return _figure(_lines(values, "period", "score"), "Health score per month", "period", "health score",
                   xaxis_type="category", yaxis_range=[0, 100], **tier_bands())


def dimension_chart(dimensions: pd.DataFrame) -> go.Figure:
    """One account's dimension scores (0-100) per month."""
    return _figure(_lines(dimensions, "period", "score", "dimension"), "Dimension scores per month", "period",
                   "score", "dimension", xaxis_type="category", yaxis_range=[0, 100])


def waterfall_chart(contributions: list[tuple[str, float]], title: str) -> go.Figure:
    """Signed points per contributor, as a waterfall ending in their total."""
    names = [name for name, _ in contributions]
    points = [value for _, value in contributions]
    figure = go.Figure(go.Waterfall(x=[*names, "total"], y=[*points, 0], measure=["relative"] * len(points) + ["total"],
                                    text=[f"{value:+.1f}" for value in points] + [f"{sum(points):+.1f}"]))
    return figure.update_layout(template=LOOK, title=title, yaxis_title="points", showlegend=False)


def changes_chart(frame: pd.DataFrame, title: str) -> go.Figure:
    """Horizontal bars of the score change per account, coloured from red (a drop) to green (a rise)."""
    bars = go.Bar(x=frame["change"], y=frame["account_name"], orientation="h",
                  marker={"color": frame["change"], "colorscale": CHANGE_SCALE, "cmin": -CHANGE_RANGE,
                          "cmax": CHANGE_RANGE})
    return _figure([bars], title, "change", "account_name", yaxis_categoryorder="total ascending")


def lines_chart(frame: pd.DataFrame, value: str, colour: str | None, title: str, percent: bool = False) -> go.Figure:
    """A value per month, one line per `colour` value (a percentage axis runs 0-100)."""
    figure = _figure(_lines(frame, "period", value, colour), title, "period", "", colour, xaxis_type="category")
    return figure.update_layout(yaxis_range=[0, 100]) if percent else figure


def auc_chart(months: pd.DataFrame) -> go.Figure:
    """AUC of the score against churn per matured month, with the coin-toss line at 0.5."""
    figure = _figure(_lines(months, "period", "auc"), "AUC per month (does a low score rank the churners first?)",
                     "period", "AUC", xaxis_type="category", yaxis_range=[0, 1])
    return _with_level_line(figure, 0.5, "coin toss", "bottom right")


def churn_by_tier_chart(rates: pd.DataFrame) -> go.Figure:
    """Churn rate (%) per month, one line per tier."""
    return _figure(_lines(rates, "period", "churn_rate_pct", **TIER_STYLE),
                   "Churn rate per tier per month (renewals lost within the horizon)", "period", "churned %", "tier",
                   xaxis_type="category")


def lift_chart(months: pd.DataFrame) -> go.Figure:
    """Top-decile lift per month, with the no-better-than-random line at 1."""
    figure = _figure(_bars(months, "period", "top_decile_lift"), "Top-decile lift per month", "period",
                     "lift (x overall churn)", xaxis_type="category")
    return _with_level_line(figure, 1.0, "random", "top left")


def auc_beside_chart(model_auc: float | None, rule_auc: float | None, tested_on: str) -> go.Figure:
    """The learned model's AUC beside the rule score's on the same held-out months."""
    bars = go.Bar(x=["rule score", "learned model"], y=[rule_auc, model_auc], texttemplate="%{y:.3f}")
    figure = _figure([bars], f"AUC on the held-out months {tested_on}", "", "AUC", yaxis_range=[0, 1])
    return _with_level_line(figure, 0.5, None, None)


def weights_chart(weights: pd.DataFrame) -> go.Figure:
    """The configured weights beside those the learned model suggests, in % of the health score."""
    return _figure(_bars(weights, "input", "weight_pct", "weights"),
                   "Weights: the rules beside the learned model's suggestion", "", "% of the health score", "weights",
                   barmode="group")


def _with_level_line(figure: go.Figure, level: float, label: str | None, position: str | None) -> go.Figure:
    """The figure with a dotted line across it at `level`, labelled at `position` ("top left", "bottom right")."""
    figure.add_shape(type="line", xref="paper", x0=0, x1=1, y0=level, y1=level, line={"dash": "dot"})
    if label and position:
        vertical, horizontal = position.split()
        figure.add_annotation(xref="paper", x=0 if horizontal == "left" else 1, y=level, text=label, showarrow=False,
                              xanchor=horizontal, yanchor="bottom" if vertical == "top" else "top")
    return figure
