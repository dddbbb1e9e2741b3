"""sObject row resources: create, read, update, delete, upsert by external ID and sObject Collections upsert."""
from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from health_pipeline.sandbox.salesforce.http import not_found, sf_error
from health_pipeline.sandbox.salesforce.schema import ObjectSpec, find_object
from health_pipeline.sandbox.salesforce.store import SalesforceStore, Saved, WriteFailure
from health_pipeline.sandbox.server.emulator import Request, Response, json_response

MAX_COLLECTION = 200


def _failure(failure: WriteFailure) -> Response:
    """400 with the errors as single-record REST calls report them."""
    return json_response(400, [error.as_rest() for error in failure.errors])


def _saved(saved: Saved, with_created: bool = True) -> dict:
    body: dict[str, Any] = {"id": saved.id, "success": True, "errors": []}
    if with_created:
        body["created"] = saved.created
    return body


class SObjectRows:
    """Handlers for `/sobjects/...` rows and `/composite/sobjects/...` over one store."""

    def __init__(self, store: SalesforceStore) -> None:
        self.store = store

    def _object_and_body(self, request: Request) -> tuple[ObjectSpec | None, Any, Response | None]:
        spec = find_object(request.params["object"])
        if spec is None:
            return None, None, not_found()
        try:
            return spec, request.json(), None
        except ValueError:
            return spec, None, sf_error(400, "JSON_PARSER_ERROR", "The request body is not valid JSON")

    def _record(self, spec: ObjectSpec, record: dict, request: Request) -> dict:
        """A record as `GET /sobjects/{Object}/{Id}` returns it (all visible fields, or `?fields=`)."""
        wanted = [f.strip() for f in (request.arg("fields") or "").split(",") if f.strip()]
        fields = [spec.field(name, self.store.phase2) for name in wanted] if wanted else spec.visible_fields(
            self.store.phase2)
        version = request.params["ver"]
        out = {"attributes": {"type": spec.name, "url": f"/services/data/v{version}/sobjects/{spec.name}/{record['Id']}"}}
        out.update({f.name: record.get(f.name) for f in fields if f is not None})
        return out

    def create(self, request: Request) -> Response:
        """POST /sobjects/{Object}/ -> 201 `{id, success, errors}`."""
        spec, body, error = self._object_and_body(request)
        if error is not None or spec is None:
            return error or not_found()
        if not isinstance(body, dict):
            return sf_error(400, "JSON_PARSER_ERROR", "Expected a JSON object")
        try:
            return json_response(201, _saved(self.store.create(spec, body), with_created=False))
        except WriteFailure as failure:
            return _failure(failure)

    def read(self, request: Request) -> Response:
        """GET /sobjects/{Object}/{Id}."""
        spec = find_object(request.params["object"])
        record = self.store.get(spec.name, request.params["id"]) if spec else None
        if spec is None or record is None:
            return not_found()
        return json_response(200, self._record(spec, record, request))

    def read_by_external_id(self, request: Request) -> Response:
        """GET /sobjects/{Object}/{ExternalIdField}/{value}."""
        spec = find_object(request.params["object"])
        ext = self.store.external_id_field(spec, request.params["field"]) if spec else None
        record = self.store.find_unique(spec.name, ext, unquote(request.params["value"])) if spec and ext else None
        if spec is None or record is None:
            return not_found()
        return json_response(200, self._record(spec, record, request))

    def update(self, request: Request) -> Response:
        """PATCH /sobjects/{Object}/{Id} -> 204."""
        spec, body, error = self._object_and_body(request)
        if error is not None or spec is None:
            return error or not_found()
        if self.store.get(spec.name, request.params["id"]) is None:
            return not_found()
        try:
            self.store.update(spec, request.params["id"], body if isinstance(body, dict) else {})
        except WriteFailure as failure:
            return _failure(failure)
        return Response(204, b"", "application/json")

    def delete(self, request: Request) -> Response:
        """DELETE /sobjects/{Object}/{Id} -> 204."""
        spec = find_object(request.params["object"])
        if spec is None or not self.store.delete(spec, request.params["id"]):
            return not_found()
        return Response(204, b"", "application/json")

    def upsert(self, request: Request) -> Response:
        """PATCH /sobjects/{Object}/{ExternalIdField}/{value} -> 201 created, 200 updated (API 46.0 and later)."""
        spec, body, error = self._object_and_body(request)
        if error is not None or spec is None:
            return error or not_found()
        ext = self.store.external_id_field(spec, request.params["field"])
        if ext is None:
            return sf_error(404, "NOT_FOUND", "Provided external ID field does not exist or is not accessible: "
                            f"{request.params['field']}")
        if not isinstance(body, dict):
            return sf_error(400, "JSON_PARSER_ERROR", "Expected a JSON object")
        try:
            saved = self.store.upsert(spec, ext, unquote(request.params["value"]), body)
        except WriteFailure as failure:
            return _failure(failure)
        return json_response(201 if saved.created else 200, _saved(saved))

    def upsert_collection(self, request: Request) -> Response:
        """PATCH /composite/sobjects/{Object}/{ExternalIdField}: one result per record, in request order."""
        spec, body, error = self._object_and_body(request)
        if error is not None or spec is None:
            return error or not_found()
        records = body.get("records") if isinstance(body, dict) else None
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            return sf_error(400, "JSON_PARSER_ERROR", "Expected {\"allOrNone\": bool, \"records\": [...]}")
        if len(records) > MAX_COLLECTION:
            return sf_error(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records "
                            "into this call")
        ext = self.store.external_id_field(spec, request.params["field"])
        if ext is None:
            return sf_error(400, "INVALID_FIELD", f"Field name provided, {request.params['field']} is not an External "
                            f"ID or indexed field for {spec.name}")
        for record in records:
            kind = (record.get("attributes") or {}).get("type") if isinstance(record.get("attributes"), dict) else None
            if kind is None or find_object(str(kind)) is not spec:
                return sf_error(400, "INVALID_TYPE", f"Each record needs attributes.type = '{spec.name}', the object "
                                "in the URL; got " + repr(kind))
        outcomes = self.store.save_batch(spec, records, ext, all_or_none=bool(body.get("allOrNone")))
        results = [_saved(o) if isinstance(o, Saved) else
                   {"success": False, "errors": [e.as_result() for e in o.errors]} for o in outcomes]
        return json_response(200, results)
