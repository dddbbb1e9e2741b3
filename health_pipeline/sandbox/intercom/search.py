"""Intercom search queries: validation, evaluation over columnar tables, and cursor pagination."""
from __future__ import annotations

import base64
import hashlib
import json
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from health_pipeline.sandbox.intercom.fields import CONVERSATION_OPERATORS, DATE, INTEGER, conversation_field_type
from health_pipeline.sandbox.world.columns import Categorical, Numeric
from health_pipeline.sandbox.world.data import ConversationTable, SandboxData

MAX_PER_PAGE, DEFAULT_PER_PAGE = 150, 20
MAX_NESTING, MAX_FILTERS = 2, 15
DATE_FIELDS = frozenset({"created_at", "updated_at"})
NUMBER_FIELDS = DATE_FIELDS | {"conversation_rating.score"}
STRING_FIELDS = frozenset({"id", "state", "priority", "company.id"})  # company.id: lenient mode only
KNOWN_OPERATORS = frozenset({"=", "!=", "IN", "NIN", "<", ">", "~", "!~", "^", "$"})


class SearchError(ValueError):
    """A search request Intercom would refuse with 400 (`code`, message)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def validate_tree(node: Any, check_filter: Callable[[Any, Any, Any], None], depth: int = 0) -> None:
    """Raise SearchError unless `node` is a query tree Intercom accepts (nesting, group sizes), each single
    filter passing `check_filter(field, operator, value)`."""
    if not isinstance(node, dict):
        raise SearchError("parameter_invalid", "query must be an object")
    if "field" not in node:
        operator, value = node.get("operator"), node.get("value")
        if operator not in ("AND", "OR"):
            raise SearchError("parameter_invalid", f"compound operator must be AND or OR, got {operator!r}")
        if depth >= MAX_NESTING:
            raise SearchError("parameter_invalid", f"query nesting is limited to {MAX_NESTING} levels")
        if not isinstance(value, list) or not value:
            raise SearchError("parameter_invalid", "a compound query needs a non-empty list of filters in value")
        if len(value) > MAX_FILTERS:
            raise SearchError("parameter_invalid", f"at most {MAX_FILTERS} filters are allowed per {operator} group")
        for child in value:
            validate_tree(child, check_filter, depth + 1)
        return
    check_filter(node.get("field"), node.get("operator"), node.get("value"))


def check_in_table(field: Any, operator: Any, value: Any, field_type: Callable[[str], str | None],
                   operators: Callable[[str, str], frozenset[str]], model: str) -> str:
    """The field's type when the 2.15 searchable-field table of `model` accepts the filter; else SearchError."""
    kind = field_type(field) if isinstance(field, str) else None
    if kind is None:
        raise SearchError("parameter_invalid", f"{field!r} is not a searchable {model} field")
    if operator not in KNOWN_OPERATORS:
        raise SearchError("parameter_invalid", f"operator {operator!r} is not a valid operator")
    if operator not in operators(field, kind):
        raise SearchError("parameter_invalid", f"operator {operator} is not supported for {kind} field {field}")
    if operator in ("IN", "NIN"):
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
            raise SearchError("parameter_invalid", f"{operator} needs a list of values for field {field}")
        if len(value) > MAX_FILTERS:
            raise SearchError("parameter_invalid", f"at most {MAX_FILTERS} values are allowed in {operator} "
                                                   f"for field {field}")
    elif kind in (DATE, INTEGER) and _number(value) is None:
        raise SearchError("parameter_invalid", f"field {field} needs a number, got {value!r}")
    return kind


def validate(node: Any, strict: bool = True) -> None:
    """Raise SearchError when a conversation query is not one Intercom 2.15 accepts (strict: only the fields and
    operators of its searchable-field table) or one the sandbox cannot evaluate."""
    def check(field: Any, operator: Any, value: Any) -> None:
        if strict:
            check_in_table(field, operator, value, conversation_field_type,
                           lambda _field, kind: CONVERSATION_OPERATORS[kind], "conversation")
        if field not in NUMBER_FIELDS | STRING_FIELDS:
            problem = "is not searched by the sandbox" if strict else "is not a searchable conversation field"
            raise SearchError("parameter_invalid", f"field {field!r} {problem}")
        if operator not in KNOWN_OPERATORS:
            raise SearchError("parameter_invalid", f"operator {operator!r} is not a valid operator")
        allowed = {"=", "!=", "<", ">"} if field in NUMBER_FIELDS else {"=", "!=", "IN", "NIN"}
        if strict and field in NUMBER_FIELDS:
            allowed |= {"IN", "NIN"}
        if operator not in allowed:
            raise SearchError("parameter_invalid", f"operator {operator} is not supported for field {field}")
        if operator in ("IN", "NIN"):
            if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
                raise SearchError("parameter_invalid", f"{operator} needs a list of values for field {field}")
        elif field in NUMBER_FIELDS and _number(value) is None:
            raise SearchError("parameter_invalid", f"field {field} needs a number, got {value!r}")
    validate_tree(node, check)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def fast_bounds(node: dict) -> tuple[float, float] | None:
    """[lo, hi] (inclusive) when the query only bounds created_at with AND, else None."""
    singles = node["value"] if node.get("operator") == "AND" and "field" not in node else [node]
    lo, hi = -math.inf, math.inf
    for single in singles:
        if single.get("field") != "created_at" or single.get("operator") not in ("<", ">", "="):
            return None
        value = _number(single["value"])
        if single["operator"] in (">", "="):
            lo = max(lo, value)
        if single["operator"] in ("<", "="):
            hi = min(hi, value)
    return lo, hi


def created_bounds(node: dict) -> tuple[float | None, float | None]:
    """A conservative created_at range the query can match, for deciding which months to load."""
    if "field" in node:
        if node["field"] != "created_at" or node["operator"] not in ("<", ">", "="):
            return None, None
        value = _number(node["value"])
        return (value if node["operator"] != "<" else None), (value if node["operator"] != ">" else None)
    parts = [created_bounds(child) for child in node["value"]]
    if node["operator"] == "AND":
        los = [lo for lo, _ in parts if lo is not None]
        his = [hi for _, hi in parts if hi is not None]
        return (max(los) if los else None), (min(his) if his else None)
    los, his = [lo for lo, _ in parts], [hi for _, hi in parts]
    return (None if None in los else min(los)), (None if None in his else max(his))


def evaluate(node: dict, table: ConversationTable) -> np.ndarray:
    """Boolean mask of the table's rows matching a validated query."""
    if "field" not in node:
        masks = [evaluate(child, table) for child in node["value"]]
        return np.logical_and.reduce(masks) if node["operator"] == "AND" else np.logical_or.reduce(masks)
    field, operator, value = node["field"], node["operator"], node["value"]
    column = table.column(field)
    if isinstance(column, Numeric):
        if operator in ("IN", "NIN"):
            wanted = [n for n in map(_number, value) if n is not None]
            found = np.isin(column.values, wanted) & ~column.is_null()
            return found if operator == "IN" else ~found
        number = _number(value)
        if field in DATE_FIELDS and operator in ("<", ">"):
            operator += "="  # Intercom: > and < include equality on conversation dates
        if number is None:
            return np.zeros(len(column.values), dtype=bool) if operator == "=" else ~column.is_null()
        return column.compare(operator, number)
    if isinstance(column, Categorical):
        values = value if operator in ("IN", "NIN") else [value]
        found = column.isin([str(v) for v in values if v is not None])
        if None in values:
            found |= column.is_null()
        return found if operator in ("=", "IN") else ~found
    raise SearchError("parameter_invalid", f"field {field!r} is not searchable in this data")


@dataclass
class Page:
    """One page of a search: the rows to serve and the paging facts."""

    conversations: list[dict]
    total_count: int
    page: int
    total_pages: int
    next_cursor: str | None


def fingerprint(query: Any) -> str:
    """A short stable hash of a query, bound into its cursors."""
    return hashlib.sha1(json.dumps(query, sort_keys=True).encode()).hexdigest()[:12]


def _encode_cursor(payload: dict) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: Any, query_hash: str) -> dict:
    try:
        padded = str(cursor) + "=" * (-len(str(cursor)) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if payload["h"] != query_hash or not isinstance(payload["r"], int) or not isinstance(payload["p"], int):
            raise ValueError("cursor of another query")
        return payload
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
        raise SearchError("parameter_invalid", "starting_after is not a valid cursor for this query") from error


class SearchEngine:
    """Runs validated searches over the data's conversation tables, caching row selections."""

    def __init__(self, data: SandboxData, cache_size: int = 64) -> None:
        self.data = data
        self._selections: OrderedDict[tuple[str, str], range | np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def _select(self, query: dict, query_hash: str, table: ConversationTable) -> range | np.ndarray:
        key = (query_hash, table.key)
        with self._lock:
            if key in self._selections:
                self._selections.move_to_end(key)
                return self._selections[key]
        bounds = fast_bounds(query)
        if bounds is not None:  # created_at window only: a binary search, whatever the month's size
            lo, hi = bounds
            start = int(np.searchsorted(table.created_at, lo, "left")) if lo > -math.inf else 0
            stop = int(np.searchsorted(table.created_at, hi, "right")) if hi < math.inf else len(table.created_at)
            selection: range | np.ndarray = range(start, max(start, stop))
        else:
            selection = np.flatnonzero(evaluate(query, table))
        with self._lock:
            self._selections[key] = selection
            while len(self._selections) > self._cache_size:
                self._selections.popitem(last=False)
        return selection

    def search(self, query: dict, per_page: int, cursor: Any) -> Page:
        """One page of conversations matching `query` after `cursor` (None = first page)."""
        query_hash = fingerprint(query)
        lo, hi = created_bounds(query)
        tables: Sequence[ConversationTable] = self.data.intercom_tables(
            None if lo is None else int(math.floor(lo)), None if hi is None else int(math.ceil(hi)))
        selections = [self._select(query, query_hash, table) for table in tables]
        total = sum(len(s) for s in selections)
        position, page = (0, 0), 1
        if cursor is not None:
            payload = _decode_cursor(cursor, query_hash)
            keys = [table.key for table in tables]
            if payload.get("t") not in keys:
                raise SearchError("parameter_invalid", "starting_after is not a valid cursor for this query")
            index = keys.index(payload["t"])
            selection = selections[index]
            position = (index, _after(selection, payload["r"]))
            page = payload["p"] + 1
        rows: list[dict] = []
        last: tuple[int, int] | None = None
        table_index, offset = position
        while table_index < len(tables) and len(rows) < per_page:
            chosen = selections[table_index][offset: offset + per_page - len(rows)]
            if len(chosen):
                rows += tables[table_index].records(np.asarray(chosen, dtype=np.int64))
                last = (table_index, int(chosen[-1]))
            table_index, offset = table_index + 1, 0
        more = last is not None and _remaining(selections, last) > 0
        next_cursor = _encode_cursor({"t": tables[last[0]].key, "r": last[1], "p": page, "h": query_hash}) \
            if more and last is not None else None
        return Page(rows, total, page, math.ceil(total / per_page), next_cursor)


def _after(selection: range | np.ndarray, row: int) -> int:
    """Offset into a selection of the first row after `row`."""
    if isinstance(selection, range):
        return min(len(selection), max(0, row + 1 - selection.start))
    return int(np.searchsorted(selection, row, "right"))


def _remaining(selections: list, last: tuple[int, int]) -> int:
    table_index, row = last
    here = len(selections[table_index]) - _after(selections[table_index], row)
    return here + sum(len(s) for s in selections[table_index + 1:])
