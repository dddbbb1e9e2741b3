"""Overrides end to end with the real client: a CSM creates Health_Score_Override__c records in the emulator (an
active, an expired, an invalid and two overlapping ones); the health_score_overrides asset reads them in one query,
refuses and reports the invalid one, keeps the latest of the overlapping two, and the delivered Health_Score__c
records carry the published score with the computed score, the reason and the expiry beside it."""
from __future__ import annotations

import dagster as dg

from health_pipeline.assets.overrides import health_score_overrides
from health_pipeline.delivery.records import EXTERNAL_ID
from health_pipeline.sandbox.salesforce.emulator import QUERY
from health_pipeline.scoring.overrides import apply_overrides, overrides_from_frame
from health_pipeline.sources.salesforce.resource import SalesforceResource
from health_pipeline_tests.delivery.conftest import ACCOUNT_IDS, Org
from health_pipeline_tests.delivery.frames import scores_frame
from health_pipeline_tests.delivery.test_delivery_asset import PERIOD, live, run, sink_metadata

ACTIVE, EXPIRED, INVALID, OVERLAP = ACCOUNT_IDS[:4]
# a CSM logs in with their password (SOAP login, below API 65.0), not as the integration's connected app
AS_A_PERSON = {"consumer_key": None, "consumer_secret": None, "api_version": "64.0"}


def create_overrides(org: Org) -> None:
    """The CSM's overrides, created through the REST API (the org stamps owner and creation date)."""
    csm_id = org.emulator.add_user("csm@alliants.example", "csm-pa55", "CSM")
    sf = org.resource.model_copy(update={"username": "csm@alliants.example", "password": "csm-pa55",
                                         "security_token": "CSM", **AS_A_PERSON}).open_client().sf
    rows = [
        (ACTIVE, 88, "Exec sponsor re-engaged", "2026-09-01", "2027-03-01"),
        (EXPIRED, 20, "Migration stalled", "2026-01-01", "2026-09-30"),
        (INVALID, 70, None, "2026-09-01", "2027-03-01"),
        (OVERLAP, 30, "First call: at risk", "2026-01-01", "2027-01-01"),
        (OVERLAP, 65, "Second look: recovering", "2026-06-01", "2026-12-01"),
    ]
    for account, score, reason, starts, expires in rows:
        sf.Health_Score_Override__c.create({"Account__c": account, "Override_Score__c": score, "Reason__c": reason,
                                            "Starts_On__c": starts, "Expires_On__c": expires})
    assert {r["OwnerId"] for r in org.emulator.store.records("Health_Score_Override__c")} == {csm_id}


def test_overrides_are_read_validated_chosen_and_delivered(org: Org, tmp_path):
    create_overrides(org)
    queries_before = org.emulator.calls.snapshot().get(QUERY, 0)

    result = dg.materialize([health_score_overrides], partition_key=PERIOD, resources={"salesforce": org.resource})

    assert org.emulator.calls.snapshot()[QUERY] == queries_before + 1  # one bulk query
    [event] = result.asset_materializations_for_node("health_score_overrides")
    assert (event.metadata["read"].value, event.metadata["applied"].value, event.metadata["refused"].value) == (4, 2, 1)
    [refused] = event.metadata["refused_overrides"].value.records
    assert refused.data["account"] == INVALID and "no reason" in refused.data["problem"]
    chosen = overrides_from_frame(result.output_for_node("health_score_overrides"))
    assert {account: o.score for account, o in chosen.items()} == {ACTIVE: 88, OVERLAP: 65}

    scores = apply_overrides(scores_frame(ACCOUNT_IDS[:5]), chosen)
    assert sink_metadata(run(scores, live(tmp_path), org.resource))["created"].value == 5
    soql = (f"SELECT {EXTERNAL_ID}, Health_Score__c, Tier__c, Computed_Score__c, Override_Reason__c, "
            "Override_Expires__c FROM Health_Score__c")
    stored = {r[EXTERNAL_ID].split("-")[0]: r for r in org.client().sf.query_all(soql)["records"]}
    assert (stored[ACTIVE]["Health_Score__c"], stored[ACTIVE]["Tier__c"], stored[ACTIVE]["Computed_Score__c"]) == (
        88, "Healthy", 90)
    assert (stored[ACTIVE]["Override_Reason__c"], stored[ACTIVE]["Override_Expires__c"]) == (
        "Exec sponsor re-engaged", "2027-03-01")
    for account in (EXPIRED, INVALID):  # never applied: published equals computed, no reason
        assert stored[account]["Health_Score__c"] == stored[account]["Computed_Score__c"]
        assert stored[account]["Override_Reason__c"] is None
    assert stored[OVERLAP]["Override_Reason__c"] == "Second look: recovering"


def test_without_salesforce_no_override_applies():
    result = dg.materialize([health_score_overrides], partition_key=PERIOD, resources={"salesforce": SalesforceResource()})
    assert result.output_for_node("health_score_overrides").empty
