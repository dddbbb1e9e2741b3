"""Loading and validating `pipeline.yaml`: the non-scoring settings (partitions, schedule, checks,
delivery, Looker names). Defaults equal the shipped file, so tests may build these directly."""
from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from health_pipeline.settings.yaml_file import (
    LineDict,
    Problems,
    check_keys,
    describe,
    is_number,
    read_yaml_mapping,
    sub_mapping,
)

PIPELINE_FILE = "pipeline.yaml"


@dataclass(frozen=True)
class PartitionSettings:
    start_month: str = "2025-01"  # first monthly partition, YYYY-MM


@dataclass(frozen=True)
class ScheduleSettings:
    day_of_month: int = 2  # 1-28
    hour_of_day: int = 6  # 0-23
    timezone: str = "UTC"  # IANA name


@dataclass(frozen=True)
class CheckSettings:
    coverage_floor_pct: float = 50.0  # 0-100
    max_share_below_floor: float = 0.25  # 0-1


@dataclass(frozen=True)
class DeliverySettings:
    output_dir: str = "output"  # as written; relative paths are relative to the working directory
    bulk_threshold: int = 2000  # records from which the Bulk API is used
    failure_tolerance: int = 0  # records that may fail to deliver before the run fails
    conflict_policy: str = "skip"  # a record edited in Salesforce since our last write: "skip" or "overwrite"


@dataclass(frozen=True)
class DeliveryGuardSettings:
    max_mean_coverage_drop_pts: float = 20.0  # 0-100: refuse when mean coverage fell by more points than this
    max_share_losing_all_data: float = 0.10  # 0-1: refuse when more than this share of accounts lost all data
    allow_coverage_drop: bool = False  # deliver anyway (the rare intended case)


@dataclass(frozen=True)
class LookerSettings:
    model: str = "alliants"
    user_sessions_view: str = "user_sessions"
    feature_usage_view: str = "feature_usage"
    platform_metrics_view: str = "platform_metrics"
    platform_look_id: str | None = None  # a saved Look whose query gives platform value instead of the view


@dataclass(frozen=True)
class PipelineSettings:
    partitions: PartitionSettings = field(default_factory=PartitionSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    checks: CheckSettings = field(default_factory=CheckSettings)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    delivery_guard: DeliveryGuardSettings = field(default_factory=DeliveryGuardSettings)
    looker: LookerSettings = field(default_factory=LookerSettings)


INVALID = object()  # what a value parser returns for a value it rejects


def _month(value: Any) -> Any:
    return value if isinstance(value, str) and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value) else INVALID


def _integer(low: int, high: float) -> Callable[[Any], Any]:
    def parse(value: Any) -> Any:
        ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
        return value if ok else INVALID
    return parse


def _number(low: float, high: float) -> Callable[[Any], Any]:
    def parse(value: Any) -> Any:
        return float(value) if is_number(value) and low <= value <= high else INVALID
    return parse


def _text(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a Look id may be written as a number
    return value if isinstance(value, str) and value.strip() else INVALID


def _flag(value: Any) -> Any:
    return value if isinstance(value, bool) else INVALID


def _timezone(value: Any) -> Any:
    try:
        zoneinfo.ZoneInfo(value)
    except (TypeError, ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return INVALID
    return value


def _policy(value: Any) -> Any:
    return value if value in ("skip", "overwrite") else INVALID


def _path(value: Any) -> Any:
    return value if isinstance(value, str) and value.strip() else INVALID


# section -> (settings class, {key: (value parser, what a valid value is)})
SCHEMA: dict[str, tuple[type, dict[str, tuple[Callable[[Any], Any], str]]]] = {
    "partitions": (PartitionSettings, {"start_month": (_month, 'a month as "YYYY-MM" (quoted)')}),
    "schedule": (ScheduleSettings, {
        "day_of_month": (_integer(1, 28), "a whole number from 1 to 28"),
        "hour_of_day": (_integer(0, 23), "a whole number from 0 to 23"),
        "timezone": (_timezone, 'an IANA time zone name such as "UTC" or "Europe/London"'),
    }),
    "checks": (CheckSettings, {
        "coverage_floor_pct": (_number(0, 100), "a number from 0 to 100"),
        "max_share_below_floor": (_number(0, 1), "a number from 0 to 1"),
    }),
    "delivery": (DeliverySettings, {
        "output_dir": (_path, "a non-empty path"),
        "bulk_threshold": (_integer(1, float("inf")), "a whole number of at least 1"),
        "failure_tolerance": (_integer(0, float("inf")), "a whole number of at least 0"),
        "conflict_policy": (_policy, '"skip" (keep hand edits made in Salesforce) or "overwrite"'),
    }),
    "delivery_guard": (DeliveryGuardSettings, {
        "max_mean_coverage_drop_pts": (_number(0, 100), "a number from 0 to 100"),
        "max_share_losing_all_data": (_number(0, 1), "a number from 0 to 1"),
        "allow_coverage_drop": (_flag, "true or false"),
    }),
    "looker": (LookerSettings, {
        key: (_text, "a non-empty string")
        for key in ("model", "user_sessions_view", "feature_usage_view", "platform_metrics_view", "platform_look_id")
    }),
}
# keys a section may leave out (the settings class's default applies)
OPTIONAL_KEYS: dict[str, tuple[str, ...]] = {"looker": ("platform_look_id",), "delivery": ("conflict_policy",)}
# sections a file may leave out (their defaults apply): a file written before the section existed still loads
OPTIONAL_SECTIONS = ("delivery_guard",)


def parse_pipeline(path: Path, sink: list[str]) -> PipelineSettings | None:
    """`pipeline.yaml` as `PipelineSettings`, or None after recording every problem in ``sink``."""
    problems = Problems(PIPELINE_FILE, sink)
    before = len(sink)
    data = read_yaml_mapping(path, problems)
    if data is None:
        return None
    check_keys(data, problems, "", tuple(key for key in SCHEMA if key not in OPTIONAL_SECTIONS), OPTIONAL_SECTIONS)
    sections: dict[str, Any] = {}
    for section, (cls, keys) in SCHEMA.items():
        mapping: LineDict | None = sub_mapping(data, section, problems, section)
        optional = OPTIONAL_KEYS.get(section, ())
        required = tuple(key for key in keys if key not in optional)
        if mapping is None or not check_keys(mapping, problems, section, required, optional):
            continue
        values = {}
        for key, (parse, expected) in keys.items():
            if key not in mapping:
                continue
            parsed = parse(mapping[key])
            if parsed is INVALID:
                message = f"must be {expected}, got {describe(mapping[key])}"
                problems.add(message, mapping.lines[key], f"{section}.{key}")
            else:
                values[key] = parsed
        if len(values) == len([key for key in keys if key in mapping]):
            sections[section] = cls(**values)
    return PipelineSettings(**sections) if len(sink) == before else None
