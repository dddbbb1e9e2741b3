"""Intercom conversations (API 2.15) -> per-company support metrics, one page at a time."""

from __future__ import annotations

import math
import statistics
from array import array
from dataclasses import dataclass, field
from typing import AbstractSet, Any, Iterable, Iterator, Mapping, NamedTuple

from health_pipeline.sources.common.period import Period
from health_pipeline.sources.common.values import to_float, to_key
from health_pipeline.sources.intercom.attribution import NO_COMPANIES, Ambiguous, ContactCompanies, attribute

METRICS: tuple[str, ...] = (
    "total_conversations",
    "p1_p2_pct",
    "escalation_pct",
    "median_first_response_seconds",
    "median_resolution_seconds",
    "csat_score",
    "csat_response_rate",
)
# A mapped company with no conversations in the month: 0 conversations, everything else None.
DEFAULTS: dict[str, float] = {"total_conversations": 0}

MAX_PER_PAGE = 150
HIGH_PRIORITIES = frozenset({"P1", "P2"})
ESCALATION_TAG = "escalated"


def window_search(lo: int, hi: int, per_page: int = MAX_PER_PAGE, starting_after: str | None = None) -> dict:
    """Body of POST /conversations/search for conversations created in [lo, hi) (UNIX seconds).

    As in the data contract, the bounds are `created_at > lo - 1 AND created_at < hi`: right whether
    Intercom's `>`/`<` are strict or (as documented for conversations) include equality. With inclusive
    operators a conversation created exactly at `hi` or at `lo - 1` is also served; the accumulator
    drops those outside the month and counts a repeat (two neighbouring slices) once.
    """
    if not isinstance(per_page, int) or isinstance(per_page, bool) or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError(f"per_page must be an int in 1..{MAX_PER_PAGE}, got {per_page!r}")
    return {
        "query": {
            "operator": "AND",
            "value": [
                {"field": "created_at", "operator": ">", "value": int(lo) - 1},
                {"field": "created_at", "operator": "<", "value": int(hi)},
            ],
        },
        "pagination": {"per_page": per_page, "starting_after": starting_after},
    }


def build_conversation_search(
    period: Period, per_page: int = MAX_PER_PAGE, starting_after: str | None = None
) -> dict:
    """Body of POST /conversations/search for conversations created in the period (data contract)."""
    return window_search(period.unix_start, period.unix_end, per_page, starting_after)


@dataclass
class _Company:
    """Running aggregates of one company (durations kept as compact float arrays for medians)."""

    total: int = 0
    high_priority: int = 0
    escalated: int = 0
    first_response: array = field(default_factory=lambda: array("d"))
    resolution: array = field(default_factory=lambda: array("d"))
    rating_sum: float = 0.0
    rated: int = 0
    closed: int = 0
    rated_and_closed: int = 0


class _Contribution(NamedTuple):
    """What one conversation adds to its company's aggregates (all the second pass needs of it)."""

    high_priority: bool
    escalated: bool
    first_response: float | None
    resolution: float | None
    closed: bool
    rating: float | None


def _contribution(conv: dict) -> _Contribution:
    """The metric inputs of one conversation."""
    attributes = conv.get("custom_attributes") or {}
    priority = attributes.get("Priority") if isinstance(attributes, dict) else None
    high = isinstance(priority, str) and priority.strip().upper() in HIGH_PRIORITIES
    escalated = any(n.strip().casefold() == ESCALATION_TAG for n in _tag_names(conv.get("tags")))
    stats = conv.get("statistics") if isinstance(conv.get("statistics"), dict) else {}
    rating_obj = conv.get("conversation_rating")
    rating = to_float(rating_obj.get("rating")) if isinstance(rating_obj, dict) else None
    return _Contribution(high, escalated, to_float(stats.get("time_to_admin_reply")),
                         to_float(stats.get("time_to_first_close")), stats.get("first_close_at") is not None,
                         rating if rating is not None and 1 <= rating <= 5 else None)


class _Waiting:
    """Conversations waiting for their contacts' companies, stored compactly: the contact id (a tuple only when
    several), three floats (NaN: missing) and one byte of flags each; ~110 bytes a conversation."""

    _HIGH, _ESCALATED, _CLOSED = 1, 2, 4

    def __init__(self) -> None:
        self._contacts: list[str | tuple[str, ...]] = []
        self._values = array("d")
        self._flags = bytearray()

    def add(self, contacts: tuple[str, ...], part: _Contribution) -> None:
        """Keep one conversation's contact ids and metric inputs."""
        self._contacts.append(contacts[0] if len(contacts) == 1 else contacts)
        for value in (part.first_response, part.resolution, part.rating):
            self._values.append(math.nan if value is None else value)
        self._flags.append(self._HIGH * part.high_priority + self._ESCALATED * part.escalated
                           + self._CLOSED * part.closed)

    def __iter__(self) -> Iterator[tuple[tuple[str, ...], _Contribution]]:
        for i, contacts in enumerate(self._contacts):
            first_response, resolution, rating = (None if math.isnan(v) else v for v in self._values[3 * i:3 * i + 3])
            flags = self._flags[i]
            yield ((contacts,) if isinstance(contacts, str) else contacts,
                   _Contribution(bool(flags & self._HIGH), bool(flags & self._ESCALATED), first_response, resolution,
                                 bool(flags & self._CLOSED), rating))


def _contact_ids(conv: dict) -> tuple[str, ...]:
    """The ids of the conversation's contacts (`contacts.contacts[].id`)."""
    contacts = conv.get("contacts")
    listed = contacts.get("contacts") if isinstance(contacts, dict) else None
    if not isinstance(listed, list):
        return ()
    ids = (to_key(c.get("id")) for c in listed if isinstance(c, dict))
    return tuple(dict.fromkeys(i for i in ids if i is not None))


def _tag_names(tags: Any) -> Iterable[str]:
    """Tag names from a {"type":"tag.list","tags":[...]} object or a bare list."""
    if isinstance(tags, dict):
        tags = tags.get("tags")
    if not isinstance(tags, list):
        return ()
    names = (t.get("name") if isinstance(t, dict) else t for t in tags)
    return [n for n in names if isinstance(n, str)]


def _median(values: array) -> float | None:
    """Median of the values, None when empty."""
    return float(statistics.median(values)) if values else None


class IntercomAccumulator:
    """Streams conversation pages into per-company aggregates; memory ~ companies + distinct ids.

    A conversation without a company waits, as its contact ids and its few metric inputs, until `attribute`
    is given its contacts' companies (one lookup for the whole month).
    """

    def __init__(self, period: Period) -> None:
        self.period = period
        self.conversations_seen = 0  # distinct conversation ids received
        self.duplicates = 0  # repeated ids (a conversation moving between pages), ignored
        self.outside_period = 0  # created_at missing or outside [start, end): server bounds are loose
        self.without_company = 0  # in the period with company null / without id
        self.attributed_by_contact = 0  # of those, counted for their contacts' one company
        self.ambiguous_company = 0  # of those, contacts with several mapped companies: counted nowhere
        self.unattributed = 0  # of those, no contact or contacts with no company: counted nowhere
        self._seen: set = set()
        self._companies: dict[str, _Company] = {}
        self._pending = _Waiting()

    def add_page(self, conversations: list[dict]) -> None:
        """Fold one page of search results (the `conversations` list) into the aggregates."""
        for conversation in conversations:
            self._add(conversation)

    def _add(self, conv: dict) -> None:
        raw_id = conv.get("id")
        # numeric string ids are kept as ints (smaller in the dedup set); '012' stays a string
        numeric = isinstance(raw_id, str) and raw_id.isascii() and raw_id.isdigit()
        conv_id = int(raw_id) if numeric and raw_id == str(int(raw_id)) else raw_id
        if conv_id is not None:
            if conv_id in self._seen:
                self.duplicates += 1
                return
            self._seen.add(conv_id)
        self.conversations_seen += 1
        created = to_float(conv.get("created_at"))
        if created is None or not self.period.unix_start <= created < self.period.unix_end:
            self.outside_period += 1
            return
        company = conv.get("company")
        company_id = to_key(company.get("id")) if isinstance(company, dict) else None
        if company_id is not None:
            self._fold(company_id, _contribution(conv))
            return
        self.without_company += 1
        contacts = _contact_ids(conv)
        if contacts:
            self._pending.add(contacts, _contribution(conv))
        else:
            self.unattributed += 1

    def _fold(self, company_id: str, part: _Contribution) -> None:
        agg = self._companies.setdefault(company_id, _Company())
        agg.total += 1
        agg.high_priority += part.high_priority
        agg.escalated += part.escalated
        if part.first_response is not None:
            agg.first_response.append(part.first_response)
        if part.resolution is not None:
            agg.resolution.append(part.resolution)
        agg.closed += part.closed
        if part.rating is not None:
            agg.rating_sum += part.rating
            agg.rated += 1
            agg.rated_and_closed += part.closed

    def unknown_contacts(self) -> list[str]:
        """The distinct contact ids of the conversations still waiting for a company, sorted."""
        return sorted({contact for contacts, _ in self._pending for contact in contacts})

    def attribute(self, links: Mapping[str, ContactCompanies], mapped: AbstractSet[str]) -> None:
        """Count each waiting conversation for its contacts' one company (`links`: companies per contact id; a
        contact missing from it belongs to none); ambiguous and unattributable ones are only counted as such."""
        for contacts, part in self._pending:
            verdict = attribute((links.get(contact, NO_COMPANIES) for contact in contacts), mapped)
            if isinstance(verdict, Ambiguous):
                self.ambiguous_company += 1
            elif verdict is None:
                self.unattributed += 1
            else:
                self.attributed_by_contact += 1
                self._fold(verdict, part)
        self._pending = _Waiting()

    def result(self) -> dict[str, dict[str, float | int | None]]:
        """Metrics per Intercom company id, for every company seen in the period."""
        out: dict[str, dict[str, float | int | None]] = {}
        for company_id, agg in self._companies.items():
            out[company_id] = {
                "total_conversations": agg.total,
                "p1_p2_pct": 100.0 * agg.high_priority / agg.total,
                "escalation_pct": 100.0 * agg.escalated / agg.total,
                "median_first_response_seconds": _median(agg.first_response),
                "median_resolution_seconds": _median(agg.resolution),
                "csat_score": agg.rating_sum / agg.rated if agg.rated else None,
                "csat_response_rate": (
                    100.0 * agg.rated_and_closed / agg.closed if agg.closed else None
                ),
            }
        return out
