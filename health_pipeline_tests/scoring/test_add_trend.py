"""The trend columns: an account scored "No Data" last month keeps that tier as its previous tier (its score is
missing, its tier is not); an account missing from last month has neither."""
from __future__ import annotations

import pandas as pd

from health_pipeline.scoring.assemble import add_trend
from health_pipeline.scoring.catalogue import ID_COLUMN


def test_previous_no_data_month_is_carried_as_the_previous_tier():
    now = pd.DataFrame({ID_COLUMN: ["A", "B", "C"], "health_score": pd.array([80, 70, 60], dtype="Int64"),
                        "tier": ["Healthy", "At Risk", "At Risk"]})
    before = pd.DataFrame({ID_COLUMN: ["A", "B"], "health_score": pd.array([90, pd.NA], dtype="Int64"),
                           "tier": ["Champion", "No Data"]})
    trend = add_trend(now, before).set_index(ID_COLUMN)
    assert trend["previous_tier"].tolist() == ["Champion", "No Data", None]
    assert trend["previous_score"].tolist() == [90, pd.NA, pd.NA]
    assert trend.loc["A", "score_change"] == -10 and trend.loc[["B", "C"], "score_change"].isna().all()
