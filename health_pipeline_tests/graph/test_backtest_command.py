"""`health-pipeline backtest` on an empty instance: it scores the matured months it needs through the real clients
and the emulators, and its pooled AUC equals the one computed straight from the world's renewal records."""
from __future__ import annotations

import shutil
from datetime import date

import dagster as dg
import pytest

from health_pipeline.commands.cli import main
from health_pipeline.commands.evidence_runs import load_scores, run_backtest_asset, stored_months
from health_pipeline.evidence.backtest import run_backtest
from health_pipeline.evidence.outcomes import renewal_outcomes
from health_pipeline_tests.graph.conftest import REPO_ROOT, Profile

AS_OF = "2026-12-01"


def test_backtest_scores_what_it_needs_and_prints_the_pooled_auc(profile: Profile, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    assert main(["backtest", "--months", "2025-02:2025-03", "--as-of", AS_OF]) == 0
    printed = capsys.readouterr().out
    auc_line = [line for line in printed.splitlines() if line.startswith("AUC ")]
    assert len(auc_line) == 1 and "pooled" in printed and "2025-02" in printed

    instance = dg.DagsterInstance.get()
    assert stored_months(instance) == {"2025-02", "2025-03"}
    world_renewals = [r for r in profile.sandbox.data.salesforce_records()["Opportunity"]
                      if r["Type"] == "Renewal" and r["IsClosed"]]
    table, rows = run_backtest(load_scores(instance, ["2025-02", "2025-03"]), renewal_outcomes(world_renewals), 180,
                               date.fromisoformat(AS_OF))
    pooled = table.set_index("months").loc["pooled"]
    assert auc_line[0] == f"AUC {pooled['auc']:.3f}"
    assert pooled["churned"] > 5 and pooled["n"] > 100
    assert "Learned model (advice only; trained on 2025-02..2025-02, tested on 2025-03..2025-03)" in printed

    # the check warns when the pooled AUC is under the floor, and passes over it
    for floor, passed in ((0.99, False), (0.5, True)):
        result = run_backtest_asset(instance, {"months": "2025-02:2025-03", "as_of": AS_OF, "auc_floor": floor})
        (evaluation,) = result.get_asset_check_evaluations()
        assert (evaluation.check_name, evaluation.passed, evaluation.severity) == (
            "auc_floor", passed, dg.AssetCheckSeverity.WARN)

    # what-if over the same stored months: nothing written, the current side's AUC is the backtest's
    other = tmp_path / "other_config"
    shutil.copytree(REPO_ROOT / "config", other)
    weights = (other / "weights.yaml").read_text(encoding="utf-8")
    (other / "weights.yaml").write_text(weights.replace("churn_weight: 0.6", "churn_weight: 0.9"), encoding="utf-8")
    runs = len(instance.get_run_records())
    assert main(["what-if", "--config-dir", str(other), "--as-of", AS_OF]) == 0
    printed = capsys.readouterr().out
    assert "Tier transitions" in printed and "account-months change tier" in printed
    assert f"current {pooled['auc']:.3f}   {other} " in printed
    assert len(instance.get_run_records()) == runs

    # a month that has not matured is refused in one sentence
    assert main(["backtest", "--months", "2026-10:2026-11", "--as-of", AS_OF]) == 1
    assert "No matured month" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["--months", "2025-13:"], ["--horizon-days", "0"], ["--as-of", "soon"]])
def test_bad_arguments_get_one_sentence(argv, capsys):
    assert main(["backtest", *argv]) == 2
    assert len(capsys.readouterr().out.strip().splitlines()) == 1
