"""Salesforce: the resource (credentials, domain, API version, sandbox trust) and a simple_salesforce client."""
from __future__ import annotations

from typing import Any, Callable, Iterator, Optional, TypeVar

from pydantic import Field
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceError

from health_pipeline.resources.base import HttpSourceResource
from health_pipeline.resources.errors import SourceError, short_body
from health_pipeline.resources.http import CallStats, LogFunction, build_retry, endpoint_name
from health_pipeline.resources.salesforce_session import SalesforceTransport

SOURCE = "Salesforce"
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
            raise SourceError(SOURCE, "SOAP login", f"{error.code}: {short_body(str(error.message))}") from None
        except (SalesforceError, OSError) as error:
            raise SourceError(SOURCE, "SOAP login", type(error).__name__) from None
        return SalesforceClient(sf, stats)


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
            raise SourceError(SOURCE, call, short_body(str(error.content)), status=error.status) from None
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
            self.pages[label] = self.pages.get(label, 0) + 1
            yield reply.get("records", [])
            locator = reply.get("nextRecordsUrl")
            if reply.get("done", True) or not locator:
                return
            reply = self._call(call, lambda: self.sf.query_more(locator, identifier_is_url=True))
