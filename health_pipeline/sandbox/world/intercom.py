"""The world's Intercom conversations: one month at a time as compact numpy columns."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from health_pipeline.sandbox.world.accounts import Accounts, Trajectory, ladder
from health_pipeline.sandbox.world.columns import Categorical, Categories, Column, Numeric
from health_pipeline.sandbox.world.contacts import (
    AMBIGUOUS,
    BY_CONTACT,
    NONE,
    ON_CONVERSATION,
    SEVERAL,
    UNATTRIBUTABLE,
    contact_indices,
    membership,
)
from health_pipeline.sandbox.world.ids import CONVERSATION_BASE, CONVERSATION_ROWS
from health_pipeline.sandbox.world.intercom_json import TOPICS, build_conversations
from health_pipeline.sandbox.world.months import month_end, month_label, month_start

STATES = ("open", "closed", "snoozed")
OPEN, CLOSED, SNOOZED = range(3)
NO_COMPANY_SHARE = 0.015  # leads and visitors: conversations with no company at all
PREDATES_SHARE = 0.07  # conversations of a one-company contact still without a company (older than the field)

# Anchors per metric at q = 0, 0.2 (red), 0.5 (yellow), 0.8 (green), 1 -- paid, then standard.
VOLUME = ((170, 115, 58, 24, 12), (52, 35, 17, 6, 3.5))
HIGH_PRIORITY_PCT = ((60, 40, 25, 10, 3), (60, 40, 25, 10, 3))
ESCALATION_PCT = ((50, 30, 15, 5, 1), (50, 30, 15, 5, 1))
FIRST_RESPONSE = ((172800, 28800, 7200, 1800, 420), (259200, 43200, 14400, 3600, 900))
RESOLUTION = ((1814400, 604800, 259200, 86400, 21600), (3628800, 1209600, 432000, 172800, 43200))
CSAT = ((2.3, 3.5, 4.2, 4.6, 4.95), (2.2, 3.0, 4.0, 4.5, 4.9))
RATED_PCT = ((2, 5, 20, 35, 50), (1, 2, 10, 25, 40))


@dataclass
class CompanyIndex:
    """Every Intercom company of the world: the mapped accounts first, then unmapped ones."""

    ids: list[str]
    names: list[str]
    categories: Categories
    accounts: int = 0  # the first `accounts` companies belong to Salesforce accounts
    mapped: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # accounts with Intercom
    quality_extra: float = 0.6

    @property
    def lead_base(self) -> int:
        """The first contact owner number of leads (past every company)."""
        return len(self.ids) + 1


class MonthConversations:
    """One month's conversations, sorted by (created_at, id); JSON is built only for served rows."""

    def __init__(self, month: int, columns: dict[str, np.ndarray], companies: CompanyIndex, seed: int) -> None:
        self.month = month
        self.key = month_label(month)
        self.cols = columns
        self.created_at = columns["created_at"]
        self.companies = companies
        self.seed = seed

    def __len__(self) -> int:
        return len(self.created_at)

    def column(self, field: str) -> Column | None:
        """The searchable column for an Intercom search field."""
        c = self.cols
        if field in ("created_at", "updated_at"):
            return Numeric(c[field])
        if field == "id":
            first = (CONVERSATION_BASE + self.month) * CONVERSATION_ROWS
            return Numeric(first + np.arange(len(self), dtype=np.int64))
        if field == "state":
            return Categorical(c["state"], Categories(STATES))
        if field == "priority":
            return Categorical(np.where(c["p_level"] <= 1, 0, 1), Categories(("priority", "not_priority")))
        if field == "company.id":  # what the served conversations show, not the owner
            return Categorical(np.where(c["link"] == ON_CONVERSATION, c["company"], -1), self.companies.categories)
        if field == "conversation_rating.score":
            return Numeric(c["rating"].astype(np.int64), c["rating"] > 0)
        return None

    def attributed_company(self) -> np.ndarray:
        """The company index each conversation counts for in the support metrics, -1 where none can be known:
        its own `company`, or its contact's only company; never an ambiguous or unattributable one."""
        c = self.cols
        return np.where((c["link"] == ON_CONVERSATION) | (c["link"] == BY_CONTACT), c["company"], -1)

    def companyless_contacts(self) -> int:
        """How many distinct contacts the month's conversations without a company have."""
        c = self.cols
        rows = c["link"] != ON_CONVERSATION
        return len(np.unique(contact_indices(c["company"][rows], c["contact"][rows], self.companies.lead_base)))

    def records(self, rows: np.ndarray) -> list[dict]:
        """Conversation objects (API 2.15 shape) for the given rows."""
        return build_conversations(self, rows)


def generate_month(seed: int, month: int, accounts: Accounts, trajectory: Trajectory,
                   companies: CompanyIndex) -> MonthConversations:
    """Draw one month's conversations (deterministic in (seed, month))."""
    rng = np.random.default_rng([seed, 10, month])
    n = len(accounts)
    s = trajectory.quality(month)
    active = trajectory.active(month) & accounts.has_intercom
    q_volume = np.clip(0.5 + 0.5 * s + rng.normal(0, 0.04, n), 0, 1)
    volume = np.where(active, ladder(q_volume, accounts.paid, *VOLUME, log=True), 0.0)
    counts = rng.poisson(volume)
    extra = len(companies.ids) - n
    extra_counts = rng.poisson(3.0, extra)
    company = np.concatenate([np.repeat(np.arange(n), counts), np.repeat(np.arange(n, n + extra), extra_counts)])
    lost = rng.poisson(NO_COMPANY_SHARE * max(len(company), 1))
    company = np.concatenate([company, np.full(lost, -1)]).astype(np.int32)
    size = len(company)
    start, end = month_start(month), month_end(month)
    created = rng.integers(start, end, size, dtype=np.int64)
    order = np.argsort(created, kind="stable")
    company, created = company[order], created[order]

    q_company = np.concatenate([s, np.full(extra, companies.quality_extra)])
    q = np.where(company >= 0, q_company[np.maximum(company, 0)], 0.6)
    q = np.clip(q + rng.normal(0, 0.03, size), 0, 1)
    paid_company = np.concatenate([accounts.paid, np.zeros(extra, dtype=bool)])
    paid = np.where(company >= 0, paid_company[np.maximum(company, 0)], False)
    cols = _draw_details(rng, q, paid, created, end)
    contacts = np.concatenate([accounts.contacts, np.full(extra, 3)])
    cols["contact"] = np.where(company >= 0, rng.integers(0, 1 << 30, size) % contacts[np.maximum(company, 0)],
                               rng.integers(0, 5000, size)).astype(np.int32)
    cols["company"] = company
    cols["created_at"] = created
    cols["link"] = _links(seed, rng, company, cols["contact"], companies)
    return MonthConversations(month, cols, companies, seed)


def _links(seed: int, rng: np.random.Generator, company: np.ndarray, contact: np.ndarray,
           companies: CompanyIndex) -> np.ndarray:
    """How each conversation reaches its company (ON_CONVERSATION, BY_CONTACT, AMBIGUOUS, UNATTRIBUTABLE)."""
    kind = membership(seed, contact_indices(company, contact, companies.lead_base), companies.accounts)
    predates = rng.random(len(company)) < PREDATES_SHARE
    link = np.where(kind == SEVERAL, AMBIGUOUS,
                    np.where(kind == NONE, UNATTRIBUTABLE, np.where(predates, BY_CONTACT, ON_CONVERSATION)))
    return np.where(company < 0, UNATTRIBUTABLE, link).astype(np.int8)


def _lognormal(rng: np.random.Generator, median: np.ndarray, sigma: float) -> np.ndarray:
    return np.maximum(1, np.round(median * np.exp(rng.normal(0, sigma, len(median))))).astype(np.int64)


def _draw_details(rng: np.random.Generator, q: np.ndarray, paid: np.ndarray, created: np.ndarray,
                  month_end_ts: int) -> dict[str, np.ndarray]:
    """Priority, tags, state, statistics and rating of each conversation from its quality."""
    size = len(q)
    high = rng.random(size) < ladder(q, paid, *HIGH_PRIORITY_PCT) / 100
    p_level = np.where(high, np.where(rng.random(size) < 0.35, 1, 2), np.where(rng.random(size) < 0.6, 3, 4))
    p_level = np.where((p_level == 2) & (rng.random(size) < 0.5), 1, p_level)  # half the P2s flagged as priority
    escalated = rng.random(size) < ladder(q, paid, *ESCALATION_PCT) / 100
    young = (month_end_ts - created) < 3 * 86400
    p_open = 0.03 + 0.08 * (1 - q) + np.where(young, 0.25, 0.0)
    draw = rng.random(size)
    state = np.where(draw < p_open, OPEN, np.where(draw < p_open + 0.02, SNOOZED, CLOSED)).astype(np.int8)
    closed = state == CLOSED
    first_response = _lognormal(rng, ladder(q, paid, *FIRST_RESPONSE, log=True), 0.9)
    replied = closed | (rng.random(size) < 0.6)
    first_close = np.maximum(_lognormal(rng, ladder(q, paid, *RESOLUTION, log=True), 0.9), first_response + 60)
    reopens = rng.poisson(0.05 + 0.35 * (1 - q)).astype(np.int8)
    was_closed = closed | (reopens > 0)
    last_close = np.where(closed & (reopens > 0), first_close + _lognormal(rng, np.full(size, 86400.0), 0.8),
                          first_close)
    csat = ladder(q, paid, *CSAT)
    rated = closed & (rng.random(size) < ladder(q, paid, *RATED_PCT) / 100)
    rating = np.where(rated, 5 - rng.binomial(4, np.clip((5 - csat) / 4, 0, 1)), 0).astype(np.int8)
    rating_delay = _lognormal(rng, np.full(size, 7200.0), 1.0)
    last_event = np.where(was_closed, last_close, first_response) + np.where(rated, rating_delay, 0)
    return {
        "p_level": p_level.astype(np.int8),
        "tags": (escalated.astype(np.int8) | (rng.integers(0, len(TOPICS), size) << 1)).astype(np.int8),
        "state": state,
        "stats_null": ~closed & (rng.random(size) < 0.35),
        "assign": _lognormal(rng, 90 + 600 * (1 - q), 1.0).astype(np.int32),
        "first_response": np.where(replied, first_response, -1).astype(np.int32),
        "median_reply": np.where(replied, first_response * rng.uniform(0.7, 1.6, size), -1).astype(np.int32),
        "first_close": np.where(was_closed, first_close, -1).astype(np.int32),
        "last_close": np.where(was_closed, last_close, -1).astype(np.int32),
        "reopens": reopens,
        "assignments": (1 + rng.poisson(0.2 + 0.8 * (1 - q))).astype(np.int8),
        "rating": rating,
        "rating_delay": rating_delay.astype(np.int32),
        "remark": rng.integers(0, 4, size).astype(np.int8),
        "admin": rng.integers(0, 30, size).astype(np.int8),
        "updated_at": created + last_event + 30,
    }
