"""Shape checks of vendor replies and the guard against a looping cursor (pure: no I/O).

A reply in the wrong shape is a SourceError naming the source, the call and what was wrong, never an
AttributeError deep in an accumulator; a cursor the vendor already gave is a SourceError too, never a
loop that calls until the run is killed.
"""
from __future__ import annotations

from typing import Any, Hashable

from health_pipeline.sources.common.errors import SourceError

# bool before int: True is an int in Python, not in JSON
_KINDS = {dict: "an object", list: "a list", str: "a string", bool: "true or false", int: "a whole number",
          float: "a number"}


def kind_of(value: Any) -> str:
    """A JSON value's kind in words, for an error message."""
    if value is None:
        return "null"
    for python_type, words in _KINDS.items():
        if isinstance(value, python_type):
            return words
    return type(value).__name__


def require_object(reply: Any, source: str, call: str) -> dict:
    """The reply itself as a JSON object."""
    if not isinstance(reply, dict):
        raise SourceError(source, call, f"the reply is {kind_of(reply)}, expected an object")
    return reply


def require_key(reply: Any, source: str, call: str, key: str, kind: type) -> Any:
    """`reply[key]`, which must be present and of `kind`."""
    reply = require_object(reply, source, call)
    if key not in reply:
        raise SourceError(source, call, f"the reply has no '{key}'")
    value = reply[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise SourceError(source, call, f"the reply's '{key}' is {kind_of(value)}, expected {_KINDS.get(kind, kind.__name__)}")
    return value


def require_records(reply: Any, source: str, call: str, key: str) -> list[dict]:
    """`reply[key]` as a list whose every item is an object (a record)."""
    items = require_key(reply, source, call, key, list)
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            raise SourceError(source, call, f"item {position} of the reply's '{key}' is {kind_of(item)}, "
                                            f"expected an object")
    return items


def optional_key(reply: dict, source: str, call: str, key: str, kind: type) -> Any:
    """`reply[key]` when present and not null (then it must be of `kind`), else None."""
    if reply.get(key) is None:
        return None
    return require_key(reply, source, call, key, kind)


class CursorGuard:
    """Remembers every cursor of one paged stream and refuses one the vendor already gave."""

    def __init__(self, source: str, call: str) -> None:
        self.source = source
        self.call = call
        self._seen: set[Hashable] = set()

    def check(self, cursor: Hashable) -> Hashable:
        """Return `cursor`, or raise when this stream saw it before (the vendor is looping)."""
        if cursor in self._seen:
            raise SourceError(self.source, self.call, f"the reply repeated a cursor already followed, after "
                                                      f"{len(self._seen)} pages (the vendor is looping)")
        self._seen.add(cursor)
        return cursor
