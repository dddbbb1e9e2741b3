"""Diff-only write-back with the real simple_salesforce client against the emulator: an unchanged re-run makes no
write call, a partly changed month writes only its changed records, a record a person edited in Salesforce is kept
under `skip` (and listed in conflicts_<YYYY-MM>.csv) and replaced under `overwrite`, the dry run previews the counts,
and every live delivery appends one row to the delivery log."""
from __future__ import annotations

from simple_salesforce import Salesforce

from health_pipeline.delivery.delivery_log import read_log
from health_pipeline.delivery.records import EXTERNAL_ID
from health_pipeline.delivery.sink_resource import HealthScoreSinkResource
from health_pipeline.sandbox.salesforce.emulator import COLLECTION_UPSERT as COLLECTIONS
from health_pipeline.sandbox.salesforce.soap import USER_ID
from health_pipeline_tests.delivery.conftest import ACCOUNT_IDS, Org
from health_pipeline_tests.delivery.frames import scores_frame
from health_pipeline_tests.delivery.test_delivery_asset import PERIOD, live, read_rows, run, sink_metadata

ADMIN, ADMIN_PASSWORD, ADMIN_TOKEN = "admin@alliants.example", "adm1n-pa55", "ADM1N"
# a person logs in with their password (SOAP login, below API 65.0), not as the integration's connected app
AS_A_PERSON = {"consumer_key": None, "consumer_secret": None, "api_version": "64.0"}


def admin_client(org: Org) -> tuple[Salesforce, str]:
    """simple_salesforce logged in as a second user (a Salesforce admin editing by hand), and that user's Id."""
    user_id = org.emulator.add_user(ADMIN, ADMIN_PASSWORD, ADMIN_TOKEN)
    resource = org.resource.model_copy(update={"username": ADMIN, "password": ADMIN_PASSWORD,
                                               "security_token": ADMIN_TOKEN, **AS_A_PERSON})
    return resource.open_client().sf, user_id


def stored(org: Org) -> dict[str, dict]:
    """The org's Health_Score__c records by external ID, with who last modified them."""
    soql = f"SELECT {EXTERNAL_ID}, Health_Score__c, Tier__c, LastModifiedById FROM Health_Score__c"
    return {row[EXTERNAL_ID]: row for row in org.client().sf.query_all(soql)["records"]}


def test_an_unchanged_rerun_makes_no_write_call(org: Org, tmp_path):
    frame = scores_frame(ACCOUNT_IDS[:30])
    assert run(frame, live(tmp_path), org.resource).success
    writes_before = org.emulator.calls.snapshot().get(COLLECTIONS, 0)

    again = sink_metadata(run(frame, live(tmp_path), org.resource))

    assert org.emulator.calls.snapshot().get(COLLECTIONS, 0) == writes_before == 1
    assert (again["unchanged"].value, again["created"].value, again["updated"].value) == (30, 0, 0)
    assert again["sync_preview"].value == {"total": 30, "to_create": 0, "to_update": 0, "unchanged": 30,
                                           "conflicts": 0, "invalid": 0}


def test_a_partly_changed_month_writes_only_the_changed_records(org: Org, tmp_path):
    frame = scores_frame(ACCOUNT_IDS[:250])
    assert run(frame, live(tmp_path), org.resource).success
    before = stored(org)
    changed = frame.copy()
    changed.loc[:12, "health_score"] = 33  # 13 accounts rescored
    changed.loc[:12, "tier"] = "Critical"

    metadata = sink_metadata(run(changed, live(tmp_path), org.resource))

    assert (metadata["updated"].value, metadata["unchanged"].value, metadata["created"].value) == (13, 237, 0)
    assert (metadata["method"].value, metadata["write_api_calls"].value) == ("collections", 1)
    after = stored(org)
    assert all(after[f"{a}-{PERIOD}"]["Health_Score__c"] == 33 for a in ACCOUNT_IDS[:13])
    assert all(after[f"{a}-{PERIOD}"] == before[f"{a}-{PERIOD}"] for a in ACCOUNT_IDS[13:250])


def hand_edited_month(org: Org, tmp_path) -> tuple[str, str]:
    """Deliver 6 records, let an admin change one by hand, rescore every account: (edited key, admin's Id)."""
    assert run(scores_frame(ACCOUNT_IDS[:6]), live(tmp_path), org.resource).success
    admin, admin_id = admin_client(org)
    key = f"{ACCOUNT_IDS[2]}-{PERIOD}"
    admin.restful(f"sobjects/Health_Score__c/{EXTERNAL_ID}/{key}", method="PATCH",
                  json={"Health_Score__c": 64, "Tier__c": "At Risk"})
    return key, admin_id


def rescored() -> object:
    """The same six accounts, every score moved by one point."""
    frame = scores_frame(ACCOUNT_IDS[:6])
    frame["health_score"] = frame["health_score"] + 1
    return frame


def test_a_hand_edited_record_is_kept_under_skip_and_listed(org: Org, tmp_path):
    key, admin_id = hand_edited_month(org, tmp_path)
    assert stored(org)[key]["LastModifiedById"] == admin_id

    metadata = sink_metadata(run(rescored(), live(tmp_path), org.resource))

    assert (metadata["conflicts"].value, metadata["updated"].value) == (1, 5)
    after = stored(org)
    assert (after[key]["Health_Score__c"], after[key]["LastModifiedById"]) == (64, admin_id)
    assert all(row["LastModifiedById"] == USER_ID for k, row in after.items() if k != key)
    [conflict] = read_rows(tmp_path / f"conflicts_{PERIOD}.csv")
    assert (conflict[EXTERNAL_ID], conflict["edited_by"]) == (key, admin_id)
    assert conflict["salesforce_Health_Score__c"] == "64.0" and conflict["fields"].startswith("Health_Score__c")


def test_a_hand_edited_record_is_overwritten_under_overwrite(org: Org, tmp_path):
    key, _ = hand_edited_month(org, tmp_path)
    expected = int(rescored().loc[2, "health_score"])

    metadata = sink_metadata(run(rescored(), live(tmp_path, conflict_policy="overwrite"), org.resource))

    assert (metadata["conflicts"].value, metadata["updated"].value) == (1, 6)
    assert (stored(org)[key]["Health_Score__c"], stored(org)[key]["LastModifiedById"]) == (expected, USER_ID)
    # written over, the record matches its fingerprint again: the next run is clean
    assert sink_metadata(run(rescored(), live(tmp_path), org.resource))["conflicts"].value == 0


def test_the_dry_run_previews_the_counts_and_writes_nothing(org: Org, tmp_path):
    key, _ = hand_edited_month(org, tmp_path)
    frame = scores_frame(ACCOUNT_IDS[:9])
    frame.loc[0, "health_score"] = 1  # changed
    frame.loc[2, "health_score"] = 2  # changed where the admin edited: a conflict
    frame.loc[8, "computed_score"] = 130  # Salesforce would refuse it
    writes_before = org.emulator.calls.snapshot().get(COLLECTIONS, 0)

    metadata = sink_metadata(run(frame, HealthScoreSinkResource(output_dir=str(tmp_path)), org.resource))

    assert metadata["sync_preview"].value == {"total": 9, "to_create": 2, "to_update": 1, "unchanged": 4,
                                              "conflicts": 1, "invalid": 1}
    assert org.emulator.calls.snapshot().get(COLLECTIONS, 0) == writes_before
    assert stored(org)[key]["Health_Score__c"] == 64
    assert [row[EXTERNAL_ID] for row in read_rows(tmp_path / f"conflicts_{PERIOD}.csv")] == [key]


def test_every_live_delivery_appends_one_row_to_the_delivery_log(org: Org, tmp_path):
    frame = scores_frame(ACCOUNT_IDS[:8])
    first = run(frame, live(tmp_path), org.resource)
    second = run(frame, live(tmp_path), org.resource)

    log = read_log(live(tmp_path).delivery_log_store())

    assert list(log["run_id"]) == [first.run_id, second.run_id]
    assert list(log["month"]) == [PERIOD, PERIOD]
    assert log[["created", "updated", "unchanged", "conflicts", "failed", "calls", "method"]].values.tolist() == [
        [8, 0, 0, 0, 0, 3, "collections"], [0, 0, 8, 0, 0, 2, "none"]]
    assert (log["started_at"] <= log["finished_at"]).all()
    year, month = PERIOD.split("-")
    assert len(list((tmp_path / "delivery_log" / f"year={year}" / f"month={month}").glob("*.parquet"))) == 2
    shown = sink_metadata(second)["delivery_log"].value.records
    assert [row.data["run_id"] for row in shown] == [first.run_id, second.run_id]


def test_an_invalid_record_is_not_sent_and_is_kept_as_failed(org: Org, tmp_path):
    frame = scores_frame(ACCOUNT_IDS[:4])
    frame.loc[1, "computed_score"] = 130

    metadata = sink_metadata(run(frame, live(tmp_path, failure_tolerance=1), org.resource))

    assert (metadata["created"].value, metadata["failed"].value) == (3, 1)
    assert metadata["sync_preview"].value["invalid"] == 1
    [kept] = read_rows(tmp_path / f"failed_records_{PERIOD}.csv")
    assert kept[EXTERNAL_ID] == f"{ACCOUNT_IDS[1]}-{PERIOD}" and kept["error"].startswith("PREFLIGHT: Computed_Score__c")
    assert f"{ACCOUNT_IDS[1]}-{PERIOD}" not in stored(org)
