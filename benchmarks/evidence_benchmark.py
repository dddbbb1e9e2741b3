"""Benchmark of the evidence commands: the backtest (with the learned model) and a what-if over stored months.

    python -m benchmarks.evidence_benchmark [--accounts 200,5000] [--months 24] [--docs docs/evidence-performance.md]

For each size: the sandbox's world of that many accounts serves its renewals through the Salesforce emulator;
`--months` months of scores are stored as account_health_scores stores them (pickles, as the filesystem IO
manager keeps them; metrics drawn like `scoring_benchmark`'s, so the AUCs here mean nothing: this measures
time). Timed, as the commands do them: loading the stored months, reading every closed renewal over loopback
with simple_salesforce, the backtest statistics, the learned model, and for the what-if the re-scoring under
two configurations, the comparison and both pooled AUCs. Scoring the months themselves (extraction) is not
included: `pipeline_benchmark` measures a month of that.
"""
from __future__ import annotations

import argparse
import dataclasses
import platform
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd

from benchmarks.scoring_benchmark import synthetic_accounts
from health_pipeline.evidence.backtest import run_backtest
from health_pipeline.evidence.learned import learn_beside_rules
from health_pipeline.evidence.what_if import mean_change, rescore, side_by_side, tier_changes, transition_matrix
from health_pipeline.sandbox.runner import Sandbox
from health_pipeline.scoring import score_accounts
from health_pipeline.scoring.attribution import explain_change
from health_pipeline.settings import default_config_dir, load_config
from health_pipeline.sources.salesforce.resource import SalesforceResource

PROJECT = Path(__file__).resolve().parents[1]
FIRST_MONTH = "2024-01"
AS_OF = date(2026, 7, 1)  # 2024-01 .. 2025-12 have all matured for a 180-day horizon
GOALS = {200: 10.0, 5000: 60.0}


def month_labels(count: int) -> list[str]:
    """`count` months from 2024-01."""
    return [str(p) for p in pd.period_range(FIRST_MONTH, periods=count, freq="M")]


def store_months(world, config, months: list[str], folder: Path) -> list[Path]:
    """Score and pickle each month for the world's accounts, chained as the asset chains them (attribution)."""
    paths, previous = [], None
    for k, period in enumerate(months):
        metrics = synthetic_accounts(config, world.size, seed=k)
        metrics["salesforce_account_id"] = world.accounts.salesforce_ids
        metrics["segment"] = ["paid" if paid else "standard" for paid in world.accounts.paid]
        scores = explain_change(score_accounts(metrics, config), metrics, previous, config)
        paths.append(folder / period)
        scores.to_pickle(paths[-1])
        previous = scores
    return paths


def org(sandbox: Sandbox) -> SalesforceResource:
    """A Salesforce resource pointed at the sandbox's emulator."""
    env = sandbox.env()
    return SalesforceResource(username=env["SF_USERNAME"], password=env["SF_PASSWORD"],
                              security_token=env["SF_SECURITY_TOKEN"], login_url_override=env["SF_LOGIN_URL"],
                              ca_bundle=env["SF_CA_BUNDLE"])


def timed(function, *args):
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def measure(accounts: int, month_count: int) -> dict:
    """The timings of one size."""
    from health_pipeline.assets.evidence import read_renewals

    config = load_config(default_config_dir()).scoring
    other = dataclasses.replace(config, churn_weight=0.8, platform_weight=0.2)
    months = month_labels(month_count)
    with Sandbox(seed=7, accounts=accounts) as sandbox, tempfile.TemporaryDirectory() as folder:
        paths = store_months(sandbox.world, config, months, Path(folder))
        load_s, stored = timed(lambda: {p.name: pd.read_pickle(p) for p in paths})
        renewals_s, renewals = timed(read_renewals, org(sandbox), print)
    backtest_s, (table, rows) = timed(run_backtest, stored, renewals, 180, AS_OF)
    learned_s, _ = timed(learn_beside_rules, stored, rows, config)

    def what_if():
        before, after = rescore(stored, config), rescore(stored, other)
        pairs = side_by_side(before, after)
        transition_matrix(pairs), tier_changes(pairs), mean_change(pairs)
        return run_backtest(before, renewals, 180, AS_OF), run_backtest(after, renewals, 180, AS_OF)

    what_if_s, _ = timed(what_if)
    pooled = table.set_index("months").loc["pooled"]
    return {"accounts": accounts, "months": month_count, "renewals": len(renewals), "rows": int(pooled["n"]),
            "load_s": load_s, "renewals_s": renewals_s, "statistics_s": backtest_s, "learned_s": learned_s,
            "what_if_compute_s": what_if_s,
            "backtest_total_s": load_s + renewals_s + backtest_s + learned_s,
            "what_if_total_s": load_s + renewals_s + what_if_s}


def markdown(results: list[dict]) -> str:
    """The results as the page's table."""
    lines = ["| accounts | months | closed renewals | account-months judged | load stored months | read renewals | "
             "statistics | learned model | **backtest total** | what-if re-score + compare | **what-if total** | goal |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        goal = GOALS.get(r["accounts"])
        verdict = "" if goal is None else (f"< {goal:g} s: {'met' if max(r['backtest_total_s'], r['what_if_total_s']) < goal else 'missed'}")
        lines.append(f"| {r['accounts']:,} | {r['months']} | {r['renewals']:,} | {r['rows']:,} | {r['load_s']:.2f} s | "
                     f"{r['renewals_s']:.2f} s | {r['statistics_s']:.2f} s | {r['learned_s']:.2f} s | "
                     f"**{r['backtest_total_s']:.2f} s** | {r['what_if_compute_s']:.2f} s | "
                     f"**{r['what_if_total_s']:.2f} s** | {verdict} |")
    return "\n".join(lines)


def page(results: list[dict]) -> str:
    """The whole docs page."""
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (f"# Performance of the evidence commands: backtest and what-if\n\n"
            f"Measured with `python -m benchmarks.evidence_benchmark` on {platform.platform()}, Python "
            f"{platform.python_version()}, {stamp}; the page is rewritten by that command. What is timed and what "
            f"is not: the module docstring of `benchmarks/evidence_benchmark.py`.\n\n{markdown(results)}\n\n"
            "The goals: backtest and what-if over 24 months of the default world (200 accounts) in under 10 s, "
            "and of 5,000 accounts in under 60 s. Scoring months that are not stored yet is extra: the backtest "
            "command scores the months it lacks first, one pipeline run each (see performance.md).\n")


def main(argv: list[str] | None = None) -> int:
    """Run the sizes, print the table, rewrite the page."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", default="200,5000", help="comma-separated world sizes")
    parser.add_argument("--months", type=int, default=24, help="stored months (from 2024-01)")
    parser.add_argument("--docs", default=str(PROJECT / "docs" / "evidence-performance.md"), help="page to rewrite ('' to skip)")
    args = parser.parse_args(argv)
    results = [measure(int(n), args.months) for n in args.accounts.split(",")]
    print(markdown(results))
    if args.docs:
        Path(args.docs).write_text(page(results), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
