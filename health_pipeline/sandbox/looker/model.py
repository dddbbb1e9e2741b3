"""The LookML model `alliants` the Looker emulator serves, and how it runs a query over monthly rows.

The views hold monthly-grain rows, each dated on the first day of its month. A date filter keeps the
months whose first day falls inside it: `"2026/10/01 to 2026/11/01"` (end exclusive) or `"2026-10"`
keep October. When the kept months are several and the month is not a selected dimension, each
measure is the mean over those months of the account's non-null values. Without sorts, rows come
sorted like Looker's default: by the first date dimension descending, else the first measure descending.
"""
from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import mean
from typing import Any, Callable

# Deliberately not a `.../r/err/...` address: looker_sdk fetches documentation for those from the network.
DOCS_URL = "https://cloud.google.com/looker/docs/reference/looker-api/latest"
MODEL = "alliants"
DEFAULT_LIMIT = 5000
_COMPARE = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "=": operator.eq}


@dataclass(frozen=True)
class View:
    """One explore/view: its dimensions (account and date) and its measures."""

    name: str
    date_field: str
    measures: tuple[str, ...]

    @property
    def fields(self) -> tuple[str, ...]:
        """Every field name, without the view prefix."""
        return ("account_id", self.date_field, *self.measures)

    def label(self, name: str) -> str:
        """Looker's column label: view label then field label (`User Sessions Account ID`)."""
        words = " ".join(w.capitalize() for w in f"{self.name}_{name}".split("_"))
        return re.sub(r"\bId\b", "ID", words)


VIEWS = {view.name: view for view in (
    View("user_sessions", "session_date", ("average_daily_active_users", "monthly_active_users", "logins_per_user")),
    View("feature_usage", "usage_date", ("feature_breadth_pct",)),
    View("platform_metrics", "month", ("efficiency_score", "revenue_score", "guest_experience_score",
                                       "adoption_score")),
)}


class LookerError(Exception):
    """An API error in Looker's shape: `{message, documentation_url, errors: [{field, code, message}]}`."""

    def __init__(self, status: int, message: str, errors: list[dict] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"message": message, "documentation_url": DOCS_URL,
                     "errors": [{**e, "documentation_url": DOCS_URL} for e in errors or []]}


class FilterError(ValueError):
    """A filter expression Looker could not apply (reported as a `looker_error` row, as Looker does)."""


def check_query(body: Any) -> tuple[View, list[str]]:
    """The view and the field names (without prefix) of a WriteQuery, or LookerError 404/422."""
    if not isinstance(body, dict) or not body.get("model") or not body.get("view"):
        raise LookerError(422, "Validation Failed", [{"field": "model", "code": "missing_field",
                                                      "message": "model and view are required"}])
    if body["model"] != MODEL or body["view"] not in VIEWS:
        missing = "model" if body["model"] != MODEL else "view"
        raise LookerError(404, "Not found", [{"field": missing, "code": "not_found",
                                              "message": f"{missing} '{body[missing]}' not found in model '{MODEL}'"}])
    view = VIEWS[body["view"]]
    named = {"fields": list(body.get("fields") or []), "filters": list(body.get("filters") or {}),
             "sorts": [str(term).split(" ")[0] for term in body.get("sorts") or []]}
    for where, keys in named.items():
        for key in keys:
            prefix, _, name = str(key).partition(".")
            if prefix != view.name or name not in view.fields:
                raise LookerError(422, "Validation Failed", [{"field": where, "code": "invalid", "message":
                                                              f"Unknown field '{key}' in explore '{MODEL}::{view.name}'"}])
    names = [str(key).partition(".")[2] for key in named["fields"]]
    if not names:
        raise LookerError(422, "Validation Failed", [{"field": "fields", "code": "missing_field",
                                                      "message": "a query needs at least one field"}])
    return view, names


def _day(text: str) -> date:
    """`YYYY/MM/DD`, `YYYY-MM-DD`, `YYYY/MM` or `YYYY-MM` (a month means its first day)."""
    found = re.fullmatch(r"(\d{4})[/-](\d{1,2})(?:[/-](\d{1,2}))?", text.strip())
    if not found:
        raise FilterError(f"invalid date in filter: {text.strip()!r}")
    try:
        return date(int(found[1]), int(found[2]), int(found[3] or 1))
    except ValueError:
        raise FilterError(f"invalid date in filter: {text.strip()!r}") from None


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def date_filter(expression: str) -> Callable[[date], bool]:
    """A test on a month's first day for a Looker date filter expression (comma-separated alternatives)."""
    ranges: list[tuple[date | None, date | None]] = []
    for part in (p.strip() for p in expression.split(",") if p.strip()):
        lower = part.lower()
        if " to " in lower:
            start, end = re.split(r"\s+to\s+", part, maxsplit=1, flags=re.IGNORECASE)
            ranges.append((_day(start), _day(end)))
        elif lower.startswith("before "):
            ranges.append((None, _day(part[7:])))
        elif lower.startswith("after "):
            ranges.append((_day(part[6:]), None))
        elif re.fullmatch(r"\d{4}[/-]\d{1,2}", part):
            ranges.append((_day(part), _next_month(_day(part))))
        else:
            ranges.append((_day(part), _day(part) + timedelta(days=1)))
    if not ranges:
        raise FilterError(f"empty date filter: {expression!r}")
    return lambda day: any((lo is None or day >= lo) and (hi is None or day < hi) for lo, hi in ranges)


def value_filter(expression: str, numeric: bool) -> Callable[[Any], bool]:
    """A test for a string filter (comma-separated values) or a number filter (`>10`, `<=5`, `7`)."""
    parts = [p.strip() for p in str(expression).split(",") if p.strip()]
    if not numeric:
        return lambda value: value is not None and str(value) in parts
    tests = []
    for part in parts:
        found = re.fullmatch(r"(>=|<=|>|<|=)?\s*(-?\d+(?:\.\d+)?)", part)
        if not found:
            raise FilterError(f"invalid number filter: {part!r}")
        tests.append((_COMPARE[found[1] or "="], float(found[2])))
    return lambda value: value is not None and any(compare(float(value), n) for compare, n in tests)


def run_query(body: dict, rows_of: Callable[[str, str], list[dict]], months: list[str],
              limit_override: str | None = None) -> tuple[list[str], list[dict]]:
    """Column names (`view.field`) and result rows of a valid WriteQuery (FilterError on a bad filter)."""
    view, names = check_query(body)
    filters = {key.partition(".")[2]: expr for key, expr in (body.get("filters") or {}).items() if expr not in (None, "")}
    keep_month = date_filter(filters.pop(view.date_field)) if view.date_field in filters else (lambda _: True)
    account_test = value_filter(filters.pop("account_id"), False) if "account_id" in filters else None
    measure_tests = {name: value_filter(expr, True) for name, expr in filters.items()}
    dims = [n for n in names if n not in view.measures]
    groups: dict[tuple, list[dict]] = {}
    for month in (m for m in months if keep_month(_day(m))):
        for row in rows_of(view.name, month):
            if account_test is not None and not account_test(row.get("account_id")):
                continue
            dated = {**row, view.date_field: month if view.date_field == "month" else f"{month}-01"}
            groups.setdefault(tuple(dated.get(d) for d in dims), []).append(dated)
    result = []
    for key, members in groups.items():
        out: dict[str, Any] = dict(zip(dims, key))
        for name in view.measures:
            values = [m[name] for m in members if m.get(name) is not None]
            out[name] = mean(values) if values else None
        if all(test(out[name]) for name, test in measure_tests.items()):
            result.append(out)
    result = _sorted(result, view, names, body.get("sorts") or [])
    limit = str(limit_override if limit_override not in (None, "") else body.get("limit") or DEFAULT_LIMIT)
    if not re.fullmatch(r"-?\d+", limit.strip()):
        raise LookerError(422, "Validation Failed", [{"field": "limit", "code": "invalid",
                                                      "message": f"limit must be an integer, got {limit!r}"}])
    if int(limit) >= 0:
        result = result[:int(limit)]
    return [f"{view.name}.{n}" for n in names], [{f"{view.name}.{n}": row.get(n) for n in names} for row in result]


def _sorted(rows: list[dict], view: View, names: list[str], sorts: list[str]) -> list[dict]:
    """Rows in the requested order, or Looker's default order."""
    if not sorts:
        if view.date_field in names:
            sorts = [f"{view.name}.{view.date_field} desc"]
        elif any(n in view.measures for n in names):
            sorts = [f"{view.name}.{next(n for n in names if n in view.measures)} desc"]
    for term in reversed(sorts):
        name, _, direction = term.partition(" ")
        field = name.partition(".")[2]
        descending = direction.strip().lower() == "desc"
        rows.sort(key=lambda r: (r.get(field) is not None, r.get(field) if r.get(field) is not None else 0),
                  reverse=descending)
    return rows
