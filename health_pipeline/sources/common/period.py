"""The partition month as a half-open UTC window [start, end)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

_LABEL = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    """One calendar month in UTC: start inclusive, end (first instant of next month) exclusive."""

    year: int
    month: int

    def __post_init__(self) -> None:
        for name in ("year", "month"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"Period {name} must be an int, got {type(value).__name__}")
        if not 1 <= self.month <= 12:
            raise ValueError(f"Period month must be 1-12, got {self.month}")
        if not 1 <= self.year <= 9998:
            raise ValueError(f"Period year must be 1-9998, got {self.year}")

    @classmethod
    def parse(cls, label: str) -> "Period":
        """Parse a 'YYYY-MM' label, e.g. Period.parse('2026-10')."""
        if not isinstance(label, str):
            raise ValueError(f"period must be a 'YYYY-MM' string, got {type(label).__name__}")
        match = _LABEL.match(label)
        if match is None:
            shown = label if len(label) <= 40 else label[:40] + "..."
            raise ValueError(f"period must look like 'YYYY-MM' (e.g. '2026-10'), got {shown!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def start_date(self) -> date:
        """First day of the month."""
        return date(self.year, self.month, 1)

    @property
    def end_date(self) -> date:
        """First day of the next month (exclusive end)."""
        if self.month == 12:
            return date(self.year + 1, 1, 1)
        return date(self.year, self.month + 1, 1)

    @property
    def start(self) -> datetime:
        """First instant of the month, tz-aware UTC."""
        d = self.start_date
        return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)

    @property
    def end(self) -> datetime:
        """First instant of the next month, tz-aware UTC (exclusive)."""
        d = self.end_date
        return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)

    @property
    def unix_start(self) -> int:
        """UNIX seconds of `start`."""
        return int(self.start.timestamp())

    @property
    def unix_end(self) -> int:
        """UNIX seconds of `end`."""
        return int(self.end.timestamp())

    @property
    def label(self) -> str:
        """The 'YYYY-MM' label."""
        return f"{self.year:04d}-{self.month:02d}"

    def __str__(self) -> str:
        return self.label
