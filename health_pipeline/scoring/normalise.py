"""Rule 1: a raw metric value -> 0-100 through its green / yellow / red thresholds.

The formulas live in `normalise_array` (numpy, any shape, scalars too); `normalise_metric` is the
scalar wrapper the scoring model names.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from health_pipeline.scoring._values import as_float, as_optional


def threshold_order_problem(green: float, yellow: float, red: float, lower_is_better: bool) -> str | None:
    """Say what is wrong with a threshold triple, or return None when it is usable.

    Higher is better needs ``green > yellow > red``; lower is better needs ``green < yellow < red``;
    all three must be finite numbers.
    """
    try:
        values = [float(green), float(yellow), float(red)]
    except (TypeError, ValueError):
        return f"thresholds must be numbers, got green={green!r}, yellow={yellow!r}, red={red!r}"
    if not all(math.isfinite(v) for v in values):
        return f"thresholds must be finite numbers, got green={green!r}, yellow={yellow!r}, red={red!r}"
    g, y, r = values
    if lower_is_better and not g < y < r:
        return (
            "thresholds in the wrong order: lower is better needs green < yellow < red, "
            f"got green={green!r}, yellow={yellow!r}, red={red!r}"
        )
    if not lower_is_better and not g > y > r:
        return (
            "thresholds in the wrong order: higher is better needs green > yellow > red, "
            f"got green={green!r}, yellow={yellow!r}, red={red!r}"
        )
    return None


def normalise_array(values: Any, green: float, yellow: float, red: float, lower_is_better: bool = False) -> Any:
    """Normalise every value to 0-100 (NaN stays NaN: missing is never 0).

    Higher is better (``green > yellow > red``):
    ``v >= green`` -> 100; ``yellow <= v < green`` -> ``60 + 40 * (v - yellow) / (green - yellow)``;
    ``red < v < yellow`` -> ``60 * (v - red) / (yellow - red)``; ``v <= red`` -> 0.
    Lower is better is the mirror image, computed by negating values and thresholds (negation and
    subtraction commute exactly in IEEE arithmetic, so this *is* the mirrored formula, bit for bit).
    Raises ValueError naming the thresholds when they are in the wrong order.
    Returns an array of the input's shape (a numpy float for a scalar input).
    """
    problem = threshold_order_problem(green, yellow, red, lower_is_better)
    if problem:
        raise ValueError(problem)
    v = np.asarray(values, dtype=float)
    g, y, r = float(green), float(yellow), float(red)
    if lower_is_better:
        v, g, y, r = -v, -g, -y, -r
    with np.errstate(invalid="ignore", over="ignore"):
        upper_band = 60.0 + 40.0 * (v - y) / (g - y)
        lower_band = 60.0 * (v - r) / (y - r)
        out = np.where(v >= g, 100.0, np.where(v >= y, upper_band, np.where(v > r, lower_band, 0.0)))
    out = np.where(np.isnan(v), np.nan, out)
    return out[()] if out.ndim == 0 else out


def normalise_metric(
    value: Any, green: float, yellow: float, red: float, lower_is_better: bool = False
) -> float | None:
    """One metric value -> 0-100, or None when the value is None / NaN (see `normalise_array`)."""
    return as_optional(normalise_array(as_float(value), green, yellow, red, lower_is_better))
