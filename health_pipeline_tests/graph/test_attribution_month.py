"""Attribution through the graph: July's stored terms explain its change since June exactly, and the top
movers reach Health_Score__c (Score_Change_Reasons__c) in the emulated org."""
from __future__ import annotations

import dagster as dg
import numpy as np
import pytest

from health_pipeline.scoring.attribution import contributions_of
from health_pipeline.settings import default_config_dir, load_config
from health_pipeline_tests.graph.conftest import Profile

SCORES = "account_health_scores"


def test_july_explains_its_change_since_june(profile: Profile, persistent_instance: dg.DagsterInstance,
                                                     monkeypatch: pytest.MonkeyPatch):
    june = profile.materialise("2026-06", instance=persistent_instance)
    monkeypatch.setenv("HEALTH_PIPELINE_DRY_RUN", "false")
    profile.env["HEALTH_PIPELINE_DRY_RUN"] = "false"
    july = profile.materialise("2026-07", instance=persistent_instance)
    assert june.success and july.success
    before, after = june.output_for_node(SCORES), july.output_for_node(SCORES)
    config = load_config(default_config_dir()).scoring

    contributions = contributions_of(after, before, config)
    change = after.set_index("salesforce_account_id")["score_change_exact"]
    known = change.notna()
    assert known.mean() > 0.95
    assert np.max(np.abs(contributions[known].sum(axis=1) - change[known])) < 1e-9
    assert (after["change_from_config"].dropna().abs() < 1e-9).all()  # same configuration both months

    reasons = after.set_index("salesforce_account_id")["score_change_reasons"]
    org = {r["Account__c"]: r["Score_Change_Reasons__c"]
           for r in profile.org_resource().open_client().sf.query_all(
               "SELECT Account__c, Score_Change_Reasons__c FROM Health_Score__c WHERE Period__c = '2026-07'")["records"]}
    assert org == {account: (text or None) for account, text in reasons.items()}
    assert sum(1 for text in org.values() if text and text.count(", ") == 2) > 100
