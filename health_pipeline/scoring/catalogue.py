"""The metrics the extractors produce (docs/data-contract.md): dimension, source, unit, direction.

Configuration is checked against this list: a weight or threshold for any other name is a typo, a
metric must sit in its contract dimension and its thresholds must follow the contract's direction.
"""
from __future__ import annotations

from dataclasses import dataclass

# The account key of every frame, CSV and record: the Salesforce Account ID (15 characters).
ID_COLUMN = "salesforce_account_id"
SEGMENTS: tuple[str, ...] = ("paid", "standard")
DIMENSIONS: tuple[str, ...] = ("support", "financial", "adoption", "relationship")


@dataclass(frozen=True)
class MetricInfo:
    """One metric of the data contract."""

    name: str
    dimension: str
    source: str
    unit: str
    lower_is_better: bool


def _metrics(dimension: str, source: str, rows: tuple[tuple[str, str, bool], ...]) -> dict[str, MetricInfo]:
    return {name: MetricInfo(name, dimension, source, unit, lower) for name, unit, lower in rows}


METRIC_CATALOGUE: dict[str, MetricInfo] = {
    **_metrics("support", "Intercom", (
        ("total_conversations", "count", True),
        ("p1_p2_pct", "%", True),
        ("escalation_pct", "%", True),
        ("median_first_response_seconds", "s", True),
        ("median_resolution_seconds", "s", True),
        ("csat_score", "1-5", False),
        ("csat_response_rate", "%", False),
    )),
    **_metrics("support", "Jira", (
        ("open_bugs", "count", True),
        ("reopened_bugs", "count", True),
        ("critical_bugs", "count", True),
        ("avg_resolution_days", "days", True),
        ("bug_trend", "ratio", True),
    )),
    **_metrics("financial", "Salesforce", (
        ("days_to_renewal", "days", False),
        ("payment_health", "0-100", False),
        ("contract_changes", "count", True),
        ("arr_trajectory_pct", "%", False),
        ("tier_alignment", "0-100", False),
    )),
    **_metrics("adoption", "Looker", (
        ("dau", "users", False),
        ("mau", "users", False),
        ("feature_breadth", "%", False),
        ("login_frequency", "logins per active user per month", False),
    )),
    **_metrics("relationship", "Salesforce (Phase 2)", (
        ("qbr_attendance", "%", False),
        ("champion_stability", "months", False),
        ("expansion_signals", "count", False),
    )),
}
