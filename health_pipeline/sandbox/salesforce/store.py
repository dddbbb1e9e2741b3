"""The emulator's in-memory org: records per sObject, validated writes with Salesforce's error codes, upserts."""
from __future__ import annotations

import itertools
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterator

from health_pipeline.sandbox.salesforce.schema import OBJECTS, FieldSpec, ObjectSpec, find_object
from health_pipeline.sandbox.salesforce.soap import USER_ID
from health_pipeline.sandbox.salesforce.values import WriteError, coerce, format_datetime, make_id, normalize_id

Record = dict[str, Any]


class WriteFailure(Exception):
    """A record Salesforce would not save, with every error found."""

    def __init__(self, errors: list[WriteError]) -> None:
        super().__init__("; ".join(f"{e.status_code}: {e.message}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class Saved:
    """A record written: its Id and whether it was created."""

    id: str
    created: bool


class SalesforceStore:
    """Records per sObject keyed by 18-character Id, with a unique index per external-ID field; thread-safe."""

    def __init__(self, records: dict[str, list[dict]] | None = None, *, phase2_fields: bool = True) -> None:
        self.lock = threading.RLock()
        self.phase2 = phase2_fields
        self._data: dict[str, dict[str, Record]] = {name: {} for name in OBJECTS}
        self._unique: dict[tuple[str, str], dict[str, str]] = {
            (spec.name, f.name): {} for spec in OBJECTS.values() for f in spec.fields if f.unique}
        self._counter = itertools.count(1)
        self._actor = threading.local()
        for name, rows in (records or {}).items():
            spec = find_object(name)
            if spec is None:
                raise ValueError(f"seed data names an sObject the sandbox schema lacks: {name!r}")
            for index, row in enumerate(rows):
                self._put(spec, self._seed(spec, row, index))

    def _seed(self, spec: ObjectSpec, row: dict, index: int) -> Record:
        """A seed record with canonical field names and normalised values (no required or reference checks)."""
        record: Record = {f.name: None for f in spec.fields}
        for key, value in row.items():
            if key == "attributes":
                continue
            found = spec.field(key)
            if found is None:
                raise ValueError(f"seed {spec.name}[{index}] has a field the sandbox schema lacks: {key!r}")
            if found.type == "id":
                record["Id"] = normalize_id(value)
                if record["Id"] is None:
                    raise ValueError(f"seed {spec.name}[{index}] has a malformed Id: {value!r}")
            elif value is not None:
                try:
                    record[found.name] = coerce(found, value)
                except WriteError as error:
                    raise ValueError(f"seed {spec.name}[{index}]: {error.status_code}: {error.message}") from None
        record["Id"] = record["Id"] or self._new_id(spec)
        return record

    @contextmanager
    def acting_as(self, user_id: str) -> Iterator[None]:
        """Attribute this thread's writes inside the block to `user_id` (LastModifiedById, OwnerId)."""
        before = getattr(self._actor, "user_id", None)
        self._actor.user_id = user_id
        try:
            yield
        finally:
            self._actor.user_id = before

    def _stamps(self, spec: ObjectSpec, created: bool) -> Record:
        """The audit fields the org sets on a write: who and when (and, on create, owner and creation date)."""
        user = getattr(self._actor, "user_id", None) or USER_ID
        now = format_datetime(datetime.now(timezone.utc))
        stamps = {"LastModifiedById": user, "LastModifiedDate": now}
        if created:
            stamps |= {"OwnerId": user, "CreatedDate": now}
        return {name: value for name, value in stamps.items() if (found := spec.field(name)) is not None and found.system}

    def _new_id(self, spec: ObjectSpec) -> str:
        while True:
            candidate = make_id(spec.key_prefix, next(self._counter))
            if candidate not in self._data[spec.name]:
                return candidate

    def _put(self, spec: ObjectSpec, record: Record) -> None:
        old = self._data[spec.name].get(record["Id"])
        for (obj, name), index in self._unique.items():
            if obj != spec.name:
                continue
            if old is not None and old.get(name) is not None:
                index.pop(old[name].casefold(), None)
            if record.get(name) is not None:
                index[record[name].casefold()] = record["Id"]
        self._data[spec.name][record["Id"]] = record

    def records(self, sobject: str) -> list[Record]:
        """A snapshot of the object's records, in insertion order."""
        with self.lock:
            return list(self._data[sobject].values())

    def get(self, sobject: str, record_id: str) -> Record | None:
        """The record with `record_id` (15 or 18 characters), or None."""
        normalized = normalize_id(record_id)
        with self.lock:
            return self._data[sobject].get(normalized) if normalized else None

    def external_id_field(self, spec: ObjectSpec, name: str) -> str | None:
        """The canonical name of an external-ID field usable for upserts (or `Id`), else None."""
        found = spec.field(name, self.phase2)
        return found.name if found is not None and (found.external_id or found.type == "id") else None

    def find_unique(self, sobject: str, field: str, value: str) -> Record | None:
        """The record whose unique field `field` equals `value` (case-insensitive), or None."""
        with self.lock:
            found = self._unique.get((sobject, field), {}).get(str(value).casefold())
            return self._data[sobject].get(found) if found else None

    def _validated(self, spec: ObjectSpec, values: dict, existing: Record | None) -> Record:
        """The coerced changes, or WriteFailure with every error Salesforce would report."""
        errors: list[WriteError] = []
        changes: Record = {}
        for key, value in values.items():
            if key == "attributes":
                continue
            found = spec.field(key, self.phase2)
            if found is None:
                errors.append(WriteError("INVALID_FIELD", f"No such column '{key}' on sobject of type {spec.name}", [key]))
            elif not found.writable:
                errors.append(WriteError("INVALID_FIELD_FOR_INSERT_UPDATE", f"Unable to create/update fields: "
                                         f"{found.name}. Please check the security settings of this field.", [found.name]))
            else:
                try:
                    changes[found.name] = self._value(found, value)
                except WriteError as error:
                    errors.append(error)
        merged = {**(existing or {}), **changes}
        missing = [f.name for f in spec.visible_fields(self.phase2) if f.required and merged.get(f.name) is None
                   and not any(f.name in e.fields for e in errors)]
        if missing:
            errors.append(WriteError("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]",
                                     missing))
        for (obj, name), index in self._unique.items():
            holder = index.get(str(changes.get(name) or "").casefold()) if obj == spec.name else None
            if holder and (existing is None or holder != existing["Id"]):
                errors.append(WriteError("DUPLICATE_VALUE", f"duplicate value found: {name} duplicates value on "
                                         f"record with id: {holder}", [name]))
        if errors:
            raise WriteFailure(errors)
        return changes

    def _value(self, spec: FieldSpec, value: Any) -> Any:
        stored = coerce(spec, value)
        if spec.type == "reference" and stored is not None:
            target = OBJECTS[spec.reference_to or "Account"]
            if stored[:3] != target.key_prefix:
                raise WriteError("FIELD_INTEGRITY_EXCEPTION", f"{spec.display_label}: id value of incorrect type: "
                                 f"{value}", [spec.name])
            if stored not in self._data[target.name]:
                raise WriteError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [spec.name])
        return stored

    def create(self, spec: ObjectSpec, values: dict) -> Saved:
        """Insert one record (WriteFailure when invalid)."""
        with self.lock:
            changes = self._validated(spec, values, None)
            record = {f.name: None for f in spec.fields} | changes | self._stamps(spec, created=True)
            record["Id"] = self._new_id(spec)
            self._put(spec, record)
            return Saved(record["Id"], True)

    def update(self, spec: ObjectSpec, record_id: str, values: dict) -> Saved:
        """Update one record by Id (WriteFailure when invalid or absent)."""
        with self.lock:
            existing = self.get(spec.name, record_id)
            if existing is None:
                raise WriteFailure([WriteError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ["Id"])])
            changes = self._validated(spec, values, existing)
            self._put(spec, existing | changes | self._stamps(spec, created=False))
            return Saved(existing["Id"], False)

    def upsert(self, spec: ObjectSpec, ext_field: str, ext_value: Any, values: dict) -> Saved:
        """Create or update the record whose `ext_field` equals `ext_value` (WriteFailure when invalid)."""
        values = {k: v for k, v in values.items() if k.lower() != ext_field.lower()}
        with self.lock:
            if ext_field == "Id":
                return self.create(spec, values) if ext_value in (None, "") else self.update(spec, str(ext_value), values)
            if ext_value is None or str(ext_value) == "":
                raise WriteFailure([WriteError("MISSING_ARGUMENT", f"{ext_field} not specified", [])])
            existing = self.find_unique(spec.name, ext_field, ext_value)
            values[ext_field] = str(ext_value)
            if existing is None:
                return self.create(spec, values)
            return self.update(spec, existing["Id"], values)

    def delete(self, spec: ObjectSpec, record_id: str) -> bool:
        """Delete one record by Id; False when absent."""
        with self.lock:
            existing = self.get(spec.name, record_id)
            if existing is None:
                return False
            for (obj, name), index in self._unique.items():
                if obj == spec.name and existing.get(name) is not None:
                    index.pop(existing[name].casefold(), None)
            del self._data[spec.name][existing["Id"]]
            return True

    def save_batch(self, spec: ObjectSpec, rows: list[dict], ext_field: str | None,
                   all_or_none: bool = False) -> list[Saved | WriteFailure]:
        """Upsert (by `ext_field`) or insert (None) every row, one outcome per row in order."""
        values = [_lookup(row, ext_field) if ext_field else None for row in rows]
        counts = Counter(str(v).casefold() for v in values if v not in (None, "") and ext_field != "Id")
        outcomes: list[Saved | WriteFailure] = []
        with self.lock:
            snapshot = self._snapshot() if all_or_none else None
            for row, value in zip(rows, values):
                if counts.get(str(value).casefold(), 0) > 1:
                    outcomes.append(WriteFailure([WriteError(
                        "DUPLICATE_EXTERNAL_ID", f"Duplicate external id specified: {value}", [str(ext_field)])]))
                    continue
                try:
                    saved = self.create(spec, row) if ext_field is None else self.upsert(spec, ext_field, value, row)
                    outcomes.append(saved)
                except WriteFailure as failure:
                    outcomes.append(failure)
            if snapshot is not None and any(isinstance(o, WriteFailure) for o in outcomes):
                self._data, self._unique = snapshot
                rolled_back = WriteError("ALL_OR_NONE_OPERATION_ROLLED_BACK", "Record rolled back because not all "
                                         "records were valid and the request was using AllOrNone header", [])
                outcomes = [o if isinstance(o, WriteFailure) else WriteFailure([rolled_back]) for o in outcomes]
        return outcomes

    def _snapshot(self) -> tuple[dict, dict]:
        """Copies of the record maps and unique indexes (records themselves are never mutated in place)."""
        return ({name: dict(rows) for name, rows in self._data.items()},
                {key: dict(index) for key, index in self._unique.items()})


def _lookup(row: dict, name: str) -> Any:
    """A row's value for a field name, matched case-insensitively as Salesforce does."""
    return next((value for key, value in row.items() if key.lower() == name.lower()), None)
