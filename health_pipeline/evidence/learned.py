"""A learned model beside the rules (advice only): logistic regression on the metric scores, judged out of time."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd

from health_pipeline.evidence.statistics import auc
from health_pipeline.scoring.catalogue import ID_COLUMN
from health_pipeline.scoring.config_types import ScoringConfig
from health_pipeline.scoring.frame import PLATFORM, normalised_matrix

TRAIN_SHARE = 2 / 3  # the older two thirds of the months train, the newer third tests
DECILES = 10


@dataclass
class LearnedReport:
    """How a logistic regression trained on older months ranks the newer ones, beside the rule score."""

    train_months: list[str]
    test_months: list[str]
    n_train: int
    n_test: int
    model_auc: float | None
    rule_auc: float | None
    calibration: pd.DataFrame = field(default_factory=pd.DataFrame)
    suggested_weights: dict[str, float] = field(default_factory=dict)


def features(months: Mapping[str, pd.DataFrame], config: ScoringConfig) -> pd.DataFrame:
    """Per (account, month): each metric's 0-100 score and platform value (NaN = missing)."""
    frames = []
    for period, stored in sorted(months.items()):
        scores = normalised_matrix(stored, config)
        frame = pd.DataFrame(scores, columns=list(config.metrics))
        frame[PLATFORM] = pd.to_numeric(stored[PLATFORM]).to_numpy(dtype=float)
        frame[ID_COLUMN], frame["period"] = stored[ID_COLUMN].to_numpy(), period
        frames.append(frame)
    if not frames:  # no stored month: no rows, the same columns
        return pd.DataFrame(columns=[*config.metrics, PLATFORM, ID_COLUMN, "period"])
    return pd.concat(frames, ignore_index=True)


def suggested_weights(coefficients: np.ndarray, config: ScoringConfig) -> dict[str, float]:
    """Dimension (and platform value) weights in % from how strongly each one's scores lower churn odds."""
    protective = np.maximum(-coefficients, 0.0)  # a health score that raises churn odds earns no weight
    names = [*config.metrics, PLATFORM]
    strength = {d.name: sum(protective[names.index(m)] for m in d.metric_weights) for d in config.dimensions}
    strength[PLATFORM] = protective[-1]
    total = sum(strength.values())
    return {name: round(100 * value / total, 1) for name, value in strength.items()} if total else {}


def calibration_by_decile(probability: np.ndarray, churned: np.ndarray) -> pd.DataFrame:
    """Mean predicted churn probability against the observed churn rate, per decile of the prediction."""
    bins = pd.qcut(pd.Series(probability).rank(method="first"), DECILES, labels=False)
    frame = pd.DataFrame({"decile": bins + 1, "predicted": probability, "observed": churned})
    return frame.groupby("decile").agg(n=("observed", "size"), predicted=("predicted", "mean"),
                                       observed=("observed", "mean")).reset_index()


def learn_beside_rules(months: Mapping[str, pd.DataFrame], rows: pd.DataFrame, config: ScoringConfig) -> LearnedReport:
    """Train on the older matured months, test on the newer; `rows` are the backtest's (account, month) rows."""
    # imported here: scikit-learn takes seconds to load, and every step process of every run loads the definitions
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if not months:
        return LearnedReport([], [], 0, 0, None, None)
    table = features(months, config).merge(rows[[ID_COLUMN, "period", "score", "churned"]], on=[ID_COLUMN, "period"])
    table = table[table["churned"].notna() & table["score"].notna()]
    periods = sorted(table["period"].unique())
    cut = max(1, int(round(len(periods) * TRAIN_SHARE)))
    train_months, test_months = periods[:cut], periods[cut:]
    train, test = table[table["period"].isin(train_months)], table[table["period"].isin(test_months)]
    report = LearnedReport(train_months, test_months, len(train), len(test), None, None)
    if train["churned"].nunique() < 2 or test["churned"].nunique() < 2:
        return report
    columns = [*config.metrics, PLATFORM]
    usable = [c for c in columns if train[c].notna().any()]  # a metric no account ever had cannot be learned
    if not usable:
        return report
    model = make_pipeline(SimpleImputer(strategy="mean"), StandardScaler(), LogisticRegression(max_iter=2000))
    model.fit(train[usable].to_numpy(dtype=float), train["churned"].to_numpy(dtype=int))
    probability = model.predict_proba(test[usable].to_numpy(dtype=float))[:, 1]
    churned = test["churned"].to_numpy(dtype=float)
    coefficients = np.zeros(len(columns))
    coefficients[[columns.index(c) for c in usable]] = model[-1].coef_[0]
    report.model_auc = auc(probability, churned)
    report.rule_auc = auc(100.0 - test["score"].to_numpy(dtype=float), churned)
    report.calibration = calibration_by_decile(probability, churned)
    report.suggested_weights = suggested_weights(coefficients, config)
    return report
