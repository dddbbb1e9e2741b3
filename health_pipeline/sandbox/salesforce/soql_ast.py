"""The syntax tree of the SOQL subset: literals, field references, conditions, ORDER BY terms and the query."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Literal:
    """A value in a condition: kind STRING, NUMBER, DATE, DATETIME, BOOLEAN or NULL."""

    kind: str
    value: Any
    pos: int
    like: str | None = None


@dataclass(frozen=True)
class FieldRef:
    """A field named in the query, with its offset for error messages."""

    name: str
    pos: int


@dataclass(frozen=True)
class Compare:
    """`field op value`."""

    field: FieldRef
    op: str
    value: Literal


@dataclass(frozen=True)
class InList:
    """`field [NOT] IN (values)`."""

    field: FieldRef
    values: tuple[Literal, ...]
    negate: bool


@dataclass(frozen=True)
class Like:
    """`field LIKE 'pattern'`."""

    field: FieldRef
    pattern: Literal


@dataclass(frozen=True)
class BoolOp:
    """`a AND b ...` or `a OR b ...`."""

    op: str
    items: tuple[Any, ...]


@dataclass(frozen=True)
class Not:
    """`NOT condition`."""

    item: Any


@dataclass(frozen=True)
class OrderItem:
    """One ORDER BY term."""

    field: FieldRef
    descending: bool
    nulls_first: bool


@dataclass
class Query:
    """A parsed SELECT."""

    sobject: FieldRef
    fields: list[FieldRef] = field(default_factory=list)
    count: bool = False
    where: Any = None
    order: list[OrderItem] = field(default_factory=list)
    limit: int | None = None
    offset: int = 0
