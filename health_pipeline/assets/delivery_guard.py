"""The delivery guard's hook: a blocking check on account_health_scores comparing the month with earlier deliveries."""
from __future__ import annotations

from typing import Any

import dagster as dg
import pandas as pd

from health_pipeline.assets.score_checks import CheckOutcome
from health_pipeline.delivery.coverage_guard import Coverage, coverage_of, judge
from health_pipeline.settings.pipeline import DeliveryGuardSettings

CHECK_NAME = "delivery_guard"
DELIVERED = dg.AssetKey("salesforce_health_scores")
# a run tagged with this (value "true") delivers despite a coverage drop; `run --allow-coverage-drop` sets it
OVERRIDE_TAG = "health_pipeline/allow_coverage_drop"


def last_delivered(instance: dg.DagsterInstance, month: str, label: str) -> Coverage | None:
    """The coverage recorded by the latest delivery of `month`, if any."""
    found = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=DELIVERED, asset_partitions=[month]),
                                            limit=1).records
    if not found or found[0].asset_materialization is None:
        return None
    metadata = {key: getattr(value, "value", value) for key, value in found[0].asset_materialization.metadata.items()}
    return Coverage.from_metadata(label, metadata)


def delivery_guard(context: dg.AssetExecutionContext, scores: pd.DataFrame, configured_sources: int,
                   settings: DeliveryGuardSettings) -> CheckOutcome:
    """Refuse (a failed blocking check) a month much emptier than its last delivery or the previous month's."""
    month = context.partition_key
    previous = (pd.Period(month, freq="M") - 1).strftime("%Y-%m")
    baselines = [found for found in (last_delivered(context.instance, month, f"{month} as last delivered"),
                                     last_delivered(context.instance, previous, f"{previous} as delivered"))
                 if found is not None]
    now = coverage_of(scores, month)
    override = context.run.tags.get(OVERRIDE_TAG, "").lower() == "true"
    verdict = judge(now, baselines, configured_sources, settings, override)
    metadata: dict[str, Any] = {"verdict": verdict.sentence(), "mean_coverage_pct": now.mean_coverage_pct,
                                "accounts_with_data": now.accounts_with_data,
                                "compared_with": ", ".join(found.label for found in baselines) or "nothing delivered yet",
                                "overridden": verdict.overridden}
    if verdict.overridden:
        context.log.warning(f"{month}: delivery guard {verdict.sentence()}")
    return CheckOutcome(CHECK_NAME, verdict.passed, "the month is not much emptier than what was delivered before "
                                                    "(override: --allow-coverage-drop)", metadata)
