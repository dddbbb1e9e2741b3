"""Conversions shared by the scalar wrappers: Python scalars <-> float arrays with NaN for missing."""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd


def as_float(value: Any) -> float:
    """`None`, NaN and `pd.NA` -> NaN; anything else -> `float(value)` (so bad types still fail)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return math.nan
    return float(value)


def as_optional(value: Any) -> float | None:
    """The inverse of `as_float` for results: NaN -> `None`, otherwise a plain Python float."""
    value = float(value)
    return None if math.isnan(value) else value


def as_row(values: list[float]) -> np.ndarray:
    """One account's values as a (1, k) float matrix, the shape the array rules take."""
    return np.asarray(values, dtype=float).reshape(1, len(values))


def check_weights(weights: np.ndarray, what: str) -> None:
    """Weights must be a non-empty set of positive, finite numbers."""
    if weights.size == 0:
        raise ValueError(f"{what}: no weights given")
    if not np.all(np.isfinite(weights)) or np.any(weights <= 0):
        raise ValueError(f"{what}: every weight must be a positive number, got {weights.tolist()}")
