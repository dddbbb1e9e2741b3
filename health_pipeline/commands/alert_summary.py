"""The month's alerts for the terminal: counts by severity and play, and where the tasks and the digest went."""
from __future__ import annotations

import pandas as pd

from health_pipeline.actions.alerts import severity_counts


def alert_lines(alerts: pd.DataFrame) -> list[str]:
    """One line per severity: how many alerts, from which plays, and how many are still open from earlier months."""
    lines = []
    for severity, count in severity_counts(alerts).items():
        chosen = alerts[alerts["severity"] == severity]
        plays = ", ".join(f"{play} {n}" for play, n in chosen["play"].value_counts().items())
        still_open = int((chosen["status"] == "still_open").sum())
        lines.append(f"  {severity:<9} {count:>4}  {plays or '-'}" + (f"  ({still_open} still open)" if still_open else ""))
    return lines


def destination_lines(actions: dict[str, dict[str, object]]) -> list[str]:
    """Where the month's tasks and digest went (a file in dry run, Salesforce and Slack otherwise)."""
    tasks, digest = actions.get("salesforce_alert_tasks", {}), actions.get("slack_alert_digest", {})
    lines = []
    if "path" in tasks:
        lines.append(f"  tasks:  dry run, {tasks.get('new_tasks')} new alert tasks listed in {tasks['path']}")
    elif tasks:
        lines.append(f"  tasks:  {tasks.get('created')} created, {tasks.get('updated')} updated in Salesforce "
                     f"(Task, upserted by Health_Alert_Key__c)")
    if digest.get("posted_to_slack"):
        lines.append("  digest: posted to the Slack webhook (SLACK_ALERTS_WEBHOOK_URL)")
    if "path" in digest:
        lines.append(f"  digest: written to {digest['path']}")
    return lines
