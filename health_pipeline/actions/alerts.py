"""The month's alerts: one row per (account, play) that fired, with what a CSM needs to act on it."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

import numpy as np
import pandas as pd

from health_pipeline.actions.history import AlertTask, alert_key, alert_statuses
from health_pipeline.actions.plays import RULES, SEVERITIES, Play
from health_pipeline.scoring.catalogue import ID_COLUMN
from health_pipeline.sources.common.period import Period

# the alert's top movers: the scores' attribution (score_change_reasons), None for a month scored without it
TOP_MOVERS = "top_movers"
MOVERS_SOURCE = "score_change_reasons"
SCORE_COLUMNS = ("account_name", "health_score", "previous_score", "score_change", "tier", "previous_tier",
                 "coverage_pct", "top_risk_factors")
SIGNAL_COLUMNS = ("critical_signals", "days_to_renewal")
ALERT_COLUMNS: tuple[str, ...] = (
    ID_COLUMN, "account_name", "period", "play", "severity", "health_score", "previous_score", "score_change",
    "tier", "reason", "top_risk_factors", TOP_MOVERS, "suggested_action", "route", "owner_id", "owner_name",
    "due_date", "alert_key", "status",
)


def account_facts(scores: pd.DataFrame, signals: pd.DataFrame, new_critical: Mapping[str, int] | None) -> pd.DataFrame:
    """The scores joined with this month's active critical signals and renewal, and the critical signals
    detected during the month (`new_critical`, by account; None when Salesforce could not be read: NaN)."""
    missing = sorted({ID_COLUMN, *SCORE_COLUMNS} - set(scores.columns))
    if missing:
        raise ValueError(f"account_health_scores lacks column(s): {', '.join(missing)}")
    movers = [MOVERS_SOURCE] if MOVERS_SOURCE in scores.columns else []
    facts = scores[[ID_COLUMN, *SCORE_COLUMNS, *movers]].rename(columns={MOVERS_SOURCE: TOP_MOVERS})
    now = signals.set_index(ID_COLUMN)
    for column in SIGNAL_COLUMNS:
        facts[column] = facts[ID_COLUMN].map(now[column]) if column in now.columns else np.nan
    facts["new_critical_signals"] = (np.nan if new_critical is None
                                     else facts[ID_COLUMN].map(lambda account: new_critical.get(account, 0)))
    return facts.reset_index(drop=True)


def owners_from_scores(scores: pd.DataFrame) -> tuple[dict[str, str | None], dict[str, str]] | None:
    """Each account's owner (User Id, None when it has none) and the owners' names, as the month's scores carry
    them from Salesforce; None when the scores carry no owner (stored before owners, or Salesforce unconfigured)."""
    if "owner_id" not in scores.columns or not scores["owner_id"].notna().any():
        return None
    owner_ids = [_plain(owner) for owner in scores["owner_id"]]
    names = scores["owner_name"] if "owner_name" in scores.columns else pd.Series(None, index=scores.index)
    owners = dict(zip(scores[ID_COLUMN], owner_ids))
    return owners, {owner: name for owner, name in zip(owner_ids, map(_plain, names)) if owner and name}


def _plain(value: object) -> object:
    """A frame cell as a plain value: missing becomes None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def raise_alerts(facts: pd.DataFrame, plays: Sequence[Play], period: str, owners: Mapping[str, str | None],
                 owner_names: Mapping[str, str], data_team_owner_id: str | None,
                 tasks: Sequence[AlertTask]) -> pd.DataFrame:
    """Every enabled play over the facts: the alerts in severity order, each with its owner, due date and
    status against the tasks already written (`new`, `still_open`, `task_exists`)."""
    due_from = Period.parse(period).end_date
    rows = []
    for play in (p for p in plays if p.enabled):
        rule, _ = RULES[play.name]
        fired, reason = rule(facts, play.params)
        for position in np.flatnonzero(fired):
            fact = facts.iloc[position]
            account = fact[ID_COLUMN]
            owner = owners.get(account) if play.route == "account_owner" else data_team_owner_id
            rows.append({
                ID_COLUMN: account, "account_name": _plain(fact["account_name"]), "period": period,
                "play": play.name, "severity": play.severity, "health_score": _plain(fact["health_score"]),
                "previous_score": _plain(fact["previous_score"]), "score_change": _plain(fact["score_change"]),
                "tier": fact["tier"], "reason": reason.iloc[position],
                "top_risk_factors": _plain(fact["top_risk_factors"]),
                TOP_MOVERS: _plain(fact[TOP_MOVERS]) if TOP_MOVERS in facts.columns else None,
                "suggested_action": play.action, "route": play.route, "owner_id": owner,
                "owner_name": owner_names.get(owner) if owner else None,
                "due_date": (due_from + timedelta(days=play.due_days)).isoformat(),
                "alert_key": alert_key(account, period, play.name),
            })
    alerts = pd.DataFrame(rows, columns=[c for c in ALERT_COLUMNS if c != "status"])
    alerts["status"] = alert_statuses(list(zip(alerts[ID_COLUMN], alerts["play"])), period, tasks)
    rank = alerts["severity"].map({name: rank for rank, name in enumerate(SEVERITIES)})
    order = alerts.assign(_rank=rank).sort_values(["_rank", "health_score", ID_COLUMN], na_position="last",
                                                 kind="stable")
    return order.drop(columns="_rank").reset_index(drop=True)


def severity_counts(alerts: pd.DataFrame) -> dict[str, int]:
    """Alerts per severity, most severe first (every severity listed)."""
    counts = alerts["severity"].value_counts()
    return {severity: int(counts.get(severity, 0)) for severity in SEVERITIES}
