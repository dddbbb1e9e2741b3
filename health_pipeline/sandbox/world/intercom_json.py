"""Intercom JSON objects (conversations, companies) built from the world's compact columns."""
from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from health_pipeline.sandbox.world.contacts import ON_CONVERSATION, contact_id, contact_indices
from health_pipeline.sandbox.world.ids import conversation_id


class ConversationMonth(Protocol):
    """What the JSON builder reads of one month of conversations (world.intercom.MonthConversations)."""

    month: int
    cols: dict[str, np.ndarray]
    companies: Any
    seed: int

TAG_IDS = {"escalated": "8100001", "billing": "8100002", "bug": "8100003", "how-to": "8100004",
           "feature-request": "8100005", "onboarding": "8100006"}
PRODUCT_AREAS = ("Reservations", "Guest App", "Payments", "Reporting", "Integrations", "Housekeeping")
_REMARKS = {1: ("Still broken.", None, "Nobody got back to me for days.", None),
            2: ("Slow answer.", None, "Had to ask twice.", None),
            3: (None, "OK in the end.", None, "Fine."),
            4: (None, "Helpful, thanks.", None, "Quick fix."),
            5: ("Great support!", None, "Super fast, thank you.", None)}
ADMIN_BASE = 5_017_600
TOPICS = (None, "billing", "bug", "how-to", "feature-request", "onboarding")


def _admin(index: int) -> str:
    return str(ADMIN_BASE + index)


def contact_ref(seed: int, company: int, contact: int, lead_base: int) -> dict:
    """The contact reference {type, id, external_id} of a company's n-th contact (leads when company < 0)."""
    index = int(contact_indices(np.array([company]), np.array([contact]), lead_base)[0])
    external = f"user-{company:06d}-{contact:03d}" if company >= 0 else None
    return {"type": "contact", "id": contact_id(seed, index), "external_id": external}


def build_conversations(table: ConversationMonth, rows: np.ndarray) -> list[dict]:
    """Conversation objects for `rows` of a month, in API 2.15 shape."""
    rows = np.asarray(rows, dtype=np.int64)
    c = {name: values[rows].tolist() for name, values in table.cols.items()}
    companies = table.companies
    out = []
    for i, row in enumerate(rows.tolist()):
        created, company = c["created_at"][i], c["company"][i]
        contact = contact_ref(table.seed, company, c["contact"][i], companies.lead_base)
        admin = _admin(c["admin"][i])
        state = ("open", "closed", "snoozed")[c["state"][i]]
        tags_code = c["tags"][i]
        tag_names = (["escalated"] if tags_code & 1 else []) + _topic(tags_code >> 1)
        p_level = c["p_level"][i]
        out.append({
            "type": "conversation",
            "id": conversation_id(table.month, row),
            "title": None,
            "created_at": created,
            "updated_at": c["updated_at"][i],
            "waiting_since": created if state == "open" else None,
            "snoozed_until": created + 7 * 86400 if state == "snoozed" else None,
            "source": {"type": "conversation", "id": str(900_000_000 + row), "delivered_as": "customer_initiated",
                       "subject": "", "author": {"type": "user", "id": contact["id"]}, "attachments": [],
                       "redacted": False},
            "contacts": {"type": "contact.list", "contacts": [contact]},
            "teammates": {"type": "admin.list", "admins": [{"type": "admin", "id": admin}]},
            "admin_assignee_id": int(admin),
            "team_assignee_id": None,
            "company": None if c["link"][i] != ON_CONVERSATION else {"type": "company", "id": companies.ids[company],
                                                   "name": companies.names[company]},
            "custom_attributes": {"Priority": f"P{p_level}", "Product Area": PRODUCT_AREAS[row % 6]},
            "open": state == "open",
            "state": state,
            "read": state != "open",
            "priority": "priority" if p_level == 1 else "not_priority",
            "tags": {"type": "tag.list", "tags": [
                {"type": "tag", "id": TAG_IDS[name], "name": name, "applied_at": created,
                 "applied_by": {"type": "admin", "id": admin}} for name in tag_names]},
            "sla_applied": None,
            "statistics": None if c["stats_null"][i] else _statistics(c, i, created, admin),
            "conversation_rating": _rating(c, i, created, contact, admin),
            "ticket": None,
            "linked_objects": {"type": "list", "data": [], "total_count": 0, "has_more": False},
            "ai_agent_participated": False,
        })
    return out


def _topic(code: int) -> list[str]:
    topic = TOPICS[code % len(TOPICS)]
    return [topic] if topic else []


def _at(created: int, offset: int) -> int | None:
    return created + offset if offset >= 0 else None


def _statistics(c: dict, i: int, created: int, admin: str) -> dict:
    first_response, first_close, last_close = c["first_response"][i], c["first_close"][i], c["last_close"][i]
    assigned = created + c["assign"][i]
    return {
        "type": "conversation_statistics",
        "time_to_assignment": c["assign"][i],
        "time_to_admin_reply": first_response if first_response >= 0 else None,
        "time_to_first_close": first_close if first_close >= 0 else None,
        "time_to_last_close": last_close if last_close >= 0 else None,
        "median_time_to_reply": c["median_reply"][i] if c["median_reply"][i] >= 0 else None,
        "first_contact_reply_at": created,
        "first_assignment_at": assigned,
        "first_admin_reply_at": _at(created, first_response),
        "first_close_at": _at(created, first_close),
        "last_assignment_at": assigned,
        "last_assignment_admin_reply_at": _at(created, first_response),
        "last_contact_reply_at": created,
        "last_admin_reply_at": _at(created, first_response),
        "last_close_at": _at(created, last_close),
        "last_closed_by_id": admin if last_close >= 0 else None,
        "count_reopens": c["reopens"][i],
        "count_assignments": c["assignments"][i],
        "count_conversation_parts": 2 + 2 * c["reopens"][i] + (first_response >= 0) + (last_close >= 0),
    }


def _rating(c: dict, i: int, created: int, contact: dict, admin: str) -> dict | None:
    rating = c["rating"][i]
    if rating <= 0:
        return None
    return {"rating": rating, "remark": _REMARKS[rating][c["remark"][i]],
            "created_at": created + c["last_close"][i] + c["rating_delay"][i],
            "contact": {"type": "contact", "id": contact["id"], "external_id": contact["external_id"]},
            "teammate": {"type": "admin", "id": admin}}


def build_company(companies, index: int, seed: int, paid: bool | None, external_id: str) -> dict:
    """An Intercom company object for company `index`."""
    created = int(companies.ids[index][:8], 16)
    return {
        "type": "company",
        "id": companies.ids[index],
        "company_id": external_id,
        "app_id": f"sbx{seed:05d}",
        "name": companies.names[index],
        "remote_created_at": created,
        "created_at": created,
        "updated_at": created + 86400 * 400,
        "last_request_at": created + 86400 * 400,
        "monthly_spend": 0,
        "session_count": 0,
        "user_count": 0,
        "size": 0,
        "website": None,
        "industry": "Hospitality",
        "plan": {"type": "plan", "id": "1" if paid else "2", "name": "paid" if paid else "standard"}
        if paid is not None else None,
        "custom_attributes": {"segment": ("paid" if paid else "standard") if paid is not None else "trial"},
        "tags": {"type": "tag.list", "tags": []},
        "segments": {"type": "segment.list", "segments": []},
    }
