"""Attribution (rule 9): the contributions sum exactly to the change of the exact score, and the configuration's
share is separated from the customer's."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from health_pipeline.scoring import DimensionConfig, ScoringConfig, score_accounts
from health_pipeline.scoring.attribution import (
    MOVER_COLUMNS,
    contributions_of,
    explain_change,
    signed_mover,
    term_names,
    top_movers,
)
from health_pipeline_tests.scoring.conftest import example_config
from health_pipeline_tests.scoring.test_frame_property import random_accounts

ACCOUNTS = 1500


def month(metrics: pd.DataFrame, previous: pd.DataFrame | None, config: ScoringConfig) -> pd.DataFrame:
    """A scored month as the asset stores it."""
    return explain_change(score_accounts(metrics, config), metrics, previous, config)


def reweighted(config: ScoringConfig) -> ScoringConfig:
    """Another configuration: support weighs double, one metric weighs triple, harder caps."""
    dimensions = tuple(
        DimensionConfig(d.name, d.weight * (2 if d.name == "support" else 1),
                        {m: w * (3 if m == "csat_score" else 1) for m, w in d.metric_weights.items()})
        for d in config.dimensions)
    return dataclasses.replace(config, dimensions=dimensions, churn_weight=0.7, platform_weight=0.3,
                               critical_cap=55.0, moderate_cap=70.0)


def check_sums(first: pd.DataFrame, second: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """Assert that every account's contributions add up to its change; return the contributions."""
    contributions = contributions_of(second, first, config)
    change = second.set_index("salesforce_account_id")["score_change_exact"]
    both = change.notna()
    assert both.sum() > ACCOUNTS * 0.8
    assert np.max(np.abs(contributions[both].sum(axis=1) - change[both])) < 1e-9
    assert contributions[~both].isna().all().all() or second["score_change_reasons"][~both.to_numpy()].isna().all()
    return contributions


@pytest.mark.parametrize("change_config", [False, True])
def test_contributions_sum_to_the_change(shipped_scoring, change_config):
    config_before = shipped_scoring
    config_after = reweighted(shipped_scoring) if change_config else shipped_scoring
    first = month(random_accounts(config_before, ACCOUNTS, seed=1), None, config_before)
    second = month(random_accounts(config_after, ACCOUNTS, seed=2), first, config_after)
    contributions = check_sums(first, second, config_after)
    # the generated months exercised missing metrics, caps on either side and redistribution
    assert (contributions["cap"].abs() > 1).sum() > 50
    assert ((first["health_score_exact"].notna()) & (first["csat_score"].isna())).any()
    assert (second["support_coverage"] == 0).any() and (second["platform_value"].isna()).any()
    share = second["change_from_config"] + second["change_from_customer"]
    known = second["score_change_exact"].notna()
    assert np.allclose(share[known], second["score_change_exact"][known], atol=1e-9)
    if change_config:
        assert (second["change_from_config"][known].abs() > 0.5).mean() > 0.5
    else:
        assert (second["change_from_config"][known].abs() < 1e-9).all()


def test_config_share_is_last_month_rescored_under_this_months_config(shipped_scoring):
    new = reweighted(shipped_scoring)
    metrics = random_accounts(shipped_scoring, 200, seed=5)
    first = month(metrics, None, shipped_scoring)
    second = month(metrics, first, new)  # the same customer data: every point of change is the configuration's
    assert np.allclose(second["change_from_config"].dropna(), second["score_change_exact"].dropna(), atol=1e-9)
    assert (second["change_from_customer"].dropna().abs() < 1e-9).all()


def test_a_metric_that_goes_missing_is_a_loss_and_its_weight_a_gain_elsewhere():
    config = example_config()
    row = {"salesforce_account_id": "001000000000001", "segment": "standard",
           "median_first_response_seconds": 9000, "csat_score": 4.2, "payment_health": 50, "dau": np.nan,
           "qbr_attendance": 90, "champion_stability": np.nan, "platform_value": 85, "moderate_signals": 0}
    first = month(pd.DataFrame([row]), None, config)
    second = month(pd.DataFrame([{**row, "csat_score": np.nan}]), first, config)
    contributions = contributions_of(second, first, config).iloc[0]
    # csat scored 76 with effective weight 0.6 * 0.3/0.75 * 1/2 = 0.12: it loses 0.12 * 76 = 9.12 points
    assert contributions["csat_score"] == pytest.approx(-9.12, abs=1e-9)
    assert contributions["median_first_response_seconds"] == pytest.approx(0.12 * 80, abs=1e-9)
    assert contributions["payment_health"] == pytest.approx(0.0, abs=1e-9)
    assert contributions.sum() == pytest.approx(second["score_change_exact"].iloc[0], abs=1e-9)
    assert second["score_change_reasons"].iloc[0] == "median_first_response_seconds +9.6, csat_score -9.1"
    assert second["score_change_exact"].iloc[0] == pytest.approx(76.0 - 75.52, abs=1e-9)


def test_an_account_without_a_score_in_either_month_has_no_reasons():
    config = example_config()
    empty = {"salesforce_account_id": "001000000000002", "segment": "paid"}
    first = month(pd.DataFrame([empty]), None, config)
    second = month(pd.DataFrame([{**empty, "payment_health": 80}]), first, config)
    assert second["score_change_exact"].isna().all() and second["score_change_reasons"].isna().all()
    assert second[list(MOVER_COLUMNS)].isna().all().all()
    alone = month(pd.DataFrame([{**empty, "payment_health": 80}]), None, config)
    assert alone["score_change_reasons"].isna().all()


def test_top_movers_largest_first_ties_alphabetical_zeros_left_out():
    names = ["b_metric", "a_metric", "platform_value", "cap"]
    movers = top_movers(np.array([[2.0, -2.0, 0.0, 1e-12], [0.04, 0.0, 0.0, -7.25]]), names)
    assert movers.tolist() == [["a_metric -2.0", "b_metric +2.0", None], ["cap -7.2", "b_metric +0.0", None]]
    assert signed_mover("dau", 1.0) == "dau +1.0"
    assert term_names(example_config())[-2:] == ["platform_value", "cap"]
