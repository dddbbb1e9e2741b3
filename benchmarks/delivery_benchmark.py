"""Write-back of a month, today's full upsert and the diff-only delivery side by side, in one run.

    python -m benchmarks.delivery_benchmark [--accounts 5000] [--changed-pct 5] [--latency-ms 20]

For each of three deliveries of the same month (the first into an empty org, an unchanged re-run, a re-run
with a share of the records rescored) both ways run against their own Salesforce emulator, each in its own
process over loopback TLS with the same latency; the real simple_salesforce client counts every HTTP call
(login included) and the emulator's counters are checked against it.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.performance_page import RESULTS_MARKER, WRITE_BACK_END, WRITE_BACK_START, write_back_section
from health_pipeline.delivery.records import health_score_records
from health_pipeline.delivery.salesforce_sync import sync_month
from health_pipeline.delivery.salesforce_writer import upsert_health_scores
from health_pipeline.sandbox.realism import EmulatorRealism
from health_pipeline.sandbox.salesforce.values import make_id
from health_pipeline.sources.salesforce.resource import SalesforceResource

PERIOD = "2026-10"
USER, PASSWORD, TOKEN = "bench@alliants.example", "bench-pa55", "B3NCH"
CONSUMER_KEY, CONSUMER_SECRET, MY_DOMAIN = "bench-consumer-key", "bench-consumer-secret", "bench.my"
TIERS = ("Champion", "Healthy", "At Risk", "Critical")


def _host(accounts: int, latency: float, state_dir: str, realism: EmulatorRealism, conn: Any) -> None:
    """Serve a Salesforce emulator holding `accounts` accounts until told to stop; report its call counts."""
    from health_pipeline.sandbox.salesforce.emulator import SalesforceEmulator
    from health_pipeline.sandbox.salesforce.oauth import ConnectedApp
    from health_pipeline.sandbox.server.emulator import EmulatorServer
    from health_pipeline.sandbox.server.tls import SandboxTLS

    try:
        rows = [{"Id": make_id("001", n), "Name": f"Account {n}"} for n in range(1, accounts + 1)]
        emulator = SalesforceEmulator({"Account": rows}, username=USER, password=PASSWORD, security_token=TOKEN,
                                      app=ConnectedApp(CONSUMER_KEY, CONSUMER_SECRET, MY_DOMAIN, USER))
        realism.apply(emulator)  # smaller query batches, Bulk jobs in progress for a few polls (unless --gentle)
        tls = SandboxTLS(Path(state_dir))
        server = EmulatorServer(emulator, ssl_context=tls.server_context())
        server._httpd.RequestHandlerClass.disable_nagle_algorithm = True  # noqa: SLF001 (as pipeline_benchmark)
        server.start()
        emulator.base_url = server.url
        emulator.faults.set_latency(latency)
        conn.send({"url": server.url, "ca": str(Path(state_dir) / "sandbox-ca.pem")})
    except BaseException:
        conn.send({"error": traceback.format_exc()})
        return
    while True:
        command = conn.recv()
        if command == "stop":
            server.stop()
            conn.send(None)
            return
        conn.send(emulator.calls.total())


class Org:
    """An emulator in its own process and a resource that reaches it."""

    def __init__(self, accounts: int, latency: float, realism: EmulatorRealism = EmulatorRealism.harder()) -> None:
        self._dir = tempfile.TemporaryDirectory()
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_host, args=(accounts, latency, self._dir.name, realism, child), daemon=True)
        self._process.start()
        reply = self._conn.recv()
        if "error" in reply:
            raise RuntimeError(reply["error"])
        # the integration logs in as production does: OAuth 2.0 client credentials on the My Domain
        self.resource = SalesforceResource(consumer_key=CONSUMER_KEY, consumer_secret=CONSUMER_SECRET, domain=MY_DOMAIN,
                                           login_url_override=reply["url"], ca_bundle=reply["ca"])

    def calls(self) -> int:
        """Calls the emulator has counted so far."""
        self._conn.send("calls")
        return self._conn.recv()

    def close(self) -> None:
        """Stop the emulator process."""
        self._conn.send("stop")
        self._conn.recv()
        self._process.join(10)
        self._dir.cleanup()


def month_records(accounts: int, changed: int = 0) -> list[dict]:
    """The month's Health_Score__c records; the first `changed` accounts rescored."""
    index = np.arange(accounts)
    score = (90 - index * 7) % 101
    score[:changed] = (score[:changed] + 13) % 101
    frame = pd.DataFrame({
        "salesforce_account_id": [make_id("001", n) for n in range(1, accounts + 1)],
        "account_name": [f"Account {n}" for n in range(1, accounts + 1)], "period": PERIOD,
        "health_score": pd.array(score, dtype="Int64"), "churn_risk": 100 - score + 0.5,
        "tier": [TIERS[s % 4] for s in score], "coverage_pct": 87.5, "platform_value": 55.55,
        **{f"{d}_score": 60.0 + index % 7 for d in ("support", "financial", "adoption", "relationship")},
        "modifier_applied": None, "top_risk_factors": "csat_score; open_bugs",
        "previous_score": pd.array(score, dtype="Int64"), "score_change": pd.array([0] * accounts, dtype="Int64"),
        "computed_score": pd.array(score, dtype="Int64"), "override_reason": None, "override_expires": None,
        "previous_tier": [TIERS[s % 4] for s in score], "score_change_reasons": None,
    })
    return health_score_records(frame, datetime.now(timezone.utc))


def full_upsert(org: Org, records: list[dict], poll: float) -> dict:
    """Today's way: upsert every record of the month."""
    start, before = time.perf_counter(), org.calls()
    client = org.resource.open_client()
    outcome = upsert_health_scores(client.sf, records, bulk_threshold=2000, poll_seconds=poll)
    return {"calls": client.stats.total_calls(), "served": org.calls() - before, "written": len(records),
            "write_calls": outcome.api_calls, "method": outcome.method, "wall": time.perf_counter() - start}


def diff_only(org: Org, records: list[dict], poll: float) -> dict:
    """The diff-only way: read the month, write what changed."""
    start, before = time.perf_counter(), org.calls()
    client = org.resource.open_client()
    outcome = sync_month(client, records, PERIOD, policy="skip", bulk_threshold=2000, collection_size=200,
                         poll_seconds=poll)
    written = len(outcome.plan.writes)
    return {"calls": outcome.calls, "served": org.calls() - before, "written": written,
            "write_calls": outcome.upsert.api_calls, "method": outcome.upsert.method if written else "none",
            "wall": time.perf_counter() - start}


def write_section(path: Path, lines: list[str]) -> None:
    """Put the section into the page: replace the previous one, or add it before the embedded results."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    section = "\n".join([WRITE_BACK_START, *lines, WRITE_BACK_END]) + "\n"
    old = write_back_section(text)
    if old:
        text = text.replace(old, section)
    else:
        marker = text.find(RESULTS_MARKER)
        text = text + "\n" + section if marker < 0 else text[:marker] + section + "\n" + text[marker:]
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run the three deliveries both ways and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--changed-pct", type=float, default=5.0)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--poll-seconds", type=float, default=0.2)
    parser.add_argument("--docs", default="docs/performance.md", help="page to update ('' to skip)")
    parser.add_argument("--gentle", action="store_true",
                        help="kinder emulator: full query batches, Bulk jobs done at the first poll (default: harder)")
    args = parser.parse_args(argv)
    changed = int(args.accounts * args.changed_pct / 100)
    deliveries = [("first delivery (empty org)", month_records(args.accounts)),
                  ("unchanged re-run", month_records(args.accounts)),
                  (f"{args.changed_pct:g}% rescored ({changed} records)", month_records(args.accounts, changed))]
    realism = EmulatorRealism.gentle() if args.gentle else EmulatorRealism.harder()
    orgs = {way: Org(args.accounts, args.latency_ms / 1000, realism) for way in ("full upsert", "diff-only")}
    ways = {"full upsert": full_upsert, "diff-only": diff_only}
    lines = ["## Write-back: today's full upsert vs the diff-only delivery", "",
             f"`python -m benchmarks.delivery_benchmark` ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC): "
             f"{args.accounts:,} accounts, month {PERIOD}, {args.latency_ms:g} ms latency per request, Bulk API 2.0 "
             f"polled every {args.poll_seconds:g} s; each way against its own Salesforce emulator process "
             f"({'gentle' if args.gentle else 'harder'}: query batches of at most {realism.salesforce_batch_cap:,}, "
             f"Bulk jobs in progress for {realism.bulk_polls_before_complete} poll(s)), the "
             "real simple_salesforce client counting every call (login included). Load average at the start: "
             f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall times grow with it; call counts do not).", "",
             "| delivery | way | HTTP calls (login incl.) | emulator agrees | records written | write calls | method "
             "| wall |", "|---|---|---:|---|---:|---:|---|---:|"]
    print("\n".join(lines), flush=True)
    try:
        for label, records in deliveries:
            for way, deliver in ways.items():
                result = deliver(orgs[way], records, args.poll_seconds)
                agrees = "yes" if result["served"] == result["calls"] else f"no ({result['served']})"
                lines.append(f"| {label} | {way} | {result['calls']} | {agrees} | {result['written']:,} | "
                             f"{result['write_calls']} | {result['method']} | {result['wall']:.2f} s |")
                print(lines[-1], flush=True)
    finally:
        for org in orgs.values():
            org.close()
    if args.docs:
        write_section(Path(args.docs), lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
