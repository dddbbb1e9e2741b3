"""Per-source metric dicts -> one float64 row per mapped account."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from health_pipeline.scoring.catalogue import ID_COLUMN
from health_pipeline.sources.common.values import to_key


def _as_float(value: Any, metric: str, key: str) -> float:
    """A metric value as float (None -> NaN); non-numeric values are a programming error."""
    if value is None:
        return np.nan
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"metric {metric!r} of {key!r} is not numeric: {type(value).__name__}")
    return float(value)


def metrics_frame(
    keys: Sequence[tuple[str, Any]],
    per_key: Mapping[str, Mapping[str, Any]],
    metric_names: Sequence[str],
    default_for_mapped_without_records: Mapping[str, Any],
) -> pd.DataFrame:
    """One row per mapped account, in order: blank key -> all NaN; key without records -> defaults."""
    names = list(metric_names)
    if len(set(names)) != len(names) or ID_COLUMN in names:
        raise ValueError(f"metric_names must be unique and exclude {ID_COLUMN!r}: {names}")
    unknown = set(default_for_mapped_without_records) - set(names)
    if unknown:
        raise ValueError(f"defaults for unknown metrics: {sorted(unknown)}")
    ids: list[str] = []
    rows: list[list[float]] = []
    for account_id, raw_key in keys:
        key = to_key(raw_key)
        if key is None:
            metrics: Mapping[str, Any] = {}
        else:
            metrics = per_key.get(key, default_for_mapped_without_records)
        ids.append(account_id)
        rows.append([_as_float(metrics.get(name), name, str(key)) for name in names])
    values = np.array(rows, dtype="float64").reshape(len(rows), len(names))
    frame = pd.DataFrame(values, columns=names)
    frame.insert(0, ID_COLUMN, pd.Series(ids, dtype="object"))
    return frame


def with_text_columns(frame: pd.DataFrame, values: Mapping[str, Mapping[str, Any]], names: Sequence[str]) -> pd.DataFrame:
    """The frame plus one text column per name, taken from `values` by account ID (None where absent)."""
    out = frame.copy()
    for name in names:
        out[name] = pd.Series([values.get(account, {}).get(name) for account in out[ID_COLUMN]], dtype="object")
    return out


def unmapped_keys(keys: Sequence[tuple[str, Any]], per_key: Mapping[str, Any]) -> list[str]:
    """Source keys that produced metrics but belong to no mapped account (for run metadata)."""
    mapped = {to_key(raw) for _, raw in keys}
    return sorted(key for key in per_key if key not in mapped)
