"""The contact lookup: the companies of many Intercom contacts, 150 to a `POST /contacts/search` page."""
from __future__ import annotations

from typing import Any, Iterable

from health_pipeline.sources.common.errors import SourceError
from health_pipeline.sources.common.replies import CursorGuard, optional_key, require_key, require_records
from health_pipeline.sources.common.resource import call_json
from health_pipeline.sources.intercom.attribution import ContactCompanies, contact_batches, contact_search

SOURCE = "Intercom"
CONTACT_SEARCH_CALL = "POST /contacts/search"


def contact_companies(contact: dict) -> ContactCompanies:
    """The companies of one contact object of a search reply (`companies.data[].id`, `companies.has_more`)."""
    companies = require_key(contact, SOURCE, CONTACT_SEARCH_CALL, "companies", dict)
    listed = require_records(companies, SOURCE, CONTACT_SEARCH_CALL, "data")
    ids = []
    for position, company in enumerate(listed):
        company_id = company.get("id")
        if not isinstance(company_id, str) or not company_id:
            raise SourceError(SOURCE, CONTACT_SEARCH_CALL, f"company {position} of contact {contact.get('id')!r} "
                                                           f"has no string 'id'")
        ids.append(company_id)
    return ContactCompanies(tuple(ids), complete=optional_key(companies, SOURCE, CONTACT_SEARCH_CALL,
                                                              "has_more", bool) is not True)


class ContactDirectory:
    """Looks contacts up by id in as few search calls as Intercom allows (one page per 150 contacts)."""

    def __init__(self, session: Any, base_url: str) -> None:
        self.session = session
        self.base_url = base_url
        self.calls = 0
        self.contacts_asked = 0
        self.contacts_found = 0

    def companies_of(self, contact_ids: Iterable[str]) -> dict[str, ContactCompanies]:
        """Companies per contact id; a contact Intercom does not return is absent (it belongs to no company)."""
        ids = sorted(set(contact_ids))
        self.contacts_asked += len(ids)
        found: dict[str, ContactCompanies] = {}
        for batch in contact_batches(ids):
            found.update(self._search(batch))
        self.contacts_found += len(found)
        return found

    def _search(self, batch: list[str]) -> dict[str, ContactCompanies]:
        """Every page of one contact search (normally one)."""
        found: dict[str, ContactCompanies] = {}
        cursors = CursorGuard(SOURCE, CONTACT_SEARCH_CALL)
        cursor: str | None = None
        while True:
            reply = call_json(self.session, SOURCE, CONTACT_SEARCH_CALL, "POST", f"{self.base_url}/contacts/search",
                              json=contact_search(batch, starting_after=cursor))
            self.calls += 1
            for contact in require_records(reply, SOURCE, CONTACT_SEARCH_CALL, "data"):
                contact_id = require_key(contact, SOURCE, CONTACT_SEARCH_CALL, "id", str)
                found[contact_id] = contact_companies(contact)
            pages = optional_key(reply, SOURCE, CONTACT_SEARCH_CALL, "pages", dict) or {}
            next_page = optional_key(pages, SOURCE, CONTACT_SEARCH_CALL, "next", dict) or {}
            cursor = optional_key(next_page, SOURCE, CONTACT_SEARCH_CALL, "starting_after", str)
            if not cursor:
                return found
            cursors.check(cursor)
