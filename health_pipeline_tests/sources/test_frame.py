"""metrics_frame gives one float64 row per mapped account in mapping order: all-NaN for a blank source
key, the source's defaults for a key without records, the metrics otherwise; and the accumulators'
outputs flow through it end to end."""

import math

import numpy as np
import pandas as pd
import pytest

from health_pipeline.sources.common.frame import metrics_frame, unmapped_keys
from health_pipeline.sources.common.period import Period
from health_pipeline.sources.intercom import metrics as intercom
from health_pipeline.sources.jira import metrics as jira
from health_pipeline.sources.salesforce import metrics as salesforce

PERIOD = Period.parse("2026-10")


def test_blank_key_defaults_and_values():
    keys = [("001A", "x"), ("001B", None), ("001C", "missing"), ("001D", float("nan")), ("001E", "  "),
            ("001F", 12.0)]
    per_key = {"x": {"m1": 3, "m2": None}, "12": {"m1": 1.5, "m2": 2}, "other": {"m1": 9}}
    frame = metrics_frame(keys, per_key, ["m1", "m2"], {"m1": 0})
    assert list(frame.columns) == ["salesforce_account_id", "m1", "m2"]
    assert list(frame["salesforce_account_id"]) == ["001A", "001B", "001C", "001D", "001E", "001F"]
    assert frame["m1"].dtype == np.float64 and frame["m2"].dtype == np.float64
    expected = pd.DataFrame({
        "salesforce_account_id": ["001A", "001B", "001C", "001D", "001E", "001F"],
        "m1": [3.0, np.nan, 0.0, np.nan, np.nan, 1.5],  # blank keys NaN; 'missing' gets default 0
        "m2": [np.nan, np.nan, np.nan, np.nan, np.nan, 2.0],  # 12.0 from a CSV float matches key '12'
    })
    pd.testing.assert_frame_equal(frame, expected)
    assert unmapped_keys(keys, per_key) == ["other"]


def test_empty_mapping_gives_typed_empty_frame():
    frame = metrics_frame([], {}, ["m1"], {})
    assert list(frame.columns) == ["salesforce_account_id", "m1"] and len(frame) == 0
    assert frame["m1"].dtype == np.float64


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="unique"):
        metrics_frame([], {}, ["m1", "m1"], {})
    with pytest.raises(ValueError, match="unknown metrics"):
        metrics_frame([], {}, ["m1"], {"m9": 0})
    with pytest.raises(TypeError, match="not numeric"):
        metrics_frame([("001A", "x")], {"x": {"m1": "3"}}, ["m1"], {})


def test_intercom_and_jira_end_to_end():
    acc = intercom.IntercomAccumulator(PERIOD)
    acc.add_page([{"id": "1", "created_at": PERIOD.unix_start, "company": {"type": "company", "id": "c1"},
                   "statistics": None, "conversation_rating": None, "tags": [], "custom_attributes": {}}])
    frame = metrics_frame([("001A", "c1"), ("001B", "c2"), ("001C", "")], acc.result(), intercom.METRICS,
                          intercom.DEFAULTS)
    assert frame["total_conversations"].tolist()[:2] == [1.0, 0.0]  # c2 mapped, no conversations -> 0
    assert math.isnan(frame["total_conversations"][2])  # blank company id -> NaN
    assert frame.loc[1, list(intercom.METRICS[1:])].isna().all()  # no denominator -> NaN

    bugs = jira.JiraBugAccumulator(jira.JiraLink(), PERIOD)
    frame = metrics_frame([("001A", "Alpha")], bugs.result(), jira.METRICS, jira.DEFAULTS)
    assert frame.loc[0, ["open_bugs", "reopened_bugs", "critical_bugs"]].tolist() == [0.0, 0.0, 0.0]
    assert frame.loc[0, ["avg_resolution_days", "bug_trend"]].isna().all()


def test_salesforce_end_to_end_keys_are_the_mapping_ids():
    ids = ["001000000000AAA", "001000000000CCC"]
    acc = salesforce.SalesforceAccumulator(PERIOD, False, ids)
    acc.add_accounts([{"attributes": {"type": "Account"}, "Id": "001000000000AAAIAU", "ARR__c": 110.0,
                       "Prior_Year_ARR__c": 100.0, "Payment_Status__c": "Current",
                       "Contracted_Tier__c": "Gold", "Usage_Tier__c": "Gold"}])
    frame = metrics_frame([(i, i) for i in ids], acc.result(), salesforce.METRICS, salesforce.DEFAULTS)
    row = frame.iloc[0]
    # arr 100 * (110 - 100) / 100 = 10; Current 100; Gold = Gold 100; counts 0; renewal None
    assert row["arr_trajectory_pct"] == pytest.approx(10.0)
    assert (row["payment_health"], row["tier_alignment"], row["contract_changes"]) == (100.0, 100.0, 0.0)
    assert math.isnan(row["days_to_renewal"])
    assert frame.iloc[1, 1:].isna().all()  # CCC found in no record -> all NaN
