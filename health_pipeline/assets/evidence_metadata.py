"""What the Dagster UI shows of a backtest: the pooled figures (plotted across runs), the table, and AUC by month."""
from __future__ import annotations

import math
from datetime import date
from typing import Any

import dagster as dg
import pandas as pd

from health_pipeline.evidence.learned import LearnedReport

POOLED_FIGURES = ("n", "churned", "auc", "top_decile_lift", "critical_precision", "critical_recall")
BAR_WIDTH = 40


def _number(value: Any) -> float | int | None:
    """A plain number for metadata, None for a missing one."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(value) if float(value).is_integer() and not isinstance(value, float) else float(value)


def auc_bars(table: pd.DataFrame) -> str:
    """AUC per month as a Markdown table with a text bar: 0.5 is a coin toss, 1.0 a perfect ranking."""
    lines = ["| month | n | churned | AUC | |", "|---|---:|---:|---:|---|"]
    for row in table[table["kind"] == "month"].itertuples():
        auc = _number(row.auc)
        bar = "" if auc is None else "█" * round(auc * BAR_WIDTH)
        lines.append(f"| {row.months} | {row.n} | {row.churned} | {'-' if auc is None else f'{auc:.3f}'} | {bar} |")
    return "\n".join(lines)


def month_span(months: list[str]) -> str:
    """`first..last` of some months, or `none`."""
    return f"{months[0]}..{months[-1]}" if months else "none"


def learned_metadata(report: LearnedReport) -> dict[str, Any]:
    """The learned model's out-of-time figures beside the rule score's, its calibration and suggested weights."""
    return {
        "learned_model_auc": report.model_auc, "rule_auc_same_months": report.rule_auc,
        "learned_trained_on": month_span(report.train_months), "learned_tested_on": month_span(report.test_months),
        "learned_suggested_weights_pct": dg.MetadataValue.json(report.suggested_weights),
        "learned_calibration": dg.MetadataValue.md(report.calibration.to_markdown(index=False, floatfmt=".3f")
                                                   if len(report.calibration) else "not enough churners to learn"),
    }


def backtest_metadata(table: pd.DataFrame, months: list[str], horizon_days: int, as_of: date) -> dict[str, Any]:
    """The backtest's metadata: pooled figures as numbers, the whole table and AUC by month."""
    pooled = table.set_index("months").loc["pooled"]
    return {
        **{f"pooled_{name}": _number(pooled[name]) for name in POOLED_FIGURES},
        "months": f"{month_span(months)} ({len(months)})" if months else "none matured",
        "horizon_days": horizon_days,
        "as_of": as_of.isoformat(),
        "dagster/row_count": len(table),
        "auc_by_month": dg.MetadataValue.md(auc_bars(table)),
        "backtest_table": dg.MetadataValue.md(table.to_markdown(index=False, floatfmt=".3f")),
    }
