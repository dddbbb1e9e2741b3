"""Salesforce: the resource (credentials, domain, API version, sandbox trust) and a simple_salesforce client."""
from __future__ import annotations

import json
from typing import Any, Callable, Iterator, Optional, TypeVar
from xml.parsers.expat import ExpatError

from pydantic import Field
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceError

from health_pipeline.sources.common.errors import SourceError, short_body
from health_pipeline.sources.common.http import CallStats, LogFunction, build_retry, endpoint_name
from health_pipeline.sources.common.resource import HttpSourceResource
from health_pipeline.sources.salesforce.session import SalesforceTransport

SOURCE = "Salesforce"
LOGIN_CALL = "SOAP login"
T = TypeVar("T")


class _CountedSalesforceTransport(SalesforceTransport):
    """The Salesforce transport with the shared retry policy and per-endpoint call counting."""

    def __init__(self, stats: CallStats, **kwargs: Any) -> None:
        self._stats = stats
        super().__init__(**kwargs)

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """Count the call, then send it through the retrying transport."""
        self._stats.count_call(endpoint_name(request.method, request.url))
        return super().send(request, *args, **kwargs)


class SalesforceResource(HttpSourceResource):
    """Salesforce REST access with the SOAP password login of simple_salesforce."""

    username: Optional[str] = Field(default=None, description="API user name (from SF_USERNAME).")
    password: Optional[str] = Field(default=None, description="API user password (secret; from SF_PASSWORD).")
    security_token: Optional[str] = Field(default=None, description="The user's security token (secret; SF_SECURITY_TOKEN).")
    domain: str = Field(default="login", description="Login domain: 'login', 'test' (sandbox orgs) or a My Domain name.")
    api_version: str = Field(default="59.0", description="Salesforce REST API version.")
    login_url_override: Optional[str] = Field(
        default=None, description="Send the SOAP login here instead of https://{domain}.salesforce.com (the sandbox)."
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

    def is_configured(self) -> bool:
        """True when the user name, password and security token are all set."""
        return bool(self.username and self.password and self.security_token is not None)

    def open_client(self, log: LogFunction | None = None) -> "SalesforceClient":
        """Log in with simple_salesforce over a session carrying the shared retry policy."""
        import requests

        stats = CallStats()
        session = requests.Session()
        transport = _CountedSalesforceTransport(
            stats, domain=self.domain, login_url_override=self.login_url_override, ca_bundle=self.ca_bundle,
            timeout=(self.connect_timeout, self.read_timeout),
            max_retries=build_retry(SOURCE, self.retry_settings(), log, stats),
        )
        session.mount("https://", transport)
        session.mount("http://", transport)
        try:
            sf = Salesforce(username=self.username, password=self.password, security_token=self.security_token or "",
                            domain=self.domain, version=self.api_version, session=session)
        except SalesforceAuthenticationFailed as error:
            raise _login_failure(error) from None
        except ExpatError:
            raise SourceError(SOURCE, LOGIN_CALL, "the reply is not valid XML") from None
        except OSError as error:
            raise SourceError(SOURCE, LOGIN_CALL, f"no reply after retries ({type(error).__name__})") from None
        except SalesforceError as error:
            raise SourceError(SOURCE, LOGIN_CALL, type(error).__name__) from None
        return SalesforceClient(sf, stats)


def _login_failure(error: SalesforceAuthenticationFailed) -> SourceError:
    """The SOAP login's failure: Salesforce's fault code and message, or the HTTP status of a non-SOAP reply.

    simple_salesforce puts the HTTP status in `code` when the reply is not a SOAP fault; its `message` is an
    unformatted template, so the text comes from `auth_message` (the fault message or the reply body).
    """
    text = getattr(error, "auth_message", None) or ""
    if isinstance(error.code, int):
        return SourceError(SOURCE, LOGIN_CALL, _error_text(text) if text else "no fault message", status=error.code)
    text = short_body(text)
    return SourceError(SOURCE, LOGIN_CALL, f"{error.code}: {text}" if text else str(error.code))


class SalesforceClient:
    """Describe and paged SOQL through simple_salesforce, with failures named by call."""

    def __init__(self, sf: Salesforce, stats: CallStats) -> None:
        self.sf = sf
        self.stats = stats
        self.pages: dict[str, int] = {}

    def _call(self, call: str, action: Callable[[], T]) -> T:
        try:
            return action()
        except SalesforceError as error:
            raise SourceError(SOURCE, call, _error_text(error.content), status=error.status) from None
        except json.JSONDecodeError:  # before OSError: requests' JSONDecodeError is an OSError too
            raise SourceError(SOURCE, call, "the reply is not valid JSON") from None
        except OSError as error:
            raise SourceError(SOURCE, call, f"no reply after retries ({type(error).__name__})") from None
        except ValueError:
            raise SourceError(SOURCE, call, "the reply is not valid JSON") from None

    def describe_field_names(self, sobject: str) -> set[str]:
        """The field API names `describe` lists for `sobject`."""
        described = self._call(f"GET sobjects/{sobject}/describe", lambda: getattr(self.sf, sobject).describe())
        return {field["name"] for field in described.get("fields", [])}

    def iter_query_pages(self, soql: str, label: str) -> Iterator[list[dict]]:
        """Yield each batch of records of `soql`, following `nextRecordsUrl` to the end."""
        call = f"GET query ({label})"
        reply = self._call(call, lambda: self.sf.query(soql))
        while True:
            if not isinstance(reply, dict) or not isinstance(reply.get("records", []), list):
                raise SourceError(SOURCE, call, "the reply is not a query result (no records list)")
            self.pages[label] = self.pages.get(label, 0) + 1
            yield reply.get("records", [])
            locator = reply.get("nextRecordsUrl")
            if reply.get("done", True) or not locator:
                return
            reply = self._call(call, lambda: self.sf.query_more(locator, identifier_is_url=True))


def _error_text(content: Any) -> str:
    """Salesforce's error reply (a JSON array of {errorCode, message}, parsed or not) as `CODE: message` text."""
    if isinstance(content, (bytes, bytearray)):
        content = content.decode("utf-8", "replace")
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except ValueError:
            return short_body(content)
    items = content if isinstance(content, list) else [content]
    parts = [f"{item.get('errorCode', '?')}: {item.get('message', '')}" if isinstance(item, dict) else str(item)
             for item in items]
    return short_body("; ".join(parts))
