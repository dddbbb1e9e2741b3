"""Renewal outcomes of the synthetic world: won or lost from each account's latent quality, never from a score.

A renewal closing in month k is lost with probability `sigmoid(BIAS - SLOPE * (q - 0.5))`, where q is the
account's mean latent quality over the OUTLOOK months before the close: the same latent process that drives
every observed metric (through noise, lags and missing sources), so a score can only predict churn as far as
it reads that process through the metrics. Renewals before the history (2024-01) are won: every account of
the world is a customer when its history starts.
"""
from __future__ import annotations

import numpy as np

OUTLOOK = 6  # months of latent quality a renewal decision looks back over
BIAS, SLOPE = -1.9, 9.0  # 0.5% of renewals lost at q = 0.9, 2.4% at 0.7, 8% at 0.56, 61% at 0.24


def loss_probability(quality: np.ndarray) -> np.ndarray:
    """Probability that a renewal is lost, given the mean latent quality before it closes."""
    return 1.0 / (1.0 + np.exp(-(BIAS - SLOPE * (np.asarray(quality, dtype=float) - 0.5))))


def quality_before(history: np.ndarray, close_month: int) -> float:
    """Mean latent quality over the OUTLOOK months before `close_month` (ordinals clipped to the history)."""
    months = np.clip(np.arange(close_month - OUTLOOK, close_month), 0, len(history) - 1)
    return float(np.mean(history[months]))


def renewal_draws(seed: int, account_index: int, count: int) -> np.ndarray:
    """Uniform draws for an account's renewals, from a stream of their own (no other record shifts)."""
    return np.random.default_rng([seed, 31, account_index]).random(count)


def renewals_won(seed: int, account_index: int, history: np.ndarray, close_months: list[int]) -> list[bool]:
    """Won (True) or lost (False) for each renewal of one account, in close order, from its latent quality."""
    draws = renewal_draws(seed, account_index, len(close_months))
    quality = np.array([quality_before(history, month) for month in close_months])
    return ((draws >= loss_probability(quality)) | (np.asarray(close_months) < 0)).tolist()
