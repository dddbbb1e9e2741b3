"""Looker (API 4.0) query bodies and result parsers -> per-account adoption metrics."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any, Iterable

from health_pipeline.sources.common.period import Period
from health_pipeline.sources.common.values import shorten, to_float, to_key

METRICS: tuple[str, ...] = ("dau", "mau", "feature_breadth", "login_frequency", "platform_value")
# The contract defines no zero-default for Looker: an account without rows stays None.
DEFAULTS: dict[str, float] = {}

USER_SESSION_FIELDS = {
    "average_daily_active_users": "dau",
    "monthly_active_users": "mau",
    "logins_per_user": "login_frequency",
}
FEATURE_USAGE_FIELDS = {"feature_breadth_pct": "feature_breadth"}
PILLARS = ("efficiency_score", "revenue_score", "guest_experience_score", "adoption_score")

Problem = tuple[str, str, str]  # (field, account or row, value)


def date_filter(period: Period) -> str:
    """Looker's 'YYYY/MM/DD to YYYY/MM/DD' filter for the month (end exclusive)."""
    return f"{period.start_date:%Y/%m/%d} to {period.end_date:%Y/%m/%d}"


def _query(model: str, view: str, date_field: str, fields: dict[str, str], period: Period) -> dict:
    """One WriteQuery body grouping by account over the month."""
    return {
        "model": model,
        "view": view,
        "fields": [f"{view}.account_id"] + [f"{view}.{name}" for name in fields],
        "filters": {f"{view}.{date_field}": date_filter(period)},
        "limit": "-1",
    }


def platform_query(period: Period, model: str = "alliants", view: str = "platform_metrics") -> dict:
    """The inline WriteQuery body for the month's platform-value pillars (CSV), one row per account."""
    return {
        "model": model,
        "view": view,
        "fields": [f"{view}.account_id", f"{view}.month"] + [f"{view}.{name}" for name in PILLARS],
        "filters": {f"{view}.month": date_filter(period)},
        "limit": "-1",
    }


def adoption_queries(
    period: Period,
    model: str = "alliants",
    user_sessions_view: str = "user_sessions",
    feature_usage_view: str = "feature_usage",
) -> list[dict]:
    """The two inline WriteQuery bodies (user sessions, feature usage) of the data contract."""
    return [
        _query(model, user_sessions_view, "session_date", USER_SESSION_FIELDS, period),
        _query(model, feature_usage_view, "usage_date", FEATURE_USAGE_FIELDS, period),
    ]


def _parse_rows(
    rows: list[dict] | str, view: str, fields: dict[str, str], problems: list[Problem] | None
) -> dict[str, dict[str, float | None]]:
    """Per-account metrics from Looker JSON rows keyed 'view.field' (first row per account wins)."""
    if isinstance(rows, (str, bytes)):
        rows = json.loads(rows)
    if not isinstance(rows, list):
        raise ValueError(f"Looker JSON result must be a list of rows, got {shorten(rows)}")
    sink: list[Problem] = problems if problems is not None else []
    out: dict[str, dict[str, float | None]] = {}
    for row in rows:
        if not isinstance(row, dict):
            raise ValueError(f"Looker JSON row must be an object, got {shorten(row)}")
        if "looker_error" in row:
            raise ValueError(f"Looker query error: {shorten(row['looker_error'], 300)}")
        account = to_key(row.get(f"{view}.account_id"))
        if account is None:
            sink.append((f"{view}.account_id", "?", shorten(row.get(f"{view}.account_id"))))
            continue
        if account in out:
            sink.append((f"{view}.account_id", account, "duplicate row ignored"))
            continue
        metrics: dict[str, float | None] = {}
        for name, metric in fields.items():
            raw = row.get(f"{view}.{name}")
            metrics[metric] = to_float(raw)
            if metrics[metric] is None and raw is not None and not (isinstance(raw, str) and not raw.strip()):
                sink.append((f"{view}.{name}", account, shorten(raw)))
        out[account] = metrics
    return out


def parse_user_sessions(
    rows: list[dict] | str, view: str = "user_sessions", problems: list[Problem] | None = None
) -> dict[str, dict[str, float | None]]:
    """dau, mau, login_frequency per Looker account_id from the user_sessions query result."""
    return _parse_rows(rows, view, USER_SESSION_FIELDS, problems)


def parse_feature_usage(
    rows: list[dict] | str, view: str = "feature_usage", problems: list[Problem] | None = None
) -> dict[str, dict[str, float | None]]:
    """feature_breadth per Looker account_id from the feature_usage query result."""
    return _parse_rows(rows, view, FEATURE_USAGE_FIELDS, problems)


def _norm_header(name: str) -> str:
    """Normalise a CSV header: field name and label ('Platform Metrics Account ID') compare equal."""
    return re.sub(r"[^a-z0-9]+", "_", name.replace("\ufeff", "").strip().lower()).strip("_")


class PlatformLookParser:
    """Streams the platform-value Look's CSV lines, keeping only the period's month."""

    def __init__(self, period: Period, view: str = "platform_metrics") -> None:
        self.period = period
        self.view = view
        self.rows_kept = 0
        self.rows_other_months = 0
        self.problems: list[Problem] = []
        self._columns: dict[str, int] | None = None
        self._values: dict[str, float | None] = {}

    def feed(self, lines: Iterable[str] | str) -> None:
        """Consume CSV text or an iterable of lines (header first); may be called repeatedly."""
        if isinstance(lines, str):
            lines = io.StringIO(lines, newline="")
        for row in csv.reader(lines):
            if not row or all(not cell.strip() for cell in row):
                continue
            if self._columns is None:
                self._columns = self._header(row)
            else:
                self._row(row)

    def _header(self, row: list[str]) -> dict[str, int]:
        positions = {_norm_header(cell): i for i, cell in enumerate(row)}
        wanted = {name: _norm_header(f"{self.view}.{name}") for name in ("account_id", "month", *PILLARS)}
        missing = [f"{self.view}.{name}" for name, norm in wanted.items() if norm not in positions]
        if missing:
            raise ValueError(f"platform-value CSV lacks columns {missing}; header was {shorten(row, 300)}")
        return {name: positions[norm] for name, norm in wanted.items()}

    def _row(self, row: list[str]) -> None:
        cols = self._columns or {}

        def cell(name: str) -> str:
            return row[cols[name]].strip() if cols[name] < len(row) else ""

        month = cell("month")
        if not (month == self.period.label or month.startswith(self.period.label + "-")):
            self.rows_other_months += 1
            return
        account = to_key(cell("account_id"))
        if account is None:
            self.problems.append(("account_id", "?", shorten(row)))
            return
        if account in self._values:
            self.problems.append(("account_id", account, "duplicate row for the month ignored"))
            return
        pillars = []
        for name in PILLARS:
            value = to_float(cell(name))
            if value is None and cell(name):
                self.problems.append((name, account, shorten(cell(name))))
            elif value is not None:
                pillars.append(value)
        self.rows_kept += 1
        self._values[account] = sum(pillars) / len(pillars) if pillars else None

    def result(self) -> dict[str, dict[str, float | None]]:
        """{"platform_value": mean of present pillars or None} per Looker account_id."""
        return {account: {"platform_value": value} for account, value in self._values.items()}


def combine(*parts: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Merge per-account metric dicts from several Looker results into one per account."""
    out: dict[str, dict[str, Any]] = {}
    for part in parts:
        for account, metrics in part.items():
            out.setdefault(account, {}).update(metrics)
    return out
