"""Alert tasks already in Salesforce: their keys, whether an alert is new, and CSM feedback per play."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

FEEDBACK_VALUES: tuple[str, ...] = ("accurate", "somewhat_accurate", "inaccurate")
# statuses of an alert against the tasks already written
NEW, STILL_OPEN, TASK_EXISTS = "new", "still_open", "task_exists"
_KEY = re.compile(r"^(?P<account>[A-Za-z0-9]{15,18})-(?P<period>\d{4}-\d{2})-(?P<play>[a-z0-9_]+)$")


def alert_key(account_id: str, period: str, play: str) -> str:
    """The Task's external ID `Health_Alert_Key__c`: `<account id>-<YYYY-MM>-<play>`."""
    return f"{account_id}-{period}-{play}"


@dataclass(frozen=True)
class AlertTask:
    """An alert task read back from Salesforce."""

    account_id: str
    period: str
    play: str
    is_closed: bool
    feedback: str | None


def parse_alert_tasks(records: Iterable[Mapping[str, Any]]) -> tuple[list[AlertTask], list[str]]:
    """Task records (`Health_Alert_Key__c`, `IsClosed`, `Alert_Feedback__c`) as AlertTasks, and one problem
    sentence per record that cannot be read (kept out of the counts, never silently)."""
    tasks, problems = [], []
    for record in records:
        key = record.get("Health_Alert_Key__c")
        found = _KEY.match(key) if isinstance(key, str) else None
        feedback = record.get("Alert_Feedback__c")
        if found is None:
            problems.append(f"Task {record.get('Id')}: Health_Alert_Key__c {key!r} is not <account>-<YYYY-MM>-<play>")
            continue
        if feedback is not None and feedback not in FEEDBACK_VALUES:
            problems.append(f"Task {record.get('Id')}: Alert_Feedback__c {feedback!r} is not one of "
                            f"{', '.join(FEEDBACK_VALUES)}")
            feedback = None
        tasks.append(AlertTask(found["account"], found["period"], found["play"],
                               bool(record.get("IsClosed")), feedback))
    return tasks, problems


def alert_statuses(alerts: Sequence[tuple[str, str]], period: str, tasks: Sequence[AlertTask]) -> list[str]:
    """For each (account id, play) alert of `period`: `task_exists` when this month's task is already written
    (a re-run), `still_open` when a task of an earlier month for the same play is still open, else `new`."""
    # a 15-character Id is the first 15 characters of its 18-character form
    this_month = {(t.account_id[:15], t.play) for t in tasks if t.period == period}
    open_before = {(t.account_id[:15], t.play) for t in tasks if t.period < period and not t.is_closed}
    keys = [(account[:15], play) for account, play in alerts]
    return [TASK_EXISTS if key in this_month else STILL_OPEN if key in open_before else NEW for key in keys]


@dataclass(frozen=True)
class PlayFeedback:
    """What became of one play's tasks of earlier months."""

    play: str
    raised: int
    closed: int
    feedback: Mapping[str, int]

    @property
    def responses(self) -> int:
        """Tasks with feedback."""
        return sum(self.feedback.values())

    def share(self, value: str) -> float | None:
        """The share of responses that gave `value` (None without any response)."""
        return self.feedback.get(value, 0) / self.responses if self.responses else None


def feedback_by_play(tasks: Sequence[AlertTask], period: str, plays: Sequence[str]) -> list[PlayFeedback]:
    """Raised, closed and feedback counts per play over the tasks of months before `period`."""
    stats = []
    for play in plays:
        earlier = [t for t in tasks if t.play == play and t.period < period]
        counts = {value: sum(t.feedback == value for t in earlier) for value in FEEDBACK_VALUES}
        stats.append(PlayFeedback(play, len(earlier), sum(t.is_closed for t in earlier), counts))
    return stats


def too_often_wrong(stats: Sequence[PlayFeedback], max_inaccurate_share: float, min_responses: int) -> list[str]:
    """The plays whose inaccurate share exceeds the limit, given enough responses to judge."""
    return [s.play for s in stats
            if s.responses >= min_responses and (s.share("inaccurate") or 0.0) > max_inaccurate_share]
