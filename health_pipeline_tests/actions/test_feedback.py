"""Alert-task history: keys read back, unreadable tasks reported, feedback counted per play, the warning rule."""
from __future__ import annotations

from health_pipeline.actions.history import feedback_by_play, parse_alert_tasks, too_often_wrong

A = "001000000000001AAA"


def task(period: str, play: str, closed: bool = True, feedback: str | None = None, key: str | None = None) -> dict:
    return {"Id": "00T000000000001AAA", "Health_Alert_Key__c": key or f"{A}-{period}-{play}", "IsClosed": closed,
            "Alert_Feedback__c": feedback}


def test_keys_are_read_back_and_a_bad_key_or_feedback_is_reported_not_counted():
    tasks, problems = parse_alert_tasks([
        task("2026-08", "tier_drop", feedback="inaccurate"),
        task("2026-08", "tier_drop", key="not-a-key"),
        task("2026-08", "score_drop", feedback="maybe"),
    ])
    assert [(t.account_id, t.period, t.play, t.feedback) for t in tasks] == [
        (A, "2026-08", "tier_drop", "inaccurate"), (A, "2026-08", "score_drop", None)]
    assert len(problems) == 2
    assert "'not-a-key' is not <account>-<YYYY-MM>-<play>" in problems[0]
    assert "Alert_Feedback__c 'maybe'" in problems[1]


def test_feedback_counts_only_earlier_months_per_play():
    tasks, _ = parse_alert_tasks([
        task("2026-07", "tier_drop", feedback="inaccurate"), task("2026-08", "tier_drop", feedback="accurate"),
        task("2026-08", "tier_drop", closed=False), task("2026-10", "tier_drop", feedback="inaccurate"),
    ])
    [tier_drop, score_drop] = feedback_by_play(tasks, "2026-10", ["tier_drop", "score_drop"])
    assert (tier_drop.raised, tier_drop.closed, tier_drop.responses) == (3, 2, 2)
    assert tier_drop.share("accurate") == 0.5 and tier_drop.share("inaccurate") == 0.5
    assert (score_drop.raised, score_drop.responses, score_drop.share("accurate")) == (0, 0, None)


def test_a_play_is_flagged_only_above_the_share_and_with_enough_responses():
    tasks, _ = parse_alert_tasks([task("2026-08", "tier_drop", feedback=value)
                                  for value in ("inaccurate", "inaccurate", "accurate", "somewhat_accurate")])
    stats = feedback_by_play(tasks, "2026-10", ["tier_drop"])
    assert too_often_wrong(stats, 0.3, 4) == ["tier_drop"]
    assert too_often_wrong(stats, 0.5, 4) == []  # exactly at the limit is not above it
    assert too_often_wrong(stats, 0.3, 5) == []  # too few responses to judge
