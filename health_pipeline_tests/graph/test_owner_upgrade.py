"""A month whose Salesforce frame was stored before the owner was extracted still scores: rescoring it alone gives
owner columns that are null (owner unknown), never a KeyError."""
from __future__ import annotations

import pickle
from pathlib import Path

import dagster as dg

from health_pipeline.definitions import ASSETS
from health_pipeline.sources.salesforce.metrics import OWNER_COLUMNS
from health_pipeline_tests.graph.conftest import QUIET, Profile

MONTH = "2026-08"


def test_scores_of_a_month_stored_without_owners_say_owner_unknown(profile: Profile,
                                                                   persistent_instance: dg.DagsterInstance):
    assert profile.materialise(MONTH, instance=persistent_instance).success
    [stored] = Path(persistent_instance.storage_directory()).glob(f"salesforce_account_metrics/{MONTH}")
    frame = pickle.loads(stored.read_bytes())
    assert frame["owner_name"].notna().any()
    stored.write_bytes(pickle.dumps(frame.drop(columns=list(OWNER_COLUMNS))))  # as the older code stored it

    rescored = dg.materialize(ASSETS, selection=["account_health_scores"], partition_key=MONTH,
                              instance=persistent_instance, resources=profile.resources(), run_config=QUIET)

    scores = rescored.output_for_node("account_health_scores")
    assert set(OWNER_COLUMNS) <= set(scores.columns)
    assert scores[list(OWNER_COLUMNS)].isna().all().all() and scores["health_score"].notna().any()
