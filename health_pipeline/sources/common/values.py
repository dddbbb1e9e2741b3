"""Small tolerant converters shared by the extractors (pure, no I/O)."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any


def shorten(value: Any, limit: int = 60) -> str:
    """repr() of a value, truncated so that huge input is never echoed."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"...<{len(text)} chars>"


def to_float(value: Any) -> float | None:
    """A finite float from a number or numeric string; None for null/blank/bool/non-numeric/NaN."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        result = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            result = float(text)
        except ValueError:
            return None
    else:
        return None
    return result if math.isfinite(result) else None


def is_blank(value: Any) -> bool:
    """True for None, NaN and whitespace-only strings."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def to_key(value: Any) -> str | None:
    """A join key as a stripped string (12.0 -> '12'); None when blank."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_sf_date(value: Any) -> date | None:
    """A Salesforce 'YYYY-MM-DD' (or datetime string's date part) as a date; None if null/invalid."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


_JIRA_FORMATS = ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z")


def parse_jira_datetime(value: Any) -> datetime | None:
    """Jira's '2024-03-04T09:00:00.000+0000' as a tz-aware datetime; None if null/invalid."""
    if not isinstance(value, str):
        return None
    for fmt in _JIRA_FORMATS:
        try:
            return datetime.strptime(value.strip(), fmt)
        except ValueError:
            continue
    return None
