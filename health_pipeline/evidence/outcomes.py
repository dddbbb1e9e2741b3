"""Renewal outcomes after a scored month (rule 10): churned, retained, or excluded for want of a closed renewal."""
from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from health_pipeline.scoring.catalogue import ID_COLUMN

HORIZON_DAYS = 180
OUTCOME_COLUMNS = (ID_COLUMN, "close_date", "is_won")
RENEWAL_SOQL = ("SELECT AccountId, CloseDate, IsWon FROM Opportunity "
                "WHERE Type = 'Renewal' AND IsClosed = true ORDER BY CloseDate")


def month_end(period: str) -> date:
    """The last day of a YYYY-MM month."""
    year, month = int(period[:4]), int(period[5:7])
    return date(year, month, calendar.monthrange(year, month)[1])


def is_matured(period: str, horizon_days: int, as_of: date) -> bool:
    """True when the whole outcome window of the month has passed: last day of M + H <= as_of."""
    return month_end(period) + timedelta(days=horizon_days) <= as_of


def renewal_outcomes(records: Iterable[Mapping]) -> pd.DataFrame:
    """Closed Renewal opportunities (AccountId, CloseDate, IsWon) as a frame; a malformed record raises naming it."""
    rows = []
    for position, record in enumerate(records):
        try:
            close = date.fromisoformat(str(record["CloseDate"])[:10])
            won = record["IsWon"]
            if not isinstance(won, bool) or not isinstance(record["AccountId"], str):
                raise ValueError("IsWon must be true/false and AccountId an id")
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"Salesforce Opportunity query: renewal record {position} is unusable ({error})") from None
        rows.append((record["AccountId"], close, won))
    frame = pd.DataFrame(rows, columns=list(OUTCOME_COLUMNS))
    frame["close_date"] = pd.to_datetime(frame["close_date"])
    return frame


def outcomes_after(keys: pd.DataFrame, renewals: pd.DataFrame, horizon_days: int) -> pd.Series:
    """For each (account, period) row of `keys`: 1.0 churned, 0.0 retained, NaN excluded (no closed renewal in
    (last day of M, last day of M + H]); the earliest such renewal decides."""
    ends = pd.to_datetime(pd.Series([month_end(p) for p in keys["period"]], index=keys.index))
    left = pd.DataFrame({ID_COLUMN: keys[ID_COLUMN].to_numpy(), "end": ends.to_numpy(), "row": np.arange(len(keys))})
    right = renewals.sort_values("close_date", kind="stable")
    right = right.drop_duplicates([ID_COLUMN, "close_date"], keep="first").rename(columns={"close_date": "end"})
    right["close"] = right["end"]
    matched = pd.merge_asof(left.sort_values("end", kind="stable"), right.sort_values("end", kind="stable"),
                            on="end", by=ID_COLUMN, direction="forward", allow_exact_matches=False)
    inside = matched["close"].notna() & (matched["close"] <= matched["end"] + pd.Timedelta(days=horizon_days))
    churned = np.where(inside, np.where(matched["is_won"].astype(object) == True, 0.0, 1.0), np.nan)  # noqa: E712
    out = np.full(len(keys), np.nan)
    out[matched["row"].to_numpy()] = churned
    return pd.Series(out, index=keys.index, name="churned")
