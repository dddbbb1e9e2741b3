"""The searchable fields and the operators of Intercom API 2.15's conversation and contact search tables."""
from __future__ import annotations

STRING, INTEGER, DATE, BOOLEAN = "string", "integer", "date", "boolean"

CONVERSATION_FIELDS: dict[str, str] = {
    "id": STRING, "created_at": DATE, "updated_at": DATE,
    **dict.fromkeys(("source.type", "source.id", "source.delivered_as", "source.subject", "source.body",
                     "source.author.id", "source.author.type", "source.author.name", "source.author.email",
                     "source.url", "contact_ids", "teammate_ids", "channel_initiated", "state", "tag_ids",
                     "priority", "statistics.last_closed_by_id", "conversation_rating.remark",
                     "conversation_rating.contact_id", "conversation_rating.admin_d", "ai_agent.resolution_state",
                     "ai_agent.last_answer_type", "ai_agent.rating_remark", "ai_agent.source_type",
                     "ai_agent.source_title"), STRING),
    **dict.fromkeys(("admin_assignee_id", "team_assignee_id", "statistics.time_to_assignment",
                     "statistics.time_to_admin_reply", "statistics.time_to_first_close",
                     "statistics.time_to_last_close", "statistics.median_time_to_reply", "statistics.count_reopens",
                     "statistics.count_assignments", "statistics.count_conversation_parts",
                     "conversation_rating.score", "ai_agent.rating"), INTEGER),
    **dict.fromkeys(("waiting_since", "snoozed_until", "statistics.first_contact_reply_at",
                     "statistics.first_assignment_at", "statistics.first_admin_reply_at", "statistics.first_close_at",
                     "statistics.last_assignment_at", "statistics.last_assignment_admin_reply_at",
                     "statistics.last_contact_reply_at", "statistics.last_admin_reply_at", "statistics.last_close_at",
                     "conversation_rating.requested_at", "conversation_rating.replied_at"), DATE),
    **dict.fromkeys(("open", "read", "ai_agent_participated"), BOOLEAN),
}

CONTACT_FIELDS: dict[str, str] = {
    **dict.fromkeys(("id", "role", "name", "avatar", "email", "email_domain", "phone", "external_id",
                     "language_override", "browser", "browser_language", "os", "location.country", "location.region",
                     "location.city", "ios_app_version", "ios_device", "ios_app_device", "ios_os_version",
                     "ios_app_name", "ios_sdk_version", "android_app_version", "android_device", "android_app_name",
                     "andoid_sdk_version", "segment_id", "tag_id"), STRING),
    "owner_id": INTEGER,
    **dict.fromkeys(("created_at", "signed_up_at", "updated_at", "last_seen_at", "last_contacted_at",
                     "last_replied_at", "last_email_opened_at", "last_email_clicked_at", "ios_last_seen_at",
                     "android_last_seen_at"), DATE),
    **dict.fromkeys(("unsubscribed_from_emails", "marked_email_as_spam", "has_hard_bounced"), BOOLEAN),
}
CUSTOM_ATTRIBUTE_PREFIX = "custom_attributes."  # contacts: any custom attribute, searched as a string

_TEXT = frozenset({"~", "!~", "^", "$"})
_LISTS = frozenset({"=", "!=", "IN", "NIN"})
# The conversation table: =, !=, IN, NIN for every type; > and < for integers and dates; text operators on strings.
CONVERSATION_OPERATORS: dict[str, frozenset[str]] = {
    STRING: _LISTS | _TEXT, INTEGER: _LISTS | {"<", ">"}, DATE: _LISTS | {"<", ">"}, BOOLEAN: _LISTS}
# The contact table: dates take only =, < and >; integers also <= and >=; tag_id only = and !=.
CONTACT_OPERATORS: dict[str, frozenset[str]] = {
    STRING: _LISTS | _TEXT, INTEGER: _LISTS | {"<", ">", "<=", ">="}, DATE: frozenset({"=", "<", ">"}),
    BOOLEAN: _LISTS}
CONTACT_TAG_OPERATORS = frozenset({"=", "!="})


def conversation_field_type(field: str) -> str | None:
    """The type of a searchable conversation field, None when 2.15 does not search on it."""
    return CONVERSATION_FIELDS.get(field)


def contact_field_type(field: str) -> str | None:
    """The type of a searchable contact field, None when 2.15 does not search on it."""
    if field.startswith(CUSTOM_ATTRIBUTE_PREFIX) and len(field) > len(CUSTOM_ATTRIBUTE_PREFIX):
        return STRING
    return CONTACT_FIELDS.get(field)


def contact_operators(field: str, kind: str) -> frozenset[str]:
    """The operators the contact search accepts on a field of this type."""
    return CONTACT_TAG_OPERATORS if field == "tag_id" else CONTACT_OPERATORS[kind]
