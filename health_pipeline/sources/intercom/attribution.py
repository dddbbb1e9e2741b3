"""Attributing a conversation without a company through its contacts' companies (pure: no I/O).

Intercom 2.15 leaves `conversation.company` null when the contact belongs to several companies, to none,
or when the conversation predates the field. The contacts' own `companies` are then the only link:
exactly one mapped company attributes the conversation, several are ambiguous (never guessed), none leaves
it unattributed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import AbstractSet, Iterable, Sequence

CONTACT_IDS_PER_FILTER = 15  # values of one `id IN [...]` filter
CONTACT_FILTERS_PER_QUERY = 10  # filters of the OR group: 150 ids, exactly one full page
MAX_CONTACTS_PER_PAGE = 150
CONTACTS_PER_QUERY = CONTACT_IDS_PER_FILTER * CONTACT_FILTERS_PER_QUERY


class Ambiguous:
    """The verdict for a conversation whose contacts belong to several mapped companies."""

    def __repr__(self) -> str:
        return "AMBIGUOUS"


AMBIGUOUS = Ambiguous()


@dataclass(frozen=True)
class ContactCompanies:
    """The Intercom company ids a contact belongs to; `complete` is False when Intercom listed only some."""

    company_ids: tuple[str, ...]
    complete: bool = True


NO_COMPANIES = ContactCompanies(())


def attribute(links: Iterable[ContactCompanies], mapped: AbstractSet[str]) -> str | Ambiguous | None:
    """The one company the contacts' companies point to, AMBIGUOUS, or None (no company at all).

    One mapped company among them: that one. Several mapped ones, or a list Intercom cut short: ambiguous.
    No mapped one: the single company when there is exactly one (an unmapped company, scored nowhere), else
    ambiguous when there are several, None when there are none.
    """
    links = list(links)
    companies = list(dict.fromkeys(company for link in links for company in link.company_ids))
    if not all(link.complete for link in links):
        return AMBIGUOUS
    chosen = [company for company in companies if company in mapped]
    if len(chosen) == 1:
        return chosen[0]
    if chosen or len(companies) > 1:
        return AMBIGUOUS
    return companies[0] if companies else None


def contact_batches(contact_ids: Sequence[str]) -> list[list[str]]:
    """The ids in batches of one query each (150: one full page of the contact search)."""
    return [list(contact_ids[i:i + CONTACTS_PER_QUERY]) for i in range(0, len(contact_ids), CONTACTS_PER_QUERY)]


def contact_search(contact_ids: Sequence[str], per_page: int = MAX_CONTACTS_PER_PAGE,
                   starting_after: str | None = None) -> dict:
    """Body of POST /contacts/search for these contacts: `id IN` groups of at most 15, OR-ed (at most 10)."""
    ids = list(contact_ids)
    if not 1 <= len(ids) <= CONTACTS_PER_QUERY:
        raise ValueError(f"a contact search names 1..{CONTACTS_PER_QUERY} contacts, got {len(ids)}")
    if not isinstance(per_page, int) or isinstance(per_page, bool) or not 1 <= per_page <= MAX_CONTACTS_PER_PAGE:
        raise ValueError(f"per_page must be an int in 1..{MAX_CONTACTS_PER_PAGE}, got {per_page!r}")
    groups = [{"field": "id", "operator": "IN", "value": ids[i:i + CONTACT_IDS_PER_FILTER]}
              for i in range(0, len(ids), CONTACT_IDS_PER_FILTER)]
    query = groups[0] if len(groups) == 1 else {"operator": "OR", "value": groups}
    return {"query": query, "pagination": {"per_page": per_page, "starting_after": starting_after}}
