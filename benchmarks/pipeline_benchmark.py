"""Benchmark of a month of the pipeline against the sandbox: HTTP calls per source and endpoint against the
minimum the data allows, wall time per source and for the month, peak memory, the Salesforce write-back, and
the same month extracted the ORIGINAL way (account by account) side by side.

    python -m benchmarks.pipeline_benchmark [--scenarios S,M,L] [--latency-ms 20] [--no-reference]
                                            [--jira-rate 100/10] [--slice-sweep 1,2,4,8] [--docs docs/performance.md]

Scenarios: S = 200 accounts, M = 5,000 (~60,000 conversations a month), L = 50,000 (~600,000). Each one gets
its own sandbox: the four emulators of `health_pipeline.sandbox` over the synthetic world, each in its own
process (a vendor's servers do not share our CPU with each other), with a per-request latency and Intercom's
(10,000/min enforced per 10 s: 1,666 per 10 s) and Jira's (chosen: 100 per 10 s) rate limits switched on.
The month runs in a fresh process (so that peak memory is comparable across scenarios): the four source
extractions concurrently (threads, as the steps of a Dagster multiprocess run), then scoring, then the upsert
of the month's Health_Score__c records. The per-account reference (S and M) runs in another fresh process
against the same sandbox; both must produce equal metric frames. The minimum calls come from the data the
emulators actually serve (their own search engines and stored records). Results are printed as Markdown and
written to docs/performance.md (scenarios not run this time keep their last results there).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import math
import multiprocessing as mp
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmarks.performance_page import RESULTS_MARKER, ui_section, write_back_section

PROJECT = Path(__file__).resolve().parent.parent
SCENARIOS = {"S": 200, "M": 5_000, "L": 50_000}
REFERENCE_SCENARIOS = ("S", "M")
SOURCES = ("intercom", "jira", "looker", "salesforce")
SOURCE_NAMES = {"intercom": "Intercom", "jira": "Jira", "looker": "Looker", "salesforce": "Salesforce"}
INTERCOM_RATE = (1666, 10.0)  # 10,000 calls a minute per app, enforced in 10-second windows
INTERCOM_PAGE, JIRA_PAGE, SF_BATCH, SF_COLLECTION = 150, 100, 2000, 200
BULK_JOB_CALLS = 6  # create, upload CSV, close, one status poll, successful results, failed results
JIRA_PROJECTS = "BUG,PLAT"
GOAL_CALL_RATIO, GOAL_TIME_SPEEDUP, GOAL_CALL_REDUCTION, GOAL_MEMORY_MIB = 1.1, 20, 50, 2048


# --- small helpers ---------------------------------------------------------------------------------------------

def proc_status(field: str) -> int:
    """A /proc/self/status memory field (VmRSS, VmHWM) in KiB; ru_maxrss where /proc is missing."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def cpu_seconds() -> float:
    """User + system CPU seconds of this process so far."""
    import resource
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def pages(records: int, size: int) -> int:
    """Pages needed for `records` at `size` per page (an empty result still takes one call)."""
    return max(1, math.ceil(records / size))


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def ratio(numerator: float | None, denominator: float | None, digits: int = 2) -> str:
    if not numerator or not denominator:
        return "-"
    return f"{numerator / denominator:,.{digits}f}x"


# --- the sandbox: one process per emulator -----------------------------------------------------------------------

def indexed_salesforce_emulator(records: dict, **kwargs: Any) -> Any:
    """The sandbox's Salesforce emulator, answering a statement that names a few accounts from an index.

    The emulator scans every record of the object for each statement; Salesforce uses its index on Id
    and lookup fields. Per account (20,000 statements at M) the scans would cost the emulator minutes of
    CPU a real org does not spend, charged to the per-account way. Here a statement ending in
    `<Id|AccountId|Account__c> IN ('<id>', ...)` with at most 50 IDs reads only those accounts' records
    (in stored order) and still applies its whole WHERE clause: same rows, same order, same calls.
    """
    import re
    import threading

    from health_pipeline.sandbox.salesforce.emulator import SalesforceEmulator

    named = re.compile(r"\b(Id|AccountId|Account__c) IN \(((?:\s*'[A-Za-z0-9]{15,18}'\s*,?)+)\)\s*$")

    class IndexedSalesforceEmulator(SalesforceEmulator):
        def __init__(self, *args: Any, **kw: Any) -> None:
            self._indexes: dict[tuple[str, str], dict[str, list[tuple[int, dict]]]] = {}
            self._index_lock = threading.Lock()
            super().__init__(*args, **kw)

        def _candidates(self, sobject: str, soql: str) -> list[dict] | None:
            found = named.search(soql)
            ids = re.findall(r"'([A-Za-z0-9]{15,18})'", found.group(2)) if found else []
            if not ids or len(ids) > 50 or sobject not in ("Account", "Opportunity", "Contract", "Churn_Signal__c"):
                return None
            key = (sobject, found.group(1))
            with self._index_lock:
                index = self._indexes.get(key)
                if index is None:
                    index = {}
                    for position, record in enumerate(self.store.records(sobject)):
                        value = record.get(found.group(1))
                        if value is not None:
                            index.setdefault(str(value)[:15], []).append((position, record))
                    self._indexes[key] = index
            hits = sorted((hit for value in dict.fromkeys(i[:15] for i in ids) for hit in index.get(value, [])),
                          key=lambda hit: hit[0])
            return [record for _, record in hits]

    return IndexedSalesforceEmulator(records, **kwargs)


def _host(name: str, seed: int, accounts: int, as_of: str, latency: float, rate: tuple[int, float] | None,
          state_dir: str, realism: Any, conn: Any) -> None:
    """Serve one emulator over the world until told to stop; answer counter and data questions."""
    from health_pipeline.sandbox.runner import SandboxCredentials
    from health_pipeline.sandbox.server.emulator import EmulatorServer
    from health_pipeline.sandbox.world.synthetic import World

    try:
        creds = SandboxCredentials()
        world = World(seed=seed, accounts=accounts, as_of=as_of)
        context = None
        if name == "intercom":
            from health_pipeline.sandbox.intercom.emulator import IntercomEmulator
            emulator: Any = IntercomEmulator(world, creds.intercom_token)
        elif name == "jira":
            from health_pipeline.sandbox.jira.emulator import JiraEmulator
            emulator = JiraEmulator(world, creds.jira_email, creds.jira_token)
        elif name == "looker":
            from health_pipeline.sandbox.looker.emulator import LookerEmulator
            emulator = LookerEmulator(world, client_id=creds.looker_client_id,
                                      client_secret=creds.looker_client_secret)
        else:
            from health_pipeline.sandbox.server.tls import SandboxTLS
            emulator = indexed_salesforce_emulator(world.salesforce_records(), **creds.salesforce_logins())
            tls = SandboxTLS(Path(state_dir))
            context = tls.server_context()
        realism.apply(emulator)  # short Jira pages, smaller Salesforce batches, slow Bulk jobs (unless --gentle)
        server = EmulatorServer(emulator, ssl_context=context)
        # The sandbox server writes a reply's headers and body in two sends; without TCP_NODELAY, Nagle's
        # algorithm holds the body until the client's delayed ACK (~40 ms a request on Linux), a cost no vendor
        # has. Switched off here (per connection, by the stdlib's StreamRequestHandler) so latency is as set.
        server._httpd.RequestHandlerClass.disable_nagle_algorithm = True  # noqa: SLF001
        server.start()
        if name == "salesforce":
            emulator.base_url = server.url
        emulator.faults.set_latency(latency)
        if rate is not None:
            emulator.faults.set_rate_limit(*rate)
        conn.send({"url": server.url, "ca": str(Path(state_dir) / "sandbox-ca.pem") if context else None})
    except BaseException:
        conn.send({"error": traceback.format_exc()})
        return
    while True:
        command, argument = conn.recv()
        if command == "stop":
            server.stop()
            conn.send(None)
            return
        try:
            if command == "calls":
                reply: Any = emulator.calls.snapshot()
            elif command == "reset":
                emulator.calls.reset()
                reply = None
            elif command == "facts":
                reply = _facts(name, emulator, argument)
            elif command == "strict_search":  # Intercom: off only while the per-account reference runs
                emulator.strict_search = bool(argument)
                reply = None
            elif command == "memory":
                reply = proc_status("VmHWM")
            elif command == "cpu":
                reply = cpu_seconds()
            else:
                reply = {"error": f"unknown command {command!r}"}
        except BaseException:
            reply = {"error": traceback.format_exc()}
        conn.send(reply)


def _facts(name: str, emulator: Any, argument: dict) -> Any:
    """What the emulator serves for the given searches or statements, counted by its own engine."""
    if name == "intercom":
        totals = [emulator.engine.search(query, INTERCOM_PAGE, None).total_count for query in argument["queries"]]
        first = emulator.engine.search(argument["queries"][0], INTERCOM_PAGE, None)
        page_bytes = len(json.dumps(first.conversations, separators=(",", ":")))
        month = argument.get("month")  # the contacts of its company-less conversations, looked up by the run
        contacts = emulator.data.intercom_month(month).companyless_contacts() if month else None
        return {"totals": totals, "page_bytes": page_bytes, "companyless_contacts": contacts}
    if name == "jira":
        return {"totals": [len(emulator.search.matches(jql).rows) for jql in argument["jql"]]}
    if name == "salesforce":
        from health_pipeline.sandbox.salesforce.query import BoundQuery
        counts = []
        for soql in argument["soql"]:
            bound = BoundQuery(soql, emulator.store.phase2)
            counts.append(len(bound.run(emulator.store.records(bound.sobject.name))))
        return {"totals": counts}
    raise ValueError(f"no facts for {name}")


class Hosts:
    """The four emulator processes of one scenario."""

    def __init__(self, ctx: Any, seed: int, accounts: int, as_of: str, latency: float,
                 rates: dict[str, tuple[int, float] | None], state_dir: Path, realism: Any) -> None:
        self._conns: dict[str, Any] = {}
        self._procs: dict[str, Any] = {}
        self.info: dict[str, dict] = {}
        for name in SOURCES:
            parent, child = ctx.Pipe()
            process = ctx.Process(target=_host, name=f"sandbox-{name}", daemon=True,
                                  args=(name, seed, accounts, as_of, latency, rates.get(name), str(state_dir), realism,
                                        child))
            process.start()
            self._conns[name], self._procs[name] = parent, process
        for name in SOURCES:
            info = self._conns[name].recv()
            if "error" in info:
                self.stop()
                raise RuntimeError(f"the {name} emulator did not start:\n{info['error']}")
            self.info[name] = info

    def ask(self, name: str, command: str, argument: Any = None) -> Any:
        self._conns[name].send((command, argument))
        reply = self._conns[name].recv()
        if isinstance(reply, dict) and "error" in reply:
            raise RuntimeError(f"{name} emulator: {reply['error']}")
        return reply

    def calls(self) -> dict[str, dict[str, int]]:
        return {name: self.ask(name, "calls") for name in SOURCES}

    def reset(self) -> None:
        for name in SOURCES:
            self.ask(name, "reset")

    def cpu(self) -> float:
        """CPU seconds the four emulator processes used so far."""
        return sum(self.ask(name, "cpu") for name in SOURCES)

    def env(self) -> dict[str, str]:
        """The connection settings of the pipeline's resources (sandbox credentials)."""
        from health_pipeline.sandbox.runner import SandboxCredentials
        creds = SandboxCredentials()
        return {
            "intercom_token": creds.intercom_token, "intercom_url": self.info["intercom"]["url"],
            "jira_url": self.info["jira"]["url"], "jira_email": creds.jira_email, "jira_token": creds.jira_token,
            "looker_url": self.info["looker"]["url"], "looker_id": creds.looker_client_id,
            "looker_secret": creds.looker_client_secret,
            "sf_key": creds.sf_consumer_key, "sf_secret": creds.sf_consumer_secret, "sf_domain": creds.sf_my_domain,
            "sf_login_url": self.info["salesforce"]["url"], "sf_ca": self.info["salesforce"]["ca"],
        }

    def stop(self) -> None:
        for name, conn in self._conns.items():
            process = self._procs[name]
            if process.is_alive():
                try:
                    conn.send(("stop", None))
                    conn.poll(10) and conn.recv()
                except (OSError, EOFError):
                    pass
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)


# --- the month, in a fresh process ------------------------------------------------------------------------------

def build_resources(env: dict[str, str], intercom: dict | None = None) -> dict[str, Any]:
    """The four vendor resources pointed at the sandbox, with the product's defaults otherwise."""
    from health_pipeline.sources.intercom.resource import IntercomResource
    from health_pipeline.sources.jira.resource import JiraResource
    from health_pipeline.sources.looker.resource import LookerResource
    from health_pipeline.sources.salesforce.resource import SalesforceResource

    return {
        "intercom": IntercomResource(token=env["intercom_token"], base_url=env["intercom_url"], **(intercom or {})),
        "jira": JiraResource(base_url=env["jira_url"], email=env["jira_email"], api_token=env["jira_token"],
                             projects=JIRA_PROJECTS),
        "looker": LookerResource(base_url=env["looker_url"], client_id=env["looker_id"],
                                 client_secret=env["looker_secret"], verify_ssl=False),
        "salesforce": SalesforceResource(consumer_key=env["sf_key"], consumer_secret=env["sf_secret"],
                                         domain=env["sf_domain"], login_url_override=env["sf_login_url"],
                                         ca_bundle=env["sf_ca"]),
    }


def _source_stats(result: Any) -> dict[str, Any]:
    return {"calls": dict(result.calls), "retries": dict(result.retries), "seconds": result.seconds,
            "facts": {k: v for k, v in getattr(result, "facts", {}).items() if isinstance(v, (int, float, bool, str))}}


def run_bulk(spec: dict) -> dict:
    """The month as the pipeline runs it: four concurrent bulk extractions, scoring, Salesforce upsert."""
    from concurrent.futures import ThreadPoolExecutor

    rss_start = proc_status("VmRSS")
    from health_pipeline.delivery.records import health_score_records
    from health_pipeline.delivery.salesforce_writer import upsert_health_scores
    from health_pipeline.scoring import score_accounts
    from health_pipeline.scoring.assemble import add_trend, assemble_metrics
    from health_pipeline.scoring.attribution import explain_change
    from health_pipeline.scoring.overrides import apply_overrides
    from health_pipeline.settings import load_config
    from health_pipeline.sources.common.period import Period
    from health_pipeline.sources.intercom.extract import extract_intercom
    from health_pipeline.sources.jira.extract import extract_jira
    from health_pipeline.sources.looker.extract import extract_looker
    from health_pipeline.sources.salesforce.extract import extract_salesforce

    config = load_config(spec["config_dir"])
    mapping = config.mapping.to_frame()
    period = Period.parse(spec["period"])
    resources = build_resources(spec["env"], spec.get("intercom"))
    names = config.pipeline.looker
    rss_ready = proc_status("VmRSS")

    def keys(column: str) -> list:
        return list(zip(mapping["salesforce_account_id"], mapping[column]))

    jobs = {
        "intercom": lambda: extract_intercom(resources["intercom"], period, keys("intercom_company_id")),
        "jira": lambda: extract_jira(resources["jira"], period, keys("jira_key")),
        "looker": lambda: extract_looker(
            resources["looker"], period, keys("looker_account_id"), model=names.model,
            user_sessions_view=names.user_sessions_view, feature_usage_view=names.feature_usage_view,
            platform_view=names.platform_metrics_view, platform_look_id=names.platform_look_id),
        "salesforce": lambda: extract_salesforce(resources["salesforce"], period,
                                                 list(mapping["salesforce_account_id"])),
    }
    only = spec.get("only")
    if only:
        jobs = {name: job for name, job in jobs.items() if name in only}
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(jobs), thread_name_prefix="source") as pool:
        futures = {name: pool.submit(job) for name, job in jobs.items()}
        results = {name: future.result() for name, future in futures.items()}
    extracted = time.perf_counter()
    out: dict[str, Any] = {"sources": {name: _source_stats(result) for name, result in results.items()},
                           "extract_seconds": round(extracted - started, 3)}
    if not only:
        metrics = assemble_metrics(mapping, [results[name].frame for name in SOURCES])
        scored = score_accounts(metrics, config.scoring)
        scored.insert(1, "account_name", metrics["account_name"].to_numpy())
        # the sandbox month as the asset scores it, with no override
        scores = explain_change(add_trend(apply_overrides(scored, {}), None), metrics, None, config.scoring)
        scores.insert(2, "period", period.label)
        records = health_score_records(scores, scored_at=datetime.now(timezone.utc))
        scored_at = time.perf_counter()
        client = resources["salesforce"].open_client()
        outcome = upsert_health_scores(client.sf, records, bulk_threshold=config.pipeline.delivery.bulk_threshold,
                                       poll_seconds=spec["poll_seconds"])
        delivered = time.perf_counter()
        out.update({
            "score_seconds": round(scored_at - extracted, 3),
            "write": {"calls": dict(client.stats.calls), "retries": dict(client.stats.retries),
                      "seconds": round(delivered - scored_at, 3), "method": outcome.method,
                      "records": len(records), "created": outcome.created, "updated": outcome.updated,
                      "failed": len(outcome.failed)},
            "month_seconds": round(delivered - started, 3),
            "tiers": scores["tier"].value_counts().to_dict(),
        })
    out["memory_kib"] = {"start": rss_start, "ready": rss_ready, "peak": proc_status("VmHWM")}
    out["cpu_seconds"] = round(cpu_seconds(), 1)
    if spec.get("frames_dir"):
        for name, result in results.items():
            result.frame.to_parquet(Path(spec["frames_dir"]) / f"bulk_{name}.parquet")
    return out


def run_reference(spec: dict) -> dict:
    """The same month extracted account by account (benchmarks/per_account_reference.py)."""
    from benchmarks.per_account_reference import extract_month_per_account
    from health_pipeline.settings import load_config
    from health_pipeline.sources.common.period import Period

    config = load_config(spec["config_dir"])
    mapping = config.mapping.to_frame()
    resources = build_resources(spec["env"], spec.get("intercom"))
    started = time.perf_counter()
    results = extract_month_per_account(resources, Period.parse(spec["period"]), mapping,
                                        looker_names=config.pipeline.looker)
    out = {"sources": {name: {"calls": r.calls, "retries": r.retries, "seconds": r.seconds,
                              "facts": {"accounts_asked": r.accounts_asked}} for name, r in results.items()},
           "extract_seconds": round(time.perf_counter() - started, 3),
           "memory_kib": {"peak": proc_status("VmHWM")}, "cpu_seconds": round(cpu_seconds(), 1)}
    for name, result in results.items():
        result.frame.to_parquet(Path(spec["frames_dir"]) / f"reference_{name}.parquet")
    return out


def _worker(kind: str, spec: dict, conn: Any) -> None:
    try:
        conn.send(run_bulk(spec) if kind == "bulk" else run_reference(spec))
    except BaseException:
        conn.send({"error": traceback.format_exc()})


def in_fresh_process(ctx: Any, kind: str, spec: dict) -> dict:
    """Run `kind` ('bulk' or 'reference') in a new process and return what it reports."""
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_worker, args=(kind, spec, child), name=f"benchmark-{kind}")
    process.start()
    while not parent.poll(1.0):
        if not process.is_alive():
            raise RuntimeError(f"the {kind} run died (exit code {process.exitcode})")
    result = parent.recv()
    process.join()
    if "error" in result:
        raise RuntimeError(f"the {kind} run failed:\n{result['error']}")
    return result


def accumulator_footprint(seed: int, accounts: int = 2_000) -> dict[str, float]:
    """Bytes the Intercom accumulator keeps per conversation and per company (tracemalloc, pages discarded).

    The same companies fold one month, then two: the difference is what each extra conversation costs
    (its id in the de-duplication set, its two durations for the exact medians); the rest is per company.
    """
    import tracemalloc

    import numpy as np

    from health_pipeline.sandbox.world.months import month_label
    from health_pipeline.sandbox.world.synthetic import World
    from health_pipeline.sources.common.period import Period
    from health_pipeline.sources.intercom.metrics import IntercomAccumulator

    world = World(seed=seed, accounts=accounts)
    months = [world.as_of - 2, world.as_of - 1]
    tables = [world.intercom_month(k) for k in months]
    measured = []
    for count in (1, 2):
        tracemalloc.start()
        accumulator = IntercomAccumulator(Period(1970, 1))
        accumulator.period = type("Everything", (), {"unix_start": 0, "unix_end": 2**62})()  # keep every month
        conversations = 0
        for table in tables[:count]:
            for start in range(0, len(table), INTERCOM_PAGE):
                page = table.records(np.arange(start, min(start + INTERCOM_PAGE, len(table))))
                accumulator.add_page(page)
                conversations += len(page)
        del page
        retained = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        measured.append((conversations, retained, len(accumulator.result())))
    (n1, b1, companies), (n2, b2, _) = measured
    per_conversation = (b2 - b1) / (n2 - n1)
    return {"per_conversation": round(per_conversation, 1),
            "per_company": round((b1 - per_conversation * n1) / companies, 1),
            "months": [month_label(k) for k in months], "conversations": n2, "companies": companies}


# --- one scenario -----------------------------------------------------------------------------------------------

def last_complete_month(today: datetime) -> tuple[str, str]:
    """(as_of, period): the world's 'now' (this month) and the month to run (the previous one)."""
    year, month = today.year, today.month
    previous = (year - 1, 12) if month == 1 else (year, month - 1)
    return f"{year:04d}-{month:02d}", f"{previous[0]:04d}-{previous[1]:02d}"


def write_config_dir(target: Path, seed: int, accounts: int, as_of: str) -> None:
    """The project's weights, thresholds and pipeline settings with the world's account mapping."""
    from health_pipeline.sandbox.world.synthetic import World

    target.mkdir(parents=True, exist_ok=True)
    for name in ("weights.yaml", "thresholds.yaml", "pipeline.yaml", "plays.yaml"):
        shutil.copy(PROJECT / "config" / name, target / name)
    World(seed=seed, accounts=accounts, as_of=as_of).write_mapping_csv(target / "account_mapping.csv")


def served_data(hosts: Hosts, period_label: str, account_ids: list[str]) -> dict[str, Any]:
    """What the emulators serve for the month, counted by their own engines (this also warms their caches:
    the world generates a month's conversations and issues on first use, a cost no run should be charged)."""
    from health_pipeline.sources.common.period import Period
    from health_pipeline.sources.intercom.resource import window_search
    from health_pipeline.sources.jira.metrics import JQL_MARGIN_DAYS, build_bug_jql
    from health_pipeline.sources.salesforce.metrics import soql_queries

    period = Period.parse(period_label)
    found = hosts.ask("intercom", "facts", {"queries": [window_search(period.unix_start, period.unix_end)["query"]],
                                            "month": period_label})
    # the month's JQL widened by a day each side (Jira reads its dates in the API user's time zone): the
    # issues of those two days are fetched and filtered out, so the minimum counts them too
    jql = build_bug_jql(JIRA_PROJECTS.split(","), period, margin_days=JQL_MARGIN_DAYS)
    issues = hosts.ask("jira", "facts", {"jql": [jql]})["totals"][0]
    statements = soql_queries(period, account_ids, True, filter_by_id=False)
    counts = hosts.ask("salesforce", "facts", {"soql": [s[0] for s in statements.values()]})["totals"]
    return {"conversations": found["totals"][0], "page_bytes": found["page_bytes"], "issues": issues,
            "companyless_contacts": found["companyless_contacts"],
            "salesforce": dict(zip(statements, counts))}


def realism_of(args: argparse.Namespace) -> Any:
    """The emulators' behaviour: the sandbox's harder default, or the gentle one with --gentle."""
    from health_pipeline.sandbox.realism import EmulatorRealism
    return EmulatorRealism.gentle() if args.gentle else EmulatorRealism.harder()


def minimum_calls(hosts: Hosts, bulk: dict, period_label: str, served: dict[str, Any], realism: Any) -> dict[str, Any]:
    """The fewest calls the served data allows, per source (Intercom also for the slices the run used), counted
    from the pages the servers actually offer: Jira's capped and sometimes shorter pages, Salesforce's capped
    query batches and the status polls a Bulk API 2.0 job needs before it completes."""
    from health_pipeline.sources.common.period import Period
    from health_pipeline.sources.intercom.resource import slice_windows, window_search

    period = Period.parse(period_label)
    facts = bulk["sources"]["intercom"]["facts"]
    streams, probes = int(facts.get("search_streams", 1)), int(facts.get("probe_calls", 0))
    whole = served["conversations"]
    # the company-less conversations' contacts, 150 to a contact search (the product packs exactly that many)
    contacts = served["companyless_contacts"]
    lookups = math.ceil(contacts / INTERCOM_PAGE)
    intercom = {"served": whole, "one_stream": pages(whole, INTERCOM_PAGE), "streams": streams, "probe": probes,
                "page_bytes": served["page_bytes"], "sliced": pages(whole, INTERCOM_PAGE),
                "companyless_contacts": contacts, "contact_lookups": lookups}
    if probes:
        queries = [window_search(lo, hi)["query"] for lo, hi in slice_windows(period, streams)]
        slices = hosts.ask("intercom", "facts", {"queries": queries})["totals"]
        intercom["sliced"] = sum(pages(n, INTERCOM_PAGE) for n in slices) + probes
    per_object = served["salesforce"]
    write = bulk["write"]
    bulk_job = BULK_JOB_CALLS - 1 + realism.bulk_job_polls()
    write_minimum = 1 + (bulk_job if write["method"] == "bulk2" else pages(write["records"], SF_COLLECTION))
    return {
        "intercom": intercom,
        "jira": {"served": served["issues"], "minimum": realism.jira_paging().pages(served["issues"], JIRA_PAGE),
                 "full_pages": pages(served["issues"], JIRA_PAGE)},
        "looker": {"minimum": 4},
        "salesforce": {"records": per_object, "minimum": 1 + sum(realism.salesforce_batches(n) for n in per_object.values()),
                       "full_batches": 1 + sum(pages(n, SF_BATCH) for n in per_object.values())},
        "write": {"records": write["records"], "minimum": write_minimum},
    }


def compare_frames(frames_dir: Path) -> dict[str, str]:
    """'equal' per source, or the first difference, between the bulk and the per-account frames."""
    import pandas as pd

    verdicts = {}
    for name in SOURCES:
        bulk = pd.read_parquet(frames_dir / f"bulk_{name}.parquet")
        reference = pd.read_parquet(frames_dir / f"reference_{name}.parquet")
        try:
            pd.testing.assert_frame_equal(bulk, reference, check_exact=False, rtol=1e-9, atol=1e-12)
            verdicts[name] = "equal"
        except AssertionError as error:
            verdicts[name] = " ".join(str(error).split())[:300]
    return verdicts


def run_scenario(ctx: Any, label: str, args: argparse.Namespace, jira_rate: tuple[int, float] | None) -> dict:
    accounts = SCENARIOS[label]
    as_of, period = last_complete_month(datetime.now(timezone.utc))
    workdir = Path(tempfile.mkdtemp(prefix=f"pipeline-benchmark-{label}-"))
    try:
        print(f"[{label}] {accounts:,} accounts, month {period}: starting the sandbox ...", file=sys.stderr, flush=True)
        config_dir = workdir / "config"
        write_config_dir(config_dir, args.seed, accounts, as_of)
        started = time.perf_counter()
        hosts = Hosts(ctx, args.seed, accounts, as_of, args.latency_ms / 1000.0,
                      {"intercom": INTERCOM_RATE, "jira": jira_rate}, workdir / "tls", realism_of(args))
        setup_seconds = time.perf_counter() - started
        try:
            frames = workdir / "frames"
            frames.mkdir()
            spec = {"config_dir": str(config_dir), "period": period, "env": hosts.env(),
                    "poll_seconds": args.poll_seconds, "frames_dir": str(frames)}
            if args.intercom_slices:
                spec["intercom"] = {"time_slices": args.intercom_slices}
            from health_pipeline.settings import load_account_mapping
            ids = [a.salesforce_account_id for a in load_account_mapping(config_dir / "account_mapping.csv")]
            served = served_data(hosts, period, ids)
            hosts.reset()
            print(f"[{label}] sandbox up in {setup_seconds:.0f}s; running the month (bulk) ...",
                  file=sys.stderr, flush=True)
            cpu_before = hosts.cpu()
            bulk = in_fresh_process(ctx, "bulk", spec)
            bulk["sandbox_cpu_seconds"] = round(hosts.cpu() - cpu_before, 1)
            server_bulk = hosts.calls()
            minimum = minimum_calls(hosts, bulk, period, served, realism_of(args))
            hosts.reset()
            alone = {}
            for name in (SOURCES if args.alone else ()):
                print(f"[{label}] {SOURCE_NAMES[name]} alone ...", file=sys.stderr, flush=True)
                run = in_fresh_process(ctx, "bulk", {**spec, "only": [name], "frames_dir": None})
                hosts.reset()
                alone[name] = run["sources"][name]
            sweep = []
            for slices in args.slice_sweep:
                print(f"[{label}] Intercom alone with {slices} slice(s) ...", file=sys.stderr, flush=True)
                run = in_fresh_process(ctx, "bulk", {**spec, "only": ["intercom"], "frames_dir": None,
                                                     "intercom": {"time_slices": slices}})
                hosts.reset()
                sweep.append({"slices": slices, **run["sources"]["intercom"]})
            reference = None
            if label in REFERENCE_SCENARIOS and not args.no_reference:
                print(f"[{label}] running the same month account by account ...", file=sys.stderr, flush=True)
                cpu_before = hosts.cpu()
                hosts.ask("intercom", "strict_search", False)  # the original searched on company.id
                reference = in_fresh_process(ctx, "reference", spec)
                hosts.ask("intercom", "strict_search", True)
                reference["sandbox_cpu_seconds"] = round(hosts.cpu() - cpu_before, 1)
                reference["server_calls"] = hosts.calls()
                reference["frames"] = compare_frames(frames)
            memory_hosts = {name: hosts.ask(name, "memory") for name in SOURCES}
        finally:
            hosts.stop()
        return {"label": label, "accounts": accounts, "period": period, "bulk": bulk, "server_calls": server_bulk,
                "minimum": minimum, "sweep": sweep, "alone": alone, "reference": reference, "sandbox_peak_kib": memory_hosts,
                "measured_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                "settings": settings_of(args, jira_rate)}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def settings_of(args: argparse.Namespace, jira_rate: tuple[int, float] | None) -> dict:
    from health_pipeline.sources.intercom.resource import IntercomResource
    from health_pipeline.sources.salesforce.resource import SalesforceResource

    intercom = IntercomResource()
    return {"latency_ms": args.latency_ms, "intercom_rate": list(INTERCOM_RATE),
            "jira_rate": list(jira_rate) if jira_rate else None, "seed": args.seed,
            "poll_seconds": args.poll_seconds,
            "intercom_slices": args.intercom_slices or intercom.time_slices,
            "intercom_pacing": [intercom.max_calls_per_window, intercom.rate_window_seconds],
            "min_pages_per_slice": intercom.min_pages_per_slice,
            "soql_id_filter_max": SalesforceResource().soql_id_filter_max,
            "realism": dataclasses.asdict(realism_of(args))}


# --- report -----------------------------------------------------------------------------------------------------

def _calls(stats: dict) -> int:
    return sum(stats["calls"].values()) + sum(stats["retries"].values())


def _retries(stats: dict) -> int:
    return sum(stats["retries"].values())


def served_note(minimum: int, if_full: int | None) -> str:
    """The minimum as the server pages it, and what full pages would have taken when that differs."""
    if if_full is None or if_full == minimum:
        return fmt(minimum)
    return f"{fmt(minimum)} as served ({fmt(if_full)} if every page were full)"


def source_rows(result: dict) -> list[dict]:
    """One row per source (and the write-back): calls sent, minimum, wall time, data served."""
    bulk, minimum = result["bulk"], result["minimum"]
    s = bulk["sources"]
    ic, sf = minimum["intercom"], minimum["salesforce"]
    sliced = ic["streams"] > 1
    rows = [
        {"key": "intercom", "source": "Intercom", "endpoints": "POST /conversations/search + /contacts/search",
         "calls": _calls(s["intercom"]), "retries": _retries(s["intercom"]),
         "minimum": ic["one_stream"] + ic.get("contact_lookups", 0),
         "minimum_note": (f"{fmt(ic['one_stream'])} one stream; {fmt(ic['sliced'])} with {ic['streams']} slices "
                          f"+ {ic['probe']} probe" if sliced else f"{fmt(ic['one_stream'])} (one stream)")
         + (f"; + {fmt(ic['contact_lookups'])} contact searches for {fmt(ic['companyless_contacts'])} contacts of "
            f"company-less conversations (150 a call)" if ic.get("contact_lookups") else ""),
         "seconds": s["intercom"]["seconds"], "served": f"{fmt(ic['served'])} conversations"},
        {"key": "jira", "source": "Jira", "endpoints": "POST /rest/api/3/search/jql", "calls": _calls(s["jira"]),
         "retries": _retries(s["jira"]), "minimum": minimum["jira"]["minimum"],
         "minimum_note": served_note(minimum["jira"]["minimum"], minimum["jira"].get("full_pages")),
         "seconds": s["jira"]["seconds"],
         "served": f"{fmt(minimum['jira']['served'])} issues"},
        {"key": "looker", "source": "Looker", "endpoints": "login + 3 inline queries for the month",
         "calls": _calls(s["looker"]),
         "retries": _retries(s["looker"]), "minimum": minimum["looker"]["minimum"],
         "minimum_note": "4 (login + 3 runs)",
         "seconds": s["looker"]["seconds"],
         "served": f"{fmt(s['looker']['facts'].get('platform_rows_in_month'))} platform rows of the month"},
        {"key": "salesforce", "source": "Salesforce (read)", "endpoints": "OAuth token + query/queryMore pages", "calls": _calls(s["salesforce"]),
         "retries": _retries(s["salesforce"]), "minimum": sf["minimum"],
         "minimum_note": served_note(sf["minimum"], sf.get("full_batches")),
         "seconds": s["salesforce"]["seconds"],
         "served": ", ".join(f"{k.removesuffix('__c').replace('_', ' ')} {fmt(v)}" for k, v in sf["records"].items())},
    ]
    write = bulk["write"]
    method = "Bulk API 2.0" if write["method"] == "bulk2" else "sObject Collections"
    rows.append({"source": f"Salesforce (write, {method})", "endpoints": "login + " + (
        "job create, upload, close, poll, 2 result reads" if write["method"] == "bulk2" else "composite upserts"),
        "calls": _calls(write), "retries": _retries(write), "minimum": minimum["write"]["minimum"],
        "minimum_note": fmt(minimum["write"]["minimum"]), "seconds": write["seconds"],
        "served": f"{fmt(write['records'])} records ({fmt(write['failed'])} failed)"})
    return rows


def endpoint_lines(stats: dict) -> str:
    merged: dict[str, int] = {}
    for part in ("calls", "retries"):
        for endpoint, count in stats[part].items():
            merged[endpoint] = merged.get(endpoint, 0) + count
    return "; ".join(f"`{endpoint}` {fmt(count)}" for endpoint, count in sorted(merged.items()))


def scenario_markdown(result: dict) -> str:
    bulk = result["bulk"]
    rows = source_rows(result)
    total_calls = sum(r["calls"] for r in rows)
    total_minimum = sum(r["minimum"] for r in rows)
    memory = bulk["memory_kib"]
    lines = [
        f"### Scenario {result['label']}: {result['accounts']:,} accounts, month {result['period']}",
        "",
        "| source | calls (incl. retries) | retries | minimum for the data | calls / minimum | wall (s) | wall alone (s) "
        "| data served |",
        "|---|---:|---:|---|---:|---:|---:|---|",
    ]
    alone = result.get("alone") or {}
    for r in rows:
        single = alone.get(r.get("key", ""))
        lines.append(f"| {r['source']} | {fmt(r['calls'])} | {fmt(r['retries'])} | {r['minimum_note']} | "
                     f"{ratio(r['calls'], r['minimum'], 3)} | {fmt(r['seconds'], 2)} | "
                     f"{fmt(single['seconds'], 2) if single else '-'} | {r['served']} |")
    lines.append(f"| **month** | **{fmt(total_calls)}** | {fmt(sum(r['retries'] for r in rows))} | "
                 f"**{fmt(total_minimum)}** | **{ratio(total_calls, total_minimum, 3)}** | "
                 f"**{fmt(bulk['month_seconds'], 2)}** | | extraction {fmt(bulk['extract_seconds'], 2)} s (sources "
                 f"concurrently), scoring {fmt(bulk['score_seconds'], 2)} s, write {fmt(bulk['write']['seconds'], 2)} s |")
    lines += [
        "",
        f"Peak resident memory of the month's process (VmHWM): **{memory['peak'] / 1024:,.0f} MiB**; before the "
        f"month it held {memory['ready'] / 1024:,.0f} MiB (the pipeline's modules: Dagster, pandas, the vendor "
        f"clients; the configuration and the mapping), so the month itself added "
        f"{(memory['peak'] - memory['ready']) / 1024:,.0f} MiB. The month's conversations as JSON are "
        f"~{result['minimum']['intercom']['page_bytes'] * result['minimum']['intercom']['one_stream'] / 2**20:,.0f} MiB "
        f"(~{result['minimum']['intercom']['page_bytes'] / 1024:,.0f} KiB a page): they are folded page by page, "
        "never held.",
        "",
        f"CPU: the month's process used {fmt(bulk.get('cpu_seconds'), 0)} s, the four emulators "
        f"{fmt(bulk.get('sandbox_cpu_seconds'), 0)} s, on {os.cpu_count()} cores shared by both.",
        "",
        "Calls by endpoint (client side; the emulators' own counters agree: "
        f"{'yes' if server_agrees(result) else 'NO, see JSON'}):",
        "",
    ]
    for name in SOURCES:
        lines.append(f"- {SOURCE_NAMES[name]}: {endpoint_lines(bulk['sources'][name])}")
    lines.append(f"- Salesforce write: {endpoint_lines(bulk['write'])}")
    return "\n".join(lines)


def server_agrees(result: dict) -> bool:
    """The emulators counted as many requests as the clients sent (retries included)."""
    bulk, server = result["bulk"], result["server_calls"]
    for name in ("intercom", "jira", "looker"):
        if sum(server[name].values()) != _calls(bulk["sources"][name]):
            return False
    return sum(server["salesforce"].values()) == _calls(bulk["sources"]["salesforce"]) + _calls(bulk["write"])


def comparison_markdown(result: dict) -> str:
    bulk, reference = result["bulk"], result["reference"]
    lines = [
        f"### Per-account way vs bulk, scenario {result['label']} ({result['accounts']:,} accounts, "
        f"month {result['period']})",
        "",
        "| source | per-account calls | bulk calls | fewer calls | per-account wall (s) | bulk wall (s) | less wall time | frames |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    total_ref = total_bulk = 0
    for name in SOURCES:
        ref, new = reference["sources"][name], bulk["sources"][name]
        total_ref += _calls(ref)
        total_bulk += _calls(new)
        lines.append(f"| {SOURCE_NAMES[name]} | {fmt(_calls(ref))} | {fmt(_calls(new))} | "
                     f"{ratio(_calls(ref), _calls(new), 0)} | {fmt(ref['seconds'], 1)} | {fmt(new['seconds'], 2)} | "
                     f"{ratio(ref['seconds'], new['seconds'], 0)} | {reference['frames'][name]} |")
    lines.append(f"| **month's extraction** | **{fmt(total_ref)}** | **{fmt(total_bulk)}** | "
                 f"**{ratio(total_ref, total_bulk, 0)}** | **{fmt(reference['extract_seconds'], 1)}** | "
                 f"**{fmt(bulk['extract_seconds'], 2)}** | **{ratio(reference['extract_seconds'], bulk['extract_seconds'], 0)}** | |")
    serial = sum(reference["sources"][name]["seconds"] for name in SOURCES)
    lines += ["", f"Both ways run the four sources concurrently; the original looped over accounts and sources one "
                  f"at a time, which would take the sum of the per-source times: {fmt(serial, 0)} s "
                  f"({ratio(serial, bulk['extract_seconds'], 0)} the bulk extraction)."]
    return "\n".join(lines)


def sweep_markdown(result: dict) -> str:
    if not result["sweep"]:
        return ""
    lines = [f"### Intercom time slices, scenario {result['label']} (Intercom alone)", "",
             "| slices | search calls | wall (s) | streams run |", "|---:|---:|---:|---:|"]
    for row in result["sweep"]:
        lines.append(f"| {row['slices']} | {fmt(_calls(row))} | {fmt(row['seconds'], 2)} | "
                     f"{row['facts'].get('search_streams', 1)} |")
    return "\n".join(lines)


def summary_rows(results: dict[str, dict]) -> list[str]:
    lines = ["| scenario | accounts | conversations | Jira issues | calls | minimum | calls / minimum | month wall (s) "
             "| peak memory (MiB) | per-account calls | per-account wall (s) | fewer calls | less wall time |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for label in SCENARIOS:
        result = results.get(label)
        if result is None:
            continue
        rows = source_rows(result)
        calls, minimum = sum(r["calls"] for r in rows), sum(r["minimum"] for r in rows)
        reference = result.get("reference")
        ref_calls = sum(_calls(reference["sources"][n]) for n in SOURCES) if reference else None
        bulk_calls = sum(_calls(result["bulk"]["sources"][n]) for n in SOURCES)
        lines.append(
            f"| {label} | {result['accounts']:,} | {fmt(result['minimum']['intercom']['served'])} | "
            f"{fmt(result['minimum']['jira']['served'])} | {fmt(calls)} | {fmt(minimum)} | {ratio(calls, minimum, 3)} | "
            f"{fmt(result['bulk']['month_seconds'], 1)} | {result['bulk']['memory_kib']['peak'] / 1024:,.0f} | "
            f"{fmt(ref_calls)} | {fmt(reference['extract_seconds'], 0) if reference else '-'} | "
            f"{ratio(ref_calls, bulk_calls, 0) if reference else '-'} | "
            f"{ratio(reference['extract_seconds'], result['bulk']['extract_seconds'], 0) if reference else '-'} |")
    return lines


def goal_lines(results: dict[str, dict]) -> list[str]:
    """Each goal of the issue with the measured figure, met or not."""
    out = []
    worst = []
    writes = []
    for label, result in results.items():
        for row in source_rows(result):
            if "key" in row:
                worst.append((row["calls"] / row["minimum"], label, row["source"]))
            else:
                writes.append(f"{label}: {row['calls']} calls for {result['bulk']['write']['records']:,} records "
                              f"({row['source'].split(', ', 1)[1].rstrip(')')})")
    if worst:
        value, label, source = max(worst)
        out.append(f"- Calls within {GOAL_CALL_RATIO}x of the minimum for every source: "
                   f"{'met' if value <= GOAL_CALL_RATIO else 'NOT met'} (worst {value:.3f}x: {source}, scenario {label}).")
    if writes:
        out.append("- Write-back of the month's records: " + "; ".join(writes) + ".")
    m = results.get("M")
    if m and m.get("reference"):
        ref, bulk = m["reference"], m["bulk"]
        speed = ref["extract_seconds"] / bulk["extract_seconds"]
        fewer = sum(_calls(ref["sources"][n]) for n in SOURCES) / sum(_calls(bulk["sources"][n]) for n in SOURCES)
        out.append(f"- At M at least {GOAL_TIME_SPEEDUP}x less wall time than the per-account way: "
                   f"{'met' if speed >= GOAL_TIME_SPEEDUP else 'NOT met'} ({speed:,.0f}x for the extraction).")
        out.append(f"- At M at least {GOAL_CALL_REDUCTION}x fewer calls: "
                   f"{'met' if fewer >= GOAL_CALL_REDUCTION else 'NOT met'} ({fewer:,.0f}x).")
        equal = all(v == "equal" for v in ref["frames"].values())
        out.append(f"- Per-account and bulk frames equal at M: {'yes' if equal else 'NO'}.")
    big = results.get("L")
    if big:
        peak = big["bulk"]["memory_kib"]["peak"] / 1024
        out.append(f"- L completes with peak memory under {GOAL_MEMORY_MIB:,} MiB: "
                   f"{'met' if peak < GOAL_MEMORY_MIB else 'NOT met'} ({peak:,.0f} MiB, month in "
                   f"{big['bulk']['month_seconds']:,.0f} s).")
    return out


def machine_line() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            model = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = ""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            memory = f", {int(meminfo.readline().split()[1]) / 2**20:.0f} GiB RAM"
    except OSError:
        pass
    return (f"{model}, {os.cpu_count()} cores{memory}, {platform.system()}, "
            f"Python {platform.python_version()}")


def settings_line(settings: dict) -> str:
    jira = settings["jira_rate"]
    return (f"latency {settings['latency_ms']} ms per request on every emulator; Intercom rate limit "
            f"{settings['intercom_rate'][0]:,} calls per {settings['intercom_rate'][1]:.0f} s window; Jira "
            + (f"{jira[0]:,} calls per {jira[1]:.0f} s window" if jira else "no rate limit")
            + f"; Intercom client paced at {settings['intercom_pacing'][0]:,} per {settings['intercom_pacing'][1]:.0f} s, "
            f"up to {settings['intercom_slices']} time slices (at least {settings['min_pages_per_slice']} pages each); "
            f"Salesforce names the accounts in SOQL up to {settings['soql_id_filter_max']:,} mapped accounts; "
            f"Bulk API 2.0 poll every {settings['poll_seconds']} s; world seed {settings['seed']}"
            + realism_note(settings.get("realism")))


def realism_note(realism: dict | None) -> str:
    """How hard the emulators were (figures measured before the switch existed say nothing)."""
    if not realism:
        return ""
    jira = (f"every {realism['jira_short_page_every']}th Jira page {realism['jira_short_page_size']} issues"
            if realism["jira_short_page_every"] else "full Jira pages")
    return (f"; emulators: Jira pages capped at {realism['jira_page_cap']}, {jira}, Jira user in "
            f"{realism['jira_user_time_zone']}, Salesforce query batches capped at {realism['salesforce_batch_cap']:,}, "
            f"Bulk jobs in progress for {realism['bulk_polls_before_complete']} poll(s)")


def memory_lines(results: dict[str, dict]) -> list[str]:
    """How memory grows: with accounts, not conversations."""
    measured = [(label, r) for label, r in results.items() if r.get("bulk")]
    if not measured:
        return []
    peaks = ", ".join(f"{label} {r['bulk']['memory_kib']['peak'] / 1024:,.0f} MiB "
                      f"(+{(r['bulk']['memory_kib']['peak'] - r['bulk']['memory_kib']['ready']) / 1024:,.0f} MiB over "
                      f"the loaded modules, {r['accounts']:,} accounts, {r['minimum']['intercom']['served']:,} "
                      "conversations)" for label, r in measured)
    lines = ["### Memory", "", f"Peak resident memory of the month's process: {peaks}."]
    footprint = next((r["accumulator"] for _, r in measured if r.get("accumulator")), None)
    largest = measured[-1][1]
    json_mib = largest["minimum"]["intercom"]["page_bytes"] * largest["minimum"]["intercom"]["one_stream"] / 2**20
    text = (f"Conversations are folded page by page (at most one page per search stream waits in a bounded "
            f"queue), never held: at {largest['label']} the month's conversations are ~{json_mib:,.0f} MiB of JSON. ")
    if footprint:
        text += (f"What stays is per account (the mapping, the frames, the accumulators: the Intercom one keeps "
                 f"~{footprint['per_company'] / 1024:,.1f} KiB per company) plus ~{footprint['per_conversation']:,.0f} "
                 "bytes per conversation (its id, to count a conversation served twice once, and two durations, "
                 "for exact medians), measured with tracemalloc over one and two months of the same "
                 f"{footprint['companies']:,} companies: {largest['minimum']['intercom']['served']:,} conversations "
                 f"cost ~{largest['minimum']['intercom']['served'] * footprint['per_conversation'] / 2**20:,.0f} MiB.")
    lines += ["", text]
    return lines


def limits_lines(results: dict[str, dict]) -> list[str]:
    """What does not reach a goal (or reaches it only because of a choice), with the measured figures."""
    lines = ["## What cannot reach a goal, and why", ""]
    over = [(label, r["bulk"]["write"], r["minimum"]["write"]["minimum"]) for label, r in results.items()
            if r["bulk"]["write"]["method"] == "bulk2" and _calls(r["bulk"]["write"]) > r["minimum"]["write"]["minimum"]]
    if over:
        lines.append(
            "- **Write-back with Bulk API 2.0 above its minimum: " + ", ".join(
                f"{label} {_calls(w)} calls for {w['records']:,} records against {minimum}" for label, w, minimum in over)
            + ".** Measured before the writer drove the job itself: simple_salesforce's `bulk2.upsert` reads the "
            "finished job's status once more after the poll that saw `JobComplete`. `delivery/bulk_ingest.py` now "
            "creates, uploads, closes and polls the job with the client's own calls and reads no status twice; "
            "rerun the scenario to measure it.")
    big = results.get("L")
    if big:
        jira = big["bulk"]["sources"]["jira"]
        rate = big["settings"]["jira_rate"]
        if rate:
            floor = big["minimum"]["jira"]["minimum"] / (rate[0] / rate[1])
            lines.append(
                f"- **L's month takes {big['bulk']['month_seconds']:,.0f} s, bound by Jira's rate limit.** Jira's "
                f"search is one sequential cursor of {big['minimum']['jira']['minimum']:,} pages; at {rate[0]} calls per "
                f"{rate[1]:.0f} s that is at least {floor:,.0f} s (measured {jira['seconds']:,.0f} s, "
                f"{_retries(jira)} 429s waited out). Slicing Jira by creation date would not help under a per-tenant "
                "limit; a higher limit (Atlassian does not publish the burst limit for API-token traffic) would make "
                "Intercom (CPU-bound here) the longest source.")
    fp = next((r.get("accumulator") for r in results.values() if r.get("accumulator")), None)
    if fp:
        lines.append(
            f"- **Memory grows with accounts, and a little with conversations:** ~{fp['per_conversation']:,.0f} bytes "
            "per conversation stay in the Intercom accumulator (the id, so that a conversation served twice, e.g. "
            "on a slice boundary, counts once, and two durations for the exact medians). Dropping them needs "
            "approximate medians and trusting the server never to repeat a conversation.")
    lines.append(
        "- **Wall times are CPU-bound here, not latency-bound:** the emulators are Python and share the 2 cores with "
        "the month's process (see the CPU lines); against the real vendors the extraction waits on the network "
        "instead and the slices overlap those waits. The call counts do not depend on the machine.")
    return lines


def report(results: dict[str, dict]) -> str:
    """The whole Markdown report (the docs page's measured part)."""
    parts = ["## Summary", "", *summary_rows(results), "", *goal_lines(results), "", *memory_lines(results), ""]
    for label in SCENARIOS:
        result = results.get(label)
        if result is None:
            continue
        parts += [f"Scenario {label} measured {result['measured_at']} with {settings_line(result['settings'])}.", "",
                  scenario_markdown(result), ""]
        if result.get("reference"):
            parts += [comparison_markdown(result), ""]
        sweep = sweep_markdown(result)
        if sweep:
            parts += [sweep, ""]
    return "\n".join(parts)


def load_doc_results(path: Path) -> dict[str, dict]:
    """The results embedded in the docs page by an earlier run (scenarios not run again keep them)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return {}
    start = text.find(RESULTS_MARKER)
    if start < 0:
        return {}
    end = text.find(" -->", start)
    try:
        return json.loads(text[start + len(RESULTS_MARKER):end])
    except ValueError:
        return {}


def kept_sections(path: Path) -> str:
    """The UI path and write-back sections the other benchmarks wrote into the page (kept when it is rewritten)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    kept = [section for section in (ui_section(text), write_back_section(text)) if section]
    return "".join("\n" + section for section in kept)


def write_doc(path: Path, results: dict[str, dict], template: str) -> None:
    body = (template.replace("{MACHINE}", machine_line()).replace("{RESULTS}", report(results))
            .replace("{LIMITS}", "\n".join(limits_lines(results))))
    body += kept_sections(path)
    body += f"\n{RESULTS_MARKER}{json.dumps(results, separators=(',', ':'))} -->\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".tmp")
    temp.write_text(body, encoding="utf-8")
    os.replace(temp, path)


DOC_TEMPLATE = """# Performance: HTTP calls, time and memory of a month

Measured with `python -m benchmarks.pipeline_benchmark` (see [benchmarks/README.md](../benchmarks/README.md)) on
{MACHINE}. Every figure below comes from that run; the page is rewritten by it (a scenario not run again keeps
its last figures, with its own date and settings).

What runs: the four emulators of the sandbox (each in its own process) over the synthetic world; the month
in a fresh process as the pipeline runs it (the four source extractions concurrently, then scoring, then
the upsert of the month's `Health_Score__c` records); on S and M, the same month extracted account by
account as the original system did (`benchmarks/per_account_reference.py`), whose metric frames must equal
the bulk ones. "Calls" are requests sent, retries included (the emulators' counters agree). "Minimum" is
computed from the data the emulators serve, paged as they serve it (the sandbox's harder emulators, as the real
vendors: Jira pages capped at 100 and every third one shorter, Salesforce query batches capped at 500, Bulk jobs
in progress for two polls; the settings line of each scenario says which were on): Intercom ceil(N/150) search
pages plus ceil(C/150) contact searches for the C distinct contacts of the month's company-less conversations
(150 ids a call: ten `id IN` groups of 15, one full page), Jira the pages the server offers for N issues asked
100 at a time (N counts the issues of the JQL widened by a day each side, which the product must fetch because
Jira reads JQL dates in the API user's time zone), Looker 1 login + 3 runs, Salesforce 1 login (OAuth token) +
the query batches the server offers per object (N = records of the mapped accounts matching the contract's
filters), the write-back 1 login + 5 + the status polls the job needs for one Bulk API 2.0 job (create, upload,
close, polls, successful and failed results) or ceil(N/200) Collections calls. Where short pages cost calls, the
minimum column also says what full pages would have taken: those calls are the server's, not the product's. A
scenario whose settings line names no emulator behaviour was measured before the switch existed, with full pages
and jobs done at the first poll. Peak memory is the month process's VmHWM (the emulators run elsewhere).

{RESULTS}
{LIMITS}

{NOTES}"""

NOTES = """## Design choices and trade-offs

- **Intercom time slices.** The first page of the whole-month search gives `total_count`. When every slice
  would get fewer than `min_pages_per_slice` (10) pages, the month continues with that cursor: exactly
  ceil(N/150) calls. Otherwise it is cut into up to `time_slices` (default 8) equal time windows searched
  concurrently, each with its own cursor; the probe page is discarded and each slice's last page may be
  partial, so the calls are the sum of ceil(N_slice/150) plus one: at most `time_slices` + 1 more than one
  stream, under 10% by construction. Pages go through a bounded queue to one accumulator (one page per
  slice in memory at most). All slices share one pacer (`max_calls_per_window`, default 1,600 per 10 s,
  under Intercom's 1,666), so together they never meet a 429. The default of 8 comes from the sweeps
  above (Intercom alone): each doubling still saved time at M and L, with fewer gains as the client's
  CPU (JSON decoding and folding under the GIL) becomes the limit rather than latency.
- **Salesforce: naming the accounts or reading the object.** Up to `soql_id_filter_max` (default 1,000)
  mapped accounts, each statement names them (`IN (...)`, ~540 IDs per statement). Above it, each object
  is read with only the contract's filters and the accumulator drops records of unmapped accounts:
  ceil(N/2000) calls, where N counts the matching records of every account in the org, instead of at least
  one call per 540 accounts per object (93 per object at L, 10 at M). Reading the whole object costs more
  only when the mapped accounts are a small share (under ~27% = 540/2000) of the accounts owning the
  object's matching records, e.g. an org full of prospects; there, raise `soql_id_filter_max`.
- **No describe call.** The Account query asks for the Phase 2 fields; an org without them answers 400
  INVALID_FIELD and the query is repeated without them: one extra call only in such orgs, the same as the
  describe cost every run. `phase2_by_describe: true` restores the describe.
- **Jira's rate limit.** Atlassian does not publish the burst limit of API-token traffic (per tenant and
  endpoint, a token bucket); the benchmark assumes 100 calls per 10 s. The Jira client does not pace by
  default (`max_calls_per_window` unset): a 429 is retried after its `Retry-After`, one extra call per
  exhausted window. Set `max_calls_per_window` when the site's limit is known, to send none.
- **Platform value: an inline query for the month, not the saved Look.** `run_look` takes no filter: the
  "Platform value pillars" Look returns every account for every month of history (accounts x months rows,
  growing every month; about 1.75 million rows at L to keep 48,500), and at L that run outlasted the 60 s
  read timeout and the month failed. The platform value is now one inline query over `platform_metrics`
  with the contract's fields and the month filter (4 Looker calls, the minimum). A team whose definition
  lives in a Look sets `looker.platform_look_id`: the Look's query is read (`GET /looks/{id}`, one call
  more, 5 calls = 1.25x) and run for the month only, keeping the Look's own fields, filters and sorts.
  The CSV is parsed line by line from the reply's text (a `StringIO` over it held another copy at four
  bytes per character).
- **Write-back.** sObject Collections below `bulk_threshold` (2,000) records, one Bulk API 2.0 job above: a
  constant handful of calls whatever the number of records. The status is polled every `bulk_poll_seconds`
  (the benchmark uses 0.2 s; the default 2 s costs a poll per 2 s of Salesforce's processing).
- **Sandbox fidelity.** The harness switches on TCP_NODELAY in the emulators (the sandbox server writes
  headers and body in two sends; Nagle's algorithm with the client's delayed ACK added ~40 ms to every
  request) and lets the Salesforce emulator answer statements naming a few accounts from an index on the
  account field, as Salesforce does, instead of scanning every record per statement (minutes of emulator
  CPU at M, charged to the per-account way). Neither changes a call or a result.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pipeline_benchmark", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", default="S,M,L", help="comma-separated among S, M, L (default S,M,L)")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="latency added to every request (default 20)")
    parser.add_argument("--no-reference", action="store_true", help="skip the per-account way on S and M")
    parser.add_argument("--jira-rate", default="100/10",
                        help="Jira emulator rate limit as CALLS/SECONDS, or 'off' (default 100/10)")
    parser.add_argument("--intercom-slices", type=int, default=None,
                        help="override the Intercom resource's time_slices (default: the resource's default)")
    parser.add_argument("--slice-sweep", default="",
                        help="also run Intercom alone with these slice counts, e.g. 1,2,4,8 (default: none)")
    parser.add_argument("--alone", action="store_true",
                        help="also run each source alone (no other source competing for the CPU)")
    parser.add_argument("--poll-seconds", type=float, default=0.2, help="Bulk API 2.0 poll interval (default 0.2)")
    parser.add_argument("--seed", type=int, default=7, help="the synthetic world's seed (default 7)")
    parser.add_argument("--gentle", action="store_true",
                        help="kinder emulators: full Jira and Salesforce pages, Bulk jobs done at the first poll "
                        "(default: the sandbox's harder behaviours)")
    parser.add_argument("--docs", default=str(PROJECT / "docs" / "performance.md"),
                        help="Markdown page to (re)write; '' to skip (default docs/performance.md)")
    parser.add_argument("--json", default="", help="also write the raw results to this JSON file")
    parser.add_argument("--render-only", action="store_true",
                        help="rewrite the docs page from the results it embeds, without running anything")
    args = parser.parse_args(argv)
    if args.render_only:
        path = Path(args.docs)
        write_doc(path, load_doc_results(path), DOC_TEMPLATE.replace("{NOTES}", NOTES))
        print(f"rewrote {path}", file=sys.stderr)
        return 0
    labels = [part.strip().upper() for part in args.scenarios.split(",") if part.strip()]
    unknown = [label for label in labels if label not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}: choose among {', '.join(SCENARIOS)}")
    args.slice_sweep = [int(part) for part in args.slice_sweep.split(",") if part.strip()]
    jira_rate = None
    if args.jira_rate.lower() != "off":
        calls, _, seconds = args.jira_rate.partition("/")
        jira_rate = (int(calls), float(seconds or 10))

    ctx = mp.get_context("spawn")
    results: dict[str, dict] = {}
    failed = False
    footprint = accumulator_footprint(args.seed)
    for label in labels:
        result = run_scenario(ctx, label, args, jira_rate)
        result["accumulator"] = footprint
        results[label] = result
        print(scenario_markdown(result) + "\n", flush=True)
        if result.get("reference"):
            print(comparison_markdown(result) + "\n", flush=True)
            failed |= any(verdict != "equal" for verdict in result["reference"]["frames"].values())
        if result["sweep"]:
            print(sweep_markdown(result) + "\n", flush=True)
    print("## Summary\n")
    print("\n".join(summary_rows(results)) + "\n")
    print("\n".join(goal_lines(results)))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")
    if args.docs:
        path = Path(args.docs)
        merged = {**load_doc_results(path), **results}
        merged = {label: merged[label] for label in SCENARIOS if label in merged}
        write_doc(path, merged, DOC_TEMPLATE.replace("{NOTES}", NOTES))
        print(f"\nwrote {path}", file=sys.stderr)
    if failed:
        print("\nThe per-account and bulk frames differ: see the comparison tables.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
