"""The synthetic world and the fixture loader.

Proves: the world is a pure function of (seed, size); ids are valid and consistent across systems;
personas, segments and deliberately missing sources come in the intended shares; volumes match the
brief (about 12 conversations and 1.6 bugs per account-month); personas drive every source's metrics
(so scored accounts spread over the tiers) and at-risk accounts worsen over time; Salesforce and Looker
records follow docs/sandbox-data.md; a 50,000-account month builds and pages quickly; the shipped
config/account_mapping.csv is the default world's; and fixture directories round-trip, with a clear
error naming the file for malformed ones.
"""
from __future__ import annotations

import csv
import json
import re
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from health_pipeline.sandbox.intercom.search import SearchEngine
from health_pipeline.sandbox.world.fixtures import FixtureData, FixtureError, load_fixture_dir
from health_pipeline.sandbox.world.ids import salesforce_checksum
from health_pipeline.sandbox.world.months import date_of, month_end, month_ordinal, month_start
from health_pipeline.sandbox.world.synthetic import MAPPING_COLUMNS, SandboxData, World, main
from health_pipeline.sources.common.period import Period
from health_pipeline.sources.intercom.metrics import IntercomAccumulator
from health_pipeline.sources.jira.metrics import JiraBugAccumulator, JiraLink

REPO = Path(__file__).resolve().parents[2]
SF_ID = re.compile(r"^[0-9A-Za-z]{18}$")


@pytest.fixture(scope="module")
def world() -> World:
    return World(as_of="2026-06")


def month_query(month: str) -> dict:
    k = month_ordinal(month)
    return {"operator": "AND", "value": [{"field": "created_at", "operator": ">", "value": month_start(k) - 1},
                                         {"field": "created_at", "operator": "<", "value": month_end(k)}]}


def test_same_seed_same_world_and_other_seed_another():
    a, b, c = World(5, 40, as_of="2025-06"), World(5, 40, as_of="2025-06"), World(6, 40, as_of="2025-06")
    assert a.mapping_rows() == b.mapping_rows() and a.salesforce_records() == b.salesforce_records()
    assert a.looker_rows("user_sessions", "2025-03") == b.looker_rows("user_sessions", "2025-03")
    month_a, month_b = a.intercom_month("2025-03"), b.intercom_month("2025-03")
    assert all(np.array_equal(month_a.cols[k], month_b.cols[k]) for k in month_a.cols)
    assert np.array_equal(a.jira_month("2025-03").cols["created"], b.jira_month("2025-03").cols["created"])
    assert a.mapping_rows() != c.mapping_rows()
    assert len(a.intercom_month("2025-03")) != len(c.intercom_month("2025-03"))
    # a month does not depend on which months were generated before it
    fresh = World(5, 40, as_of="2025-06")
    assert fresh.intercom_month("2025-03").records(np.arange(5)) == a.intercom_month("2025-03").records(np.arange(5))


def test_ids_are_valid_unique_and_consistent(world):
    rows = world.mapping_rows()
    assert list(rows[0]) == list(MAPPING_COLUMNS)
    sf_ids = [r["salesforce_account_id"] for r in rows]
    assert all(SF_ID.match(i) and i.startswith("001") and salesforce_checksum(i[:15]) == i[15:] for i in sf_ids)
    assert len({i.lower() for i in sf_ids}) == len(sf_ids)  # unique even case-insensitively
    intercom = [r["intercom_company_id"] for r in rows if r["intercom_company_id"]]
    assert all(re.fullmatch(r"[0-9a-f]{24}", i) for i in intercom) and len(set(intercom)) == len(intercom)
    assert all(re.fullmatch(r"ACCT-\d{5}", r["jira_key"]) for r in rows if r["jira_key"])
    assert len({r["account_name"] for r in rows}) == len(rows)
    records = world.salesforce_records()
    for name, prefix in (("Opportunity", "006"), ("Contract", "800"), ("Case", "500"), ("Churn_Signal__c", "a0X")):
        ids = [r["Id"] for r in records[name]]
        assert all(SF_ID.match(i) and i.startswith(prefix) for i in ids) and len(set(ids)) == len(ids)
    assert {r["Id"] for r in records["Account"]} == set(sf_ids)
    assert {r["AccountId"] for r in records["Opportunity"]} <= set(sf_ids)


def test_shares_of_personas_segments_and_missing_sources(world):
    rows = world.mapping_rows()
    assert Counter(r["segment"] for r in rows) == {"paid": 80, "standard": 120}
    assert sum(not r["jira_key"] for r in rows) == 10
    assert sum(not r["looker_account_id"] for r in rows) == 6
    assert sum(not r["intercom_company_id"] for r in rows) == 4
    personas = Counter(world.account_personas().values())
    assert set(personas) == {"champion", "healthy", "at_risk", "critical", "new"} and min(personas.values()) >= 20


def test_shipped_mapping_is_the_default_world(tmp_path):
    shipped = REPO / "config" / "account_mapping.csv"
    with open(shipped, newline="", encoding="utf-8") as handle:
        assert list(csv.DictReader(handle)) == World().mapping_rows()
    assert main(["--write-mapping", str(tmp_path / "m.csv")]) == 0
    assert (tmp_path / "m.csv").read_text() == shipped.read_text()


def test_volumes_per_account_month(world):
    months = ["2025-02", "2025-07", "2025-12"]
    conversations = np.mean([len(world.intercom_month(m)) for m in months]) / world.size
    bugs = np.mean([((t.cols["type"] == 0) & (t.cols["project"] < 2)).sum()
                    for t in (world.jira_month(m) for m in months)]) / world.size
    assert 10 <= conversations <= 14 and 1.3 <= bugs <= 1.9
    paid = {r["intercom_company_id"] for r in world.mapping_rows() if r["segment"] == "paid"}
    table = world.intercom_month("2025-07")
    per_company = Counter(table.companies.ids[c] for c in table.cols["company"].tolist() if c >= 0)
    assert np.mean([per_company[c] for c in paid]) > 2 * np.mean(
        [per_company[r["intercom_company_id"]] for r in world.mapping_rows() if r["segment"] == "standard"])
    assert table.cols["company"].min() == -1  # some conversations have no company at all


def _by_persona(world: World, metrics: dict, key: str) -> dict[str, dict[str, float]]:
    personas = world.account_personas()
    grouped: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for row in world.mapping_rows():
        for name, value in metrics.get(row[key], {}).items():
            if value is not None:
                grouped[personas[row["salesforce_account_id"]]][name].append(value)
    return {p: {name: float(np.median(v)) for name, v in by.items()} for p, by in grouped.items()}


def test_personas_drive_support_metrics(world):
    period = Period.parse("2025-09")
    table = world.intercom_month("2025-09")
    intercom = IntercomAccumulator(period)
    intercom.add_page(table.records(np.arange(len(table))))
    support = _by_persona(world, intercom.result(), "intercom_company_id")
    champion, critical = support["champion"], support["critical"]
    assert champion["median_first_response_seconds"] < 3600 < 7200 < critical["median_first_response_seconds"]
    assert champion["csat_score"] > 4.5 and critical["csat_score"] < 3.6
    assert champion["p1_p2_pct"] < support["at_risk"]["p1_p2_pct"] < critical["p1_p2_pct"]
    bugs = JiraBugAccumulator(JiraLink(), period)
    for month_table in world.jira_tables(None, period.unix_end):
        issues = month_table.issues(np.arange(len(month_table)), None, "x")
        bugs.add_page([i for i in issues if i["fields"]["issuetype"]["name"] == "Bug"
                       and i["fields"]["project"]["key"] != "OPS"])
    jira = _by_persona(world, bugs.result(), "jira_key")
    assert jira["champion"]["open_bugs"] < jira["critical"]["open_bugs"]
    assert jira["champion"]["avg_resolution_days"] < jira["critical"]["avg_resolution_days"]


def test_personas_drive_salesforce_and_looker(world):
    records, personas = world.salesforce_records(), world.account_personas()
    accounts = {a["Id"]: a for a in records["Account"]}
    assert accounts[next(iter(accounts))].keys() >= {"ARR__c", "Prior_Year_ARR__c", "Payment_Status__c",
                                                     "Contracted_Tier__c", "Usage_Tier__c", "Segment__c"}
    phase2 = sum(a["QBR_Attendance_Rate__c"] is not None for a in accounts.values()) / len(accounts)
    assert 0.6 <= phase2 <= 0.8
    late = Counter(personas[i] for i, a in accounts.items() if a["Payment_Status__c"] != "Current")
    assert late["critical"] > late["champion"]
    months = range(month_ordinal("2026-06") + 1)
    active = defaultdict(set)
    for signal in records["Churn_Signal__c"]:
        for month in months:
            end = date_of(month_end(month)).isoformat()
            if signal["Detected_Date__c"] < end and (signal["Resolved_Date__c"] or "9999") >= end:
                active[(signal["Account__c"], month)].add(signal["Severity__c"])
    critical = [i for i, p in personas.items() if p == "critical"]
    share = np.mean([sum("Critical" in active[(i, m)] for m in months) / len(months) for i in critical])
    assert share > 0.6
    healthy = [i for i, p in personas.items() if p in ("healthy", "champion")]
    assert 0 < sum(any("Moderate" in active[(i, m)] for m in months) for i in healthy) < len(healthy) / 2
    downgrades = Counter(personas[c["AccountId"]] for c in records["Contract"] if c["Change_Type__c"] == "Downgrade")
    assert downgrades["critical"] > downgrades["healthy"] > downgrades["champion"]
    usage = {r["account_id"]: r for r in world.looker_rows("user_sessions", "2026-03")}
    looker_persona = {r["looker_account_id"]: personas[r["salesforce_account_id"]] for r in world.mapping_rows()}
    mau = defaultdict(list)
    for account_id, row in usage.items():
        mau[looker_persona[account_id]].append(row["monthly_active_users"])
    assert np.median(mau["champion"]) > np.median(mau["critical"])


def test_at_risk_accounts_worsen_and_new_accounts_start_late(world):
    personas = np.array([p for p in world.account_personas().values()])
    early, late = world.trajectory.quality(0), world.trajectory.quality(40)
    assert np.mean(late[personas == "at_risk"]) < np.mean(early[personas == "at_risk"]) - 0.04
    new = [i for i, p in enumerate(personas) if p == "new"]
    first = world.intercom_month("2024-01")
    assert not set(first.cols["company"].tolist()) & set(new)


def test_renewals_ahead_in_every_month_until_a_renewal_is_lost(world):
    # a lost renewal ends the contract (the world has renewal outcomes): no renewal follows it
    opportunities = world.salesforce_records()["Opportunity"]
    renewals, lost = defaultdict(list), {}
    for opp in opportunities:
        if opp["Type"] == "Renewal":
            renewals[opp["AccountId"]].append(date.fromisoformat(opp["CloseDate"]))
            if opp["IsClosed"] and not opp["IsWon"]:
                lost[opp["AccountId"]] = date.fromisoformat(opp["CloseDate"])
    established = [a for a, p in world.account_personas().items() if p != "new"]
    for k in range(0, 48):
        end = date.fromisoformat(f"{2024 + (k + 1) // 12}-{(k + 1) % 12 + 1:02d}-01")
        for account in established:
            ahead = [d for d in renewals[account] if d >= end]
            if account in lost and lost[account] < end:
                assert not ahead
            else:
                assert ahead and (min(ahead) - end).days <= 366


def test_looker_rows_shape(world):
    assert world.looker_months()[0] == "2024-01" and world.looker_months()[-1] == "2026-06"
    sessions = world.looker_rows("user_sessions", "2025-05")
    assert set(sessions[0]) == {"account_id", "month", "average_daily_active_users", "monthly_active_users",
                                "logins_per_user"} and sessions[0]["month"] == "2025-05"
    assert all(r["average_daily_active_users"] <= r["monthly_active_users"] for r in sessions)
    pillars = world.looker_rows("platform_metrics", "2025-05")
    assert set(pillars[0]) == {"account_id", "month", "efficiency_score", "revenue_score", "guest_experience_score",
                               "adoption_score"}
    assert set(world.looker_rows("feature_usage", "2025-05")[0]) == {"account_id", "month", "feature_breadth_pct"}
    with pytest.raises(ValueError):
        world.looker_rows("nope", "2025-05")


def test_a_50k_account_month_builds_and_pages_quickly():
    started = time.monotonic()
    big = World(seed=3, accounts=50_000, as_of="2025-12")
    month = big.intercom_month("2025-06")
    assert 500_000 < len(month) < 750_000
    engine = SearchEngine(big)
    first = engine.search(month_query("2025-06"), 150, None)
    tail = engine.search({"operator": "AND", "value": [
        {"field": "created_at", "operator": ">", "value": month_end(17) - 30},
        {"field": "created_at", "operator": "<", "value": month_end(17) - 1}]}, 150, None)
    assert len(first.conversations) == 150 and first.total_pages > 3_000 and 0 < tail.total_count < 150
    assert time.monotonic() - started < 20


def test_fixture_directory_round_trip(tmp_path):
    world = World(5, 40, as_of="2025-06")
    pinned = FixtureData.from_world(world, ["2025-03"])
    pinned.write(tmp_path)
    loaded = load_fixture_dir(tmp_path)
    assert isinstance(loaded, SandboxData) and isinstance(world, SandboxData)
    assert loaded.conversations == pinned.conversations and loaded.issues == pinned.issues
    assert loaded.salesforce_records() == world.salesforce_records()
    assert loaded.looker_rows("feature_usage", "2025-03") == world.looker_rows("feature_usage", "2025-03")
    assert loaded.looker_months() == ["2025-03"]
    served = SearchEngine(loaded).search(month_query("2025-03"), 150, None)
    original = SearchEngine(world).search(month_query("2025-03"), 150, None)
    assert [c["id"] for c in served.conversations] == [c["id"] for c in original.conversations]
    some = pinned.conversations[0]
    assert loaded.intercom_conversation(some["id"]) == some
    assert loaded.intercom_company(some["company"]["id"]) == world.intercom_company(some["company"]["id"])
    (tmp_path / "jira" / "issues.json").unlink()
    assert load_fixture_dir(tmp_path).jira_tables(None, None) == []  # an absent file: no records


def test_salesforce_records_sharing_15_id_characters_are_refused_naming_file_and_records(tmp_path):
    """Salesforce's key is the Id's first 15 (case-sensitive) characters: two records with the same key are one
    record twice, which the loader refuses instead of silently keeping one."""
    accounts = tmp_path / "salesforce" / "Account.json"
    accounts.parent.mkdir()
    accounts.write_text(json.dumps([{"Id": "001Mn00000AlphaIAB", "Name": "Alpha"},
                                    {"Id": "001Mn00000BetaaIAB", "Name": "Beta"},
                                    {"Id": "001Mn00000AlphaXYZ", "Name": "Alpha again"}]))
    with pytest.raises(FixtureError, match=r"salesforce/Account\.json: records 0 and 2 have the same Id "
                                           r"'001Mn00000Alpha'"):
        load_fixture_dir(tmp_path)


def test_malformed_fixture_files_name_the_file(tmp_path):
    bad = tmp_path / "intercom" / "conversations.json"
    bad.parent.mkdir()
    bad.write_text('[\n {"id": "1", "created_at": 5},\n {"id": "2" "created_at": 6}\n]')
    with pytest.raises(FixtureError, match=r"conversations\.json: invalid JSON at line 3, column 13"):
        load_fixture_dir(tmp_path)
    bad.write_text(json.dumps([{"id": "1", "created_at": "yesterday"}]))
    with pytest.raises(FixtureError, match=r"intercom/conversations\.json: conversation 0 .*created_at"):
        load_fixture_dir(tmp_path)
    bad.write_text(json.dumps({"conversations": []}))
    with pytest.raises(FixtureError, match="expected a JSON list"):
        load_fixture_dir(tmp_path)
    bad.unlink()
    issues = tmp_path / "jira" / "issues.json"
    issues.parent.mkdir()
    issues.write_text(json.dumps([{"id": "1", "key": "BUG-1", "fields": {"project": {"key": "BUG"},
                                                                       "created": "March 4th"}}]))
    with pytest.raises(FixtureError, match=r"jira/issues\.json: issue 0 \(BUG-1\) field created"):
        load_fixture_dir(tmp_path)
    with pytest.raises(FixtureError, match="not found"):
        load_fixture_dir(tmp_path / "missing")
