"""Jira Cloud bugs (/rest/api/3/search/jql) -> per-account bug metrics, one page at a time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Sequence

from health_pipeline.sources.common.period import Period
from health_pipeline.sources.common.values import parse_jira_datetime, shorten

METRICS: tuple[str, ...] = (
    "open_bugs",
    "reopened_bugs",
    "critical_bugs",
    "avg_resolution_days",
    "bug_trend",
)
# A mapped account with no bugs at all: the three counts 0, the rest None.
DEFAULTS: dict[str, float] = {"open_bugs": 0, "reopened_bugs": 0, "critical_bugs": 0}

JIRA_FIELDS: tuple[str, ...] = ("created", "resolutiondate", "priority", "status", "components", "labels")
MAX_RESULTS = 100
# Jira reads JQL dates in the API user's profile time zone (UTC-12 to UTC+14), so the month's bounds are
# widened by a day and the accumulator keeps only issues inside the exact UTC month: no zone loses a bug,
# and no extra call is needed to learn the user's zone.
JQL_MARGIN_DAYS = 1
CRITICAL_PRIORITIES = frozenset({"Highest", "Critical", "Blocker"})
REOPENED_LABEL = "reopened"
_PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9_]+$")
_CUSTOM_FIELD = re.compile(r"^customfield_\d+$")
LINK_MODES = ("component", "label", "custom_field")


def build_bug_jql(projects: Sequence[str], period: Period, *, margin_days: int = 0) -> str:
    """The month's bug JQL of the data contract over the given project keys.

    JQL dates are read in the Jira user's time zone, not UTC; `margin_days` > 0 widens both date
    bounds by that many days (the accumulator re-filters on exact UTC instants, so widening is safe).
    """
    if isinstance(projects, str) or not projects:
        raise ValueError("projects must be a non-empty list of Jira project keys, e.g. ['APP', 'WEB']")
    keys: list[str] = []
    for key in projects:
        if not isinstance(key, str) or not _PROJECT_KEY.match(key):
            raise ValueError(
                f"invalid Jira project key {shorten(key)}: expected an upper-case key like 'APP' "
                "(a letter, then letters, digits or '_')"
            )
        if key not in keys:
            keys.append(key)
    if not isinstance(margin_days, int) or isinstance(margin_days, bool) or margin_days < 0:
        raise ValueError(f"margin_days must be a non-negative int, got {shorten(margin_days)}")
    start = (period.start_date - timedelta(days=margin_days)).isoformat()
    end = (period.end_date + timedelta(days=margin_days)).isoformat()
    return (
        f"project in ({', '.join(keys)}) AND issuetype = Bug AND created < \"{end}\" "
        f"AND (resolutiondate >= \"{start}\" OR resolution = EMPTY)"
    )


def _as_list(value: Any) -> list:
    """The value if it is a list, else an empty list."""
    return value if isinstance(value, list) else []


def _option_values(value: Any) -> list[str]:
    """Custom-field value(s) as strings: a string, an option {"value": ...}, or a list of those."""
    if isinstance(value, list):
        return [v for item in value for v in _option_values(item)]
    if isinstance(value, dict):
        value = value.get("value", value.get("name"))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    return [value.strip()] if isinstance(value, str) and value.strip() else []


@dataclass(frozen=True)
class JiraLink:
    """How a bug is linked to an account: by component name, label, or a custom field's value."""

    mode: str = "component"
    custom_field_id: str | None = None

    def __post_init__(self) -> None:
        if self.mode not in LINK_MODES:
            raise ValueError(f"JiraLink mode must be one of {LINK_MODES}, got {shorten(self.mode)}")
        if self.mode == "custom_field":
            if not isinstance(self.custom_field_id, str) or not _CUSTOM_FIELD.match(self.custom_field_id):
                raise ValueError(
                    "JiraLink custom_field_id must look like 'customfield_10042', "
                    f"got {shorten(self.custom_field_id)}"
                )
        elif self.custom_field_id is not None:
            raise ValueError("JiraLink custom_field_id is only allowed with mode 'custom_field'")

    def request_fields(self) -> list[str]:
        """The `fields` to request: JIRA_FIELDS plus the custom field when linking by one."""
        return list(JIRA_FIELDS) + ([self.custom_field_id] if self.mode == "custom_field" else [])

    def keys_of(self, fields: dict) -> set[str]:
        """The link values (candidate jira_keys) of one issue's `fields`."""
        if self.mode == "component":
            comps = _as_list(fields.get("components"))
            return {c["name"] for c in comps if isinstance(c, dict) and isinstance(c.get("name"), str)}
        if self.mode == "label":
            return {label for label in _as_list(fields.get("labels")) if isinstance(label, str)}
        return set(_option_values(fields.get(self.custom_field_id)))


class _Account:
    """Running counts of one jira_key."""

    __slots__ = ("open", "reopened", "critical", "created", "resolved", "resolution_days")

    def __init__(self) -> None:
        self.open = self.reopened = self.critical = self.created = self.resolved = 0
        self.resolution_days = 0.0


class JiraBugAccumulator:
    """Streams search/jql issue pages into per-jira_key aggregates (memory ~ keys + distinct ids)."""

    def __init__(self, link: JiraLink, period: Period) -> None:
        self.link = link
        self.period = period
        self.issues_seen = 0  # distinct issue ids
        self.duplicates = 0  # repeated ids across pages, ignored
        self.unlinked = 0  # issues with no link value at all
        self.problems: list[tuple[str, str, str]] = []  # (field, issue id, value) unparseable
        self._seen: set = set()
        self._accounts: dict[str, _Account] = {}

    def add_page(self, issues: list[dict]) -> None:
        """Fold one page (the `issues` list of a search/jql response) into the aggregates."""
        for issue in issues:
            self._add(issue)

    def _add(self, issue: dict) -> None:
        issue_id = issue.get("id")
        if issue_id is not None:
            if issue_id in self._seen:
                self.duplicates += 1
                return
            self._seen.add(issue_id)
        self.issues_seen += 1
        fields = issue.get("fields") or {}
        created = parse_jira_datetime(fields.get("created"))
        if created is None:
            self.problems.append(("created", str(issue_id), shorten(fields.get("created"))))
            return
        resolved = parse_jira_datetime(fields.get("resolutiondate"))
        if resolved is None and fields.get("resolutiondate") is not None:
            self.problems.append(("resolutiondate", str(issue_id), shorten(fields.get("resolutiondate"))))
            return
        keys = self.link.keys_of(fields)
        if not keys:
            self.unlinked += 1
            return
        self._score(keys, fields, created, resolved)

    def _score(self, keys: set[str], fields: dict, created: datetime, resolved: datetime | None) -> None:
        start, end = self.period.start, self.period.end
        is_open = created < end and (resolved is None or resolved >= end)
        labels = {x.casefold() for x in _as_list(fields.get("labels")) if isinstance(x, str)}
        priority_obj = fields.get("priority")
        priority = priority_obj.get("name") if isinstance(priority_obj, dict) else None
        resolved_in_month = resolved is not None and start <= resolved < end
        for key in keys:
            acc = self._accounts.setdefault(key, _Account())
            acc.created += start <= created < end
            if is_open:
                acc.open += 1
                acc.reopened += REOPENED_LABEL in labels
                acc.critical += priority in CRITICAL_PRIORITIES
            if resolved_in_month:
                acc.resolved += 1
                acc.resolution_days += (resolved - created).total_seconds() / 86400.0

    def result(self) -> dict[str, dict[str, float | int | None]]:
        """Metrics per jira_key (link value) seen in any issue."""
        out: dict[str, dict[str, float | int | None]] = {}
        for key, acc in self._accounts.items():
            out[key] = {
                "open_bugs": acc.open,
                "reopened_bugs": acc.reopened,
                "critical_bugs": acc.critical,
                "avg_resolution_days": acc.resolution_days / acc.resolved if acc.resolved else None,
                "bug_trend": (
                    acc.created / max(acc.resolved, 1) if acc.created or acc.resolved else None
                ),
            }
        return out
