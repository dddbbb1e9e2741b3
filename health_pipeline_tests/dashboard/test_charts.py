"""The dashboard's figures: tiers in their order and colours, the score axis shaded by tier from 0 to 100, a missing
score left missing, and one line per coloured group."""
from __future__ import annotations

import math

import pandas as pd

from health_pipeline.dashboard import charts
from health_pipeline.dashboard.names import TIER_COLOURS, TIER_ORDER


def test_the_tier_mix_stacks_the_present_tiers_in_tier_order_and_colours():
    mix = pd.DataFrame({"period": ["2026-09", "2026-09", "2026-10", "2026-10"],
                        "tier": ["Critical", "Champion", "Champion", "No Data"], "accounts": [3, 5, 6, 1]})
    figure = charts.tier_mix_chart(mix)
    present = [tier for tier in TIER_ORDER if tier in set(mix["tier"])]
    assert [trace.name for trace in figure.data] == present
    assert [trace.marker.color for trace in figure.data] == [TIER_COLOURS[tier] for tier in present]
    assert figure.layout.barmode == "relative" and figure.layout.xaxis.type == "category"
    champion = figure.data[0]
    assert list(champion.x) == ["2026-09", "2026-10"] and list(champion.y) == [5, 6]


def test_the_score_history_is_drawn_over_contiguous_tier_bands_and_keeps_a_missing_score_missing():
    history = pd.DataFrame({"period": ["2026-08", "2026-09", "2026-10"],
                            "health_score": pd.array([40, None, 75], dtype="Int64")})
    figure = charts.score_history_chart(history)
    bands = sorted((shape.y0, shape.y1) for shape in figure.layout.shapes)
    assert bands[0][0] == 0 and bands[-1][1] == 100
    assert all(upper == lower for (_, upper), (lower, _) in zip(bands, bands[1:]))
    assert len(figure.layout.annotations) == len(bands)
    scores = list(figure.data[0].y)
    assert scores[0] == 40 and math.isnan(scores[1]) and scores[2] == 75
    assert tuple(figure.layout.yaxis.range) == (0, 100)


def test_a_chart_coloured_by_a_column_draws_one_line_per_value_in_the_order_they_come():
    long = pd.DataFrame({"period": ["2026-09", "2026-10"] * 2, "dimension": ["support", "support", "adoption", "adoption"],
                         "score": [50.0, 60.0, None, 80.0]})
    figure = charts.dimension_chart(long)
    assert [trace.name for trace in figure.data] == ["support", "adoption"]
    assert list(figure.data[0].y) == [50.0, 60.0]
    single = charts.lines_chart(long[long["dimension"] == "support"], "score", None, "one line", percent=True)
    assert len(single.data) == 1 and not single.data[0].showlegend and tuple(single.layout.yaxis.range) == (0, 100)


def test_score_changes_run_from_red_to_green_on_a_range_centred_on_zero():
    frame = pd.DataFrame({"account_name": ["A", "B"], "change": [-12, 4]})
    bar = charts.changes_chart(frame, "Score change (points)").data[0]
    assert bar.orientation == "h" and list(bar.marker.color) == [-12, 4]
    assert bar.marker.cmin == -bar.marker.cmax
