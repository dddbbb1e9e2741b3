"""Evaluating parsed JQL over issue tables, ordering the matches and paging them with tokens."""
from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timezone, tzinfo
from typing import Any, Callable, Sequence

import numpy as np

from health_pipeline.sandbox.jira.jql import Bool, Clause, JqlError, Query, parse
from health_pipeline.sandbox.world.columns import Numeric
from health_pipeline.sandbox.world.data import IssueTable, SandboxData


def evaluate(node: Clause | Bool, table: IssueTable) -> np.ndarray:
    """Boolean mask of the table's issues matching a parsed restriction."""
    if isinstance(node, Bool):
        masks = [evaluate(item, table) for item in node.items]
        if node.op == "NOT":
            return ~masks[0]
        return np.logical_and.reduce(masks) if node.op == "AND" else np.logical_or.reduce(masks)
    size = len(table)
    column = table.column(node.field)
    if column is None:  # a field the data does not hold: every issue has it empty
        return np.full(size, node.op == "is", dtype=bool)
    null = column.is_null()
    if node.op in ("is", "is not"):
        return null if node.op == "is" else ~null
    values = list(node.values)
    if node.field == "resolution":  # JQL's `resolution = Unresolved` means no resolution
        values = [None if isinstance(v, str) and v.casefold() == "unresolved" else v for v in values]
    wants_empty = None in values
    concrete = [v for v in values if v is not None]
    if isinstance(column, Numeric):
        numbers = [float(v) for v in concrete if _is_number(v)]
        if node.op in ("=", "!=", "in", "not in"):
            found = np.isin(column.values, numbers) & ~null if numbers else np.zeros(size, dtype=bool)
        else:
            return column.compare(node.op, numbers[0]) if numbers else np.zeros(size, dtype=bool)
    else:
        found = column.isin(str(v) for v in concrete)
    if node.op in ("=", "in"):
        return found | null if wants_empty else found
    return ~found & ~null  # Jira's != and NOT IN never match an empty field


def _is_number(value: Any) -> bool:
    if isinstance(value, (int, float)):
        return True
    try:
        float(value)
        return True
    except (TypeError, ValueError):
        return False


def created_window(node: Clause | Bool | None) -> tuple[int | None, int | None]:
    """A conservative [from, before) window on `created` implied by the restriction."""
    if node is None:
        return None, None
    if isinstance(node, Clause):
        if node.field != "created" or node.op not in ("=", "<", "<=", ">", ">="):
            return None, None
        value = int(node.values[0])
        return {"=": (value, value + 1), "<": (None, value), "<=": (None, value + 1),
                ">": (value + 1, None), ">=": (value, None)}[node.op]
    if node.op == "NOT":
        return None, None
    parts = [created_window(item) for item in node.items]
    starts, ends = [s for s, _ in parts], [e for _, e in parts]
    if node.op == "AND":
        known_starts, known_ends = [s for s in starts if s is not None], [e for e in ends if e is not None]
        return (max(known_starts) if known_starts else None), (min(known_ends) if known_ends else None)
    return (None if None in starts else min(starts)), (None if None in ends else max(ends))


@dataclass
class Matches:
    """Every match of one query, in order: which table and which row."""

    tables: Sequence[IssueTable]
    table_index: np.ndarray
    rows: np.ndarray


def _token(query_hash: str, offset: int, page_number: int) -> str:
    raw = json.dumps({"h": query_hash, "o": offset, "n": page_number}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _position(token: str, query_hash: str) -> tuple[int, int]:
    """The offset and the 0-based page number a token points at."""
    try:
        payload = json.loads(base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()).decode())
        offset, number = payload["o"], payload["n"]
        if payload["h"] != query_hash or not all(isinstance(v, int) and v >= 0 for v in (offset, number)):
            raise ValueError(token)
        return offset, number
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise JqlError("The provided next page token is invalid or expired.") from None


class JiraSearch:
    """Runs JQL over the data's issue tables; keeps the last few match lists for cheap paging."""

    def __init__(self, data: SandboxData, cache_size: int = 8, zone: tzinfo = timezone.utc) -> None:
        self.data = data
        self.zone = zone  # the API user's time zone: JQL dates are read in it
        self._cache: OrderedDict[str, Matches] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def matches(self, jql: str) -> Matches:
        """All matches of a query, ordered (ORDER BY, else created then id)."""
        with self._lock:
            if jql in self._cache:
                self._cache.move_to_end(jql)
                return self._cache[jql]
        query = parse(jql, self.zone)
        found = self._run(query)
        with self._lock:
            self._cache[jql] = found
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return found

    def _run(self, query: Query) -> Matches:
        tables = self.data.jira_tables(*created_window(query.where))
        order = query.order or [("created", True)]
        picked, keys = [], [[] for _ in range(len(order) + 1)]
        for index, table in enumerate(tables):
            rows = np.flatnonzero(evaluate(query.where, table))
            picked.append((np.full(len(rows), index, dtype=np.int32), rows))
            keys[0].append(table.sort_key("id")[rows])  # the final tie-break
            for position, (name, ascending) in enumerate(order, start=1):
                key = table.sort_key("id" if name == "key" else name)[rows]
                keys[position].append(key if ascending else -key)
        if not picked:
            return Matches(tables, np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64))
        table_index = np.concatenate([p[0] for p in picked])
        rows = np.concatenate([p[1] for p in picked])
        columns = [np.concatenate(k) for k in keys]
        ordering = np.lexsort([columns[0]] + columns[:0:-1])  # lexsort's last key is the primary one
        return Matches(tables, table_index[ordering], rows[ordering])

    def page(self, jql: str, token: str | None, page_size: Callable[[int], int], fields: set[str] | None,
             base_url: str) -> tuple[list[dict], str | None]:
        """One page of issues, as many as `page_size(page_number)` says, and the token of the next page (None on
        the last page)."""
        query_hash = hashlib.sha1(jql.encode()).hexdigest()[:12] if isinstance(jql, str) else ""
        found = self.matches(jql)
        offset, number = (0, 0) if token is None else _position(token, query_hash)
        stop = min(offset + page_size(number), len(found.rows))
        page_tables, page_rows = found.table_index[offset:stop], found.rows[offset:stop]
        issues: list[Any] = [None] * len(page_rows)
        ids_only = fields == {"id"}
        for index in np.unique(page_tables).tolist():
            positions = np.flatnonzero(page_tables == index)
            built = found.tables[index].issues(page_rows[positions], fields, base_url)
            for position, issue in zip(positions.tolist(), built):
                issues[position] = {"id": issue["id"]} if ids_only else issue
        return issues, (_token(query_hash, stop, number + 1) if stop < len(found.rows) else None)
