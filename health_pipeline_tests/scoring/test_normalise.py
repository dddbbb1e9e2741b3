"""Rule 1 (normalise_metric / normalise_array): every band and boundary of both directions, the
scoring model's examples, missing values, wrong-order thresholds, and that the array function
agrees with the scalar one."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from health_pipeline.scoring import normalise_array, normalise_metric


@pytest.mark.parametrize(
    ("value", "expected"),
    [(80, 80.0), (70, 60.0), (60, 30.0), (95, 100.0), (40, 0.0),  # the model's examples
     (90, 100.0), (50, 0.0), (89.999, 60 + 40 * 19.999 / 20), (50.001, 60 * 0.001 / 20), (1e12, 100.0), (-1e12, 0.0)],
)
def test_higher_is_better(value, expected):
    assert normalise_metric(value, 90, 70, 50) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(9000, 80.0), (28800, 30.0), (50000, 0.0),  # the model's examples
     (3600, 100.0), (0, 100.0), (14400, 60.0), (43200, 0.0), (3601, 60 + 40 * 10799 / 10800), (43199, 60 / 28800)],
)
def test_lower_is_better(value, expected):
    assert normalise_metric(value, 3600, 14400, 43200, lower_is_better=True) == pytest.approx(expected, abs=1e-12)


def test_the_yellow_line_is_60_from_both_sides():
    assert normalise_metric(70, 90, 70, 50) == 60.0
    assert normalise_metric(70 - 1e-9, 90, 70, 50) < 60.0
    assert normalise_metric(14400, 3600, 14400, 43200, True) == 60.0
    assert normalise_metric(14400 + 1e-6, 3600, 14400, 43200, True) < 60.0


def test_result_is_a_plain_float():
    assert type(normalise_metric(80, 90, 70, 50)) is float
    assert type(normalise_metric(np.int64(80), 90, 70, 50)) is float


@pytest.mark.parametrize("missing", [None, math.nan, np.nan, pd.NA, np.float64("nan")])
def test_missing_is_none_never_zero(missing):
    assert normalise_metric(missing, 90, 70, 50) is None
    assert normalise_metric(missing, 1, 2, 3, lower_is_better=True) is None


@pytest.mark.parametrize(
    ("green", "yellow", "red", "lower"),
    [(50, 70, 90, False), (90, 50, 70, False), (90, 90, 50, False), (90, 70, 70, False),
     (90, 70, 50, True), (1, 3, 2, True), (1, 1, 2, True)],
)
def test_wrong_order_raises_naming_the_thresholds(green, yellow, red, lower):
    with pytest.raises(ValueError, match="wrong order") as raised:
        normalise_metric(60, green, yellow, red, lower)
    message = str(raised.value)
    assert f"green={green}" in message and f"yellow={yellow}" in message and f"red={red}" in message
    with pytest.raises(ValueError, match="wrong order"):
        normalise_array(np.array([1.0, 2.0]), green, yellow, red, lower)


def test_wrong_order_is_raised_even_for_a_missing_value():
    with pytest.raises(ValueError):
        normalise_metric(None, 50, 70, 90)


def test_non_finite_thresholds_raise():
    with pytest.raises(ValueError, match="finite"):
        normalise_metric(1, math.inf, 70, 50)


def test_array_matches_scalar_and_keeps_nan():
    values = np.array([np.nan, -5, 50, 55, 70, 75, 90, 95, np.inf, -np.inf])
    result = normalise_array(values, 90, 70, 50)
    expected = [normalise_metric(v, 90, 70, 50) for v in values]
    assert math.isnan(result[0]) and expected[0] is None
    assert result[1:].tolist() == expected[1:]
    assert result[-2:].tolist() == [100.0, 0.0]


def test_array_accepts_scalars_and_two_dimensions():
    assert normalise_array(80, 90, 70, 50) == 80.0
    grid = normalise_array(np.array([[80.0, np.nan], [40.0, 95.0]]), 90, 70, 50)
    assert grid.shape == (2, 2) and np.isnan(grid[0, 1]) and grid[1].tolist() == [0.0, 100.0]


def test_lower_is_better_is_the_exact_mirror():
    rng = np.random.default_rng(7)
    values = rng.uniform(0, 100, 1000)
    mirrored = normalise_array(values, 10, 40, 80, lower_is_better=True)
    direct = np.select(
        [values <= 10, values <= 40, values < 80],
        [100.0, 60 + 40 * (40 - values) / (40 - 10), 60 * (80 - values) / (80 - 40)],
        0.0,
    )
    assert np.array_equal(mirrored, direct)
