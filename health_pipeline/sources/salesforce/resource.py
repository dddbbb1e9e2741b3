"""Salesforce: the resource (credentials, domain, API version, sandbox trust) and a simple_salesforce client."""
from __future__ import annotations

import json
from typing import Any, Callable, Iterator, Optional, TypeVar

from pydantic import Field
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError

from health_pipeline.sources.common.bounded import REFUSED, ReplyRefused, send_bounded
from health_pipeline.sources.common.errors import SourceError
from health_pipeline.sources.common.http import CallStats, LogFunction, build_retry, endpoint_name
from health_pipeline.sources.common.replies import CursorGuard, optional_key, require_records
from health_pipeline.sources.common.resource import HttpSourceResource
from health_pipeline.sources.registry import BY_KEY
from health_pipeline.sources.salesforce.authenticate import SOURCE, error_text, log_in
from health_pipeline.sources.salesforce.login import DEFAULT_API_VERSION, choose_login
from health_pipeline.sources.salesforce.session import SalesforceTransport

T = TypeVar("T")


class _CountedSalesforceTransport(SalesforceTransport):
    """The Salesforce transport with the shared retry policy and per-endpoint call counting."""

    def __init__(self, stats: CallStats, bounds: tuple[float, int], **kwargs: Any) -> None:
        self._stats = stats
        self._bounds = bounds
        super().__init__(**kwargs)

    def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """Count the call, then send it through the retrying transport and read the reply under the bounds."""
        endpoint = endpoint_name(request.method, request.url)
        self._stats.count_call(endpoint)
        return send_bounded(super().send, request, endpoint, *self._bounds, **kwargs)


class SalesforceResource(HttpSourceResource):
    """Salesforce REST access, logged in by OAuth 2.0 (client credentials or JWT bearer) or the legacy SOAP login."""

    consumer_key: Optional[str] = Field(
        default=None, description="Connected app's consumer key (secret; SF_CONSUMER_KEY).")
    consumer_secret: Optional[str] = Field(
        default=None, description="Connected app's consumer secret, for client credentials (SF_CONSUMER_SECRET).")
    domain: str = Field(default="login", description="Login domain: the My Domain name (e.g. 'acme.my'), or "
                        "'login' / 'test' for JWT bearer and the legacy login (SF_DOMAIN).")
    username: Optional[str] = Field(default=None, description="Integration user name, for JWT bearer (SF_USERNAME).")
    private_key: Optional[str] = Field(
        default=None, description="PEM private key signing the JWT bearer assertion (secret; SF_PRIVATE_KEY).")
    private_key_file: Optional[str] = Field(
        default=None, description="File holding that PEM private key, instead of SF_PRIVATE_KEY (SF_PRIVATE_KEY_FILE).")
    password: Optional[str] = Field(default=None, description="Legacy SOAP login: user password (secret; SF_PASSWORD).")
    security_token: Optional[str] = Field(
        default=None, description="Legacy SOAP login: the user's security token (secret; SF_SECURITY_TOKEN).")
    api_version: str = Field(default=DEFAULT_API_VERSION, description="Salesforce REST API version (SF_API_VERSION).")
    login_url_override: Optional[str] = Field(
        default=None, description="Send the login here instead of https://{domain}.salesforce.com (the sandbox)."
    )
    ca_bundle: Optional[str] = Field(
        default=None, description="Extra CA certificate (PEM) to trust, for the sandbox's loopback TLS endpoint."
    )
    soql_id_filter_max: int = Field(
        default=1000, ge=0,
        description="Up to this many mapped accounts, each SOQL statement names them (IN (...), about 540 IDs per "
        "statement); above it, each object is read whole with the contract's filters and records of unmapped "
        "accounts are dropped: ceil(N/2000) calls instead of one or more per 540 accounts.",
    )
    phase2_by_describe: bool = Field(
        default=False,
        description="Ask describe whether Account has the Phase 2 fields (one more call every run) instead of "
        "asking for them and, in an org without them, repeating the Account query without them.",
    )

    def login_values(self) -> dict[str, Optional[str]]:
        """The resource's settings by environment key (what `login.choose_login` reads)."""
        return {key.name: getattr(self, key.field) for key in BY_KEY["salesforce"].env}

    def is_configured(self) -> bool:
        """True when some Salesforce credential is set (an incomplete set fails when the client opens)."""
        return choose_login(self.login_values()) is not None

    def open_client(self, log: LogFunction | None = None) -> "SalesforceClient":
        """Log in with simple_salesforce over a session carrying the shared retry policy."""
        import requests

        stats = CallStats()
        session = requests.Session()
        settings = self.retry_settings()
        transport = _CountedSalesforceTransport(
            stats, (settings.deadline_seconds, settings.max_reply_bytes), domain=self.domain,
            login_url_override=self.login_url_override, ca_bundle=self.ca_bundle,
            timeout=(self.connect_timeout, self.read_timeout),
            max_retries=build_retry(SOURCE, settings, log, stats),
        )
        session.mount("https://", transport)
        session.mount("http://", transport)
        return SalesforceClient(log_in(self.login_values(), session, log), stats)


class SalesforceClient:
    """Describe and paged SOQL through simple_salesforce, with failures named by call."""

    def __init__(self, sf: Salesforce, stats: CallStats) -> None:
        self.sf = sf
        self.stats = stats
        self.pages: dict[str, int] = {}
        self.repeated: dict[str, int] = {}  # object -> records dropped because their Id was already read

    def _call(self, call: str, action: Callable[[], T]) -> T:
        try:
            return action()
        except SalesforceError as error:
            raise SourceError(SOURCE, call, error_text(error.content), status=error.status) from None
        except ReplyRefused as error:
            raise SourceError(SOURCE, call, str(error).removeprefix(REFUSED)) from None
        except json.JSONDecodeError:  # before OSError: requests' JSONDecodeError is an OSError too
            raise SourceError(SOURCE, call, "the reply is not valid JSON") from None
        except OSError as error:
            raise SourceError(SOURCE, call, f"no reply after retries ({type(error).__name__})") from None
        except ValueError:
            raise SourceError(SOURCE, call, "the reply is not valid JSON") from None

    def describe_field_names(self, sobject: str) -> set[str]:
        """The field API names `describe` lists for `sobject`."""
        call = f"GET sobjects/{sobject}/describe"
        described = self._call(call, lambda: getattr(self.sf, sobject).describe())
        return {field.get("name") for field in require_records(described, SOURCE, call, "fields")}

    def iter_query_pages(self, soql: str, label: str, seen: set[str] | None = None) -> Iterator[list[dict]]:
        """Yield each batch of records of `soql`, following `nextRecordsUrl` to the end, each record once.

        `seen` holds the Ids already yielded for this object (share it across an object's statements).
        """
        call = f"GET query ({label})"
        cursors = CursorGuard(SOURCE, call)
        seen = set() if seen is None else seen
        reply = self._call(call, lambda: self.sf.query(soql))
        while True:
            records = require_records(reply, SOURCE, call, "records")
            done = optional_key(reply, SOURCE, call, "done", bool)
            locator = optional_key(reply, SOURCE, call, "nextRecordsUrl", str)
            self.pages[label] = self.pages.get(label, 0) + 1
            yield self._first_sight(records, seen, label)
            if done is not False or not locator:
                return
            cursors.check(locator)
            reply = self._call(call, lambda: self.sf.query_more(locator, identifier_is_url=True))

    def _first_sight(self, records: list[dict], seen: set[str], label: str) -> list[dict]:
        """The records whose Id this object has not yielded yet (a record repeated across pages counts once)."""
        fresh = []
        for record in records:
            record_id = record.get("Id")
            if record_id is not None and record_id in seen:
                self.repeated[label] = self.repeated.get(label, 0) + 1
                continue
            if record_id is not None:
                seen.add(record_id)
            fresh.append(record)
        return fresh
