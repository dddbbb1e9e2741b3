"""The Intercom search body matches the data contract and IntercomAccumulator computes the support
metrics by hand-checked arithmetic, counting duplicates once and leaving out-of-window, company-less
conversations, null statistics and null ratings out of the right denominators."""

import pytest

from health_pipeline.sources.common.period import Period
from health_pipeline.sources.intercom.metrics import (
    DEFAULTS,
    METRICS,
    IntercomAccumulator,
    build_conversation_search,
)

PERIOD = Period.parse("2026-10")
T0 = PERIOD.unix_start  # 1790812800
CLOSED = T0 + 5000  # any first_close_at value


def conv(cid, company="c1", created=T0 + 3600, priority=None, tags=None, stats=None, rating=None, **extra):
    """A conversation as Intercom 2.15 returns it (only the fields the extractor reads, plus noise)."""
    record = {
        "type": "conversation",
        "id": cid,
        "created_at": created,
        "updated_at": created + 10,
        "state": "closed",
        "company": {"type": "company", "id": company, "name": f"Co {company}"} if company else None,
        "custom_attributes": {"Priority": priority} if priority else {},
        "tags": tags if tags is not None else {"type": "tag.list", "tags": []},
        "statistics": stats,
        "conversation_rating": None if rating is None else {"rating": rating, "remark": None},
    }
    record.update(extra)
    return record


def stats(reply=None, close=None, closed_at=None):
    return {"time_to_admin_reply": reply, "time_to_first_close": close, "first_close_at": closed_at}


def test_search_body_is_exact():
    assert build_conversation_search(PERIOD) == {
        "query": {
            "operator": "AND",
            "value": [
                # Intercom's > and < include equality: start - 1 = 1790812799, end = 1793491200
                {"field": "created_at", "operator": ">", "value": 1790812799},
                {"field": "created_at", "operator": "<", "value": 1793491200},
            ],
        },
        "pagination": {"per_page": 150, "starting_after": None},
    }
    body = build_conversation_search(PERIOD, per_page=20, starting_after="WzE3OTA4MTI4MDAsMV0=")
    assert body["pagination"] == {"per_page": 20, "starting_after": "WzE3OTA4MTI4MDAsMV0="}


@pytest.mark.parametrize("per_page", [0, 151, "150", True])
def test_search_body_rejects_bad_per_page(per_page):
    with pytest.raises(ValueError, match="per_page"):
        build_conversation_search(PERIOD, per_page=per_page)


def test_metrics_by_hand():
    page1 = [
        # c1 #1: P1, escalated (tag.list), reply 60 s, close 600 s, closed, rated 5
        conv("1", priority="P1", tags={"type": "tag.list", "tags": [{"id": "9", "name": "escalated"}]},
             stats=stats(60, 600, CLOSED), rating=5),
        # c1 #2: P3, bare tag list without 'escalated', reply 120, close 1200, closed, rating null
        conv("2", priority="P3", tags=[{"id": "8", "name": "billing"}], stats=stats(120, 1200, CLOSED)),
        # c1 #3: P2, statistics null, rated 3 (rated but never counted as closed)
        conv("3", priority=" p2 ", stats=None, rating=3),
        # c1 #4: no custom attributes, still open: all statistics null
        conv("4", stats=stats(None, None, None), custom_attributes=None),
        # c2: created exactly at period start (included), tag 'Escalated' (case-insensitive)
        conv("5", company="c2", created=T0, tags={"type": "tag.list", "tags": [{"id": "9", "name": "Escalated"}]},
             stats=stats(30, 300, CLOSED), rating=4),
    ]
    page2 = [
        # duplicate of #1 with different values: counted once (first occurrence wins)
        conv("1", priority="P3", stats=stats(9999, 9999, CLOSED), rating=1),
        # outside the window: created exactly at period end, and one second before start
        conv("6", company="c2", created=PERIOD.unix_end, stats=stats(1, 1, CLOSED)),
        conv("7", company="c2", created=T0 - 1),
        # no company / company without id
        conv("8", company=None),
        {**conv("9"), "company": {"type": "company", "id": None, "name": "?"}},
        # c3 (numeric company id 7 -> key "7"): odd number of replies, nothing closed or rated
        conv("10", company=7, stats=stats(10, None, None)),
        conv("11", company=7, stats=stats(1000, None, None)),
        conv("12", company=7, stats=stats(20, None, None), rating=0),  # 0 is not a 1-5 rating
    ]
    acc = IntercomAccumulator(PERIOD)
    acc.add_page(page1)
    acc.add_page(page2)
    acc.add_page([])
    result = acc.result()
    assert set(result) == {"c1", "c2", "7"}
    assert result["c1"] == {
        "total_conversations": 4,  # #1..#4, the duplicate of #1 not counted
        "p1_p2_pct": 50.0,  # #1 (P1) and #3 (' p2 ') of 4 -> 2/4
        "escalation_pct": 25.0,  # #1 of 4
        "median_first_response_seconds": 90.0,  # median(60, 120)
        "median_resolution_seconds": 900.0,  # median(600, 1200)
        "csat_score": 4.0,  # mean(5, 3)
        "csat_response_rate": 50.0,  # closed: #1, #2; rated among them: #1 -> 1/2
    }
    assert result["c2"] == {
        "total_conversations": 1,
        "p1_p2_pct": 0.0,
        "escalation_pct": 100.0,
        "median_first_response_seconds": 30.0,
        "median_resolution_seconds": 300.0,
        "csat_score": 4.0,
        "csat_response_rate": 100.0,
    }
    assert result["7"] == {
        "total_conversations": 3,
        "p1_p2_pct": 0.0,
        "escalation_pct": 0.0,
        "median_first_response_seconds": 20.0,  # median(10, 1000, 20) = 20
        "median_resolution_seconds": None,
        "csat_score": None,
        "csat_response_rate": None,  # nothing closed: no denominator
    }
    assert acc.conversations_seen == 12  # distinct ids 1..12
    assert acc.duplicates == 1
    assert acc.outside_period == 2
    assert acc.without_company == 2


def test_metrics_and_defaults_are_consistent():
    assert METRICS[0] == "total_conversations" and len(METRICS) == 7
    assert DEFAULTS == {"total_conversations": 0}
    assert set(DEFAULTS) <= set(METRICS)


def test_every_result_row_has_every_metric():
    acc = IntercomAccumulator(PERIOD)
    acc.add_page([conv("1")])
    assert list(acc.result()["c1"]) == list(METRICS)
