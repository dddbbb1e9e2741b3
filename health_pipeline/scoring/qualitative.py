"""Rule 5: active churn signals cap the score (caps only ever lower it)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from health_pipeline.scoring._values import as_float, as_optional

#: `cap_array` codes -> `modifier_applied` values.
MODIFIERS: tuple[str | None, ...] = (None, "critical", "moderate")
NO_CAP, CRITICAL, MODERATE = 0, 1, 2


@dataclass(frozen=True)
class QualitativeResult:
    """The score after the caps (None stays None) and which cap applied (None, "critical", "moderate")."""

    final_score: float | None
    modifier_applied: str | None


def cap_array(
    scores: Any, critical: Any, moderate: Any, critical_cap: float = 59, moderate_cap: float = 75
) -> tuple[np.ndarray, np.ndarray]:
    """Per account: ``(final_score, modifier code)`` (codes index `MODIFIERS`).

    ``critical >= 1`` and ``score > critical_cap`` -> critical_cap, "critical"; else ``moderate >= 1``
    and ``score > moderate_cap`` -> moderate_cap, "moderate"; otherwise unchanged. Missing signal
    counts (NaN) mean no signal; a missing score stays missing.
    """
    score = np.asarray(scores, dtype=float)
    critical_hit = (np.nan_to_num(np.asarray(critical, dtype=float)) >= 1) & (score > critical_cap)
    moderate_hit = ~critical_hit & (np.nan_to_num(np.asarray(moderate, dtype=float)) >= 1) & (score > moderate_cap)
    final = np.where(critical_hit, float(critical_cap), np.where(moderate_hit, float(moderate_cap), score))
    code = np.where(critical_hit, CRITICAL, np.where(moderate_hit, MODERATE, NO_CAP)).astype(np.int8)
    return final, code


def apply_qualitative_modifier(
    score: float | None,
    critical: int | None,
    moderate: int | None,
    critical_cap: float = 59,
    moderate_cap: float = 75,
) -> QualitativeResult:
    """Apply the caps to one account's score (see `cap_array`); None signal counts mean 0."""
    final, code = cap_array(
        np.array([as_float(score)]), np.array([as_float(critical)]), np.array([as_float(moderate)]),
        critical_cap, moderate_cap,
    )
    return QualitativeResult(final_score=as_optional(final[0]), modifier_applied=MODIFIERS[int(code[0])])
