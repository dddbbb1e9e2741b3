"""Intercom: the resource (credentials, region, API version) and its conversation-search client."""
from __future__ import annotations

from typing import Any, Iterator, Optional

from pydantic import Field

from health_pipeline.extract.intercom import build_conversation_search
from health_pipeline.extract.period import Period
from health_pipeline.resources.base import HttpSourceResource, call_json
from health_pipeline.resources.errors import SourceError
from health_pipeline.resources.http import CallStats, LogFunction, build_http_session

SOURCE = "Intercom"


class IntercomResource(HttpSourceResource):
    """Intercom REST API access: a bearer token, a regional base URL and a pinned API version."""

    token: Optional[str] = Field(default=None, description="Access token (secret; from INTERCOM_API_TOKEN).")
    base_url: str = Field(
        default="https://api.intercom.io",
        description="API host: https://api.intercom.io, https://api.eu.intercom.io or https://api.au.intercom.io.",
    )
    api_version: str = Field(
        default="2.15", description="Intercom-Version header; 2.15 is the first with a company on conversations."
    )
    per_page: int = Field(default=150, description="Conversations per search page (Intercom's maximum is 150).")

    def is_configured(self) -> bool:
        """True when a token is set."""
        return bool(self.token)

    def open_client(self, log: LogFunction | None = None) -> "IntercomClient":
        """A client with the shared retrying session."""
        session, stats = build_http_session(SOURCE, self.retry_settings(), log)
        session.headers.update({
            "Authorization": f"Bearer {self.token}",
            "Intercom-Version": self.api_version,
            "Accept": "application/json",
        })
        return IntercomClient(session, stats, self.base_url.rstrip("/"), self.per_page)


class IntercomClient:
    """Streams a month's conversations page by page through one search cursor."""

    def __init__(self, session: Any, stats: CallStats, base_url: str, per_page: int) -> None:
        self.session = session
        self.stats = stats
        self.base_url = base_url
        self.per_page = per_page
        self.pages = 0

    def iter_conversation_pages(self, period: Period) -> Iterator[list[dict]]:
        """Yield each page of conversations created in `period`, following `pages.next` to the end."""
        cursor: str | None = None
        call = "POST /conversations/search"
        while True:
            body = build_conversation_search(period, per_page=self.per_page, starting_after=cursor)
            reply = call_json(self.session, SOURCE, call, "POST", f"{self.base_url}/conversations/search", json=body)
            conversations = reply.get("conversations") if isinstance(reply, dict) else None
            if not isinstance(conversations, list):
                raise SourceError(SOURCE, call, "the reply has no 'conversations' list")
            self.pages += 1
            yield conversations
            next_page = (reply.get("pages") or {}).get("next")
            cursor = next_page.get("starting_after") if isinstance(next_page, dict) else None
            if not cursor:
                return
