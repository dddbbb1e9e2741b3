"""Column contracts of the source frames: checked as the asset's Dagster type, so a bad frame fails where it is made."""
from __future__ import annotations

from typing import Any, Sequence

import dagster as dg
import pandas as pd

from health_pipeline.scoring.catalogue import ID_COLUMN


def metric_frame_problems(frame: Any, metrics: Sequence[str], texts: Sequence[str] = ()) -> list[str]:
    """Every way `frame` breaks the contract: one unique, non-null account ID per row, float metric columns, and
    text columns (`texts`) holding strings or None."""
    if not isinstance(frame, pd.DataFrame):
        return [f"expected a pandas DataFrame, got {type(frame).__name__}"]
    problems = []
    expected = [ID_COLUMN, *metrics, *texts]
    missing = [name for name in expected if name not in frame.columns]
    extra = [name for name in frame.columns if name not in expected]
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    if extra:
        problems.append(f"unexpected column(s): {', '.join(map(str, extra))}")
    if ID_COLUMN in frame.columns:
        ids = frame[ID_COLUMN]
        if ids.isna().any():
            problems.append(f"{int(ids.isna().sum())} row(s) without a {ID_COLUMN}")
        duplicated = sorted(set(ids[ids.duplicated()].dropna()))
        if duplicated:
            problems.append(f"duplicated account(s): {', '.join(duplicated[:10])}")
    for name in metrics:
        if name in frame.columns and not pd.api.types.is_float_dtype(frame[name]):
            problems.append(f"column {name} has dtype {frame[name].dtype}, expected float64")
    for name in texts:
        if name in frame.columns and not frame[name].map(lambda value: value is None or isinstance(value, str)).all():
            problems.append(f"column {name} holds values that are neither text nor None")
    return problems


def metric_frame_type(name: str, metrics: Sequence[str], texts: Sequence[str] = ()) -> dg.DagsterType:
    """A Dagster type that accepts only a frame meeting the contract for `metrics` (and text columns `texts`)."""

    def check(_context: Any, value: Any) -> dg.TypeCheck:
        problems = metric_frame_problems(value, metrics, texts)
        return dg.TypeCheck(
            success=not problems,
            description="; ".join(problems) if problems else "column contract met",
            metadata={"problems": len(problems)},
        )

    return dg.DagsterType(
        type_check_fn=check,
        name=name,
        description=f"One row per mapped account: {ID_COLUMN}, float columns {', '.join(metrics)}"
                    + (f" and text columns {', '.join(texts)}." if texts else "."),
        typing_type=pd.DataFrame,
    )
