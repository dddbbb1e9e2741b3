"""Intercom conversations pinned as plain JSON objects (fixtures), viewed as one searchable table."""
from __future__ import annotations

from typing import Any

import numpy as np

from health_pipeline.sandbox.world.columns import Column, ColumnCache, categorical_from_values, numeric_from_values


def _int_or_none(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


class RecordConversationTable(ColumnCache):
    """Conversation objects sorted by (created_at, id), searchable through columns built on first use."""

    key = "fixture"

    def __init__(self, conversations: list[dict]) -> None:
        def order(conv: dict) -> tuple:
            cid = str(conv["id"])
            return conv["created_at"], len(cid), cid  # numeric ids of equal length sort like numbers
        self._records = sorted(conversations, key=order)
        self.created_at = np.array([c["created_at"] for c in self._records], dtype=np.int64)
        super().__init__()
        self._by_id = {str(c["id"]): c for c in self._records}

    def __len__(self) -> int:
        return len(self._records)

    def get(self, conversation_id: str) -> dict | None:
        """A conversation by id."""
        return self._by_id.get(str(conversation_id))

    def _build(self, field: str) -> Column | None:
        recs = self._records
        if field in ("created_at", "updated_at"):
            return numeric_from_values([_int_or_none(c.get(field)) for c in recs])
        if field == "conversation_rating.score":
            ratings = [c.get("conversation_rating") for c in recs]
            return numeric_from_values([_int_or_none(r.get("rating")) if isinstance(r, dict) else None
                                        for r in ratings])
        if field == "company.id":
            companies = [c.get("company") for c in recs]
            return categorical_from_values([str(co["id"]) if isinstance(co, dict) and co.get("id") is not None
                                            else None for co in companies])
        if field in ("id", "state", "priority"):
            return categorical_from_values([None if c.get(field) is None else str(c.get(field)) for c in recs])
        return None

    def records(self, rows: np.ndarray) -> list[dict]:
        """The stored conversation objects of the given rows."""
        return [self._records[i] for i in np.asarray(rows, dtype=np.int64).tolist()]
