"""Conversations without a company are attributed through their contacts' companies.

The rule by hand (pure), then the real `requests` client against the Intercom emulator over the default world:
the month's metrics equal the world's truth (a conversation counts for its own company, or its contact's only
company; ambiguous and unattributable ones count nowhere), the facts count each kind, and the contact lookup
costs exactly ceil(distinct company-less contacts / 150) calls of `POST /contacts/search`.
"""
from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from health_pipeline.partitions import MONTHLY
from health_pipeline.sources.common.period import Period
from health_pipeline.sources.intercom.attribution import (
    AMBIGUOUS,
    ContactCompanies,
    attribute,
    contact_batches,
    contact_search,
)
from health_pipeline.sources.intercom.extract import extract_intercom
from health_pipeline.sources.intercom.metrics import METRICS, IntercomAccumulator
from health_pipeline.sources.intercom.resource import IntercomResource
from health_pipeline_tests.conftest import source_resources

PERIOD = Period.parse("2026-10")
T0 = PERIOD.unix_start


def one(*companies: str, complete: bool = True) -> ContactCompanies:
    return ContactCompanies(tuple(companies), complete)


@pytest.mark.parametrize("links, expected", [
    ([one("a")], "a"),  # one mapped company
    ([one("a", "trial")], "a"),  # one mapped among others
    ([one("a", "b")], AMBIGUOUS),  # two mapped: never guessed
    ([one("a"), one("b")], AMBIGUOUS),  # two contacts, two mapped companies
    ([one("a"), one("a")], "a"),  # two contacts of the same company
    ([one("trial")], "trial"),  # one unmapped company: counted for it, scored nowhere
    ([one("trial", "other")], AMBIGUOUS),
    ([one()], None),  # no company
    ([], None),
    ([one("a", complete=False)], AMBIGUOUS),  # Intercom listed only some of the companies
])
def test_the_attribution_rule(links, expected):
    assert attribute(links, {"a", "b"}) == expected


def test_contact_search_bodies_pack_150_ids_in_groups_of_15():
    ids = [f"c{i:03d}" for i in range(151)]
    batches = contact_batches(ids)
    assert [len(b) for b in batches] == [150, 1]
    full = contact_search(batches[0])
    assert full["query"]["operator"] == "OR" and len(full["query"]["value"]) == 10
    assert all(g["field"] == "id" and g["operator"] == "IN" and len(g["value"]) == 15 for g in full["query"]["value"])
    assert [i for g in full["query"]["value"] for i in g["value"]] == batches[0]
    assert full["pagination"] == {"per_page": 150, "starting_after": None}
    assert contact_search(["x"])["query"] == {"field": "id", "operator": "IN", "value": ["x"]}
    with pytest.raises(ValueError, match="1..150"):
        contact_search(ids)
    with pytest.raises(ValueError, match="per_page"):
        contact_search(["x"], per_page=151)


def conv(cid: str, company: str | None, contacts: list[str], rating: int | None = None) -> dict:
    return {"id": cid, "created_at": T0 + 60, "company": {"id": company} if company else None,
            "contacts": {"type": "contact.list", "contacts": [{"type": "contact", "id": c} for c in contacts]},
            "statistics": {"time_to_admin_reply": 100, "time_to_first_close": 200, "first_close_at": T0 + 300},
            "conversation_rating": {"rating": rating} if rating else None}


def test_the_accumulator_keeps_company_less_conversations_until_their_contacts_are_known():
    acc = IntercomAccumulator(PERIOD)
    acc.add_page([conv("1", "a", ["p1"], 5), conv("2", None, ["p2"], 3), conv("3", None, ["p3"]),
                  conv("4", None, ["p4"]), conv("5", None, []), conv("6", None, ["p2", "p9"], 1)])
    assert acc.result()["a"]["total_conversations"] == 1  # nothing attributed yet
    assert acc.unknown_contacts() == ["p2", "p3", "p4", "p9"]
    acc.attribute({"p2": one("a"), "p3": one("a", "b"), "p4": one()}, {"a", "b"})  # p9: not found
    assert acc.result()["a"] == {"total_conversations": 3, "p1_p2_pct": 0.0, "escalation_pct": 0.0,
                                 "median_first_response_seconds": 100.0, "median_resolution_seconds": 200.0,
                                 "csat_score": 3.0, "csat_response_rate": 100.0}
    assert (acc.without_company, acc.attributed_by_contact, acc.ambiguous_company, acc.unattributed) == (5, 2, 1, 2)
    assert acc.unknown_contacts() == []


def world_truth(world, period: Period) -> tuple[dict, Counter]:
    """Metrics per company as the world means them, and how many conversations of each link kind the month has."""
    table = world.intercom_month(period.label)
    owner = table.attributed_company()
    records = table.records(np.arange(len(table)))
    truth = IntercomAccumulator(period)
    truth.add_page([{**record, "company": {"id": table.companies.ids[o]}} for record, o in zip(records, owner.tolist())
                    if o >= 0])
    assert truth.without_company == 0
    return truth.result(), Counter(table.cols["link"].tolist())


def test_world_month_metrics_equal_the_truth_and_the_lookup_costs_the_minimum(sandbox):
    sandbox.reset_counters_and_faults()
    partition = MONTHLY.get_last_partition_key()
    period = Period.parse(partition)
    world = sandbox.world
    keys = [(row["salesforce_account_id"], row["intercom_company_id"]) for row in world.mapping_rows()]
    resource: IntercomResource = source_resources(sandbox)["intercom"]
    result = extract_intercom(resource, period, keys)
    truth, links = world_truth(world, period)
    frame = result.frame.set_index(result.frame.columns[0])
    for account, company in keys:
        if not company:
            continue
        expected = truth.get(company)
        got = frame.loc[account]
        if expected is None:
            assert got["total_conversations"] == 0, account
            continue
        for metric in METRICS:
            want = expected[metric]
            if want is None:
                assert math.isnan(got[metric]), (account, metric)
            else:
                assert got[metric] == pytest.approx(want, rel=1e-12), (account, metric)
    facts = result.facts
    assert facts["conversations_attributed_by_contact"] == links[1] > 0
    assert facts["conversations_ambiguous_company"] == links[2] > 0
    assert facts["conversations_unattributed"] == links[3] > 0
    assert facts["conversations_without_company"] == links[1] + links[2] + links[3]
    assert 0.10 < facts["conversations_without_company"] / facts["conversations"] < 0.20  # a realistic share
    calls = math.ceil(facts["contacts_looked_up"] / 150)
    assert facts["contact_search_calls"] == calls >= 2
    assert sandbox.intercom.calls.snapshot()["POST /contacts/search"] == calls
    assert result.calls["POST /contacts/search"] == calls
