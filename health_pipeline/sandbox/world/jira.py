"""The world's Jira issues: one creation month at a time as compact numpy columns."""
from __future__ import annotations

import numpy as np

from health_pipeline.sandbox.world.accounts import Accounts, Trajectory, ladder
from health_pipeline.sandbox.world.columns import Categorical, Categories, Column, Multi, Numeric
from health_pipeline.sandbox.world.jira_json import (
    CATEGORY_KEYS,
    EXTRA_COMPONENTS,
    ISSUE_TYPES,
    LABELS,
    PRIORITIES,
    PROJECT_NAMES,
    PROJECTS,
    RESOLUTIONS,
    STATUS_CATEGORY,
    STATUSES,
    build_issues,
)
from health_pipeline.sandbox.world.months import month_end, month_label, month_start

JIRA_FIRST_MONTH = -12  # 2023-01: a year of history so 2024-01 starts with a realistic backlog
# Anchors at q = 0, 0.2, 0.5, 0.8, 1 -- paid, then standard.
BUG_RATE = ((6.0, 4.5, 2.8, 1.4, 0.8), (3.5, 2.5, 1.6, 0.8, 0.5))
RESOLUTION_DAYS = ((50, 27, 12.7, 4.2, 2), (65, 36, 18, 6, 3))
CRITICAL_SHARE = ((0.4, 0.25, 0.12, 0.04, 0.01), (0.4, 0.25, 0.12, 0.04, 0.01))
REOPENED_SHARE = ((0.35, 0.2, 0.1, 0.03, 0.01), (0.35, 0.2, 0.1, 0.03, 0.01))
STALE_SHARE = ((0.25, 0.12, 0.05, 0.01, 0.0), (0.25, 0.12, 0.05, 0.01, 0.0))


class MonthIssues:
    """Issues created in one month, sorted by creation time; JSON is built only for served rows."""

    def __init__(self, month: int, cols: dict[str, np.ndarray], first_id: int, first_numbers: np.ndarray,
                 account_keys: Categories, seed: int) -> None:
        self.month = month
        self.key = month_label(month)
        self.cols = cols
        self.account_keys = account_keys
        self.seed = seed
        self.ids = first_id + np.arange(len(cols["created"]), dtype=np.int64)
        # per-project issue numbers: the project's running count before this month + rank inside it
        project = cols["project"]
        rank = np.zeros(len(project), dtype=np.int64)
        for p in range(len(PROJECTS)):
            here = project == p
            rank[here] = np.arange(1, int(here.sum()) + 1)
        self.numbers = first_numbers[project] + rank

    def __len__(self) -> int:
        return len(self.ids)

    def project_counts(self) -> np.ndarray:
        """Issues created this month per project."""
        return np.bincount(self.cols["project"], minlength=len(PROJECTS))

    def column(self, field: str) -> Column | None:
        """The column for a canonical JQL field."""
        c = self.cols
        if field in ("created", "updated", "resolutiondate"):
            values = c[field]
            return Numeric(values, values >= 0)
        if field == "project":
            aliases = {name: i for i, name in enumerate(PROJECT_NAMES)} | {str(10000 + i): i for i in range(3)}
            return Categorical(c["project"], Categories(PROJECTS, aliases), case_sensitive=False)
        if field == "issuetype":
            return Categorical(c["type"], Categories(ISSUE_TYPES, {str(10001 + i): i for i in range(3)}), False)
        if field == "priority":
            return Categorical(c["priority"], Categories(PRIORITIES, {str(i + 1): i for i in range(5)}), False)
        if field == "status":
            return Categorical(c["status"], Categories(STATUSES), False)
        if field == "statusCategory":
            aliases = {"To Do": 0, "In Progress": 1, "Done": 2, "2": 0, "4": 1, "3": 2}
            return Categorical(STATUS_CATEGORY[c["status"]], Categories(CATEGORY_KEYS, aliases), False)
        if field == "resolution":
            return Categorical(c["resolution"], Categories(RESOLUTIONS), False)
        if field == "component":
            accounts = Categorical(c["account"], self.account_keys, False)
            extra = Categorical(c["extra_component"] - 1, Categories(EXTRA_COMPONENTS), False)
            return Multi([accounts, extra], len(self))
        if field == "labels":
            parts = [Categorical(np.where(c["labels"] & (1 << i), 0, -1), Categories([name]), False)
                     for i, name in enumerate(LABELS)]
            return Multi(parts, len(self))
        if field == "customfield_10042":
            return Categorical(c["account"], self.account_keys, False)
        if field == "id":
            return Numeric(self.ids)
        return None

    def sort_key(self, field: str) -> np.ndarray:
        """Float keys to order by (NaN = empty)."""
        if field in ("created", "updated", "resolutiondate"):
            values = self.cols[field].astype(float)
            return np.where(values >= 0, values, np.nan)
        if field == "priority":  # Jira sorts priorities by rank: DESC puts Highest first
            return -self.cols["priority"].astype(float)
        return self.ids.astype(float)

    def issues(self, rows: np.ndarray, fields: set[str] | None, base_url: str) -> list[dict]:
        """Issue objects for the rows with the requested fields."""
        return build_issues(self, rows, fields, base_url)


def generate_issue_month(seed: int, month: int, accounts: Accounts, trajectory: Trajectory,
                         first_id: int, first_numbers: np.ndarray, account_keys: Categories) -> MonthIssues:
    """Draw the issues created in one month (deterministic in (seed, month))."""
    rng = np.random.default_rng([seed, 20, month + 1000])
    n = len(accounts)
    s = trajectory.quality(month)
    live = trajectory.active(month) & accounts.has_jira
    q = np.clip(s + rng.normal(0, 0.03, n), 0, 1)
    bug_counts = rng.poisson(np.where(live, ladder(q, accounts.paid, *BUG_RATE), 0.0))
    other_counts = rng.poisson(np.where(live, 0.3, 0.0))
    ops_counts = rng.poisson(np.where(live, 0.08, 0.0))
    unlinked = rng.poisson(0.03 * bug_counts.sum())
    account = np.concatenate([np.repeat(np.arange(n), bug_counts), np.full(unlinked, -1),
                              np.repeat(np.arange(n), other_counts), np.repeat(np.arange(n), ops_counts)])
    n_bugs = int(bug_counts.sum()) + unlinked
    size = len(account)
    kind = np.concatenate([np.zeros(n_bugs, dtype=np.int8), 1 + rng.integers(0, 2, int(other_counts.sum())),
                           np.zeros(int(ops_counts.sum()), dtype=np.int8)]).astype(np.int8)
    project = np.where(rng.random(size) < 0.65, 0, 1)
    project[n_bugs + int(other_counts.sum()):] = 2
    created = rng.integers(month_start(month), month_end(month), size, dtype=np.int64)
    order = np.argsort(created, kind="stable")
    account, kind, project, created = account[order], kind[order], project[order].astype(np.int8), created[order]

    q_row = np.where(account >= 0, q[np.maximum(account, 0)], 0.6)
    paid = np.where(account >= 0, accounts.paid[np.maximum(account, 0)], False)
    days = ladder(q_row, paid, *RESOLUTION_DAYS, log=True) * np.exp(rng.normal(0, 1.0, size))
    stale = rng.random(size) < ladder(q_row, paid, *STALE_SHARE)
    days = np.where(stale, days + 180 * np.exp(rng.normal(0, 0.6, size)), days)
    resolved = np.where(rng.random(size) < 0.005, -1, created + np.round(days * 86400).astype(np.int64) + 600)
    critical = rng.random(size) < ladder(q_row, paid, *CRITICAL_SHARE)
    priority = np.where(critical, 0, rng.choice([1, 2, 3, 4], size, p=[0.28, 0.47, 0.17, 0.08]))
    reopened = rng.random(size) < ladder(q_row, paid, *REOPENED_SHARE)
    labels = reopened * 1 + (rng.random(size) < 0.5) * 2 + (rng.random(size) < 0.1) * 4
    open_status = np.where(reopened, 3, rng.choice([0, 1, 2], size, p=[0.5, 0.35, 0.15]))
    cols = {
        "account": account.astype(np.int32), "type": kind, "project": project, "created": created,
        "resolutiondate": resolved,
        "updated": np.where(resolved >= 0, resolved, created + 3600) + 120,
        "resolution": np.where(resolved >= 0, rng.choice([0, 1, 2], size, p=[0.85, 0.1, 0.05]), -1).astype(np.int8),
        "status": np.where(resolved >= 0, 4, open_status).astype(np.int8),
        "priority": priority.astype(np.int8),
        "labels": labels.astype(np.int8),
        "extra_component": np.where(rng.random(size) < 0.3, rng.integers(1, 5, size), 0).astype(np.int8),
    }
    return MonthIssues(month, cols, first_id, first_numbers, account_keys, seed)
