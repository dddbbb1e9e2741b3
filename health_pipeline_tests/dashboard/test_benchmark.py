"""The dashboard benchmark's harness on a small store: it stores months the way the IO manager does (the dashboard
reads them back, trend included), times every page without an exception, and rewrites only its block of the page."""
from __future__ import annotations

from pathlib import Path

from benchmarks import dashboard_benchmark as bench
from health_pipeline.dashboard.history import load_stored_months
from health_pipeline.dashboard.store import LocalAssetStore


def test_the_harness_stores_readable_months_and_times_every_page(tmp_path: Path, monkeypatch):
    months = bench.month_labels(3)
    assert months == ["2026-08", "2026-09", "2026-10"]
    bench.build_store(tmp_path / "storage", months, accounts=50)
    stored = load_stored_months(LocalAssetStore(tmp_path / "storage"))
    assert stored.months == months and len(stored.scores) == 150
    assert stored.scores.loc[stored.scores["period"] == "2026-10", "previous_score"].notna().any()
    assert stored.scores["owner_name"].notna().all()
    backtest = stored.optional["score_backtest"]
    assert list(backtest.loc[backtest["kind"] == "month", "months"]) == months
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))  # measure() sets it; monkeypatch restores it afterwards
    figures = bench.measure(tmp_path, repeat=1)
    assert {f"switch to {page}" for page in bench.PAGES} <= set(figures)
    assert all(seconds > 0 for seconds in figures.values())


def test_the_docs_block_is_replaced_and_the_rest_of_the_page_kept(tmp_path: Path):
    page = tmp_path / "page.md"
    page.write_text(f"before\n{bench.BEGIN}\nold figures\n{bench.END}\nafter\n", encoding="utf-8")
    bench.write_docs(page, "new figures")
    assert page.read_text(encoding="utf-8") == f"before\n{bench.BEGIN}\nnew figures\n{bench.END}\nafter\n"
