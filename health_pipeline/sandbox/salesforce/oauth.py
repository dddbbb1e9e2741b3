"""Salesforce's OAuth 2.0 token endpoint for a server-to-server connected app: client credentials and JWT bearer.

`POST /services/oauth2/token` answers 200 with `{access_token, instance_url, id, token_type, issued_at,
signature, scope}`, or 400 with `{"error": "invalid_client" | "invalid_grant" | ..., "error_description"}`.
A JWT assertion must be RS256-signed by the key of the certificate registered on the connected app, its
`iss` the consumer key, its `sub` the integration user, its `aud` a login URL, and its `exp` within
three minutes from now.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Callable

import jwt
from cryptography import x509

from health_pipeline.sandbox.salesforce.soap import ORG_ID, USER_ID
from health_pipeline.sandbox.server.emulator import Request, Response, json_response

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
MAX_EXP_AHEAD_SECONDS = 180
CLOCK_SKEW_SECONDS = 5


@dataclass(frozen=True)
class ConnectedApp:
    """One connected app: its consumer key and secret, My Domain, JWT certificate and integration user."""

    consumer_key: str
    consumer_secret: str
    my_domain: str
    username: str
    certificate_pem: bytes | None = None

    def audiences(self) -> list[str]:
        """The `aud` values Salesforce accepts: the login hosts and the My Domain."""
        return ["https://login.salesforce.com", "https://test.salesforce.com",
                f"https://{self.my_domain}.salesforce.com"]


def oauth_error(error: str, description: str) -> Response:
    """Salesforce's OAuth failure: HTTP 400 with `error` and `error_description`."""
    return json_response(400, {"error": error, "error_description": description})


class TokenEndpoint:
    """Issues access tokens to one connected app; `new_session` registers a session and returns its token."""

    def __init__(self, app: ConnectedApp, new_session: Callable[[], str], instance_url: Callable[[Request], str]):
        self.app = app
        self._new_session = new_session
        self._instance_url = instance_url

    def token(self, request: Request) -> Response:
        """Handle `POST /services/oauth2/token` for the client-credentials and JWT-bearer grants."""
        form = request.form()
        grant = form.get("grant_type")
        if grant == "client_credentials":
            refused = self._check_client(request, form)
        elif grant == JWT_GRANT:
            refused = self._check_assertion(form.get("assertion") or "")
        else:
            return oauth_error("unsupported_grant_type", "grant type not supported")
        return refused or self._grant(request)

    def _check_client(self, request: Request, form: dict[str, str]) -> Response | None:
        """The client's key and secret, from HTTP Basic or the form."""
        scheme, _, encoded = (request.header("authorization") or "").partition(" ")
        key, secret = form.get("client_id", ""), form.get("client_secret", "")
        if scheme.lower() == "basic":
            try:
                key, _, secret = base64.b64decode(encoded).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                return oauth_error("invalid_client", "invalid client credentials")
        if not hmac.compare_digest(key.encode(), self.app.consumer_key.encode()):
            return oauth_error("invalid_client_id", "client identifier invalid")
        if not hmac.compare_digest(secret.encode(), self.app.consumer_secret.encode()):
            return oauth_error("invalid_client", "invalid client credentials")
        return None

    def _check_assertion(self, assertion: str) -> Response | None:
        """The JWT's signature against the registered certificate, then `iss`, `sub`, `aud` and `exp`."""
        if self.app.certificate_pem is None:
            return oauth_error("invalid_grant", "no certificate is registered for this connected app")
        public_key = x509.load_pem_x509_certificate(self.app.certificate_pem).public_key()
        try:
            claims = jwt.decode(assertion, public_key, algorithms=["RS256"], audience=self.app.audiences(),
                                leeway=CLOCK_SKEW_SECONDS, options={"require": ["iss", "sub", "aud", "exp"]})
        except jwt.InvalidAudienceError:
            return oauth_error("invalid_grant", "audience is invalid")
        except jwt.ExpiredSignatureError:
            return oauth_error("invalid_grant", "expired assertion")
        except jwt.PyJWTError:
            return oauth_error("invalid_grant", "invalid assertion")
        if claims["iss"] != self.app.consumer_key:
            return oauth_error("invalid_client_id", "client identifier invalid")
        if claims["sub"] != self.app.username:
            return oauth_error("invalid_grant", "invalid user")
        if float(claims["exp"]) > time.time() + MAX_EXP_AHEAD_SECONDS + CLOCK_SKEW_SECONDS:
            return oauth_error("invalid_grant", "invalid assertion: exp is more than 3 minutes ahead")
        return None

    def _grant(self, request: Request) -> Response:
        """The 200 reply with a new access token."""
        token = self._new_session()
        instance = self._instance_url(request)
        issued = str(int(time.time() * 1000))
        identity = f"https://login.salesforce.com/id/{ORG_ID}/{USER_ID}"
        signature = base64.b64encode(hmac.new(self.app.consumer_secret.encode(), (identity + issued).encode(),
                                              hashlib.sha256).digest()).decode()
        return json_response(200, {"access_token": token, "instance_url": instance, "id": identity,
                                   "token_type": "Bearer", "issued_at": issued, "signature": signature,
                                   "scope": "api"})
