"""The check results on account_health_scores per month, read from the Dagster instance's event log."""
from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd

from health_pipeline.assets.score_check_specs import BLOCKING_CHECKS, TREND_CHECK, WARNING_CHECKS
from health_pipeline.dashboard.names import SCORES_ASSET

PARTITION_TAG = "dagster/partition"
HISTORY_PER_CHECK = 500  # evaluations read per check: two years of months re-run several times each
BLOCKING, WARNING = tuple(BLOCKING_CHECKS), (*WARNING_CHECKS, TREND_CHECK)
COLUMNS = ["period", "check", "blocking", "passed", "description", "run_id"]


def has_instance(home: Path) -> bool:
    """True when `home` holds a Dagster instance (opening an empty folder would create one)."""
    return (home / "dagster.yaml").is_file() or (home / "history").is_dir()


def check_results(home: Path) -> pd.DataFrame:
    """The latest evaluation of every check on the scores, per month (newest run wins), from the instance in `home`."""
    rows = []
    with dg.DagsterInstance.from_config(str(home)) as instance:
        for name in (*BLOCKING, *WARNING):
            key = dg.AssetCheckKey(dg.AssetKey(SCORES_ASSET), name)
            for record in instance.event_log_storage.get_asset_check_execution_history(key, limit=HISTORY_PER_CHECK):
                evaluation = record.evaluation
                if isinstance(evaluation, dg.AssetCheckEvaluation):  # planned-only records have no verdict yet
                    rows.append({"check": name, "blocking": name in BLOCKING, "passed": evaluation.passed,
                                 "description": evaluation.description, "run_id": record.run_id})
        run_ids = sorted({row["run_id"] for row in rows})
        runs = instance.get_runs(dg.RunsFilter(run_ids=run_ids)) if run_ids else []
        months = {run.run_id: run.tags.get(PARTITION_TAG) for run in runs}
    frame = pd.DataFrame(rows, columns=COLUMNS[1:]).assign(period=lambda f: f["run_id"].map(months))
    # records come newest first: the first per month and check is the one in force
    latest = frame.dropna(subset=["period"]).drop_duplicates(["period", "check"], keep="first")
    return latest[COLUMNS].sort_values(["period", "check"]).reset_index(drop=True)
