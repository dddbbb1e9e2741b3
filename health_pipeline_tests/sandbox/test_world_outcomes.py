"""The world's renewal outcomes come from the latent quality process, never from a score."""
from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import numpy as np

from health_pipeline.sandbox.world import outcomes
from health_pipeline.sandbox.world.accounts import Trajectory
from health_pipeline.sandbox.world.months import month_ordinal
from health_pipeline.sandbox.world.synthetic import World

AS_OF = "2026-06"


def closed_renewals(world: World) -> list[dict]:
    """The world's closed Renewal opportunities."""
    return [o for o in world.salesforce_records()["Opportunity"] if o["Type"] == "Renewal" and o["IsClosed"]]


def latent_history(world: World) -> np.ndarray:
    """(months, accounts) latent quality, as the world's Salesforce records are built from."""
    return np.stack([world.trajectory.quality(k) for k in range(max(48, world.as_of + 1))])


def test_every_outcome_is_recomputed_from_the_latent_history_alone():
    world = World(5, 300, as_of=AS_OF)
    history = latent_history(world)
    index = {sf: i for i, sf in enumerate(world.accounts.salesforce_ids)}
    by_account: dict[str, list[dict]] = {}
    for opp in closed_renewals(world):
        by_account.setdefault(opp["AccountId"], []).append(opp)
    checked = 0
    for account, opps in by_account.items():
        opps.sort(key=lambda o: o["CloseDate"])
        months = [month_ordinal(o["CloseDate"][:7]) for o in opps]
        expected = outcomes.renewals_won(world.seed, index[account], history[:, index[account]], months)
        assert [o["IsWon"] for o in opps] == expected
        assert [o["StageName"] for o in opps] == ["Closed Won" if won else "Closed Lost" for won in expected]
        checked += len(opps)
    assert checked > 500 and sum(not o["IsWon"] for o in closed_renewals(world)) > 10


def test_losses_concentrate_where_the_latent_quality_is_low():
    world = World(5, 2000, as_of=AS_OF)
    history = latent_history(world)
    index = {sf: i for i, sf in enumerate(world.accounts.salesforce_ids)}
    quality, lost = [], []
    for opp in closed_renewals(world):
        month = month_ordinal(opp["CloseDate"][:7])
        if month >= 0:
            quality.append(outcomes.quality_before(history[:, index[opp["AccountId"]]], month))
            lost.append(not opp["IsWon"])
    quality, lost = np.array(quality), np.array(lost)
    low, high = quality < np.quantile(quality, 1 / 3), quality > np.quantile(quality, 2 / 3)
    assert lost[low].mean() > 5 * max(lost[high].mean(), 0.005)


def test_a_worse_latent_state_loses_more_renewals(monkeypatch):
    baseline = sum(not o["IsWon"] for o in closed_renewals(World(5, 400, as_of=AS_OF)))
    original = Trajectory.quality
    monkeypatch.setattr(Trajectory, "quality", lambda self, month: np.clip(original(self, month) - 0.2, 0.02, 0.99))
    worse = sum(not o["IsWon"] for o in closed_renewals(World(5, 400, as_of=AS_OF)))
    assert worse > 1.5 * baseline  # each account can lose once, so this saturates below 2x


def test_renewals_before_the_history_are_won_and_a_loss_ends_the_contract():
    world = World(5, 300, as_of=AS_OF)
    renewals: dict[str, list[dict]] = {}
    for opp in world.salesforce_records()["Opportunity"]:
        if opp["Type"] == "Renewal":
            renewals.setdefault(opp["AccountId"], []).append(opp)
            assert opp["IsWon"] is (opp["StageName"] == "Closed Won")
    for opps in renewals.values():
        opps.sort(key=lambda o: o["CloseDate"])
        assert all(o["IsWon"] for o in opps if date.fromisoformat(o["CloseDate"]) < date(2024, 1, 1))
        lost = [k for k, o in enumerate(opps) if o["IsClosed"] and not o["IsWon"]]
        assert not lost or lost == [len(opps) - 1]


def test_the_outcome_model_imports_nothing_but_numpy():
    tree = ast.parse(Path(outcomes.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported == {"__future__", "numpy"}
