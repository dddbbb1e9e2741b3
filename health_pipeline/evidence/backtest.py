"""The backtest's input: stored months of scores joined to the renewal outcomes that followed them (rule 10)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Mapping

import pandas as pd

from health_pipeline.evidence.outcomes import is_matured, outcomes_after
from health_pipeline.evidence.statistics import backtest_table
from health_pipeline.scoring.catalogue import ID_COLUMN

ROW_COLUMNS = (ID_COLUMN, "period", "segment", "score", "tier", "churned")


@dataclass(frozen=True)
class MonthRange:
    """An inclusive range of YYYY-MM months, `A:B` on the command line (either side may be open)."""

    first: str | None = None
    last: str | None = None

    @classmethod
    def parse(cls, text: str | None) -> "MonthRange":
        """`2025-01:2026-05`, `2025-01:`, `:2026-05` or empty (every month)."""
        if not text:
            return cls()
        first, separator, last = text.partition(":")
        for label in (first, last):
            if label and (len(label) != 7 or label[4] != "-" or not (label[:4] + label[5:]).isdigit()
                          or not 1 <= int(label[5:]) <= 12):
                raise ValueError(f"months must look like YYYY-MM:YYYY-MM, got {text!r}")
        if not separator:
            return cls(first, first)
        if first and last and first > last:
            raise ValueError(f"months {text!r} end before they start")
        return cls(first or None, last or None)

    def __contains__(self, period: str) -> bool:
        return (self.first is None or period >= self.first) and (self.last is None or period <= self.last)


def computed(scores: pd.DataFrame, column: str) -> pd.Series:
    """The computed value (before any override) of `score` / `tier`, whichever name the month stored it under."""
    return scores[f"computed_{column}"] if f"computed_{column}" in scores.columns else scores[column]


def backtest_rows(months: Mapping[str, pd.DataFrame], renewals: pd.DataFrame, horizon_days: int) -> pd.DataFrame:
    """One row per (account, month): the exact computed score, the computed tier and the outcome after the month."""
    frames = []
    for period, scores in sorted(months.items()):
        frames.append(pd.DataFrame({
            ID_COLUMN: scores[ID_COLUMN].to_numpy(), "period": period, "segment": scores["segment"].to_numpy(),
            "score": pd.to_numeric(scores["health_score_exact"]).to_numpy(dtype=float),
            "tier": computed(scores, "tier").to_numpy(dtype=object)}))
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(ROW_COLUMNS[:-1]))
    rows["churned"] = outcomes_after(rows, renewals, horizon_days) if len(rows) else pd.Series(dtype=float)
    return rows


def matured_months(periods: list[str], horizon_days: int, as_of: date, chosen: MonthRange) -> list[str]:
    """The chosen months whose outcome window has passed, in order."""
    return [p for p in sorted(periods) if p in chosen and is_matured(p, horizon_days, as_of)]


def run_backtest(months: Mapping[str, pd.DataFrame], renewals: pd.DataFrame, horizon_days: int,
                 as_of: date, chosen: MonthRange = MonthRange()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(statistics table, rows) over the matured months among `months`; unmatured months are left out."""
    keep = matured_months(list(months), horizon_days, as_of, chosen)
    rows = backtest_rows({p: months[p] for p in keep}, renewals, horizon_days)
    return backtest_table(rows), rows
