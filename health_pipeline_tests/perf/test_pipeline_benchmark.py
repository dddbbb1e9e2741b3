"""The pipeline benchmark's own run on scenario S (no added latency): it reaches the minimum calls, its counters
agree with the emulators', and the per-account reference yields the same metric frames with far more calls.

Figures, not timings: wall times are reported by the harness, never asserted."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks import pipeline_benchmark as bench

REPO = Path(__file__).resolve().parents[2]


def test_scenario_s_reaches_the_minimum_and_matches_the_per_account_way(tmp_path):
    out = tmp_path / "s.json"
    done = subprocess.run([sys.executable, "-m", "benchmarks.pipeline_benchmark", "--scenarios", "S",
                           "--latency-ms", "0", "--docs", "", "--json", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text())["S"]
    assert bench.server_agrees(result)
    for row in bench.source_rows(result):
        if "key" in row:  # a source: what it sent against the fewest calls its data allows
            assert row["calls"] <= 1.1 * row["minimum"], row
    assert bench.source_rows(result)[-1]["calls"] == result["minimum"]["write"]["minimum"]  # Collections + login
    reference = result["reference"]
    assert reference["frames"] == dict.fromkeys(bench.SOURCES, "equal")
    bulk_calls = sum(bench._calls(result["bulk"]["sources"][name]) for name in bench.SOURCES)  # noqa: SLF001
    reference_calls = sum(bench._calls(reference["sources"][name]) for name in bench.SOURCES)  # noqa: SLF001
    assert reference_calls > 50 * bulk_calls
    assert result["bulk"]["write"]["created"] == 200 and result["bulk"]["write"]["failed"] == 0
    assert "## Summary" in done.stdout and "| S | 200 |" in done.stdout
