"""Columnar views of records that the Intercom and Jira query engines filter with numpy masks."""
from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

_COMPARE = {"=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
            ">=": operator.ge}


class Categories:
    """The names a categorical column can take, looked up exactly or case-insensitively."""

    def __init__(self, names: Sequence[str], aliases: dict[str, int] | None = None) -> None:
        self.names = list(names)
        self._exact = {name: code for code, name in enumerate(self.names)}
        self._folded: dict[str, int] = {}
        for name, code in list(self._exact.items()) + list((aliases or {}).items()):
            self._folded.setdefault(name.casefold(), code)

    def code(self, value: str, case_sensitive: bool = True) -> int:
        """The code of `value`, or -1 when no row can hold it."""
        if case_sensitive:
            return self._exact.get(value, -1)
        return self._folded.get(value.casefold(), -1)


@dataclass
class Numeric:
    """Numbers (ints or floats) with an optional mask of present values."""

    values: np.ndarray
    present: np.ndarray | None = None

    def is_null(self) -> np.ndarray:
        """True where the value is missing."""
        if self.present is None:
            return np.zeros(len(self.values), dtype=bool)
        return ~self.present

    def compare(self, op: str, value: float) -> np.ndarray:
        """Rows where `values op value` holds (a missing value never matches)."""
        result = _COMPARE[op](self.values, value)
        return result if self.present is None else result & self.present


@dataclass
class Categorical:
    """Codes into `categories` (-1 = missing)."""

    codes: np.ndarray
    categories: Categories
    case_sensitive: bool = True

    def is_null(self) -> np.ndarray:
        """True where the value is missing."""
        return self.codes < 0

    def isin(self, values: Iterable[str]) -> np.ndarray:
        """Rows whose value is one of `values`."""
        wanted = {self.categories.code(str(v), self.case_sensitive) for v in values} - {-1}
        if not wanted:
            return np.zeros(len(self.codes), dtype=bool)
        if len(wanted) == 1:
            return self.codes == wanted.pop()
        return np.isin(self.codes, np.fromiter(wanted, dtype=np.int64))


@dataclass
class Multi:
    """A multi-valued field (components, labels): positional parts, any of which may match."""

    parts: list[Categorical] = field(default_factory=list)
    size: int = 0

    def is_null(self) -> np.ndarray:
        """True where the field holds no value at all."""
        empty = np.ones(self.size, dtype=bool)
        for part in self.parts:
            empty &= part.is_null()
        return empty

    def isin(self, values: Iterable[str]) -> np.ndarray:
        """Rows holding any of `values`."""
        values = list(values)
        found = np.zeros(self.size, dtype=bool)
        for part in self.parts:
            found |= part.isin(values)
        return found


Column = Numeric | Categorical | Multi


def categorical_from_values(values: Sequence[str | None], case_sensitive: bool = True,
                            aliases: dict[str, str] | None = None) -> Categorical:
    """A categorical column from Python values (None = missing); `aliases` map alt name -> name."""
    names: list[str] = []
    index: dict[str, int] = {}
    codes = np.empty(len(values), dtype=np.int64)
    for row, value in enumerate(values):
        if value is None:
            codes[row] = -1
            continue
        code = index.get(value)
        if code is None:
            code = index[value] = len(names)
            names.append(value)
        codes[row] = code
    alias_codes = {alt: index[name] for alt, name in (aliases or {}).items() if name in index}
    return Categorical(codes, Categories(names, alias_codes), case_sensitive)


def multi_from_lists(lists: Sequence[Sequence[str]], case_sensitive: bool = False) -> Multi:
    """A multi-valued column from per-row lists of strings."""
    width = max((len(items) for items in lists), default=0)
    parts = [categorical_from_values([items[i] if i < len(items) else None for items in lists], case_sensitive)
             for i in range(width)]
    return Multi(parts, len(lists))


def numeric_from_values(values: Sequence[float | None], dtype: type = np.int64) -> Numeric:
    """A numeric column from Python values (None = missing)."""
    present = np.array([v is not None for v in values], dtype=bool)
    filled = np.array([v if v is not None else 0 for v in values], dtype=dtype)
    return Numeric(filled, None if present.all() else present)


class ColumnCache:
    """Searchable columns of a record table, each built on first use by the table's `_build(field)`."""

    def __init__(self) -> None:
        self._columns: dict[str, Column] = {}

    def _build(self, field: str) -> Column | None:
        raise NotImplementedError

    def column(self, field: str) -> Column | None:
        """The column for a search field (None when no record has it), built once."""
        if field not in self._columns:
            built = self._build(field)
            if built is None:
                return None
            self._columns[field] = built
        return self._columns[field]

