"""The validated scoring configuration `score_accounts` takes (built by `health_pipeline.settings`)."""
from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from health_pipeline.scoring.normalise import threshold_order_problem


def _positive(value: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{what} must be a positive number, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class Threshold:
    """Green (100), yellow (60) and red (0) values of one metric in one segment, and its direction."""

    green: float
    yellow: float
    red: float
    lower_is_better: bool = False

    def __post_init__(self) -> None:
        problem = threshold_order_problem(self.green, self.yellow, self.red, bool(self.lower_is_better))
        if problem:
            raise ValueError(problem)
        for name in ("green", "yellow", "red"):
            object.__setattr__(self, name, float(getattr(self, name)))
        object.__setattr__(self, "lower_is_better", bool(self.lower_is_better))


@dataclass(frozen=True)
class DimensionConfig:
    """A dimension: its weight in churn risk and its metrics' weights (read-only, in order)."""

    name: str
    weight: float
    metric_weights: Mapping[str, float]

    def __post_init__(self) -> None:
        object.__setattr__(self, "weight", _positive(self.weight, f"weight of dimension {self.name!r}"))
        weights = {m: _positive(w, f"weight of metric {m!r}") for m, w in dict(self.metric_weights).items()}
        if not weights:
            raise ValueError(f"dimension {self.name!r} has no metrics")
        object.__setattr__(self, "metric_weights", MappingProxyType(weights))

    def __hash__(self) -> int:
        return hash((self.name, self.weight, tuple(self.metric_weights.items())))

    def __reduce__(self) -> tuple:  # read-only mappings do not pickle; rebuild from plain dicts
        return (DimensionConfig, (self.name, self.weight, dict(self.metric_weights)))


@dataclass(frozen=True)
class ScoringConfig:
    """Everything the scoring model is parameterised by. Immutable; see `fingerprint`."""

    dimensions: tuple[DimensionConfig, ...]
    thresholds: Mapping[str, Mapping[str, Threshold]]
    churn_weight: float = 0.6
    platform_weight: float = 0.4
    critical_cap: float = 59.0
    moderate_cap: float = 75.0

    def __post_init__(self) -> None:
        dimensions = tuple(self.dimensions)
        object.__setattr__(self, "dimensions", dimensions)
        names = [d.name for d in dimensions]
        if not dimensions or len(set(names)) != len(names):
            raise ValueError(f"dimension names must be present and unique, got {names}")
        metrics = [m for d in dimensions for m in d.metric_weights]
        duplicated = sorted({m for m in metrics if metrics.count(m) > 1})
        if duplicated:
            raise ValueError(f"metrics in more than one dimension: {', '.join(duplicated)}")
        thresholds = {seg: MappingProxyType(dict(by_metric)) for seg, by_metric in dict(self.thresholds).items()}
        if not thresholds:
            raise ValueError("no segment has thresholds")
        for segment, by_metric in thresholds.items():
            if set(by_metric) != set(metrics):
                missing = sorted(set(metrics) - set(by_metric))
                extra = sorted(set(by_metric) - set(metrics))
                raise ValueError(f"segment {segment!r}: thresholds missing for {missing}, unknown metrics {extra}")
            wrong = sorted(m for m, t in by_metric.items() if not isinstance(t, Threshold))
            if wrong:
                raise ValueError(f"segment {segment!r}: not Threshold objects: {wrong}")
        object.__setattr__(self, "thresholds", MappingProxyType(thresholds))
        object.__setattr__(self, "churn_weight", _positive(self.churn_weight, "churn_weight"))
        object.__setattr__(self, "platform_weight", _positive(self.platform_weight, "platform_weight"))
        for cap in ("critical_cap", "moderate_cap"):
            value = getattr(self, cap)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{cap} must be a number, got {value!r}")
            object.__setattr__(self, cap, float(value))

    def __hash__(self) -> int:
        return hash(self.fingerprint())

    def __reduce__(self) -> tuple:  # read-only mappings do not pickle; rebuild from plain dicts
        thresholds = {segment: dict(by_metric) for segment, by_metric in self.thresholds.items()}
        return (ScoringConfig, (self.dimensions, thresholds, self.churn_weight, self.platform_weight,
                                self.critical_cap, self.moderate_cap))

    @property
    def metrics(self) -> tuple[str, ...]:
        """Every metric name, dimension by dimension, in configuration order."""
        return tuple(m for d in self.dimensions for m in d.metric_weights)

    @property
    def segments(self) -> tuple[str, ...]:
        """The segments that have thresholds."""
        return tuple(self.thresholds)

    @property
    def dimension_weights(self) -> dict[str, float]:
        """Dimension name -> weight in churn risk, in configuration order."""
        return {d.name: d.weight for d in self.dimensions}

    def dimension(self, name: str) -> DimensionConfig:
        """The dimension called ``name`` (KeyError if there is none)."""
        for dimension in self.dimensions:
            if dimension.name == name:
                return dimension
        raise KeyError(name)

    def to_dict(self) -> dict:
        """A plain, JSON-serialisable view (dimension and metric order kept, segments sorted)."""
        return {
            "dimensions": [
                {"name": d.name, "weight": d.weight, "metric_weights": [[m, w] for m, w in d.metric_weights.items()]}
                for d in self.dimensions
            ],
            "thresholds": {
                segment: {
                    metric: [t.green, t.yellow, t.red, t.lower_is_better]
                    for metric, t in sorted(self.thresholds[segment].items())
                }
                for segment in sorted(self.thresholds)
            },
            "blend": [self.churn_weight, self.platform_weight],
            "caps": [self.critical_cap, self.moderate_cap],
        }

    def fingerprint(self) -> str:
        """A short, stable hex digest of the whole scoring configuration (16 hex digits of SHA-256).

        Equal configurations give equal fingerprints across processes and machines; any change of
        a weight, threshold, direction, blend or cap changes it. Used as the Dagster code_version.
        """
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
