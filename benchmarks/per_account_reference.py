"""The ORIGINAL system's way of extracting a month, kept as a reference for the pipeline benchmark.

The original orchestrator looped over the accounts and, for each one, asked every vendor about that
account alone (see the architecture notes of the original system):

- Intercom: a conversation search filtered on the account's company (`company.id`) and the month,
  paged with `starting_after`, then `GET /conversations/{id}` for every conversation found. `company.id`
  is not a searchable field of Intercom 2.15: the benchmark serves this reference with the emulator's
  strict search switched off. The month's company-less conversations (`company.id` null), which the
  original ignored, are fetched the same way and attributed by the product's rule, their contacts looked
  up one per `POST /contacts/search`, so that the frames compare;
- Jira: one JQL search per account (`... AND component = "<jira_key>"`), paged with `nextPageToken`;
- Looker: one inline query per account for each view, filtered on `account_id`: `user_sessions`,
  `feature_usage`, and the platform-value pillars (the saved Look returns every account and every
  month and takes no filter, so per account the reference asks the Look's view for that account and
  month instead of downloading the whole Look once per account);
- Salesforce: describe once, then the four SOQL statements of the data contract per account.

Every call goes through the product's resources (same retrying, counted, paced sessions), and the
metrics are computed by the same pure accumulators (`health_pipeline.extract`), fed one account at a
time, so the frames must equal those of the bulk extraction: the benchmark asserts it. The four
sources run concurrently (one thread each, as the bulk run does), which is kinder to the reference
than the original's single loop over accounts and sources.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import pandas as pd

from health_pipeline.sources.common.frame import metrics_frame, with_text_columns
from health_pipeline.sources.common.http import CallStats, LogFunction
from health_pipeline.sources.common.period import Period
from health_pipeline.sources.common.resource import call_json
from health_pipeline.sources.common.values import to_key
from health_pipeline.sources.intercom import metrics as intercom_pure
from health_pipeline.sources.intercom.contacts import ContactDirectory
from health_pipeline.sources.intercom.resource import IntercomResource
from health_pipeline.sources.jira import metrics as jira_pure
from health_pipeline.sources.jira.resource import JiraResource
from health_pipeline.sources.looker import metrics as looker_pure
from health_pipeline.sources.looker.resource import LookerResource
from health_pipeline.sources.salesforce import metrics as salesforce_pure
from health_pipeline.sources.salesforce.resource import SalesforceResource

Keys = Sequence[tuple[str, Any]]


@dataclass
class ReferenceResult:
    """One source extracted account by account: the frame, the calls it took and how long."""

    frame: pd.DataFrame
    calls: dict[str, int] = field(default_factory=dict)
    retries: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    accounts_asked: int = 0


def _finish(frame: pd.DataFrame, stats: CallStats, started: float, asked: int) -> ReferenceResult:
    return ReferenceResult(frame, dict(stats.calls), dict(stats.retries), round(time.perf_counter() - started, 3),
                           asked)


# --- Intercom ----------------------------------------------------------------------------------------------------

def _search_all(client: Any, query: dict, per_page: int) -> list[dict]:
    """Every conversation a search returns, page by page."""
    found: list[dict] = []
    cursor: str | None = None
    while True:
        body = {"query": query, "pagination": {"per_page": per_page, "starting_after": cursor}}
        reply = call_json(client.session, "Intercom", "POST /conversations/search", "POST",
                          f"{client.base_url}/conversations/search", json=body)
        found += reply.get("conversations") or []
        next_page = (reply.get("pages") or {}).get("next")
        cursor = next_page.get("starting_after") if isinstance(next_page, dict) else None
        if not cursor:
            return found


def _detail(client: Any, conversation: dict) -> dict:
    return call_json(client.session, "Intercom", "GET /conversations/{id}", "GET",
                     f"{client.base_url}/conversations/{conversation['id']}")


def intercom_per_account(resource: IntercomResource, period: Period, keys: Keys,
                         log: LogFunction | None = None) -> ReferenceResult:
    """Per account: search its conversations of the month (company.id), then fetch each one by id. Then the
    month's company-less conversations (company.id null), each fetched and its contacts looked up one by one."""
    started = time.perf_counter()
    client = resource.open_client(log)
    month = intercom_pure.build_conversation_search(period)["query"]["value"]  # the contract's created_at bounds
    accumulator = intercom_pure.IntercomAccumulator(period)  # a company's searches return only its conversations
    mapped: set[str] = set()
    for _, raw in keys:
        company = to_key(raw)
        if company is None:
            continue
        mapped.add(company)
        query = {"operator": "AND", "value": [{"field": "company.id", "operator": "=", "value": company}, *month]}
        for found in _search_all(client, query, resource.per_page):
            accumulator.add_page([_detail(client, found)])
    # The original ignored company-less conversations; the reference attributes them by the product's rule (so
    # the frames compare), looking their contacts up one at a time.
    query = {"operator": "AND", "value": [{"field": "company.id", "operator": "=", "value": None}, *month]}
    for found in _search_all(client, query, resource.per_page):
        accumulator.add_page([_detail(client, found)])
    directory = ContactDirectory(client.session, client.base_url)
    links = {}
    for contact in accumulator.unknown_contacts():
        links.update(directory.companies_of([contact]))
    accumulator.attribute(links, mapped)
    per_company = {company: metrics for company, metrics in accumulator.result().items() if company in mapped}
    frame = metrics_frame(keys, per_company, intercom_pure.METRICS, intercom_pure.DEFAULTS)
    return _finish(frame, client.stats, started, len(mapped))


# --- Jira --------------------------------------------------------------------------------------------------------

def _jql_string(value: str) -> str:
    """A JQL string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _account_clause(link: jira_pure.JiraLink, key: str) -> str:
    if link.mode == "component":
        return f"component = {_jql_string(key)}"
    if link.mode == "label":
        return f"labels = {_jql_string(key)}"
    return f"cf[{link.custom_field_id.rsplit('_', 1)[1]}] = {_jql_string(key)}"  # type: ignore[union-attr]


def jira_per_account(resource: JiraResource, period: Period, keys: Keys,
                     log: LogFunction | None = None) -> ReferenceResult:
    """Per account: one JQL search for its bugs (the contract's JQL plus `component = "<key>"`), paged."""
    started = time.perf_counter()
    client = resource.open_client(log)
    link = resource.link()
    base = jira_pure.build_bug_jql(resource.project_keys(), period, margin_days=jira_pure.JQL_MARGIN_DAYS)
    per_key: dict[str, dict] = {}
    asked = 0
    for _, raw in keys:
        key = to_key(raw)
        if key is None:
            continue
        asked += 1
        accumulator = jira_pure.JiraBugAccumulator(link, period)
        body: dict[str, Any] = {"jql": f"{base} AND {_account_clause(link, key)}", "maxResults": resource.page_size,
                                "fields": link.request_fields()}
        while True:
            reply = call_json(client.session, "Jira", "POST /rest/api/3/search/jql", "POST",
                              f"{client.base_url}/rest/api/3/search/jql", json=body)
            accumulator.add_page(reply.get("issues") or [])
            token = reply.get("nextPageToken")
            if not token or reply.get("isLast") is True:
                break
            body["nextPageToken"] = token
        metrics = accumulator.result().get(key)
        if metrics is not None:
            per_key[key] = metrics
    frame = metrics_frame(keys, per_key, jira_pure.METRICS, jira_pure.DEFAULTS)
    return _finish(frame, client.stats, started, asked)


# --- Looker ------------------------------------------------------------------------------------------------------

def _looker_value(value: str) -> str:
    """A Looker string filter matching exactly `value` (commas, carets and wildcards escaped with ^)."""
    return "".join("^" + char if char in ',^%_"' else char for char in value)


def looker_per_account(resource: LookerResource, period: Period, keys: Keys, *, model: str,
                       user_sessions_view: str, feature_usage_view: str, platform_view: str,
                       log: LogFunction | None = None) -> ReferenceResult:
    """Per account: an inline query per view filtered on its account_id (sessions, feature usage, pillars)."""
    from looker_sdk.sdk.api40 import models as models40

    started = time.perf_counter()
    client = resource.open_client(log)
    sessions_query, usage_query = looker_pure.adoption_queries(period, model, user_sessions_view, feature_usage_view)
    platform_query = {
        "model": model, "view": platform_view,
        "fields": [f"{platform_view}.account_id", f"{platform_view}.month",
                   *(f"{platform_view}.{pillar}" for pillar in looker_pure.PILLARS)],
        "filters": {f"{platform_view}.month": looker_pure.date_filter(period)},
        "limit": "-1",
    }
    per_account: dict[str, dict] = {}
    asked = 0
    for _, raw in keys:
        key = to_key(raw)
        if key is None:
            continue
        asked += 1

        def for_account(query: dict, view: str) -> dict:
            return {**query, "filters": {**query["filters"], f"{view}.account_id": _looker_value(key)}}

        sessions = looker_pure.parse_user_sessions(
            client.run_inline_json(for_account(sessions_query, user_sessions_view)), user_sessions_view)
        usage = looker_pure.parse_feature_usage(
            client.run_inline_json(for_account(usage_query, feature_usage_view)), feature_usage_view)
        body = models40.WriteQuery(**for_account(platform_query, platform_view))
        text = client._call(f"POST /api/4.0/queries/run/csv ({platform_view})",  # noqa: SLF001 - the client's guard
                            lambda: client.sdk.run_inline_query("csv", body))
        look = looker_pure.PlatformLookParser(period, platform_view)
        look.feed(text)
        combined = looker_pure.combine(sessions, usage, look.result()).get(key)
        if combined is not None:
            per_account[key] = combined
    frame = metrics_frame(keys, per_account, looker_pure.METRICS, looker_pure.DEFAULTS)
    return _finish(frame, client.stats, started, asked)


# --- Salesforce --------------------------------------------------------------------------------------------------

_FOLDERS = {"Account": "add_accounts", "Opportunity": "add_renewals", "Contract": "add_contracts",
            "Churn_Signal__c": "add_signals"}


def salesforce_per_account(resource: SalesforceResource, period: Period, account_ids: Sequence[str],
                           log: LogFunction | None = None) -> ReferenceResult:
    """Describe once, then per account the four SOQL statements of the contract for that account alone."""
    started = time.perf_counter()
    client = resource.open_client(log)
    phase2 = salesforce_pure.phase2_fields_present(client.describe_field_names("Account"))
    per_account: dict[str, dict] = {}
    owners: dict[str, dict] = {}
    for account_id in account_ids:
        accumulator = salesforce_pure.SalesforceAccumulator(period, phase2, [account_id])
        for sobject, statements in salesforce_pure.soql_queries(period, [account_id], phase2).items():
            fold = getattr(accumulator, _FOLDERS[sobject])
            for soql in statements:
                for records in client.iter_query_pages(soql, sobject):
                    fold(records)
        per_account.update(accumulator.result())
        owners.update(accumulator.owners())
    keys = [(account_id, account_id) for account_id in account_ids]
    frame = with_text_columns(metrics_frame(keys, per_account, salesforce_pure.METRICS, salesforce_pure.DEFAULTS),
                              owners, salesforce_pure.OWNER_COLUMNS)
    return _finish(frame, client.stats, started, len(account_ids))


# --- the month ---------------------------------------------------------------------------------------------------

def extract_month_per_account(resources: dict[str, Any], period: Period, mapping: pd.DataFrame, *,
                              looker_names: Any, log: LogFunction | None = None,
                              concurrent: bool = True) -> dict[str, ReferenceResult]:
    """The month of every source extracted account by account (the four sources concurrently by default)."""
    def keys(column: str) -> list[tuple[str, Any]]:
        return list(zip(mapping["salesforce_account_id"], mapping[column]))

    jobs: dict[str, Callable[[], ReferenceResult]] = {
        "intercom": lambda: intercom_per_account(resources["intercom"], period, keys("intercom_company_id"), log),
        "jira": lambda: jira_per_account(resources["jira"], period, keys("jira_key"), log),
        "looker": lambda: looker_per_account(
            resources["looker"], period, keys("looker_account_id"), model=looker_names.model,
            user_sessions_view=looker_names.user_sessions_view, feature_usage_view=looker_names.feature_usage_view,
            platform_view=looker_names.platform_metrics_view, log=log),
        "salesforce": lambda: salesforce_per_account(resources["salesforce"], period,
                                                     list(mapping["salesforce_account_id"]), log),
    }
    if not concurrent:
        return {name: job() for name, job in jobs.items()}
    with ThreadPoolExecutor(max_workers=len(jobs), thread_name_prefix="per-account") as pool:
        futures = {name: pool.submit(job) for name, job in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


__all__ = ["ReferenceResult", "extract_month_per_account", "intercom_per_account", "jira_per_account",
           "looker_per_account", "salesforce_per_account"]
