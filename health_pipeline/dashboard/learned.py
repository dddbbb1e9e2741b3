"""The learned model beside the rules, as the latest score_backtest materialisation recorded it in the instance."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from health_pipeline.dashboard.names import BACKTEST
from health_pipeline.dashboard.store import StoreError

AUC_KEYS = ("learned_model_auc", "rule_auc_same_months")


@dataclass(frozen=True)
class LearnedModel:
    """A logistic regression's out-of-time AUC beside the rule score's on the same months, and the weights it suggests."""

    model_auc: float | None
    rule_auc: float | None
    trained_on: str
    tested_on: str
    suggested_weights_pct: dict[str, float]
    calibration_markdown: str


def _number(value: Any, key: str) -> float | None:
    """A metadata number, None when missing; any other value is a StoreError naming the entry."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise StoreError(f"the score_backtest materialisation's {key} is {value!r}, not a number")
    return float(value)


def learned_from_metadata(metadata: dict[str, Any]) -> LearnedModel | None:
    """The learned model in a score_backtest materialisation's metadata (plain values), None when it has none."""
    if not all(key in metadata for key in AUC_KEYS):
        return None
    weights = metadata.get("learned_suggested_weights_pct") or {}
    if not isinstance(weights, dict):
        raise StoreError(f"the score_backtest materialisation's learned_suggested_weights_pct is {weights!r}, "
                         "not a mapping of input to weight")
    return LearnedModel(
        model_auc=_number(metadata["learned_model_auc"], AUC_KEYS[0]),
        rule_auc=_number(metadata["rule_auc_same_months"], AUC_KEYS[1]),
        trained_on=str(metadata.get("learned_trained_on", "none")), tested_on=str(metadata.get("learned_tested_on", "none")),
        suggested_weights_pct={str(name): _number(share, f"weight of {name}") for name, share in weights.items()},
        calibration_markdown=str(metadata.get("learned_calibration", "")))


def learned_model(home: Path) -> LearnedModel | None:
    """The learned model of the latest score_backtest materialisation in the instance in `home` (None: none yet)."""
    import dagster as dg  # here: the pages that never ask for the learned model start without loading Dagster

    with dg.DagsterInstance.from_config(str(home)) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey(BACKTEST.asset))
    materialization = event.asset_materialization if event is not None else None
    if materialization is None:
        return None
    return learned_from_metadata({key: entry.value for key, entry in materialization.metadata.items()})
