"""The world's Intercom contacts: who belongs to which companies, derived from (seed, contact index) alone.

A company's n-th contact has index `company * 64 + n`; a lead (a conversation with no company) gets
`(lead_base + number) * 64`. Most contacts belong to exactly their own company; a few also belong to a
second mapped account (several companies: Intercom leaves such a contact's conversations without a
company), a few to none. Leads belong to none.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from health_pipeline.sandbox.world.ids import intercom_id, intercom_index, stable_hash

CONTACT_SLOTS = 64  # contact indices per company
SINGLE, SEVERAL, NONE = range(3)
SEVERAL_SHARE = 0.04  # contacts of an account who also belong to another account
NONE_SHARE = 0.03  # contacts of an account linked to no company at all
LEADS = 5000  # lead numbers a company-less conversation draws from
# How a conversation reaches its company: `company` on the conversation, or only through its contact's companies
# (one: attributable; several: ambiguous; none, or a lead: unattributable).
ON_CONVERSATION, BY_CONTACT, AMBIGUOUS, UNATTRIBUTABLE = range(4)
_MASK = (1 << 64) - 1


def _unit(seed: int, stream: str, index: np.ndarray) -> np.ndarray:
    """A uniform [0, 1) draw per contact index, stable across processes (a splitmix64 hash)."""
    x = np.asarray(index, dtype=np.int64).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    x = x + np.uint64(stable_hash("contact", stream, seed) & _MASK)
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def contact_indices(company: np.ndarray, contact: np.ndarray, lead_base: int) -> np.ndarray:
    """The contact index of each (company, contact number) pair (company < 0: a lead)."""
    company, contact = np.asarray(company, dtype=np.int64), np.asarray(contact, dtype=np.int64)
    return np.where(company >= 0, company * CONTACT_SLOTS + contact % CONTACT_SLOTS,
                    (lead_base + contact) * CONTACT_SLOTS)


def membership(seed: int, index: np.ndarray, accounts: int) -> np.ndarray:
    """SINGLE, SEVERAL or NONE per contact index of a company (only accounts' contacts can have several)."""
    index = np.asarray(index, dtype=np.int64)
    draw = _unit(seed, "membership", index)
    account = index // CONTACT_SLOTS < accounts
    return np.where(account & (draw < SEVERAL_SHARE), SEVERAL,
                    np.where(account & (draw < SEVERAL_SHARE + NONE_SHARE), NONE, SINGLE)).astype(np.int8)


def second_company(seed: int, index: int, mapped: np.ndarray) -> int:
    """The other mapped account a SEVERAL contact belongs to (never its own company)."""
    owner = index // CONTACT_SLOTS
    others = mapped[mapped != owner]
    pick = int(_unit(seed, "second", np.array([index]))[0] * len(others))
    return int(others[min(pick, len(others) - 1)])


def contact_id(seed: int, index: int) -> str:
    """The Intercom id of the contact with this index."""
    return intercom_id("contact", seed, int(index))


def contact_index(seed: int, value: str) -> int | None:
    """The contact index an Intercom contact id of this world encodes, or None."""
    return intercom_index("contact", seed, value)


def company_ids_of(seed: int, index: int, companies: Any, accounts: int) -> list[str]:
    """The Intercom company ids a contact belongs to (its own first), in the world's truth."""
    owner = index // CONTACT_SLOTS
    if owner >= len(companies.ids):
        return []  # a lead
    kind = int(membership(seed, np.array([index]), accounts)[0])
    if kind == NONE:
        return []
    own = [companies.ids[owner]]
    return own + [companies.ids[second_company(seed, index, companies.mapped)]] if kind == SEVERAL else own


def build_contact(seed: int, index: int, companies: Any, accounts: int) -> dict:
    """The contact object (API 2.15 shape, trimmed to the fields the sandbox can vouch for)."""
    cid = contact_id(seed, index)
    owner, number = divmod(int(index), CONTACT_SLOTS)
    lead = owner >= len(companies.ids)
    created = int(cid[:8], 16)
    linked = company_ids_of(seed, index, companies, accounts)
    return {
        "type": "contact",
        "id": cid,
        "workspace_id": f"sbx{seed:05d}",
        "external_id": None if lead else f"user-{owner:06d}-{number:03d}",
        "role": "lead" if lead else "user",
        "email": None if lead else f"user{number}@company{owner}.example.com",
        "name": None if lead else f"User {number} of company {owner}",
        "created_at": created,
        "updated_at": created + 86400 * 300,
        "signed_up_at": None if lead else created,
        "custom_attributes": {},
        "tags": {"type": "list", "data": [], "url": f"/contacts/{cid}/tags", "total_count": 0, "has_more": False},
        "companies": {"type": "list",
                      "data": [{"type": "company", "id": co, "url": f"/companies/{co}"} for co in linked],
                      "url": f"/contacts/{cid}/companies", "total_count": len(linked), "has_more": False},
    }
