"""Loading and validating `plays.yaml`: which plays raise alerts, their severity, due time, action and parameters,
and the feedback check's limits."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from health_pipeline.actions.plays import ROUTES, RULES, SEVERITIES, Play
from health_pipeline.settings.yaml_file import (
    LineDict,
    Problems,
    check_keys,
    describe,
    is_number,
    read_yaml_mapping,
    sub_mapping,
)
from health_pipeline.sources.salesforce.soql import validate_salesforce_id

PLAYS_FILE = "plays.yaml"
PLAY_KEYS = ("severity", "due_days", "action")
PLAY_OPTIONAL = ("enabled", "route")


@dataclass(frozen=True)
class FeedbackSettings:
    """When the feedback check warns: a play's inaccurate share above the limit, given enough responses."""

    max_inaccurate_share: float = 0.3
    min_responses: int = 5


@dataclass(frozen=True)
class PlaysConfig:
    """Every built-in play as configured, the feedback check's limits, and who gets data-team alerts."""

    plays: tuple[Play, ...]
    feedback: FeedbackSettings = FeedbackSettings()
    data_team_owner_id: str | None = None


def _whole(value: Any, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _parse_feedback(data: LineDict, problems: Problems) -> FeedbackSettings | None:
    mapping = sub_mapping(data, "feedback", problems, "feedback")
    if mapping is None or not check_keys(mapping, problems, "feedback", ("max_inaccurate_share", "min_responses")):
        return None
    share, responses = mapping["max_inaccurate_share"], mapping["min_responses"]
    ok = True
    if not (is_number(share) and 0 <= share <= 1):
        problems.add(f"must be a number from 0 to 1, got {describe(share)}", mapping.lines["max_inaccurate_share"],
                     "feedback.max_inaccurate_share")
        ok = False
    if not _whole(responses, 1):
        problems.add(f"must be a whole number of at least 1, got {describe(responses)}",
                     mapping.lines["min_responses"], "feedback.min_responses")
        ok = False
    return FeedbackSettings(float(share), responses) if ok else None


def _parse_play(name: str, mapping: LineDict, problems: Problems) -> Play | None:
    path = f"plays.{name}"
    parameters = RULES[name][1]
    if not check_keys(mapping, problems, path, PLAY_KEYS, PLAY_OPTIONAL + tuple(parameters)):
        return None
    before = len(problems.sink)

    def bad(key: str, expected: str) -> None:
        problems.add(f"must be {expected}, got {describe(mapping[key])}", mapping.lines[key], f"{path}.{key}")

    if mapping["severity"] not in SEVERITIES:
        bad("severity", f"one of {', '.join(SEVERITIES)}")
    if not _whole(mapping["due_days"], 0):
        bad("due_days", "a whole number of days of at least 0")
    if not (isinstance(mapping["action"], str) and mapping["action"].strip()):
        bad("action", "a non-empty text")
    if "enabled" in mapping and not isinstance(mapping["enabled"], bool):
        bad("enabled", "true or false")
    if "route" in mapping and mapping["route"] not in ROUTES:
        bad("route", f"one of {', '.join(ROUTES)}")
    params = {}
    for key, parameter in parameters.items():
        value = mapping.get(key, parameter.default)
        if not (is_number(value) and parameter.low <= value <= parameter.high):
            bad(key, f"a number from {parameter.low:g} to {parameter.high:g} ({parameter.meaning})")
        else:
            params[key] = float(value)
    if len(problems.sink) != before:
        return None
    return Play(name=name, severity=mapping["severity"], due_days=mapping["due_days"],
                action=mapping["action"].strip(), route=mapping.get("route", "account_owner"),
                enabled=mapping.get("enabled", True), params=params)


def _parse_owner(data: LineDict, problems: Problems) -> str | None:
    owner = data.get("data_team_owner_id")
    if owner is None:
        return None
    try:
        return validate_salesforce_id(owner)
    except ValueError as error:
        problems.add(f"must be a Salesforce User Id or empty: {error}", data.lines.get("data_team_owner_id"),
                     "data_team_owner_id")
        return None


def parse_plays(path: Path, sink: list[str]) -> PlaysConfig | None:
    """`plays.yaml` as `PlaysConfig`, or None after recording every problem in ``sink``."""
    problems = Problems(PLAYS_FILE, sink)
    before = len(sink)
    data = read_yaml_mapping(path, problems)
    if data is None:
        return None
    check_keys(data, problems, "", ("feedback", "plays"), ("data_team_owner_id",))
    feedback = _parse_feedback(data, problems)
    owner = _parse_owner(data, problems)
    section = sub_mapping(data, "plays", problems, "plays")
    plays = []
    if section is not None:
        for name in section:
            if name not in RULES:
                problems.add(f"unknown play {name!r} (built-in plays: {', '.join(RULES)})", section.lines.get(name),
                             "plays")
            elif isinstance(section[name], LineDict):
                plays.append(_parse_play(name, section[name], problems))
            else:
                problems.add(f"must be a mapping, got {describe(section[name])}", section.lines.get(name),
                             f"plays.{name}")
        for name in RULES:
            if name not in section:
                problems.add(f"missing play {name!r} (switch a play off with `enabled: false`)", section.line,
                             "plays")
    if len(sink) != before or feedback is None or section is None:
        return None
    ordered = sorted(plays, key=lambda play: list(RULES).index(play.name))
    return PlaysConfig(plays=tuple(ordered), feedback=feedback, data_team_owner_id=owner)
