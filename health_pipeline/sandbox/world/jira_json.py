"""Jira issue JSON (search/jql shape) built from the world's compact columns."""
from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from health_pipeline.sandbox.world.months import jira_times


class IssueMonth(Protocol):
    """What the JSON builder reads of one month of issues (world.jira.MonthIssues)."""

    cols: dict[str, np.ndarray]
    ids: np.ndarray
    numbers: np.ndarray
    account_keys: Any

PROJECTS = ("BUG", "PLAT", "OPS")  # customer bugs live in BUG and PLAT; OPS is internal
PROJECT_NAMES = ("Customer Bugs", "Platform", "Operations")
ISSUE_TYPES = ("Bug", "Story", "Task")
PRIORITIES = ("Highest", "High", "Medium", "Low", "Lowest")
STATUSES = ("To Do", "In Progress", "In Review", "Reopened", "Done")
STATUS_CATEGORY = np.array([0, 1, 1, 0, 2])  # new, indeterminate, done
CATEGORY_KEYS = ("new", "indeterminate", "done")
RESOLUTIONS = ("Done", "Won't Do", "Duplicate")
EXTRA_COMPONENTS = ("API", "Mobile", "Billing", "Integrations")
LABELS = ("reopened", "customer-reported", "regression")
ALL_FIELDS = ("summary", "issuetype", "project", "created", "updated", "resolutiondate", "resolution",
              "priority", "status", "components", "labels", "customfield_10042")
_SUMMARIES = ("Booking calendar shows wrong availability", "Guest app crashes on check-in",
              "Invoice totals off by rounding", "Room status not syncing", "Report export times out",
              "Payment page rejects valid cards", "Housekeeping list missing rooms", "Login loop after SSO")
_CATEGORY_IDS = (2, 4, 3)
_CATEGORY_NAMES = ("To Do", "In Progress", "Done")
_CATEGORY_COLOURS = ("blue-gray", "yellow", "green")


def select_fields(fields: set[str] | None, available: dict) -> dict:
    """Keep only the requested fields (None = all) of a fields dict."""
    if fields is None:
        return available
    return {name: value for name, value in available.items() if name in fields}


def build_issues(table: IssueMonth, rows: np.ndarray, fields: set[str] | None, base_url: str) -> list[dict]:
    """Issue objects `{expand, id, self, key, fields}` for the rows of a creation month."""
    rows = np.asarray(rows, dtype=np.int64)
    c = {name: values[rows].tolist() for name, values in table.cols.items()}
    ids, numbers = table.ids[rows].tolist(), table.numbers[rows].tolist()
    created, updated, resolved = (jira_times(table.cols[name][rows]) for name in ("created", "updated",
                                                                                   "resolutiondate"))
    api = f"{base_url}/rest/api/3"
    keys = table.account_keys.names
    out = []
    for i in range(len(rows)):
        issue_id, project = str(ids[i]), c["project"][i]
        status, priority, resolution = c["status"][i], c["priority"][i], c["resolution"][i]
        category = int(STATUS_CATEGORY[status])
        account, extra = c["account"][i], c["extra_component"][i]
        components = ([{"self": f"{api}/component/{20000 + account}", "id": str(20000 + account),
                        "name": keys[account]}] if account >= 0 else [])
        if extra:
            components.append({"self": f"{api}/component/{10 + extra}", "id": str(10 + extra),
                               "name": EXTRA_COMPONENTS[extra - 1]})
        kind = c["type"][i]
        available = {
            "summary": _SUMMARIES[(ids[i] * 7) % len(_SUMMARIES)],
            "issuetype": {"self": f"{api}/issuetype/{10001 + kind}", "id": str(10001 + kind), "description": "",
                          "name": ISSUE_TYPES[kind], "subtask": False, "hierarchyLevel": 0},
            "project": {"self": f"{api}/project/{10000 + project}", "id": str(10000 + project),
                        "key": PROJECTS[project], "name": PROJECT_NAMES[project], "projectTypeKey": "software",
                        "simplified": False},
            "created": created[i],
            "updated": updated[i],
            "resolutiondate": resolved[i],
            "resolution": None if resolution < 0 else {
                "self": f"{api}/resolution/{10000 + resolution}", "id": str(10000 + resolution),
                "description": "", "name": RESOLUTIONS[resolution]},
            "priority": {"self": f"{api}/priority/{priority + 1}", "name": PRIORITIES[priority],
                         "id": str(priority + 1)},
            "status": {"self": f"{api}/status/{10000 + status}", "description": "", "name": STATUSES[status],
                       "id": str(10000 + status),
                       "statusCategory": {"self": f"{api}/statuscategory/{_CATEGORY_IDS[category]}",
                                          "id": _CATEGORY_IDS[category], "key": CATEGORY_KEYS[category],
                                          "colorName": _CATEGORY_COLOURS[category],
                                          "name": _CATEGORY_NAMES[category]}},
            "components": components,
            "labels": [name for bit, name in enumerate(LABELS) if c["labels"][i] & (1 << bit)],
            "customfield_10042": None if account < 0 else {
                "self": f"{api}/customFieldOption/{30000 + account}", "value": keys[account],
                "id": str(30000 + account)},
        }
        out.append({"expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
                    "id": issue_id, "self": f"{api}/issue/{issue_id}",
                    "key": f"{PROJECTS[project]}-{numbers[i]}", "fields": select_fields(fields, available)})
    return out
