"""Salesforce's REST reply shapes shared by the emulator's handlers."""
from __future__ import annotations

from health_pipeline.sandbox.server.emulator import Response, json_response


def sf_error(status: int, code: str, message: str, fields: list[str] | None = None) -> Response:
    """Salesforce's REST error: a JSON array of `{message, errorCode[, fields]}`."""
    entry: dict = {"message": message, "errorCode": code}
    if fields is not None:
        entry["fields"] = fields
    return json_response(status, [entry])


def not_found() -> Response:
    """The 404 Salesforce gives for an unknown resource or record."""
    return sf_error(404, "NOT_FOUND", "The requested resource does not exist")
