"""Runs a parsed SOQL query against stored records: field resolution, literal type checks, filter, sort, limit."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from health_pipeline.sandbox.salesforce.schema import NUMERIC_TYPES, TEXT_TYPES, FieldSpec, ObjectSpec, find_object
from health_pipeline.sandbox.salesforce.soql import (
    BoolOp,
    Compare,
    FieldRef,
    InList,
    Like,
    Literal,
    Not,
    Query,
    SoqlError,
    parse,
)
from health_pipeline.sandbox.salesforce.values import comparable

Record = dict[str, Any]
Predicate = Callable[[Record], bool]
ParentLookup = Callable[[str, str], "Record | None"]  # (sObject, Id) -> the stored record, None when absent

_LITERAL_KINDS = {"date": "DATE", "datetime": "DATETIME", "boolean": "BOOLEAN"}
_TYPE_WORDS = {"date": "date", "datetime": "dateTime", "boolean": "boolean"}
_ORDERED = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


@dataclass(frozen=True)
class ParentField:
    """A selected field of the parent record a reference points at (`Owner.Name`: Account.OwnerId -> User.Name)."""

    relationship: str
    reference: FieldSpec
    parent: ObjectSpec
    field: FieldSpec


class BoundQuery:
    """A query checked against the schema, ready to run over an object's records."""

    def __init__(self, soql: str, phase2: bool) -> None:
        self.soql = soql
        self.phase2 = phase2
        try:
            self.ast: Query = parse(soql)
            found = find_object(self.ast.sobject.name)
            if found is None:
                raise SoqlError("INVALID_TYPE", f"sObject type '{self.ast.sobject.name}' is not supported. If you are "
                                "attempting to use a custom object, be sure to append the '__c' after the entity "
                                "name. Please reference your WSDL or the describe call for the appropriate names.",
                                self.ast.sobject.pos)
            self.sobject: ObjectSpec = found
            self.fields = [self._parent_field(ref) if "." in ref.name else self._field(ref) for ref in self.ast.fields]
            self.predicate = self._condition(self.ast.where) if self.ast.where is not None else None
            self.order = [(self._field(item.field), item.descending, item.nulls_first) for item in self.ast.order]
        except SoqlError as error:
            error.message = error.render(soql)
            error.position = None
            raise

    def _parent_field(self, ref: FieldRef) -> ParentField:
        """A selected `Relationship.Field` one level up (the sandbox resolves no deeper path, nor one in WHERE)."""
        relationship, _, name = ref.name.partition(".")
        references = [spec for spec in self.sobject.fields if spec.reference_to and not (spec.phase2 and not self.phase2)]
        reference = next((spec for spec in references
                          if spec.describe()["relationshipName"].lower() == relationship.lower()), None)
        parent = find_object(reference.reference_to) if reference is not None and "." not in name else None
        if reference is None or parent is None:
            raise SoqlError("INVALID_FIELD", f"Didn't understand relationship '{relationship}' in field path. If you "
                            "are attempting to use a custom relationship, be sure to append the '__r' after the custom "
                            "relationship name. Please reference your WSDL or the describe call for the appropriate "
                            "names.", ref.pos)
        spec = parent.field(name, self.phase2)
        if spec is None:
            raise SoqlError("INVALID_FIELD", f"No such column '{name}' on entity '{parent.name}'. If you are "
                            "attempting to use a custom field, be sure to append the '__c' after the custom field "
                            "name. Please reference your WSDL or the describe call for the appropriate names.", ref.pos)
        return ParentField(reference.describe()["relationshipName"], reference, parent, spec)

    def _field(self, ref: FieldRef) -> FieldSpec:
        if "." in ref.name:
            raise SoqlError("INVALID_FIELD", f"Didn't understand relationship '{ref.name.split('.')[0]}' in field "
                            "path. The sandbox resolves relationship fields only in the SELECT list.", ref.pos)
        spec = self.sobject.field(ref.name, self.phase2)
        if spec is None:
            raise SoqlError("INVALID_FIELD", f"No such column '{ref.name}' on entity '{self.sobject.name}'. If you are "
                            "attempting to use a custom field, be sure to append the '__c' after the custom field "
                            "name. Please reference your WSDL or the describe call for the appropriate names.", ref.pos)
        return spec

    def _literal(self, spec: FieldSpec, literal: Literal) -> Any:
        """The comparison key of a literal, after checking its type fits the field."""
        if literal.kind == "NULL":
            return None
        if spec.type in TEXT_TYPES:
            expected = "STRING"
        elif spec.type in NUMERIC_TYPES:
            expected = "NUMBER"
        else:
            expected = _LITERAL_KINDS.get(spec.type, "STRING")
        if literal.kind != expected:
            word = _TYPE_WORDS.get(spec.type, "string" if expected == "STRING" else spec.type)
            quoting = "should be enclosed in quotes" if expected == "STRING" else "should not be enclosed in quotes"
            raise SoqlError("INVALID_FIELD", f"value of filter criterion for field '{spec.name}' must be of type "
                            f"{word} and {quoting}", literal.pos)
        return comparable(spec, literal.value)

    def _condition(self, node: Any) -> Predicate:
        if isinstance(node, BoolOp):
            parts = [self._condition(item) for item in node.items]
            if node.op == "AND":
                return lambda record: all(part(record) for part in parts)
            return lambda record: any(part(record) for part in parts)
        if isinstance(node, Not):
            inner = self._condition(node.item)
            return lambda record: not inner(record)
        spec = self._field(node.field)
        key = spec.name
        if isinstance(node, InList):
            wanted = {self._literal(spec, literal) for literal in node.values}
            if node.negate:
                return lambda record: comparable(spec, record.get(key)) not in wanted
            return lambda record: comparable(spec, record.get(key)) in wanted
        if isinstance(node, Like):
            if spec.type not in TEXT_TYPES:
                raise SoqlError("INVALID_FIELD", f"invalid operator on field: {spec.name}", node.field.pos)
            regex = re.compile(node.pattern.like or "", re.IGNORECASE | re.DOTALL)
            return lambda record: isinstance(record.get(key), str) and regex.fullmatch(record[key]) is not None
        assert isinstance(node, Compare)
        target = self._literal(spec, node.value)
        if node.op == "=":
            return lambda record: comparable(spec, record.get(key)) == target
        if node.op == "!=":
            return lambda record: comparable(spec, record.get(key)) != target
        compare = _ORDERED[node.op]

        def ordered(record: Record) -> bool:
            """SOQL's ordered comparison: a null never matches."""
            value = comparable(spec, record.get(key))
            return value is not None and target is not None and compare(value, target)
        return ordered

    def run(self, records: Iterable[Record]) -> list[Record]:
        """The matching records, sorted, after OFFSET and LIMIT (stored dicts, not copies)."""
        rows = [r for r in records if self.predicate is None or self.predicate(r)]
        for spec, descending, nulls_first in reversed(self.order):
            none_rank = 2 if nulls_first == descending else 0
            rows.sort(key=lambda r, s=spec, n=none_rank: (n,) if r.get(s.name) is None else (1, comparable(s, r[s.name])),
                      reverse=descending)
        rows = rows[self.ast.offset:]
        return rows if self.ast.limit is None else rows[:self.ast.limit]

    def project(self, record: Record, version: str, lookup: ParentLookup | None = None) -> Record:
        """One result record: `attributes` then the selected fields by their API names; a parent's fields nest under
        its relationship name as Salesforce nests them (null when the reference is empty or points at nothing)."""
        out: Record = {"attributes": _attributes(self.sobject.name, record["Id"], version)}
        parents: dict[str, Record | None] = {}
        for spec in self.fields:
            if isinstance(spec, FieldSpec):
                out[spec.name] = record.get(spec.name)
                continue
            if spec.relationship not in parents:
                target = record.get(spec.reference.name)
                parents[spec.relationship] = lookup(spec.parent.name, target) if lookup is not None and target else None
                parent = parents[spec.relationship]
                out[spec.relationship] = None if parent is None else {
                    "attributes": _attributes(spec.parent.name, parent["Id"], version)}
            parent = parents[spec.relationship]
            if parent is not None:
                out[spec.relationship][spec.field.name] = parent.get(spec.field.name)
        return out


def _attributes(sobject: str, record_id: str, version: str) -> Record:
    """The `attributes` entry of a query result record."""
    return {"type": sobject, "url": f"/services/data/v{version}/sobjects/{sobject}/{record_id}"}
