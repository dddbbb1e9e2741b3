"""Readable summaries of a scored month for the terminal."""
from __future__ import annotations

from typing import Mapping

import pandas as pd

from health_pipeline.scoring.assemble import tier_counts
from health_pipeline.scoring.catalogue import ID_COLUMN


def tier_lines(scores: pd.DataFrame) -> list[str]:
    """The tier distribution, one line per tier."""
    total = len(scores)
    return [f"  {tier:<9} {count:>6}  ({count / total:.0%})" for tier, count in tier_counts(scores).items() if total]


def most_at_risk_lines(scores: pd.DataFrame, count: int = 5) -> list[str]:
    """The `count` lowest-scored accounts with their top risk factors."""
    ranked = scores[scores["health_score"].notna()].sort_values(["health_score", ID_COLUMN]).head(count)
    return [
        f"  {int(row.health_score):>3} {row.tier:<8} {str(row.account_name)[:32]:<32} because of: {row.top_risk_factors or '-'}"
        for row in ranked.itertuples()
    ]


def sync_preview_line(delivery: Mapping[str, object]) -> str | None:
    """The sync preview as one line (`total 200, to create 3, ...`), or None when the run made none."""
    preview = delivery.get("sync_preview")
    if not isinstance(preview, Mapping):
        return None
    return "Sync preview: " + ", ".join(f"{name.replace('_', ' ')} {count}" for name, count in preview.items())


def top_mover_lines(scores: pd.DataFrame, count: int = 5) -> list[str]:
    """The `count` accounts whose exact score moved most since last month, with the movers that explain it."""
    moved = scores[scores["score_change_exact"].notna()]
    ranked = moved.reindex(moved["score_change_exact"].abs().sort_values(ascending=False, kind="stable").index).head(count)
    return [
        f"  {row.score_change_exact:+6.1f} {str(row.account_name)[:32]:<32} {row.score_change_reasons or '-'}"
        + (f" (configuration {row.change_from_config:+.1f})" if abs(row.change_from_config) >= 0.05 else "")
        for row in ranked.itertuples()
    ]
