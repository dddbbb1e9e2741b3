"""What the alert assets read from Salesforce: each mapped account's owner and the owners' names (when the month's
scores do not carry them), the critical churn signals detected in the month, and every alert Task already written
(one paged query), so that a re-run or a still-open task creates nothing new."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from simple_salesforce.format import format_soql

from health_pipeline.sources.common.errors import SourceError
from health_pipeline.sources.common.http import LogFunction
from health_pipeline.sources.common.period import Period
from health_pipeline.sources.salesforce.resource import SOURCE, SalesforceClient, SalesforceResource
from health_pipeline.sources.salesforce.soql import chunked_in_queries, validate_salesforce_id

ALERT_TASK_SOQL = ("SELECT Id, Health_Alert_Key__c, IsClosed, Alert_Feedback__c FROM Task "
                   "WHERE Health_Alert_Key__c != null")
# detected during the month and still active at its end
NEW_CRITICAL_SOQL = ("SELECT Account__c FROM Churn_Signal__c WHERE Severity__c = 'Critical' AND Detected_Date__c >= {}"
                     " AND Detected_Date__c < {} AND (Resolved_Date__c = null OR Resolved_Date__c >= {}) AND")


@dataclass
class AlertContext:
    """Owners and new critical signals by mapped account id, owner names by User Id, the alert Task records, and
    the calls made (`new_critical` is None when Salesforce is not configured: unknown, not zero)."""

    owners: dict[str, str | None] = field(default_factory=dict)
    new_critical: dict[str, int] | None = None
    owner_names: dict[str, str] = field(default_factory=dict)
    task_records: list[dict] = field(default_factory=list)
    configured: bool = True
    calls: dict[str, int] = field(default_factory=dict)


def _records(client: SalesforceClient, soql: str, label: str, fields: Sequence[str]) -> Iterable[dict]:
    """Every record of a paged query; a record that is not an object with `fields` is an error naming the call."""
    for page in client.iter_query_pages(soql, label):
        if not isinstance(page, list):
            raise SourceError(SOURCE, f"GET query ({label})", f"records is a {type(page).__name__}, not a list")
        for record in page:
            if not isinstance(record, dict) or any(name not in record for name in fields):
                raise SourceError(SOURCE, f"GET query ({label})", f"a record lacks one of {', '.join(fields)}")
            yield record


def read_alert_context(resource: SalesforceResource, period: Period, account_ids: Sequence[str],
                       log: LogFunction | None = None,
                       known_owners: tuple[Mapping[str, str | None], Mapping[str, str]] | None = None) -> AlertContext:
    """Account.OwnerId of the mapped accounts and the owners' User names (unless `known_owners` gives both, as the
    month's scores do), the month's new critical signals and every alert Task (none when Salesforce is not
    configured: then no owner is known unless given, and every alert counts as new)."""
    if not resource.is_configured():
        owners, names = known_owners or (dict.fromkeys(account_ids), {})
        return AlertContext(owners=dict(owners), owner_names=dict(names), configured=False)
    client = resource.open_client(log)
    by_prefix = {validate_salesforce_id(account)[:15]: account for account in account_ids}
    context = AlertContext(owners=dict.fromkeys(account_ids), new_critical=dict.fromkeys(account_ids, 0))
    if known_owners is not None:
        context.owners.update(known_owners[0])
        context.owner_names.update(known_owners[1])
    else:
        read_owners(client, by_prefix, context)
    signals = format_soql(NEW_CRITICAL_SOQL, period.start_date, period.end_date, period.end_date)
    for soql in chunked_in_queries(signals, "Account__c", list(account_ids)):
        for record in _records(client, soql, "Churn_Signal__c new critical", ("Account__c",)):
            mapped = by_prefix.get(str(record["Account__c"])[:15])
            if mapped is not None:
                context.new_critical[mapped] += 1
    context.task_records = list(_records(client, ALERT_TASK_SOQL, "Task",
                                         ("Health_Alert_Key__c", "IsClosed", "Alert_Feedback__c")))
    context.calls = dict(client.stats.calls)
    return context


def read_owners(client: SalesforceClient, by_prefix: Mapping[str, str], context: AlertContext) -> None:
    """The mapped accounts' Account.OwnerId and the owners' User names, into `context`."""
    for soql in chunked_in_queries("SELECT Id, OwnerId FROM Account WHERE", "Id", list(by_prefix.values())):
        for record in _records(client, soql, "Account owners", ("Id", "OwnerId")):
            mapped = by_prefix.get(str(record["Id"])[:15])
            if mapped is not None:
                context.owners[mapped] = record["OwnerId"]
    owners = sorted({owner for owner in context.owners.values() if owner})
    for soql in chunked_in_queries("SELECT Id, Name FROM User WHERE", "Id", owners) if owners else []:
        for record in _records(client, soql, "User", ("Id", "Name")):
            context.owner_names[record["Id"]] = record["Name"]
