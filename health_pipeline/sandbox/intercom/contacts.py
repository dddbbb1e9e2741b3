"""Intercom contact search (API 2.15): validation against the contact table, evaluation over contacts named by id,
cursor pagination."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from health_pipeline.sandbox.intercom.fields import contact_field_type, contact_operators
from health_pipeline.sandbox.intercom.search import (
    SearchError,
    _decode_cursor,
    _encode_cursor,
    _number,
    check_in_table,
    fingerprint,
    validate_tree,
)
from health_pipeline.sandbox.world.data import SandboxData

CONTACT_MAX_PER_PAGE, CONTACT_DEFAULT_PER_PAGE = 150, 50
UNBOUNDED = "the sandbox serves contact searches that name the contacts: bound the query with id = or id IN"


def validate_contact_query(node: Any) -> None:
    """Raise SearchError unless Intercom 2.15's contact search accepts the query."""
    validate_tree(node, lambda field, operator, value: check_in_table(
        field, operator, value, contact_field_type, contact_operators, "contact"))


def _named_ids(node: dict) -> set[str] | None:
    """The contact ids a query can match at most (None: not bounded by id)."""
    if "field" in node:
        if node["field"] == "id" and node["operator"] == "=":
            return {str(node["value"])}
        if node["field"] == "id" and node["operator"] == "IN":
            return {str(v) for v in node["value"]}
        return None
    parts = [_named_ids(child) for child in node["value"]]
    if node["operator"] == "OR":
        return None if any(p is None for p in parts) else set().union(*parts)
    bounded = [p for p in parts if p is not None]
    return set.intersection(*bounded) if bounded else None


def _value_at(record: dict, field: str) -> Any:
    value: Any = record
    for part in field.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _matches(node: dict, contact: dict) -> bool:
    """Whether a contact satisfies a validated query."""
    if "field" not in node:
        found = (_matches(child, contact) for child in node["value"])
        return all(found) if node["operator"] == "AND" else any(found)
    field, operator, wanted = node["field"], node["operator"], node["value"]
    value = _value_at(contact, field)
    if operator in ("IN", "NIN"):
        inside = value is not None and str(value) in {str(v) for v in wanted}
        return inside if operator == "IN" else not inside
    if operator in ("=", "!="):
        same = (value is None and wanted is None) or (value is not None and str(value) == str(wanted))
        return same if operator == "=" else not same
    if operator in ("<", ">", "<=", ">="):
        number, limit = _number(value), _number(wanted)
        if number is None or limit is None:
            return False
        return {"<": number < limit, ">": number > limit, "<=": number <= limit, ">=": number >= limit}[operator]
    text, needle = ("" if value is None else str(value)).casefold(), str(wanted).casefold()
    return {"~": needle in text, "!~": needle not in text, "^": text.startswith(needle),
            "$": text.endswith(needle)}[operator]


@dataclass
class ContactPage:
    """One page of a contact search."""

    contacts: list[dict]
    total_count: int
    page: int
    total_pages: int
    next_cursor: str | None


def search_contacts(data: SandboxData, query: dict, per_page: int, cursor: Any) -> ContactPage:
    """One page of the contacts matching a validated query, in id order, after `cursor` (None = first page)."""
    named = _named_ids(query)
    if named is None:
        raise SearchError("parameter_invalid", UNBOUNDED)
    found = [contact for contact in map(data.intercom_contact, sorted(named))
             if contact is not None and _matches(query, contact)]
    query_hash = fingerprint(query)
    start, page = 0, 1
    if cursor is not None:
        payload = _decode_cursor(cursor, query_hash)
        start, page = payload["r"] + 1, payload["p"] + 1
    rows = found[start:start + per_page]
    last = start + len(rows) - 1
    more = last + 1 < len(found)
    next_cursor = _encode_cursor({"t": "contacts", "r": last, "p": page, "h": query_hash}) if more else None
    return ContactPage(rows, len(found), page, math.ceil(len(found) / per_page), next_cursor)
