"""Loading and validating `weights.yaml` and `thresholds.yaml` into a `ScoringConfig`."""
from __future__ import annotations

import difflib
from pathlib import Path

from health_pipeline.scoring import DIMENSIONS, METRIC_CATALOGUE, SEGMENTS, DimensionConfig, ScoringConfig, Threshold
from health_pipeline.scoring.normalise import threshold_order_problem
from health_pipeline.settings.yaml_file import (
    LineDict,
    Problems,
    check_keys,
    describe,
    is_number,
    read_yaml_mapping,
    sub_mapping,
)

WEIGHTS_FILE = "weights.yaml"
THRESHOLDS_FILE = "thresholds.yaml"


def _unknown_metric(metric: object) -> str:
    close = difflib.get_close_matches(str(metric), list(METRIC_CATALOGUE), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else " (see docs/data-contract.md)"
    return f"unknown metric {metric!r}{hint}"


def _positive(mapping: LineDict, key: str, problems: Problems, path: str, what: str = "weight") -> float | None:
    value = mapping.get(key)
    if is_number(value) and value > 0:
        return float(value)
    problems.add(f"{what} must be a positive number, got {describe(value)}", mapping.lines.get(key), path)
    return None


def _dimension(name: str, spec: LineDict, problems: Problems, named: list[str]) -> DimensionConfig | None:
    path = f"dimensions.{name}"
    check_keys(spec, problems, path, ("weight", "metrics"))
    weight = _positive(spec, "weight", problems, f"{path}.weight") if "weight" in spec else None
    metrics = sub_mapping(spec, "metrics", problems, f"{path}.metrics")
    metric_weights: dict[str, float] = {}
    ok = weight is not None and metrics is not None
    for metric in metrics or {}:
        where = (metrics.lines.get(metric), f"{path}.metrics.{metric}")
        value = _positive(metrics, metric, problems, where[1])
        info = METRIC_CATALOGUE.get(metric) if isinstance(metric, str) else None
        if info is not None:
            named.append(metric)
        if info is None:
            problems.add(_unknown_metric(metric), *where)
        elif info.dimension != name:
            problems.add(f"metric {metric!r} belongs to dimension {info.dimension!r} (docs/data-contract.md)", *where)
        if value is None or info is None or info.dimension != name:
            ok = False
        else:
            metric_weights[metric] = value
    if metrics is not None and not metrics:
        line = metrics.line or spec.lines.get("metrics")
        problems.add("a dimension needs at least one metric", line, f"{path}.metrics")
        ok = False
    return DimensionConfig(name, weight, metric_weights) if ok else None


def parse_weights(
    path: Path, sink: list[str], named: list[str]
) -> tuple[list[DimensionConfig], dict[str, float]] | None:
    """(dimensions, {churn_weight, platform_weight, critical_cap, moderate_cap}) or None if invalid.
    ``named`` receives every known metric the file names, valid or not (for the thresholds' checks)."""
    problems = Problems(WEIGHTS_FILE, sink)
    before = len(sink)
    data = read_yaml_mapping(path, problems)
    if data is None:
        return None
    check_keys(data, problems, "", ("dimensions", "blend", "caps"))
    dimensions: list[DimensionConfig] = []
    specs = sub_mapping(data, "dimensions", problems, "dimensions")
    for name, spec in (specs or {}).items():
        where = (specs.lines[name], f"dimensions.{name}")
        if name not in DIMENSIONS:
            problems.add(f"unknown dimension {name!r} (expected: {', '.join(DIMENSIONS)})", *where)
            metrics = spec.get("metrics") if isinstance(spec, LineDict) else None
            if isinstance(metrics, LineDict):  # its metrics are named: no knock-on threshold problems
                named.extend(m for m in metrics if m in METRIC_CATALOGUE)
        elif not isinstance(spec, LineDict):
            problems.add(f"must be a mapping with weight and metrics, got {describe(spec)}", *where)
        elif (dimension := _dimension(name, spec, problems, named)) is not None:
            dimensions.append(dimension)
    for name in DIMENSIONS:
        if specs is not None and name not in specs:
            problems.add(f"dimension {name!r} is missing", specs.line, "dimensions")
    settings: dict[str, float] = {}
    blend = sub_mapping(data, "blend", problems, "blend")
    if blend is not None and check_keys(blend, problems, "blend", ("churn_weight", "platform_weight")):
        for key in ("churn_weight", "platform_weight"):
            settings[key] = _positive(blend, key, problems, f"blend.{key}")
    caps = sub_mapping(data, "caps", problems, "caps")
    if caps is not None and check_keys(caps, problems, "caps", ("critical", "moderate")):
        for key in ("critical", "moderate"):
            value = caps[key]
            if is_number(value) and 0 <= value <= 100:
                settings[f"{key}_cap"] = float(value)
            else:
                message = f"a cap must be a number from 0 to 100, got {describe(value)}"
                problems.add(message, caps.lines[key], f"caps.{key}")
        if settings.get("critical_cap", 0) >= settings.get("moderate_cap", 101):
            problems.add("the critical cap must be below the moderate cap", caps.line, "caps")
    return (dimensions, settings) if len(sink) == before else None


def _threshold(segment: str, metric: str, spec: object, problems: Problems, line: int | None) -> Threshold | None:
    path = f"{segment}.{metric}"
    if not isinstance(spec, LineDict):
        expected = "a mapping with green, yellow, red and lower_is_better"
        problems.add(f"must be {expected}, got {describe(spec)}", line, path)
        return None
    count = len(problems.sink)
    if not check_keys(spec, problems, path, ("green", "yellow", "red", "lower_is_better")):
        return None
    for key in ("green", "yellow", "red"):
        if not is_number(spec[key]):
            problems.add(f"{key} must be a number, got {describe(spec[key])}", spec.lines[key], f"{path}.{key}")
    lower = spec["lower_is_better"]
    where = (spec.lines["lower_is_better"], f"{path}.lower_is_better")
    if not isinstance(lower, bool):
        problems.add(f"lower_is_better must be true or false, got {describe(lower)}", *where)
    elif metric in METRIC_CATALOGUE and lower != METRIC_CATALOGUE[metric].lower_is_better:
        direction = "lower" if METRIC_CATALOGUE[metric].lower_is_better else "higher"
        problems.add(f"lower_is_better: {str(lower).lower()} contradicts the data contract ({direction} is better)", *where)
    if len(problems.sink) > count:
        return None
    problem = threshold_order_problem(spec["green"], spec["yellow"], spec["red"], lower)
    if problem:
        problems.add(f"metric {metric!r}, segment {segment!r}: {problem}", line, path)
        return None
    return Threshold(spec["green"], spec["yellow"], spec["red"], lower)


def parse_thresholds(
    path: Path, metrics: tuple[str, ...] | None, sink: list[str]
) -> dict[str, dict[str, Threshold]] | None:
    """segment -> metric -> Threshold, or None if invalid. ``metrics``: the metrics weights.yaml
    names (None when it cannot be read: then only the thresholds' own validity is checked)."""
    problems = Problems(THRESHOLDS_FILE, sink)
    before = len(sink)
    data = read_yaml_mapping(path, problems)
    if data is None:
        return None
    thresholds: dict[str, dict[str, Threshold]] = {}
    for segment in data:
        if segment not in SEGMENTS:
            message = f"unknown segment {segment!r} (expected: {', '.join(SEGMENTS)})"
            problems.add(message, data.lines[segment], str(segment))
            continue
        by_metric = sub_mapping(data, segment, problems, segment)
        if by_metric is None:
            continue
        thresholds[segment] = {}
        for metric, spec in by_metric.items():
            line = by_metric.lines[metric]
            if metric not in METRIC_CATALOGUE:
                problems.add(_unknown_metric(metric), line, f"{segment}.{metric}")
            elif metrics is not None and metric not in metrics:
                message = f"metric {metric!r} has thresholds but no weight in {WEIGHTS_FILE}"
                problems.add(message, line, f"{segment}.{metric}")
            elif (threshold := _threshold(segment, metric, spec, problems, line)) is not None:
                thresholds[segment][metric] = threshold
        for metric in metrics or ():
            if metric not in by_metric:
                problems.add(f"metric {metric!r} has no thresholds for segment {segment!r}", by_metric.line, segment)
    for segment in SEGMENTS:
        if segment not in data:
            problems.add(f"segment {segment!r} has no thresholds", data.line, None)
    return thresholds if len(sink) == before else None


def load_scoring_config(config_dir: Path, sink: list[str]) -> ScoringConfig | None:
    """Both scoring files as one `ScoringConfig`, or None after recording every problem in ``sink``."""
    named: list[str] = []
    weights = parse_weights(config_dir / WEIGHTS_FILE, sink, named)
    thresholds = parse_thresholds(config_dir / THRESHOLDS_FILE, tuple(named) or None, sink)
    if weights is None or thresholds is None:
        return None
    dimensions, settings = weights
    return ScoringConfig(tuple(dimensions), thresholds, **settings)
