"""Which Salesforce login the configured values select (OAuth 2.0 client credentials, JWT bearer, or the legacy
SOAP password login) and, in one sentence naming the variables, what is wrong with them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

DEFAULT_API_VERSION = "65.0"
SOAP_LAST_VERSION = 64.0  # SOAP login() is not available from API 65.0 on
SOAP_RETIREMENT = ("the SOAP password login (SF_PASSWORD) is legacy: Salesforce retires SOAP login() in "
                   "Summer '27 and it is not available from API version 65.0; switch to OAuth 2.0 client "
                   "credentials or JWT bearer")
SHARED_DOMAINS = frozenset({"login", "test"})


@dataclass(frozen=True)
class LoginMethod:
    """One way of logging in: its name (used to name the call in errors) and the settings it needs."""

    name: str
    call: str
    needs: tuple[str, ...]


CLIENT_CREDENTIALS = LoginMethod("OAuth 2.0 client credentials", "POST oauth2/token (client credentials)",
                                 ("SF_CONSUMER_KEY", "SF_CONSUMER_SECRET", "SF_DOMAIN"))
JWT_BEARER = LoginMethod("OAuth 2.0 JWT bearer", "POST oauth2/token (JWT bearer)",
                         ("SF_USERNAME", "SF_CONSUMER_KEY", "SF_PRIVATE_KEY or SF_PRIVATE_KEY_FILE"))
SOAP_PASSWORD = LoginMethod("SOAP password login (legacy)", "SOAP login",
                            ("SF_USERNAME", "SF_PASSWORD", "SF_SECURITY_TOKEN"))


def _set(values: Mapping[str, Optional[str]], key: str) -> bool:
    value = values.get(key)
    return value is not None and bool(str(value).strip())


def choose_login(values: Mapping[str, Optional[str]]) -> LoginMethod | None:
    """The method the set variables select (a private key: JWT; a consumer secret: client credentials; a
    password: legacy SOAP), or None when no Salesforce credential is set at all."""
    if _set(values, "SF_PRIVATE_KEY") or _set(values, "SF_PRIVATE_KEY_FILE"):
        return JWT_BEARER
    if _set(values, "SF_CONSUMER_SECRET"):
        return CLIENT_CREDENTIALS
    if _set(values, "SF_PASSWORD"):
        return SOAP_PASSWORD
    if _set(values, "SF_CONSUMER_KEY") or _set(values, "SF_USERNAME") or _set(values, "SF_SECURITY_TOKEN"):
        return CLIENT_CREDENTIALS  # an incomplete OAuth setup: reported as such by `login_problem`
    return None


def needed_keys(values: Mapping[str, Optional[str]]) -> list[str]:
    """The variables the selected login needs (client credentials when none is selected yet)."""
    method = choose_login(values) or CLIENT_CREDENTIALS
    keys = [need.split(" or ")[0] for need in method.needs]
    if method is JWT_BEARER and _set(values, "SF_PRIVATE_KEY_FILE"):
        keys[-1] = "SF_PRIVATE_KEY_FILE"
    return keys


def api_version_number(version: str) -> float:
    """The API version as a number ('65.0' -> 65.0); ValueError naming SF_API_VERSION when it is not one."""
    text = (version or "").strip()
    try:
        number = float(text.removeprefix("v"))
    except ValueError:
        raise ValueError(f"SF_API_VERSION={text!r} is not a Salesforce API version such as {DEFAULT_API_VERSION}") \
            from None
    if text.startswith("v") or not text.endswith(".0") or number < 20:
        raise ValueError(f"SF_API_VERSION={text!r} is not a Salesforce API version such as {DEFAULT_API_VERSION}")
    return number


def login_problem(values: Mapping[str, Optional[str]]) -> str | None:
    """One sentence saying why the set variables cannot log in, or None when they can (or none is set)."""
    method = choose_login(values)
    if method is None:
        return None
    version = str(values.get("SF_API_VERSION") or DEFAULT_API_VERSION)
    try:
        number = api_version_number(version)
    except ValueError as error:
        return str(error)
    missing = [need for need in method.needs if not any(_set(values, key) for key in need.split(" or "))]
    if method is SOAP_PASSWORD:
        missing = [key for key in missing if key != "SF_SECURITY_TOKEN" or values.get(key) is None]
    if missing:
        return f"Salesforce {method.name} needs {', '.join(missing)} (set: {', '.join(set_keys(values))})"
    if method is CLIENT_CREDENTIALS and str(values.get("SF_DOMAIN")).strip().lower() in SHARED_DOMAINS:
        return ("Salesforce OAuth 2.0 client credentials needs SF_DOMAIN to be the org's My Domain (such as "
                "'acme.my'), not 'login' or 'test'")
    if method is SOAP_PASSWORD and number > SOAP_LAST_VERSION:
        return (f"Salesforce refuses the SOAP password login at API version {version} (SOAP login() is not "
                f"available from 65.0): use OAuth 2.0 (SF_CONSUMER_KEY with SF_CONSUMER_SECRET or SF_PRIVATE_KEY), "
                f"or set SF_API_VERSION to 64.0 or lower until Summer '27")
    return None


def set_keys(values: Mapping[str, Optional[str]]) -> list[str]:
    """The Salesforce credential variables that are set (names only, never values)."""
    keys = ("SF_CONSUMER_KEY", "SF_CONSUMER_SECRET", "SF_USERNAME", "SF_PRIVATE_KEY", "SF_PRIVATE_KEY_FILE",
            "SF_PASSWORD", "SF_SECURITY_TOKEN", "SF_DOMAIN")
    return [key for key in keys if _set(values, key)] or ["none"]
