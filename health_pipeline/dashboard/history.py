"""Loads every stored month the dashboard shows into frames: scores, source coverage and the optional assets."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from health_pipeline.dashboard.names import OPTIONAL_ASSETS, SCORES_ASSET, SOURCE_ASSETS
from health_pipeline.dashboard.store import AssetStore, StoreError
from health_pipeline.dashboard.summaries import with_owner
from health_pipeline.scoring.catalogue import ID_COLUMN

REQUIRED_SCORE_COLUMNS = (ID_COLUMN, "account_name", "segment", "health_score", "tier", "coverage_pct")


@dataclass(frozen=True)
class StoredMonths:
    """What the store holds, ready for the pages: one long frame per kind of data, keyed by `period`."""

    location: str
    months: list[str]
    scores: pd.DataFrame
    sources: pd.DataFrame
    optional: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when no month has been scored."""
        return not self.months


def _frame(value: Any, asset: str, month: str | None) -> pd.DataFrame:
    """A stored value as a frame (a dict becomes one row); anything else is a StoreError naming it."""
    if isinstance(value, pd.DataFrame):
        return value
    if isinstance(value, dict):
        return pd.json_normalize(value)
    raise StoreError(f"the stored {asset} {month or ''} is a {type(value).__name__}, not a table")


def _month_scores(store: AssetStore, month: str) -> pd.DataFrame:
    """One month of account_health_scores, checked for the columns every page needs."""
    frame = _frame(store.load(SCORES_ASSET, month), SCORES_ASSET, month)
    missing = [column for column in REQUIRED_SCORE_COLUMNS if column not in frame.columns]
    if missing:
        raise StoreError(f"the stored {SCORES_ASSET} {month} at {store.location} lacks column(s) {', '.join(missing)}")
    return frame.assign(period=month)


def _source_row(store: AssetStore, asset: str, month: str) -> dict[str, Any]:
    """One source's month: was it configured, and the share of accounts with at least one metric."""
    frame = _frame(store.load(asset, month), asset, month)
    metrics = frame.drop(columns=[ID_COLUMN], errors="ignore").select_dtypes("number")  # text columns describe
    with_data = float(metrics.notna().any(axis=1).mean() * 100) if len(frame) else None
    return {"period": month, "source": SOURCE_ASSETS[asset], "configured": frame.attrs.get("source_configured"),
            "accounts_with_data_pct": with_data, "accounts": len(frame)}


def concat_months(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The months' frames one under another."""
    with warnings.catch_warnings():
        # a column empty in one month (no override, no alert yet) is all-NA there; pandas warns that it will stop
        # ignoring such columns when it chooses the dtype: the months' values are kept either way
        warnings.filterwarnings("ignore", message="The behavior of DataFrame concatenation with empty or all-NA",
                                category=FutureWarning)
        return pd.concat(frames, ignore_index=True)


def _optional(store: AssetStore, asset: str) -> pd.DataFrame | None:
    """Every stored month of an optional asset (or its one unpartitioned value), None when it is absent."""
    months = store.months(asset)
    if months:
        return concat_months([_frame(store.load(asset, month), asset, month).assign(period=month) for month in months])
    if store.has(asset):
        return _frame(store.load(asset), asset, None)
    return None


def load_stored_months(store: AssetStore) -> StoredMonths:
    """Read every scored month (with its owner label), each source's coverage per month and whichever optional assets
    exist."""
    months = store.months(SCORES_ASSET)
    frames = [_month_scores(store, month) for month in months]
    scores = with_owner(concat_months(frames) if frames else pd.DataFrame(columns=[*REQUIRED_SCORE_COLUMNS, "period"]))
    source_rows = [_source_row(store, asset, month) for asset in SOURCE_ASSETS for month in store.months(asset)]
    sources = pd.DataFrame(source_rows, columns=["period", "source", "configured", "accounts_with_data_pct", "accounts"])
    optional = {}
    for data in OPTIONAL_ASSETS:
        frame = _optional(store, data.asset)
        if frame is not None:
            optional[data.asset] = frame
    return StoredMonths(store.location, months, scores, sources, optional)
