"""Fixtures of the dashboard tests: an instance holding three months the sandbox produced (scored once per session
through the whole graph, as `health-pipeline demo` does), a copy of it where score_backtest was materialised over
those months against the sandbox's renewals, an empty instance, and a copy of the backtested store to which what
other parts of the pipeline add (alerts, delivery log, attribution, overrides) has been written, where one account
has lost its score and 2026-08 was stored before the scores carried owners, so that the pages' lit-up state is shown
on real scored months."""
from __future__ import annotations

import pickle
import shutil
from pathlib import Path
from typing import Iterator

import dagster as dg
import pandas as pd
import pytest

from health_pipeline.dashboard.store import LocalAssetStore
from health_pipeline.definitions import ASSETS, EVIDENCE_ASSETS
from health_pipeline.delivery.delivery_log import DeliveryLogRow, append_row
from health_pipeline.delivery.parquet_export import ParquetExportResource
from health_pipeline.deployment.profiles import resources_for_profile
from health_pipeline.sandbox.runner import Sandbox
from health_pipeline.scoring.catalogue import ID_COLUMN
from health_pipeline_tests.graph.conftest import QUIET, set_profile_env

MONTHS = ("2026-08", "2026-09", "2026-10")
# a day when all three months have matured (180 days after 2026-10's end), so the backtest judges every one
BACKTEST_AS_OF = "2027-06-30"
APP = Path(__file__).resolve().parents[2] / "health_pipeline" / "dashboard" / "app.py"


@pytest.fixture(scope="session")
def scored_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A DAGSTER_HOME whose instance holds 2026-08..2026-10, materialised over the default sandbox in dry run."""
    home = tmp_path_factory.mktemp("dashboard_home")
    with Sandbox() as sandbox, pytest.MonkeyPatch.context() as patch:
        set_profile_env(patch, sandbox, home / "output")
        with dg.DagsterInstance.local_temp(tempdir=str(home)) as instance:
            for month in MONTHS:
                result = dg.materialize(ASSETS, partition_key=month, instance=instance,
                                        resources=resources_for_profile(), run_config=QUIET, raise_on_error=False)
                assert result.success, f"{month} failed"
    yield home


@pytest.fixture(scope="session")
def backtested_home(scored_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the scored instance where score_backtest has judged the three months against the sandbox's renewals."""
    home = tmp_path_factory.mktemp("backtested_home")
    shutil.copytree(scored_home, home, dirs_exist_ok=True)
    with Sandbox() as sandbox, pytest.MonkeyPatch.context() as patch:
        set_profile_env(patch, sandbox, home / "output")
        with dg.DagsterInstance.from_config(str(home)) as instance:
            result = dg.materialize([*ASSETS, *EVIDENCE_ASSETS], instance=instance, resources=resources_for_profile(),
                                    selection=dg.AssetSelection.assets(*EVIDENCE_ASSETS), raise_on_error=False,
                                    run_config={**QUIET, "ops": {"score_backtest": {"config": {"as_of": BACKTEST_AS_OF}}}})
            assert result.success, "score_backtest failed"
    yield home


@pytest.fixture
def empty_home(tmp_path: Path) -> Path:
    """A DAGSTER_HOME with nothing stored."""
    home = tmp_path / "empty_home"
    home.mkdir()
    return home


def _write(root: Path, asset: str, month: str | None, value: object) -> None:
    """Store a value where the filesystem IO manager would."""
    path = root / asset / month if month else root / asset
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(value))


@pytest.fixture(scope="session")
def lit_home(backtested_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The backtested store plus alerts, a delivery log, attribution and an override on 2026-10, and 2026-08 as a
    month stored before the scores carried owners."""
    home = tmp_path_factory.mktemp("lit_home")
    shutil.copytree(backtested_home / "storage", home / "storage")
    store = LocalAssetStore(home / "storage")
    august = store.load("account_health_scores", "2026-08")
    _write(home / "storage", "account_health_scores", "2026-08", august.drop(columns=["owner_id", "owner_name"]))
    october = store.load("account_health_scores", "2026-10")
    first = october[ID_COLUMN].iloc[0]
    october["score_change_reasons"] = ["payment_health -3.2, cap +1.0, dau +0.4"] + [""] * (len(october) - 1)
    october["computed_score"] = october["health_score"]
    october["override_reason"] = ["Renewal signed early"] + [None] * (len(october) - 1)
    october["override_expires"] = ["2027-01-31"] + [None] * (len(october) - 1)
    october.loc[october.index[-1], ["health_score", "tier"]] = [pd.NA, "No Data"]  # an account without a score
    _write(home / "storage", "account_health_scores", "2026-10", october)
    _write(home / "storage", "account_alerts", "2026-10", pd.DataFrame(
        {ID_COLUMN: [first], "severity": ["high"], "play": ["renewal_at_risk"], "owner_name": ["Dana Whitfield"]}))
    append_row(DeliveryLogRow("2026-10", "run-1", "2026-11-02T06:00:00Z", "2026-11-02T06:00:09Z", created=0,
                              updated=12, unchanged=188, conflicts=0, failed=0, calls=4, method="collections"),
               ParquetExportResource(local_dir=str(home / "output")))
    return home
