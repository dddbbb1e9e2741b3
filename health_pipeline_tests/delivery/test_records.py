"""Scores become Health_Score__c records faithfully: the external ID is account + month, missing values
are None (never 0), numbers are rounded to 2 decimals, text is cut to the field lengths, and the pure
delivery modules load no Dagster."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from health_pipeline.delivery.records import EXTERNAL_ID, FIELDS, SOBJECT, health_score_records, shorten
from health_pipeline_tests.delivery.frames import scores_frame

SCORED_AT = datetime(2026, 11, 2, 6, 0, tzinfo=timezone.utc)
ACCOUNT = "001Hp0000000001AAA"


def one_record(**overrides) -> dict:
    """The record of a one-account frame with some columns overridden."""
    frame = scores_frame([ACCOUNT])
    for column, value in overrides.items():
        frame[column] = pd.Series([value], dtype=frame[column].dtype if value is not None else object)
    return health_score_records(frame, SCORED_AT)[0]


def test_constants_and_field_set():
    record = one_record()
    assert (SOBJECT, EXTERNAL_ID) == ("Health_Score__c", "Health_Score_Key__c")
    assert tuple(record) == FIELDS
    assert record[EXTERNAL_ID] == f"{ACCOUNT}-2026-10"
    assert record["Account__c"] == ACCOUNT and record["Period__c"] == "2026-10"
    assert record["Name"] == "2026-10 Health Score - Account 0"
    assert record["Scored_At__c"] == "2026-11-02T06:00:00Z"


def test_missing_values_are_none_never_zero():
    frame = scores_frame([ACCOUNT, "001Hp0000000002AAA"])
    frame["support_score"] = [np.nan, 0.0]
    frame["health_score"] = pd.array([pd.NA, 0], dtype="Int64")
    frame["platform_value"] = pd.array([pd.NA, 1.5], dtype="Float64")
    frame["top_risk_factors"] = ["", None]
    first, second = health_score_records(frame, SCORED_AT)
    assert first["Support_Score__c"] is None and first["Health_Score__c"] is None
    assert first["Platform_Value__c"] is None and first["Previous_Score__c"] is None
    assert first["Score_Change__c"] is None and first["Modifier_Applied__c"] is None
    assert first["Top_Risk_Factors__c"] is None and second["Top_Risk_Factors__c"] is None
    assert second["Support_Score__c"] == 0.0 and second["Health_Score__c"] == 0
    assert second["Platform_Value__c"] == 1.5


def test_numbers_are_rounded_and_plain_python():
    record = one_record(churn_risk=12.3456, coverage_pct=87.499, previous_score=71)
    assert record["Churn_Risk_Score__c"] == 12.35 and record["Coverage__c"] == 87.5
    assert record["Platform_Value__c"] == 55.56
    assert type(record["Health_Score__c"]) is int and type(record["Previous_Score__c"]) is int
    assert type(record["Churn_Risk_Score__c"]) is float


def test_top_risk_factors_truncated_to_255_at_an_item_boundary():
    factors = "; ".join(f"metric_number_{i:03d}" for i in range(40))
    record = one_record(top_risk_factors=factors)
    assert len(record["Top_Risk_Factors__c"]) <= 255
    assert factors.startswith(record["Top_Risk_Factors__c"])
    assert record["Top_Risk_Factors__c"].endswith("metric_number_012")  # 13 items of 17 + 2 separators fit in 255
    assert shorten("x" * 300, 255) == "x" * 255


def test_name_is_at_most_80_characters_and_keeps_the_month():
    record = one_record(account_name="A" * 200)
    assert len(record["Name"]) == 80 and record["Name"].startswith("2026-10 Health Score - ")
    assert one_record(account_name=None)["Name"] == "2026-10 Health Score"


def test_naive_and_offset_timestamps_become_utc():
    frame = scores_frame([ACCOUNT])
    local = datetime(2026, 11, 2, 8, 0, tzinfo=timezone(timedelta(hours=2)))
    assert health_score_records(frame, local)[0]["Scored_At__c"] == "2026-11-02T06:00:00Z"
    assert health_score_records(frame, datetime(2026, 11, 2, 6))[0]["Scored_At__c"] == "2026-11-02T06:00:00Z"


def test_rows_without_an_account_or_columns_are_refused():
    frame = scores_frame([ACCOUNT])
    frame.loc[0, "salesforce_account_id"] = None
    with pytest.raises(ValueError, match="no salesforce_account_id"):
        health_score_records(frame, SCORED_AT)
    with pytest.raises(ValueError, match="tier"):
        health_score_records(scores_frame([ACCOUNT]).drop(columns="tier"), SCORED_AT)


def test_infinite_numbers_are_refused():
    with pytest.raises(ValueError, match="infinite"):
        one_record(churn_risk=float("inf"))


def test_pure_modules_load_no_dagster():
    code = ("import sys, health_pipeline.delivery.records, health_pipeline.delivery.csv_output;"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {'dagster', 'simple_salesforce'})))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert output.stdout.strip() == ""


def test_account_name_is_optional():
    frame = scores_frame([ACCOUNT]).drop(columns="account_name")
    assert health_score_records(frame, SCORED_AT)[0]["Name"] == "2026-10 Health Score"


def test_previous_tier_is_delivered_as_previous_tier_c_and_missing_stays_none():
    assert one_record(previous_tier="At Risk", previous_score=65)["Previous_Tier__c"] == "At Risk"
    assert one_record()["Previous_Tier__c"] is None  # the first month: no previous tier, never a made-up one


def test_score_change_reasons_are_kept_whole_movers_within_255_characters():
    assert one_record()["Score_Change_Reasons__c"] is None
    assert one_record(score_change_reasons="csat_score -4.2, payment_health -3.1, dau +1.0")[
        "Score_Change_Reasons__c"] == "csat_score -4.2, payment_health -3.1, dau +1.0"
    long = ", ".join(f"{'m' * 90}_{k} -1.0" for k in range(3))
    assert one_record(score_change_reasons=long)["Score_Change_Reasons__c"] == ", ".join(long.split(", ")[:2])
