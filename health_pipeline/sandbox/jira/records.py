"""Jira issues pinned as plain JSON objects (fixtures), viewed as one searchable table."""
from __future__ import annotations

import calendar
from datetime import datetime
from typing import Any

import numpy as np

from health_pipeline.sandbox.world.columns import (
    Column,
    ColumnCache,
    Numeric,
    categorical_from_values,
    multi_from_lists,
    numeric_from_values,
)
from health_pipeline.sandbox.world.jira_json import select_fields

_CATEGORY_NAMES = {"To Do": "new", "In Progress": "indeterminate", "Done": "done"}


def jira_timestamp(value: Any) -> int | None:
    """UNIX seconds of a Jira datetime string such as '2024-03-04T09:00:00.000+0000' (None if absent)."""
    if not isinstance(value, str):
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            moment = datetime.strptime(value.strip(), fmt)
            return calendar.timegm(moment.utctimetuple())
        except ValueError:
            continue
    raise ValueError(f"not a Jira datetime: {value!r}")


def _name(value: Any, key: str = "name") -> str | None:
    if isinstance(value, dict):
        value = value.get(key)
    return None if value is None else str(value)


def _option(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("value", value.get("name"))
    return None if value is None else str(value)


class RecordIssueTable(ColumnCache):
    """Issue objects in file order, searchable through columns built on first use."""

    key = "fixture"

    def __init__(self, issues: list[dict]) -> None:
        self._issues = issues
        self._fields = [issue.get("fields") or {} for issue in issues]
        super().__init__()

    def __len__(self) -> int:
        return len(self._issues)

    def _build(self, field: str) -> Column | None:
        fs = self._fields
        if field in ("created", "updated", "resolutiondate"):
            return numeric_from_values([jira_timestamp(f.get(field)) for f in fs])
        if field == "id":
            return numeric_from_values([int(issue["id"]) for issue in self._issues])
        if field == "project":
            aliases = {}
            for f in fs:
                project = f.get("project") or {}
                for alt in ("name", "id"):
                    if project.get(alt) is not None and project.get("key") is not None:
                        aliases[str(project[alt])] = str(project["key"])
            return categorical_from_values([_name(f.get("project"), "key") for f in fs], False, aliases)
        if field in ("issuetype", "priority", "status", "resolution"):
            return categorical_from_values([_name(f.get(field)) for f in fs], False)
        if field == "statusCategory":
            keys = [_name((f.get("status") or {}).get("statusCategory"), "key") for f in fs]
            return categorical_from_values(keys, False, _CATEGORY_NAMES)
        if field == "component":
            return multi_from_lists([[c["name"] for c in f.get("components") or [] if isinstance(c, dict)
                                      and c.get("name")] for f in fs])
        if field == "labels":
            return multi_from_lists([[str(x) for x in f.get("labels") or []] for f in fs])
        if field.startswith("customfield_"):
            if not any(field in f for f in fs):
                return None
            return categorical_from_values([_option(f.get(field)) for f in fs], False)
        return None

    def sort_key(self, field: str) -> np.ndarray:
        """Float keys to order by (NaN = empty)."""
        if field == "priority":
            ids = [(f.get("priority") or {}).get("id") for f in self._fields]
            return -np.array([float(i) if i is not None else np.nan for i in ids])  # DESC = Highest first
        column = self.column(field)
        if isinstance(column, Numeric):
            values = column.values.astype(float)
            return np.where(column.is_null(), np.nan, values)
        return self.column("id").values.astype(float)

    def issues(self, rows: np.ndarray, fields: set[str] | None, base_url: str) -> list[dict]:
        """The stored issues of the rows, with only the requested fields."""
        out = []
        for row in np.asarray(rows, dtype=np.int64).tolist():
            issue = self._issues[row]
            out.append({"expand": issue.get("expand", "operations,versionedRepresentations,editmeta,changelog"),
                        "id": str(issue["id"]),
                        "self": issue.get("self") or f"{base_url}/rest/api/3/issue/{issue['id']}",
                        "key": issue.get("key"), "fields": select_fields(fields, dict(self._fields[row]))})
        return out
