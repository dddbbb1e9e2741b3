"""Logging in to Salesforce with simple_salesforce by the method the settings select, failures named by call."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping, Optional
from xml.parsers.expat import ExpatError

import requests
from jwt.exceptions import InvalidKeyError
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceError

from health_pipeline.sources.common.errors import SourceError, short_body
from health_pipeline.sources.common.http import LogFunction
from health_pipeline.sources.salesforce.login import (
    CLIENT_CREDENTIALS,
    JWT_BEARER,
    SOAP_RETIREMENT,
    LoginMethod,
    choose_login,
    login_problem,
)

SOURCE = "Salesforce"


def log_in(values: Mapping[str, Optional[str]], session: requests.Session, log: LogFunction | None) -> Salesforce:
    """A logged-in simple_salesforce client (`values` by environment key); SourceError naming the login call."""
    method = choose_login(values)
    problem = login_problem(values)
    if method is None or problem:
        raise SourceError(SOURCE, method.call if method else "login", problem or "no credentials are set")
    if method not in (CLIENT_CREDENTIALS, JWT_BEARER) and log is not None:
        log(SOAP_RETIREMENT)
    arguments = _arguments(method, values)
    last_reply: list[requests.Response] = []
    session.hooks["response"].append(lambda reply, *args, **kwargs: last_reply.append(reply))
    try:
        return Salesforce(**arguments, domain=str(values.get("SF_DOMAIN") or "login"),
                          version=str(values["SF_API_VERSION"]), session=session)
    except SalesforceAuthenticationFailed as error:
        raise _login_failure(method, error) from None
    except (AttributeError, TypeError):  # simple_salesforce reads an unexpected token reply this way
        raise _unexpected_reply(method, last_reply) from None
    except ExpatError:
        raise SourceError(SOURCE, method.call, "the reply is not valid XML") from None
    except (ValueError, InvalidKeyError):  # PyJWT cannot sign with the private key
        raise SourceError(SOURCE, method.call, "the private key is not a PEM RSA private key") from None
    except OSError as error:
        raise SourceError(SOURCE, method.call, f"no reply after retries ({type(error).__name__})") from None
    except SalesforceError as error:
        raise SourceError(SOURCE, method.call, type(error).__name__) from None


def _arguments(method: LoginMethod, values: Mapping[str, Optional[str]]) -> dict[str, Any]:
    """simple_salesforce's keyword arguments for `method`."""
    if method is CLIENT_CREDENTIALS:
        return {"consumer_key": values["SF_CONSUMER_KEY"], "consumer_secret": values["SF_CONSUMER_SECRET"]}
    if method is JWT_BEARER:
        return {"username": values["SF_USERNAME"], "consumer_key": values["SF_CONSUMER_KEY"],
                "privatekey": values.get("SF_PRIVATE_KEY") or _read_key(method, str(values["SF_PRIVATE_KEY_FILE"]))}
    return {"username": values["SF_USERNAME"], "password": values["SF_PASSWORD"],
            "security_token": values.get("SF_SECURITY_TOKEN") or ""}


def _read_key(method: LoginMethod, path: str) -> str:
    """The PEM text of SF_PRIVATE_KEY_FILE."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SourceError(SOURCE, method.call,
                          f"cannot read SF_PRIVATE_KEY_FILE {path!r} ({type(error).__name__})") from None


def _login_failure(method: LoginMethod, error: SalesforceAuthenticationFailed) -> SourceError:
    """The login's failure: Salesforce's error code and description, or the HTTP status of an unparsable reply.

    simple_salesforce puts the HTTP status in `code` when the reply is not a SOAP fault or OAuth JSON; its
    `message` is an unformatted template, so the text comes from `auth_message`.
    """
    text = getattr(error, "auth_message", None) or ""
    if error.code == 200:  # a token reply cut short: its text may hold the access token, so it is not shown
        return SourceError(SOURCE, method.call, "the reply is not valid JSON")
    if isinstance(error.code, int):
        return SourceError(SOURCE, method.call, error_text(text) if text else "no error description",
                           status=error.code)
    text = short_body(text)
    return SourceError(SOURCE, method.call, f"{error.code}: {text}" if text else str(error.code))


def _unexpected_reply(method: LoginMethod, replies: list[requests.Response]) -> SourceError:
    """A login reply simple_salesforce could not read: an error status with Salesforce's body, or a wrong shape."""
    reply = replies[-1] if replies else None
    if reply is not None and reply.status_code != 200:
        return SourceError(SOURCE, method.call, error_text(reply.text), status=reply.status_code)
    return SourceError(SOURCE, method.call, "the reply has no access_token or instance_url")


def error_text(content: Any) -> str:
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
