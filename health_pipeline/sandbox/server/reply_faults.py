"""The faults that reshape a reply body: a rewritten key, repeated items, padding, and a cursor that loops."""
from __future__ import annotations

import json
from typing import Any

from health_pipeline.sandbox.server.faults import REMOVE, FaultPlan

# the cursor a looping vendor hands out: it points back at the page that carried it
LOOP_CURSOR = "01gL00P000000000000"


def asks_for_loop(path: str, body: bytes) -> bool:
    """True when a request follows the looping cursor (in its path or its body)."""
    return LOOP_CURSOR in path or LOOP_CURSOR.encode() in body


class ReplyReshaper:
    """Applies a FaultPlan's body faults to the JSON replies of one emulator (keeps the previous items)."""

    def __init__(self, faults: FaultPlan) -> None:
        self.faults = faults
        self._previous_items: list[Any] | None = None
        self.looped_reply: Any = None

    def reshape(self, payload: Any) -> Any:
        """The payload with the pending rewrite and the repeated items applied."""
        if not isinstance(payload, dict):
            return payload
        rewrite = self.faults.take_rewrite(payload.keys())
        if rewrite is not None:
            key, value = rewrite
            if value is REMOVE:
                payload.pop(key, None)
            else:
                payload[key] = value
        key = self.faults.repeat_key
        if key and isinstance(payload.get(key), list):
            items = payload[key]
            payload[key] = (self._previous_items if self._previous_items is not None else items) + items
            self._previous_items = items
        return payload

    @staticmethod
    def pad(body: bytes, size: int) -> bytes:
        """`body` followed by whitespace up to `size` bytes (JSON allows trailing whitespace)."""
        return body + b" " * max(0, size - len(body))


def json_payload(body: bytes) -> Any:
    """A reply body as JSON, or None when it is not JSON."""
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
