"""What the UI shows of a scored month: the tier mix (one table, one number per tier, plotted over months), rounded means."""
from __future__ import annotations

from typing import Any

import dagster as dg
import pandas as pd

from health_pipeline.scoring.assemble import tier_counts

TIER_SCHEMA = dg.TableSchema(columns=[
    dg.TableColumn("tier", "string", description="Health tier"),
    dg.TableColumn("accounts", "int", description="Accounts in the tier this month"),
])


def tier_key(tier: str) -> str:
    """The metadata key of one tier's account count: `accounts_at_risk` for "At Risk"."""
    return "accounts_" + tier.lower().replace(" ", "_")


def tier_table(scores: pd.DataFrame) -> dg.TableMetadataValue:
    """Accounts per tier as a table for the UI."""
    rows = [dg.TableRecord({"tier": tier, "accounts": count}) for tier, count in tier_counts(scores).items()]
    return dg.MetadataValue.table(records=rows, schema=TIER_SCHEMA)


def tier_metadata(scores: pd.DataFrame) -> dict[str, Any]:
    """`tier_distribution` as a table and `accounts_<tier>` as integers (plotted by the UI across months)."""
    return {"tier_distribution": tier_table(scores),
            **{tier_key(tier): dg.MetadataValue.int(count) for tier, count in tier_counts(scores).items()}}


def rounded_means(scores: pd.DataFrame) -> dict[str, Any]:
    """Mean health score and coverage to one decimal (what a reader compares), None when nothing was scored."""
    def mean(column: str) -> float | None:
        values = pd.to_numeric(scores[column], errors="coerce").astype(float)
        return round(float(values.mean()), 1) if values.notna().any() else None

    return {"mean_health_score": mean("health_score"), "mean_coverage_pct": mean("coverage_pct")}
