"""The `requests.Session` handed to simple_salesforce: extra trusted CA, login routing and default timeouts.

Trust is injected as a transport (an `HTTPAdapter` holding an `ssl.SSLContext`) rather than through
`Session.verify`, because requests lets the `REQUESTS_CA_BUNDLE` environment variable override
`Session.verify`. The login override lets the unmodified client run its login (OAuth token or SOAP) against
another base URL (the sandbox emulator); data calls then follow the `serverUrl` that login returns.
"""
from __future__ import annotations

import re
import ssl
from typing import Any, Union
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

Timeout = Union[float, tuple[float, float]]

_DOMAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]*")


def trusting_ssl_context(ca_bundle: str | None) -> ssl.SSLContext | None:
    """The default trust store plus `ca_bundle` (None when there is nothing to add)."""
    if not ca_bundle:
        return None
    context = ssl.create_default_context()
    try:
        context.load_verify_locations(cafile=ca_bundle)
    except (OSError, ssl.SSLError) as error:
        raise ValueError(f"cannot load the CA bundle {ca_bundle!r}: {type(error).__name__}") from None
    return context


class SalesforceTransport(HTTPAdapter):
    """An HTTP adapter that trusts an extra CA, reroutes the login host and applies a default timeout."""

    def __init__(self, *, domain: str, login_url_override: str | None = None,
                 ca_bundle: str | None = None, timeout: Timeout | None = (5, 60), **kwargs: Any) -> None:
        if not _DOMAIN.fullmatch(domain or ""):
            raise ValueError("domain must be a Salesforce login domain such as 'login', 'test' or a My Domain name")
        self._login_prefix = f"https://{domain.lower()}.salesforce.com/"
        self._override = _base_url(login_url_override) if login_url_override else None
        self._ssl_context = trusting_ssl_context(ca_bundle)
        self._timeout = timeout
        super().__init__(**kwargs)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        """Build the pool manager with the trusting SSL context."""
        if self._ssl_context is not None:
            pool_kwargs.setdefault("ssl_context", self._ssl_context)
        super().init_poolmanager(connections, maxsize, block=block, **pool_kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        """Proxy managers get the same SSL context as direct connections."""
        if self._ssl_context is not None:
            proxy_kwargs.setdefault("ssl_context", self._ssl_context)
        return super().proxy_manager_for(proxy, **proxy_kwargs)

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        """Send, after rerouting a login-host URL to the override and filling in the default timeout."""
        if self._override and request.url and request.url.lower().startswith(self._login_prefix):
            request.url = self._override + request.url[len(self._login_prefix) - 1:]
        if timeout is None:
            timeout = self._timeout
        return super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies)


def _base_url(url: str) -> str:
    """`scheme://host[:port]` of an override URL, validated."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("login_url_override must be an absolute http(s) URL such as https://127.0.0.1:8443")
    return f"{parts.scheme}://{parts.netloc}"


def build_salesforce_session(*, domain: str, login_url_override: str | None = None,
                             ca_bundle: str | None = None, timeout: Timeout | None = (5, 60)) -> requests.Session:
    """A plain `requests.Session` with the Salesforce transport mounted for http and https."""
    session = requests.Session()
    adapter = SalesforceTransport(domain=domain, login_url_override=login_url_override,
                                  ca_bundle=ca_bundle, timeout=timeout)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
