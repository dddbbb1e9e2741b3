"""Rule 8, overrides: validation refuses and reports, the month's window decides, the latest created wins, and the
published score and tier follow the override while the computed ones are kept."""
from __future__ import annotations

import pandas as pd
import pytest

from health_pipeline.scoring.overrides import (
    apply_overrides,
    overrides_for_month,
    overrides_frame,
    overrides_from_frame,
    validate_override,
    validate_overrides,
)


def record(**fields) -> dict:
    """A valid Health_Score_Override__c record, with `fields` changed."""
    base = {"Id": "a03A", "Account__c": "001A", "Override_Score__c": 82, "Reason__c": "Renewal signed early",
            "OwnerId": "005CSM", "Starts_On__c": "2026-01-01", "Expires_On__c": "2027-01-01",
            "CreatedDate": "2026-01-05T10:00:00.000+0000"}
    return {**base, **fields}


@pytest.mark.parametrize(("fields", "problem"), [
    ({"Reason__c": None}, "no reason"),
    ({"Reason__c": "   "}, "no reason"),
    ({"Expires_On__c": None}, "no expiry"),
    ({"Expires_On__c": "soon"}, "no expiry"),
    ({"Override_Score__c": 101}, "outside 0-100"),
    ({"Override_Score__c": -1}, "outside 0-100"),
    ({"Override_Score__c": None}, "no score"),
    ({"Override_Score__c": "high"}, "no score"),
    ({"Account__c": None}, "names no account"),
])
def test_an_invalid_override_is_refused_with_its_reason(fields, problem):
    refused = validate_override(record(**fields))
    assert problem in refused.problem and refused.problem.startswith("Override a03A: refused because")


def test_the_bounds_0_and_100_are_valid():
    valid, refused = validate_overrides([record(Override_Score__c=0), record(Id="a03B", Override_Score__c=100)])
    assert ([o.score for o in valid], refused) == ([0, 100], [])


@pytest.mark.parametrize(("starts", "expires", "applies"), [
    ("2026-10-31", "2026-11-01", True),   # starts on the last day, expires the day after it
    ("2026-11-01", "2027-01-01", False),  # starts after the month
    ("2026-01-01", "2026-10-31", False),  # expires on the last day: last day < expiry fails
    ("2026-01-01", "2026-10-15", False),  # expired within the month
    (None, "2027-01-01", True),           # no start: from always
])
def test_an_override_applies_when_it_covers_the_months_last_day(starts, expires, applies):
    [override], _ = validate_overrides([record(Starts_On__c=starts, Expires_On__c=expires)])
    assert bool(overrides_for_month([override], "2026-10")) is applies


def test_of_two_overlapping_overrides_the_latest_created_wins():
    valid, _ = validate_overrides([
        record(Id="a03B", Override_Score__c=40, CreatedDate="2026-03-01T00:00:00.000+0000"),
        record(Id="a03A", Override_Score__c=70, CreatedDate="2026-02-01T00:00:00.000+0000"),
    ])
    assert overrides_for_month(valid, "2026-10")["001A"].score == 40


def test_the_override_replaces_the_published_score_and_tier_and_keeps_the_computed_ones():
    scores = pd.DataFrame({"salesforce_account_id": ["001A", "001B"], "health_score": pd.array([55, 91], "Int64"),
                           "tier": ["Critical", "Champion"]})
    valid, _ = validate_overrides([record(Override_Score__c=75.5)])

    out = apply_overrides(scores, overrides_for_month(valid, "2026-10"))

    assert out["health_score"].tolist() == [76, 91]  # published: rounded half up
    assert out["tier"].tolist() == ["Healthy", "Champion"]
    assert out["computed_score"].tolist() == [55, 91] and out["computed_tier"].tolist() == ["Critical", "Champion"]
    assert out["override_reason"].tolist() == ["Renewal signed early", None]
    assert out["override_owner"].tolist() == ["005CSM", None]
    assert out["override_expires"].tolist() == ["2027-01-01", None]


def test_the_chosen_overrides_survive_the_round_trip_through_a_frame():
    valid, _ = validate_overrides([record(Starts_On__c=None), record(Id="a03B", Account__c="001B")])
    chosen = overrides_for_month(valid, "2026-10")
    assert overrides_from_frame(overrides_frame(chosen)) == chosen
    assert overrides_from_frame(overrides_frame({})) == {} and overrides_from_frame(None) == {}
