"""Alerts as Salesforce Task records and as the month's digest text."""
from __future__ import annotations

import pandas as pd

from health_pipeline.actions.alerts import severity_counts
from health_pipeline.actions.history import NEW, STILL_OPEN
from health_pipeline.actions.plays import PRIORITY_OF_SEVERITY
from health_pipeline.scoring.catalogue import ID_COLUMN

TASK_SOBJECT = "Task"
TASK_EXTERNAL_ID = "Health_Alert_Key__c"
TASK_STATUS = "Not Started"
SUBJECT_LENGTH = 255
DIGEST_SEVERITIES = ("critical", "high")
DIGEST_ACCOUNTS_PER_SEVERITY = 40  # keeps one Slack message readable (and under Slack's text limit)


def _line(label: str, value: object) -> str | None:
    """`label: value`, or None when the value is missing."""
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else f"{label}: {value}"


def task_description(alert: pd.Series) -> str:
    """The Task's Description: why the alert was raised, the score, the risk factors and what to do."""
    lines = [
        _line("Why", alert["reason"]),
        _line("Health score", alert["health_score"]), _line("Previous score", alert["previous_score"]),
        _line("Change", alert["score_change"]), _line("Tier", alert["tier"]),
        _line("Top risk factors", alert["top_risk_factors"]), _line("Top movers", alert["top_movers"]),
        _line("Suggested action", alert["suggested_action"]),
        f"Raised by the {alert['play']} play for {alert['period']} (severity {alert['severity']}).",
    ]
    return "\n".join(line for line in lines if line)


def task_records(alerts: pd.DataFrame) -> list[dict]:
    """One Task per new alert, keyed by Health_Alert_Key__c (alerts still open or already written get none);
    OwnerId is left out when the alert has no owner, so Salesforce assigns the integration user."""
    records = []
    for _, alert in alerts[alerts["status"] == NEW].iterrows():
        name = alert["account_name"] or alert[ID_COLUMN]
        subject = f"Health alert ({alert['severity']}): {alert['play'].replace('_', ' ')} - {name}"
        record = {
            TASK_EXTERNAL_ID: alert["alert_key"], "WhatId": alert[ID_COLUMN],
            "Subject": subject[:SUBJECT_LENGTH], "Description": task_description(alert),
            "Priority": PRIORITY_OF_SEVERITY[alert["severity"]], "Status": TASK_STATUS,
            "ActivityDate": alert["due_date"],
        }
        if alert["owner_id"]:
            record["OwnerId"] = alert["owner_id"]
        records.append(record)
    return records


def _account_line(group: pd.DataFrame) -> str:
    """One account of the digest: name, score, every reason, owner, the earliest due date."""
    first = group.iloc[0]
    owner = first["owner_name"] or first["owner_id"] or "no owner"
    score = "-" if first["health_score"] is None else first["health_score"]
    reasons = "; ".join(group["reason"])
    still = " (task still open)" if (group["status"] == STILL_OPEN).all() else ""
    return f"• {first['account_name'] or first[ID_COLUMN]} ({score}): {reasons}. Owner: {owner}, due {group['due_date'].min()}{still}"


def digest_text(alerts: pd.DataFrame, period: str) -> str:
    """The month's Slack digest: counts per severity, then the critical and high accounts with reasons and owners."""
    counts = severity_counts(alerts)
    summary = ", ".join(f"{count} {severity}" for severity, count in counts.items())
    still_open = int((alerts["status"] == STILL_OPEN).sum())
    lines = [f"*Health alerts for {period}*: {summary} ({len(alerts)} alerts; {still_open} still open from "
             f"earlier months)"]
    listed: set[str] = set()
    for severity in DIGEST_SEVERITIES:
        chosen = alerts[(alerts["severity"] == severity) & ~alerts[ID_COLUMN].isin(listed)]
        accounts = list(dict.fromkeys(chosen[ID_COLUMN]))
        if not accounts:
            continue
        lines.append(f"\n*{severity.capitalize()}* ({len(accounts)} accounts)")
        for account in accounts[:DIGEST_ACCOUNTS_PER_SEVERITY]:
            lines.append(_account_line(alerts[(alerts[ID_COLUMN] == account)
                                              & alerts["severity"].isin(DIGEST_SEVERITIES)]))
        if len(accounts) > DIGEST_ACCOUNTS_PER_SEVERITY:
            lines.append(f"… and {len(accounts) - DIGEST_ACCOUNTS_PER_SEVERITY} more")
        listed.update(accounts)
    return "\n".join(lines) + "\n"
