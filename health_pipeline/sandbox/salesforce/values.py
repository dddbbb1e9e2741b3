"""Salesforce field values: record Ids, write coercion with Salesforce's error codes, and query comparison keys."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from health_pipeline.sandbox.salesforce.schema import NUMERIC_TYPES, TEXT_TYPES, FieldSpec

_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})?")
_CHECKSUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@dataclass
class WriteError(Exception):
    """One Salesforce DML error: `statusCode`, `message`, `fields`."""

    status_code: str
    message: str
    fields: list[str] = field(default_factory=list)

    def as_result(self) -> dict:
        """The error as sObject Collections and Bulk report it."""
        return {"statusCode": self.status_code, "message": self.message, "fields": list(self.fields)}

    def as_rest(self) -> dict:
        """The error as single-record REST calls report it (400 body entries)."""
        return {"message": self.message, "errorCode": self.status_code, "fields": list(self.fields)}


def to18(id15: str) -> str:
    """The 18-character, case-insensitive-safe form of a 15-character Salesforce Id."""
    suffix = ""
    for chunk in range(3):
        bits = sum(1 << i for i, ch in enumerate(id15[chunk * 5:chunk * 5 + 5]) if "A" <= ch <= "Z")
        suffix += _CHECKSUM[bits]
    return id15 + suffix


def make_id(prefix: str, counter: int) -> str:
    """A new 18-character Id with the object's key prefix."""
    digits = ""
    while counter:
        counter, rest = divmod(counter, 62)
        digits = _BASE62[rest] + digits
    return to18(prefix + "Hp" + digits.rjust(10, "0"))


def normalize_id(value: Any) -> str | None:
    """The 18-character form of a well-formed 15- or 18-character Id, else None."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        return None
    return to18(value[:15])


def parse_date(text: str) -> date | None:
    """A `YYYY-MM-DD` date, or None when malformed."""
    if not isinstance(text, str) or not _DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_datetime(text: str) -> datetime | None:
    """An ISO 8601 timestamp as Salesforce accepts it (no zone means UTC), or None when malformed."""
    found = _DATETIME.fullmatch(text) if isinstance(text, str) else None
    if not found:
        return None
    day, clock, fraction, zone = found.groups()
    zone = "+00:00" if zone in (None, "Z") else (zone if ":" in zone else zone[:3] + ":" + zone[3:])
    try:
        return datetime.fromisoformat(f"{day}T{clock}{fraction or ''}{zone}")
    except ValueError:
        return None


def format_datetime(moment: datetime) -> str:
    """Salesforce's JSON form of a datetime: `2026-10-01T12:00:00.000+0000`."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def coerce(spec: FieldSpec, value: Any, label: str = "") -> Any:
    """The stored form of `value` for `spec`, or a WriteError; strings from CSV are parsed by type."""
    label = label or spec.display_label
    if isinstance(value, str) and value == "" and spec.type != "boolean":
        value = None  # Salesforce stores empty text as null
    if value is None:
        if not spec.nillable:
            raise WriteError("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{spec.name}]", [spec.name])
        return None
    if spec.type in NUMERIC_TYPES:
        return _number(spec, value, label)
    if spec.type == "boolean":
        return _boolean(spec, value, label)
    if spec.type == "date":
        if parse_date(value) is None:
            raise _wrong_type(spec, value, label)
        return value
    if spec.type == "datetime":
        moment = parse_datetime(value)
        if moment is None:
            raise _wrong_type(spec, value, label)
        return format_datetime(moment)
    if not isinstance(value, str):
        raise _wrong_type(spec, value, label)
    if spec.type == "reference":
        return _reference(spec, value, label)
    if spec.picklist and value not in spec.picklist:
        raise WriteError("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                         f"{label}: bad value for restricted picklist field: {value}", [spec.name])
    if spec.length and len(value) > spec.length:
        raise WriteError("STRING_TOO_LONG", f"{label}: data value too large: {value[:80]} (max length={spec.length})",
                         [spec.name])
    return value


def _wrong_type(spec: FieldSpec, value: Any, label: str) -> WriteError:
    return WriteError("INVALID_TYPE_ON_FIELD_IN_RECORD", f"{label}: value not of required type: {value}", [spec.name])


def _number(spec: FieldSpec, value: Any, label: str) -> float | int:
    if isinstance(value, bool):
        raise _wrong_type(spec, value, label)
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise _wrong_type(spec, value, label) from None
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _wrong_type(spec, value, label)
    if spec.precision and abs(value) >= 10 ** (spec.precision - spec.scale):
        raise WriteError("NUMBER_OUTSIDE_VALID_RANGE", f"{label}: value outside of valid range on numeric field: {value}",
                         [spec.name])
    if spec.minimum is not None and value < spec.minimum or spec.maximum is not None and value > spec.maximum:
        raise WriteError("FIELD_CUSTOM_VALIDATION_EXCEPTION",
                         f"{label} must be between {spec.minimum:g} and {spec.maximum:g}", [spec.name])
    return int(value) if spec.type == "int" else round(float(value), spec.scale)


def _boolean(spec: FieldSpec, value: Any, label: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    raise _wrong_type(spec, value, label)


def _reference(spec: FieldSpec, value: str, label: str) -> str:
    normalized = normalize_id(value)
    if normalized is None:
        raise WriteError("MALFORMED_ID", f"{label}: id value of incorrect type: {value}", [spec.name])
    return normalized


def comparable(spec: FieldSpec, value: Any) -> Any:
    """The key SOQL compares and sorts `value` of `spec` by (None stays None)."""
    if value is None:
        return None
    if spec.type in ("id", "reference"):
        return str(value)[:15]
    if spec.type in TEXT_TYPES:
        return str(value).casefold()
    if spec.type in NUMERIC_TYPES:
        return float(value)
    if spec.type == "date":
        return parse_date(value) if isinstance(value, str) else value
    if spec.type == "datetime":
        return parse_datetime(value) if isinstance(value, str) else value
    return value
