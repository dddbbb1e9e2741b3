"""The Salesforce schema the emulator serves (docs/sandbox-data.md): objects, fields, types, picklists."""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field

PAYMENT_STATUSES = ("Current", "1-30 Days Late", "31-60 Days Late", "60+ Days Late", "Collections")
TIERS = ("Bronze", "Silver", "Gold", "Platinum")
HEALTH_TIERS = ("Champion", "Healthy", "At Risk", "Critical", "No Data")
NUMERIC_TYPES = frozenset({"double", "currency", "percent", "int"})
TEXT_TYPES = frozenset({"string", "textarea", "picklist", "id", "reference"})
ALERT_FEEDBACK = ("accurate", "somewhat_accurate", "inaccurate")


@dataclass(frozen=True)
class FieldSpec:
    """One field as describe reports it, plus what writes enforce."""

    name: str
    type: str
    label: str = ""
    length: int = 0
    precision: int = 0
    scale: int = 0
    picklist: tuple[str, ...] = ()
    reference_to: str | None = None
    required: bool = False
    external_id: bool = False
    unique: bool = False
    phase2: bool = False
    minimum: float | None = None
    maximum: float | None = None
    system: bool = False  # set by the org itself on every write (audit fields), never by the API

    @property
    def writable(self) -> bool:
        """Whether the API may set this field."""
        return self.type != "id" and not self.system

    @property
    def display_label(self) -> str:
        """The label Salesforce shows in messages."""
        return self.label or _label(self.name)

    @property
    def nillable(self) -> bool:
        """Whether the field may hold null."""
        return not self.required and self.type not in ("id", "boolean")

    def describe(self) -> dict:
        """The field entry of a describe reply."""
        return {
            "name": self.name, "type": self.type, "label": self.display_label,
            "nillable": self.nillable, "externalId": self.external_id, "unique": self.unique,
            "idLookup": self.external_id or self.type == "id", "custom": self.name.endswith("__c"),
            "createable": self.writable, "updateable": self.writable, "filterable": True, "sortable": True,
            "length": self.length, "precision": self.precision, "scale": self.scale,
            "referenceTo": [self.reference_to] if self.reference_to else [],
            "relationshipName": _relationship(self.name) if self.reference_to else None,
            "restrictedPicklist": bool(self.picklist),
            "picklistValues": [{"active": True, "defaultValue": False, "label": v, "value": v, "validFor": None}
                               for v in self.picklist],
            "soapType": _SOAP_TYPES.get(self.type, "xsd:string"),
            "defaultedOnCreate": self.type in ("id", "boolean"), "calculated": False, "autoNumber": False,
        }


@dataclass(frozen=True)
class ObjectSpec:
    """One sObject: its key prefix and fields in describe order."""

    name: str
    key_prefix: str
    fields: tuple[FieldSpec, ...]
    label: str = ""
    by_lower: dict[str, FieldSpec] = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_lower", {f.name.lower(): f for f in self.fields})

    def field(self, name: str, phase2: bool = True) -> FieldSpec | None:
        """The field named `name` (case-insensitive), None when unknown or switched off."""
        spec = self.by_lower.get(name.lower())
        return None if spec is None or (spec.phase2 and not phase2) else spec

    def visible_fields(self, phase2: bool = True) -> list[FieldSpec]:
        """The fields describe lists."""
        return [f for f in self.fields if phase2 or not f.phase2]


_SOAP_TYPES = {"id": "tns:ID", "reference": "tns:ID", "double": "xsd:double", "currency": "xsd:double",
               "percent": "xsd:double", "int": "xsd:int", "date": "xsd:date", "datetime": "xsd:dateTime",
               "boolean": "xsd:boolean"}


def _label(name: str) -> str:
    """`Prior_Year_ARR__c` -> `Prior Year ARR`."""
    return name.removesuffix("__c").replace("_", " ")


def _relationship(name: str) -> str:
    """The relationship name of a reference field (`AccountId` -> `Account`, `Account__c` -> `Account__r`)."""
    return name[:-3] + "__r" if name.endswith("__c") else name.removesuffix("Id")


def _id() -> FieldSpec:
    return FieldSpec("Id", "id", "Record ID", length=18)


def _text(name: str, length: int = 255, **kw) -> FieldSpec:
    return FieldSpec(name, "string", length=length, **kw)


def _pick(name: str, values: tuple[str, ...], **kw) -> FieldSpec:
    return FieldSpec(name, "picklist", length=255, picklist=values, **kw)


def _num(name: str, kind: str = "double", precision: int = 18, scale: int = 2, **kw) -> FieldSpec:
    return FieldSpec(name, kind, precision=precision, scale=scale, **kw)


def _ref(name: str, **kw) -> FieldSpec:
    return FieldSpec(name, "reference", length=18, reference_to="Account", **kw)


def _date(name: str, **kw) -> FieldSpec:
    return FieldSpec(name, "date", **kw)


def _audit() -> tuple[FieldSpec, ...]:
    """Who last wrote a record and when: the org stamps them on every create and update."""
    return (FieldSpec("LastModifiedById", "reference", "Last Modified By ID", length=18, reference_to="User",
                      system=True),
            FieldSpec("LastModifiedDate", "datetime", "Last Modified Date", system=True))


def _owner() -> FieldSpec:
    return FieldSpec("OwnerId", "reference", "Owner ID", length=18, reference_to="User")


OBJECTS: dict[str, ObjectSpec] = {spec.name: spec for spec in (
    ObjectSpec("Account", "001", (
        _id(), _text("Name", required=True, label="Account Name"), _pick("Segment__c", ("paid", "standard")),
        _num("ARR__c", "currency"), _num("Prior_Year_ARR__c", "currency"),
        _pick("Payment_Status__c", PAYMENT_STATUSES), _pick("Contracted_Tier__c", TIERS), _pick("Usage_Tier__c", TIERS),
        _num("QBR_Attendance_Rate__c", "percent", 5, 2, phase2=True), _date("Champion_Since__c", phase2=True),
        _num("Expansion_Signals__c", "double", 18, 0, phase2=True), _owner(),
    )),
    ObjectSpec("Opportunity", "006", (
        _id(), _ref("AccountId", label="Account ID"), _text("Name", 120, required=True),
        _pick("Type", ("New Business", "Renewal", "Expansion", "Upsell")), _text("StageName", required=True),
        _date("CloseDate", required=True), _num("Amount", "currency"), FieldSpec("IsClosed", "boolean", "Closed"),
        FieldSpec("IsWon", "boolean", "Won"),
    )),
    ObjectSpec("Contract", "800", (
        _id(), _ref("AccountId", required=True, label="Account ID"), _date("StartDate"), _date("EndDate"),
        _text("Status", 40), _pick("Change_Type__c", ("New", "Renewal", "Upgrade", "Downgrade")),
    )),
    ObjectSpec("Case", "500", (
        _id(), _ref("AccountId", label="Account ID"), _text("Subject"), _text("Type", 40), _text("Status", 40),
        _text("Priority", 40), FieldSpec("CreatedDate", "datetime", "Created Date"),
    )),
    ObjectSpec("Churn_Signal__c", "a01", (
        _id(), _text("Name", 80), _ref("Account__c", required=True), _pick("Severity__c", ("Critical", "Moderate", "Watch")),
        _text("Type__c"), _date("Detected_Date__c"), _date("Resolved_Date__c"),
    )),
    ObjectSpec("Health_Score__c", "a02", (
        _id(), _text("Name", 80), _ref("Account__c", required=True),
        _text("Health_Score_Key__c", 80, external_id=True, unique=True), _text("Period__c", 7),
        _num("Health_Score__c", precision=5, scale=2, minimum=0, maximum=100), _num("Churn_Risk_Score__c"),
        _pick("Tier__c", HEALTH_TIERS),
        _num("Coverage__c", "percent", 5, 2), _num("Support_Score__c"), _num("Financial_Score__c"),
        _num("Adoption_Score__c"), _num("Relationship_Score__c"), _num("Platform_Value__c"),
        _text("Modifier_Applied__c"), FieldSpec("Top_Risk_Factors__c", "textarea", length=255),
        _num("Previous_Score__c"), _num("Score_Change__c"), FieldSpec("Scored_At__c", "datetime"),
        _pick("Previous_Tier__c", HEALTH_TIERS),
        _num("Computed_Score__c", precision=5, scale=2, minimum=0, maximum=100), _text("Override_Reason__c"),
        _date("Override_Expires__c"), _text("Sync_Fingerprint__c", 64), FieldSpec("Score_Change_Reasons__c", "textarea", length=255),
        *_audit(),
    )),
    ObjectSpec("Health_Score_Override__c", "a03", (
        _id(), _text("Name", 80), _ref("Account__c", required=True), _num("Override_Score__c", precision=5, scale=2),
        FieldSpec("Reason__c", "textarea", length=1000), _date("Starts_On__c"), _date("Expires_On__c"),
        FieldSpec("OwnerId", "reference", "Owner ID", length=18, reference_to="User", system=True),
        FieldSpec("CreatedDate", "datetime", "Created Date", system=True), *_audit(),
    )),
    ObjectSpec("Task", "00T", (
        _id(), _ref("WhatId", label="Related To ID"), _text("Subject"), _text("Status", 40), _text("Priority", 40),
        _date("ActivityDate", label="Due Date"), FieldSpec("Description", "textarea", length=32000),
        _owner(), FieldSpec("IsClosed", "boolean", "Closed"),
        _text("Health_Alert_Key__c", 80, external_id=True, unique=True, label="Health Alert Key"),
        _pick("Alert_Feedback__c", ALERT_FEEDBACK, label="Alert Feedback"),
    )),
    ObjectSpec("User", "005", (
        _id(), _text("Name", 121, required=True, label="Full Name"), _text("Email", 80),
        FieldSpec("IsActive", "boolean", "Active"),
    )),
)}

_BY_LOWER = {name.lower(): spec for name, spec in OBJECTS.items()}
_BY_PREFIX = {spec.key_prefix: spec for spec in OBJECTS.values()}


def find_object(name: str) -> ObjectSpec | None:
    """The sObject named `name` (case-insensitive), or None."""
    return _BY_LOWER.get(name.lower())


def object_for_id(record_id: str) -> ObjectSpec | None:
    """The sObject whose key prefix starts `record_id`."""
    return _BY_PREFIX.get(record_id[:3])


def describe_object(spec: ObjectSpec, phase2: bool, version: str) -> dict:
    """The reply of `GET /sobjects/{Object}/describe/`."""
    base = f"/services/data/v{version}/sobjects/{spec.name}"
    return {
        "name": spec.name, "label": spec.label or _label(spec.name), "labelPlural": (spec.label or _label(spec.name)) + "s",
        "keyPrefix": spec.key_prefix, "custom": spec.name.endswith("__c"), "createable": True, "updateable": True,
        "deletable": True, "queryable": True, "retrieveable": True, "searchable": True,
        "fields": [f.describe() for f in spec.visible_fields(phase2)],
        "urls": {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"},
    }


def global_describe(version: str) -> dict:
    """The reply of `GET /sobjects/`."""
    return {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": [
        {"name": s.name, "label": s.label or _label(s.name), "keyPrefix": s.key_prefix, "custom": s.name.endswith("__c"),
         "queryable": True, "createable": True, "updateable": True,
         "urls": {"sobject": f"/services/data/v{version}/sobjects/{s.name}",
                  "describe": f"/services/data/v{version}/sobjects/{s.name}/describe"}}
        for s in OBJECTS.values()]}
