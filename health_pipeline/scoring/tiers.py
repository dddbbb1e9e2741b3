"""Rule 6: the published (whole-number) health score and its tier."""
from __future__ import annotations

from typing import Any

import numpy as np

from health_pipeline.scoring._values import as_float

NO_DATA = "No Data"
#: (lowest published score, tier), best tier first; anything below the last is "Critical".
TIER_FLOORS: tuple[tuple[int, str], ...] = ((90, "Champion"), (76, "Healthy"), (60, "At Risk"))
LOWEST_TIER = "Critical"
TIERS: tuple[str, ...] = tuple(name for _, name in TIER_FLOORS) + (LOWEST_TIER, NO_DATA)


def publish_array(scores: Any) -> np.ndarray:
    """Round half up to a whole number: ``floor(score + 0.5)`` (NaN stays NaN), as floats."""
    return np.floor(np.asarray(scores, dtype=float) + 0.5)


def tier_array(scores: Any) -> np.ndarray:
    """The tier of every score, decided on the published whole number; NaN -> "No Data".
    Returns an object array of str."""
    published = publish_array(scores)
    conditions = [np.isnan(published)] + [published >= floor for floor, _ in TIER_FLOORS]
    choices = [NO_DATA] + [name for _, name in TIER_FLOORS]
    return np.select(conditions, choices, default=LOWEST_TIER).astype(object)


def publish_score(score: float | None) -> int | None:
    """The published health score of one account: ``floor(score + 0.5)``, None for None."""
    published = float(publish_array(as_float(score)))
    return None if np.isnan(published) else int(published)


def classify_tier(score: float | None) -> str:
    """Champion (>= 90), Healthy (>= 76), At Risk (>= 60) or Critical, after rounding half up;
    "No Data" for None."""
    return str(tier_array(np.array([as_float(score)]))[0])
