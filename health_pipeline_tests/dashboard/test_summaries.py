"""The numbers behind the charts: tiers counted per month with zeros, missing scores left out of means (never 0),
filters, movers, the attribution text parsed exactly, an account's dimensions over time."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from health_pipeline.dashboard import summaries

ID = "salesforce_account_id"


def scores() -> pd.DataFrame:
    """Two months of three accounts; c has no score in September."""
    return pd.DataFrame({
        ID: ["a", "b", "c", "a", "b", "c"],
        "account_name": ["A", "B", "C"] * 2,
        "period": ["2026-09"] * 3 + ["2026-10"] * 3,
        "segment": ["paid", "standard", "paid"] * 2,
        "health_score": pd.array([80, 50, None, 70, 58, 91], dtype="Int64"),
        "tier": ["Healthy", "Critical", "No Data", "At Risk", "Critical", "Champion"],
        "coverage_pct": [100.0, 50.0, 0.0, 100.0, 60.0, 90.0],
        "score_change": pd.array([None, None, None, -10, 8, None], dtype="Int64"),
        "support_score": [90.0, None, None, 80.0, 40.0, 95.0],
    })


def test_tier_mix_counts_every_tier_in_every_month_with_zeros():
    mix = summaries.tier_mix(scores()).set_index(["period", "tier"])["accounts"]
    assert mix[("2026-09", "Healthy")] == 1 and mix[("2026-09", "Champion")] == 0
    assert mix[("2026-10", "Champion")] == 1 and mix.groupby(level=0).sum().tolist() == [3, 3]


def test_the_mean_score_leaves_a_missing_score_out_instead_of_counting_it_as_zero():
    means = summaries.monthly_means(scores()).set_index("period")
    assert means.loc["2026-09", "mean_score"] == 65.0 and means.loc["2026-09", "scored"] == 2
    assert means.loc["2026-09", "accounts"] == 3


def test_filters_keep_the_chosen_segments_owners_and_tiers_and_an_empty_choice_keeps_all():
    frame = summaries.with_owner(scores().assign(owner_name=["Dana", "Lee", None] * 2))
    assert len(summaries.filtered(frame, [], [], [])) == 6
    assert set(summaries.filtered(frame, ["paid"], [], ["Champion", "Healthy"])[ID]) == {"a", "c"}
    assert set(summaries.filtered(frame, [], ["Dana", "owner unknown"], [])[ID]) == {"a", "c"}


def test_an_owner_missing_or_a_month_stored_before_owners_shows_owner_unknown():
    older = scores()[scores()["period"] == "2026-09"]  # stored without the owner columns
    newer = scores()[scores()["period"] == "2026-10"].assign(owner_name=["Dana", None, "Lee"])
    owners = summaries.with_owner(pd.concat([older, newer], ignore_index=True)).set_index([ID, "period"])["owner"]
    assert owners[("a", "2026-09")] == "owner unknown" and owners[("a", "2026-10")] == "Dana"
    assert owners[("b", "2026-10")] == "owner unknown"
    assert not summaries.owners_known(older) and summaries.owners_known(newer)


def test_movers_split_drops_and_rises_and_leave_out_accounts_without_a_change():
    october = scores()[scores()["period"] == "2026-10"]
    drops, rises = summaries.movers(october)
    assert list(drops[ID]) == ["a"] and list(rises[ID]) == ["b"]


def test_top_movers_text_parses_to_signed_points():
    assert summaries.parse_movers("payment_health -3.2, cap +1.0, dau +0.4") == [
        ("payment_health", -3.2), ("cap", 1.0), ("dau", 0.4)]
    assert summaries.parse_movers("") == [] and summaries.parse_movers(None) == []
    with pytest.raises(ValueError, match="'dau 0.4' is not `name"):
        summaries.parse_movers("dau 0.4")


def test_an_accounts_dimensions_over_time_keep_missing_as_missing():
    history = summaries.account_history(scores(), "b")
    dimensions = summaries.dimension_history(history)
    support = dimensions[dimensions["dimension"] == "support"].set_index("period")["score"]
    assert math.isnan(support["2026-09"]) and support["2026-10"] == 40.0


def test_account_choices_list_the_latest_month_most_at_risk_first_with_name_and_id():
    frame = scores()
    frame.loc[5, "health_score"] = pd.NA  # c has no score in the latest month: it comes last
    assert summaries.account_choices(frame) == {"b": "B (b)", "a": "A (a)", "c": "C (c)"}


def test_the_account_finder_matches_name_or_id_ignoring_case_in_risk_order_up_to_the_limit():
    choices = {"001b": "Bay Hotels (001b)", "001a": "Alpine Lodge (001a)", "001c": "Bay Inn (001c)"}
    assert summaries.matching_accounts(choices, "", 2) == (["001b", "001a"], 3)
    assert summaries.matching_accounts(choices, " bay ", 5) == (["001b", "001c"], 2)
    assert summaries.matching_accounts(choices, "001A", 5) == (["001a"], 1)
    assert summaries.matching_accounts(choices, "nowhere", 5) == ([], 0)
    # the account in the address stays listed when it lies beyond the limit, first; a search lists matches only
    assert summaries.matching_accounts(choices, "", 2, keep="001c") == (["001c", "001b"], 3)
    assert summaries.matching_accounts(choices, "alpine", 2, keep="001c") == (["001a"], 1)
    assert summaries.matching_accounts(choices, "", 2, keep="gone") == (["001b", "001a"], 3)
