"""Benchmark of the dashboard: reading 24 months of 5,000 accounts from the store, the cached load, and each page's
run, on a store laid out as the pipeline's IO manager lays it out.

    python -m benchmarks.dashboard_benchmark [--months 24] [--accounts 5000] [--repeat 5] [--docs docs/dashboard.md]
                                             [--browser]

Each month is scored by `score_accounts` from synthetic metrics (scoring_benchmark's generator, a new seed per month)
with the trend from the month before and an owner per account (OWNERS CSMs in turn), and its four source frames are
stored beside it; score_backtest holds the backtest statistics of those months against synthetic renewals (a low
score churns more often), so the pages read what they read in production. Page runs are timed with Streamlit's AppTest: the server-side script run a page switch waits for
(reading the cache, computing the summaries, building the figures), not the browser's drawing; `--browser` also
times a click on each page's link in headless Chromium until its heading shows, its script has finished and its
charts and tables are drawn, by the page's own clock.
"""
from __future__ import annotations

import argparse
import os
import pickle
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.scoring_benchmark import synthetic_accounts
from health_pipeline.dashboard.history import load_stored_months
from health_pipeline.dashboard.names import SCORES_ASSET
from health_pipeline.dashboard.store import LocalAssetStore
from health_pipeline.evidence.statistics import backtest_table
from health_pipeline.scoring import METRIC_CATALOGUE, score_accounts
from health_pipeline.scoring.assemble import add_trend
from health_pipeline.scoring.catalogue import ID_COLUMN
from health_pipeline.settings import default_config_dir, load_scoring
from health_pipeline.sources.registry import ASSET_OF_CATALOGUE_SOURCE

APP = Path(__file__).resolve().parents[1] / "health_pipeline" / "dashboard" / "app.py"
PAGES = ("movers", "account", "evidence", "quality", "portfolio")
BEGIN, END = "<!-- dashboard-benchmark:begin -->", "<!-- dashboard-benchmark:end -->"
OWNERS = 40  # CSMs owning the accounts in turn


def month_labels(count: int, last: str = "2026-10") -> list[str]:
    """`count` consecutive YYYY-MM labels ending at `last`."""
    return [str(period) for period in pd.period_range(end=last, periods=count, freq="M")]


def _store(root: Path, asset: str, month: str | None, frame: pd.DataFrame) -> None:
    path = root / asset / month if month else root / asset
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(frame))


def build_store(root: Path, months: list[str], accounts: int) -> None:
    """Score and store every month (scores, the four source frames) and the backtest under root, as the fs IO
    manager does."""
    config = load_scoring(default_config_dir())
    previous = None
    judged = []
    for seed, month in enumerate(months):
        metrics = synthetic_accounts(config, accounts, seed=seed)
        scored = score_accounts(metrics, config)
        scored.insert(1, "account_name", [f"Account {i}" for i in range(accounts)])
        scored.insert(2, "owner_id", [f"005{i % OWNERS:015d}" for i in range(accounts)])
        scored.insert(3, "owner_name", [f"CSM {i % OWNERS:02d}" for i in range(accounts)])
        scores = add_trend(scored, previous)
        scores.insert(2, "period", month)
        _store(root, SCORES_ASSET, month, scores)
        for asset in sorted(set(ASSET_OF_CATALOGUE_SOURCE.values())):
            columns = [m for m in config.metrics if ASSET_OF_CATALOGUE_SOURCE[METRIC_CATALOGUE[m].source] == asset]
            frame = metrics[[ID_COLUMN, *columns]].copy()
            frame.attrs["source_configured"] = True
            _store(root, asset, month, frame)
        judged.append(outcomes(scores, month, seed))
        previous = scores
    _store(root, "score_backtest", None, backtest_table(pd.concat(judged, ignore_index=True)))


def outcomes(scores: pd.DataFrame, month: str, seed: int) -> pd.DataFrame:
    """The backtest's rows of a month: each account churns with a chance that falls as its score rises."""
    exact = pd.to_numeric(scores["health_score_exact"]).to_numpy(dtype=float)
    chance = np.clip((100 - np.nan_to_num(exact, nan=50.0)) / 200, 0.0, 1.0)
    churned = (np.random.default_rng(seed).random(len(scores)) < chance).astype(float)
    return pd.DataFrame({ID_COLUMN: scores[ID_COLUMN], "period": month, "segment": scores["segment"],
                         "score": exact, "tier": scores["tier"], "churned": churned})


def timed(action, repeat: int) -> float:
    """Median seconds of `repeat` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(home: Path, repeat: int) -> dict[str, float]:
    """Seconds: the uncached read, the first app run (cache filled), the cached load + portfolio, each page switch."""
    import plotly.graph_objects  # noqa: F401  imported once per server process, before any page: not a page's cost
    from streamlit.testing.v1 import AppTest

    import health_pipeline.dashboard.charts  # noqa: F401
    import health_pipeline.dashboard.loading  # noqa: F401
    import health_pipeline.deployment.profiles  # noqa: F401  (the store's profile lookup imports Dagster)

    os.environ["DAGSTER_HOME"] = str(home)
    store = LocalAssetStore(home / "storage")
    figures = {"read from the store (no cache)": timed(lambda: load_stored_months(store), repeat)}
    app = AppTest.from_file(str(APP), default_timeout=300)
    start = time.perf_counter()
    app.run()
    figures["first open of the portfolio (reads the store, fills the cache; modules already imported)"] = time.perf_counter() - start
    figures["cached load + portfolio"] = timed(app.run, repeat)
    for page in PAGES:
        figures[f"switch to {page}"] = timed(lambda: app.switch_page(f"views/{page}.py").run(), repeat)
    if app.exception:
        raise SystemExit(f"a page raised: {app.exception[0].value}")
    return figures


def table(figures: dict[str, float], months: int, accounts: int) -> str:
    """The figures as a Markdown table."""
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines = [f"{months} months x {accounts:,} accounts ({months * accounts:,} account-months), median of the runs "
             f"(load average at the end: {load}):", "",
             "| what | seconds |", "|---|---:|"]
    lines += [f"| {name} | {seconds:.2f} |" for name, seconds in figures.items()]
    return "\n".join(lines)


def browser_table(times: dict[str, list[float]], repeat: int) -> str:
    """The browser's page switches as a Markdown table: median, first round (each page's first run in the server
    process and first drawing in the tab, but for the Portfolio, which the app opened on) and slowest of the rounds."""
    lines = [f"Headless Chromium, click on the page's link until the page is drawn, {repeat} rounds over the pages "
             "(the first round is each page's first visit, but for the Portfolio, where the app opened):",
             "", "| switch to | median s | first round s | slowest s |", "|---|---:|---:|---:|"]
    lines += [f"| {page} | {statistics.median(seconds):.2f} | {seconds[0]:.2f} | {max(seconds):.2f} |"
              for page, seconds in times.items()]
    return "\n".join(lines)


def write_docs(path: Path, text: str) -> None:
    """Replace the benchmark's block of the page (between its markers) with `text`."""
    page = path.read_text(encoding="utf-8")
    head, rest = page.split(BEGIN, 1)
    path.write_text(f"{head}{BEGIN}\n{text}\n{END}{rest.split(END, 1)[1]}", encoding="utf-8")


def main() -> None:
    """Build the store, measure, print the table and write it into the docs page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--docs", default="docs/dashboard.md", help="page whose benchmark block to rewrite ('' to skip)")
    parser.add_argument("--browser", action="store_true",
                        help="also time page switches in headless Chromium (click until the page is drawn)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        build_store(Path(home) / "storage", month_labels(args.months), args.accounts)
        figures = measure(Path(home), args.repeat)
        if args.browser:
            from health_pipeline_tests.dashboard.browser import page_switch_seconds, serve_dashboard

            with serve_dashboard(Path(home)) as base:
                browser_times = page_switch_seconds(base, args.repeat)
    text = table(figures, args.months, args.accounts)
    if args.browser:
        text += "\n\n" + browser_table(browser_times, args.repeat)
    print(text)
    if args.docs:
        write_docs(Path(args.docs), text)


if __name__ == "__main__":
    main()
