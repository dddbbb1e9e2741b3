"""The learned model: trained on older months only, tested on newer ones, and its advice points at what predicts."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from health_pipeline.evidence.learned import learn_beside_rules
from health_pipeline.scoring import score_accounts
from health_pipeline.scoring.attribution import explain_change
from health_pipeline.scoring.frame import normalised_matrix
from health_pipeline_tests.scoring.test_frame_property import random_accounts

PERIODS = [f"2025-{m:02d}" for m in range(1, 7)]


def months_and_rows(config, churn_from: str, seed: int = 0) -> tuple[dict, pd.DataFrame]:
    """Six stored months and backtest rows where churn follows one metric's score (and chance)."""
    rng = np.random.default_rng(seed)
    months, rows = {}, []
    for k, period in enumerate(PERIODS):
        metrics = random_accounts(config, 400, seed=100 + k)
        stored = explain_change(score_accounts(metrics, config), metrics, None, config)
        months[period] = stored
        driver = normalised_matrix(metrics, config)[:, list(config.metrics).index(churn_from)]
        probability = np.where(np.isnan(driver), 0.1, 1 / (1 + np.exp((np.nan_to_num(driver) - 40) / 8)))
        rows.append(pd.DataFrame({"salesforce_account_id": stored["salesforce_account_id"], "period": period,
                                  "score": stored["health_score_exact"],
                                  "churned": (rng.random(400) < probability).astype(float)}))
    return months, pd.concat(rows, ignore_index=True)


def test_trained_on_older_months_tested_on_newer(shipped_scoring):
    months, rows = months_and_rows(shipped_scoring, "payment_health")
    report = learn_beside_rules(months, rows, shipped_scoring)
    assert report.train_months == PERIODS[:4] and report.test_months == PERIODS[4:]
    test = rows[rows["period"].isin(PERIODS[4:]) & rows["score"].notna()]
    assert report.n_test == len(test)
    assert report.rule_auc == pytest.approx(roc_auc_score(test["churned"], 100 - test["score"]))
    assert report.model_auc > report.rule_auc and report.model_auc > 0.8
    assert report.calibration["n"].sum() == report.n_test and len(report.calibration) == 10
    assert report.calibration["observed"].iloc[-1] > report.calibration["observed"].iloc[0]
    assert sum(report.suggested_weights.values()) == pytest.approx(100, abs=0.5)
    assert max(report.suggested_weights, key=report.suggested_weights.get) == "financial"


def test_no_model_without_churners_in_training(shipped_scoring):
    months, rows = months_and_rows(shipped_scoring, "payment_health")
    rows.loc[rows["period"].isin(PERIODS[:4]), "churned"] = 0.0
    report = learn_beside_rules(months, rows, shipped_scoring)
    assert report.model_auc is None and report.suggested_weights == {}


def test_no_matured_month_gives_an_empty_report(shipped_scoring):
    rows = pd.DataFrame(columns=["salesforce_account_id", "period", "score", "churned"])
    report = learn_beside_rules({}, rows, shipped_scoring)
    assert (report.n_train, report.n_test, report.model_auc) == (0, 0, None)
