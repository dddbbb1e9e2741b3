"""Joins the month's source frames onto the mapping, and adds last month's score for the trend."""
from __future__ import annotations

from typing import Iterable

import pandas as pd

from health_pipeline.scoring.catalogue import ID_COLUMN
from health_pipeline.scoring.tiers import classify_tier

ID = ID_COLUMN


def assemble_metrics(mapping: pd.DataFrame, sources: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """One row per mapped account: id, name, segment and every source's metric columns (left join)."""
    frame = mapping[[ID, "account_name", "segment"]].copy()
    for source in sources:
        overlap = [c for c in source.columns if c != ID and c in frame.columns]
        if overlap:
            raise ValueError(f"two sources produce the same metric column(s): {', '.join(overlap)}")
        frame = frame.merge(source, on=ID, how="left", validate="one_to_one")
    return frame


def add_trend(scores: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """Add previous_score, score_change and previous_tier from last month's scores (None when absent)."""
    out = scores.copy()
    if previous is None or len(previous) == 0:
        out["previous_score"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["previous_tier"] = pd.Series([None] * len(out), index=out.index, dtype=object)
    else:
        last = previous.set_index(ID)
        out["previous_score"] = out[ID].map(last["health_score"]).astype("Int64").array
        # a month scored "No Data" has no score but does have a tier: keep it
        tiers = out[ID].map(last["tier"]).astype(object)
        out["previous_tier"] = tiers.where(tiers.notna(), None)
    out["score_change"] = (out["health_score"] - out["previous_score"]).astype("Int64")
    return out


def tier_counts(scores: pd.DataFrame) -> dict[str, int]:
    """Accounts per tier, in tier order, No Data last."""
    order = ["Champion", "Healthy", "At Risk", "Critical", classify_tier(None)]
    counts = scores["tier"].value_counts()
    return {tier: int(counts.get(tier, 0)) for tier in order}
