"""Jira Cloud: the resource (site, credentials, projects, account link) and its JQL search client."""
from __future__ import annotations

from typing import Any, Iterator, Optional

from pydantic import Field

from health_pipeline.sources.common.http import CallPacer, CallStats, LogFunction, build_http_session
from health_pipeline.sources.common.period import Period
from health_pipeline.sources.common.replies import CursorGuard, optional_key, require_records
from health_pipeline.sources.common.resource import HttpSourceResource, call_json
from health_pipeline.sources.jira.metrics import JIRA_FIELDS, JQL_MARGIN_DAYS, JiraLink, build_bug_jql

SOURCE = "Jira"


class JiraResource(HttpSourceResource):
    """Jira Cloud REST access: site URL, e-mail + API token, the bug projects and how a bug names its account."""

    base_url: Optional[str] = Field(default=None, description="Site URL, e.g. https://yourcompany.atlassian.net.")
    email: Optional[str] = Field(default=None, description="Account e-mail for basic auth (from JIRA_EMAIL).")
    api_token: Optional[str] = Field(default=None, description="API token (secret; from JIRA_API_TOKEN).")
    projects: str = Field(default="BUG", description="Comma-separated project keys holding customer bugs.")
    account_link: str = Field(
        default="component",
        description="How a bug names its account: 'component' (default: a component named by the mapping's "
        "jira_key), 'label', or 'custom_field'.",
    )
    custom_field_id: Optional[str] = Field(
        default=None, description="The custom field holding the account key when account_link is 'custom_field'."
    )
    page_size: int = Field(default=100, description="maxResults asked per page (the server may return fewer).")
    max_calls_per_window: Optional[int] = Field(
        default=None, ge=1,
        description="Pace the client to at most this many calls per rate window (Atlassian does not publish the "
        "burst limit of API-token traffic). None: no pacing; a 429 is retried after its Retry-After.",
    )
    rate_window_seconds: float = Field(default=10.0, gt=0, description="The rate-limit window, in seconds.")

    def is_configured(self) -> bool:
        """True when the site, e-mail and token are all set."""
        return bool(self.base_url and self.email and self.api_token)

    def link(self) -> JiraLink:
        """The account link as the pure extractor's value object."""
        return JiraLink(mode=self.account_link, custom_field_id=self.custom_field_id)

    def project_keys(self) -> list[str]:
        """The configured project keys."""
        return [key.strip() for key in self.projects.split(",") if key.strip()]

    def open_client(self, log: LogFunction | None = None) -> "JiraClient":
        """A client with the shared retrying session and basic auth."""
        pacer = CallPacer(self.max_calls_per_window, self.rate_window_seconds) if self.max_calls_per_window else None
        session, stats = build_http_session(SOURCE, self.retry_settings(), log, pacer=pacer)
        session.auth = (self.email or "", self.api_token or "")
        session.headers.update({"Accept": "application/json"})
        return JiraClient(session, stats, (self.base_url or "").rstrip("/"), self.page_size)


class JiraClient:
    """Streams the month's bugs page by page through one `/rest/api/3/search/jql` cursor."""

    def __init__(self, session: Any, stats: CallStats, base_url: str, page_size: int) -> None:
        self.session = session
        self.stats = stats
        self.base_url = base_url
        self.page_size = page_size
        self.pages = 0

    def iter_bug_pages(self, projects: list[str], period: Period, link: JiraLink) -> Iterator[list[dict]]:
        """Yield each page of bugs relevant to `period`, following `nextPageToken` to the end."""
        fields = list(JIRA_FIELDS) + ([link.custom_field_id] if link.custom_field_id else [])
        jql = build_bug_jql(projects, period, margin_days=JQL_MARGIN_DAYS)
        body: dict[str, Any] = {"jql": jql, "maxResults": self.page_size, "fields": fields}
        call = "POST /rest/api/3/search/jql"
        cursors = CursorGuard(SOURCE, call)
        while True:
            reply = call_json(self.session, SOURCE, call, "POST", f"{self.base_url}/rest/api/3/search/jql", json=body)
            issues = require_records(reply, SOURCE, call, "issues")
            token = optional_key(reply, SOURCE, call, "nextPageToken", str)
            self.pages += 1
            yield issues
            if not token or reply.get("isLast") is True:
                return
            body["nextPageToken"] = cursors.check(token)
