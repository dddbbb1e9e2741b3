"""Month arithmetic and timestamp formats shared by the synthetic world and the emulators."""
from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timezone

import numpy as np

FIRST_YEAR = 2024  # month ordinal 0 is 2024-01
_LABEL = re.compile(r"^(\d{4})-(\d{2})$")


def month_ordinal(label: str) -> int:
    """Months since 2024-01 of a 'YYYY-MM' label (negative before)."""
    match = _LABEL.match(label) if isinstance(label, str) else None
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"month must look like 'YYYY-MM', got {label!r}")
    return (int(match.group(1)) - FIRST_YEAR) * 12 + int(match.group(2)) - 1


def month_label(ordinal: int) -> str:
    """The 'YYYY-MM' label of a month ordinal."""
    year, month0 = divmod(int(ordinal), 12)
    return f"{FIRST_YEAR + year:04d}-{month0 + 1:02d}"


def month_start(ordinal: int) -> int:
    """UNIX seconds of the first instant of the month."""
    year, month0 = divmod(int(ordinal), 12)
    return calendar.timegm((FIRST_YEAR + year, month0 + 1, 1, 0, 0, 0))


def month_end(ordinal: int) -> int:
    """UNIX seconds of the first instant of the next month (exclusive end)."""
    return month_start(int(ordinal) + 1)


def month_of(ts: int) -> int:
    """The month ordinal containing UNIX time `ts`."""
    moment = datetime.fromtimestamp(int(ts), tz=timezone.utc)
    return (moment.year - FIRST_YEAR) * 12 + moment.month - 1


def current_month() -> int:
    """The ordinal of the current UTC month."""
    today = datetime.now(timezone.utc)
    return (today.year - FIRST_YEAR) * 12 + today.month - 1


def unix_of_date(day: date) -> int:
    """UNIX seconds of a date's midnight UTC."""
    return calendar.timegm((day.year, day.month, day.day, 0, 0, 0))


def date_of(ts: int) -> date:
    """The UTC date of UNIX time `ts`."""
    return datetime.fromtimestamp(int(ts), tz=timezone.utc).date()


def jira_time(ts: int) -> str:
    """Jira's and Salesforce's datetime format, e.g. '2024-03-04T09:00:00.000+0000'."""
    return datetime.fromtimestamp(int(ts), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def jira_times(values: np.ndarray) -> list[str | None]:
    """`jira_time` over an int64 array where negative means null."""
    return [jira_time(v) if v >= 0 else None for v in values.tolist()]
