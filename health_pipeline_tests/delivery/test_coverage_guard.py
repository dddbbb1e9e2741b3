"""The delivery guard's pure comparison: a month much emptier than an earlier delivery is refused, with reasons."""
from __future__ import annotations

import pandas as pd
import pytest

from health_pipeline.delivery.coverage_guard import Coverage, coverage_of, judge
from health_pipeline.settings.pipeline import DeliveryGuardSettings

SETTINGS = DeliveryGuardSettings(max_mean_coverage_drop_pts=20, max_share_losing_all_data=0.10)
BEFORE = Coverage("2026-10 as last delivered", accounts=200, accounts_with_data=200, mean_coverage_pct=90.0)


def test_coverage_of_counts_accounts_with_any_data_and_the_mean():
    scores = pd.DataFrame({"coverage_pct": [100.0, 0.0, None, 50.0]})
    assert coverage_of(scores, "2026-10") == Coverage("2026-10", 4, 2, 37.5)


def test_a_month_like_the_last_delivery_passes():
    verdict = judge(Coverage("2026-10", 200, 199, 88.0), [BEFORE], 4, SETTINGS)
    assert verdict.passed and not verdict.reasons
    assert verdict.sentence() == "coverage held against what was delivered before"


@pytest.mark.parametrize("now, configured, expected", [
    (Coverage("2026-10", 200, 0, 0.0), 0, ["no source is configured, so every metric is missing",
                                          "mean coverage fell from 90.0% (2026-10 as last delivered) to 0.0%, "
                                          "90.0 points, more than the 20 allowed",
                                          "200 of 200 accounts (100%) lost all data against 2026-10 as last "
                                          "delivered, more than the 10% allowed"]),
    (Coverage("2026-10", 200, 200, 69.0), 3, ["mean coverage fell from 90.0% (2026-10 as last delivered) to 69.0%, "
                                             "21.0 points, more than the 20 allowed"]),
    (Coverage("2026-10", 200, 179, 85.0), 4, ["21 of 200 accounts (10%) lost all data against 2026-10 as last "
                                             "delivered, more than the 10% allowed"]),
])
def test_a_collapse_is_refused_with_every_reason(now, configured, expected):
    verdict = judge(now, [BEFORE], configured, SETTINGS)
    assert not verdict.passed
    assert verdict.reasons == expected
    assert verdict.sentence().startswith("refused: ")


def test_exactly_at_the_thresholds_passes():
    assert judge(Coverage("2026-10", 200, 180, 70.0), [BEFORE], 4, SETTINGS).passed


def test_the_first_delivery_is_refused_only_without_any_source():
    assert judge(Coverage("2025-01", 200, 10, 3.0), [], 1, SETTINGS).passed
    assert not judge(Coverage("2025-01", 200, 0, 0.0), [], 0, SETTINGS).passed


@pytest.mark.parametrize("override, flag", [(True, False), (False, True)])
def test_the_override_delivers_and_says_so(override, flag):
    settings = DeliveryGuardSettings(allow_coverage_drop=flag)
    verdict = judge(Coverage("2026-10", 200, 0, 0.0), [BEFORE], 1, settings, override=override)
    assert verdict.passed and verdict.overridden
    assert verdict.sentence().startswith("delivered anyway (override): mean coverage fell")


def test_coverage_round_trips_through_delivery_metadata_and_ignores_older_deliveries():
    assert Coverage.from_metadata(BEFORE.label, BEFORE.as_metadata()) == BEFORE
    assert Coverage.from_metadata("old", {"rows": 200}) is None
