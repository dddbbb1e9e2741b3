"""The world's Salesforce users (account owners) and the alert tasks of earlier months, some with CSM feedback."""
from __future__ import annotations

from datetime import timedelta

import numpy as np

from health_pipeline.sandbox.world.accounts import Accounts
from health_pipeline.sandbox.world.months import date_of, month_label, month_start

CSM_NAMES = ("Avery Brooks", "Jordan Lee", "Sam Patel", "Riley Chen", "Morgan Diaz", "Casey Novak")
DATA_TEAM_NAME = "Data Team"
HISTORY = range(12, 3, -1)  # alert tasks for as_of-12 .. as_of-4: months before any the demo or tests score
CLOSED_SHARE, FEEDBACK_SHARE = 0.7, 0.6  # of the tasks, closed; of the closed ones, with feedback
FEEDBACK = {"entered_critical": (0.7, 0.2, 0.1), "score_drop": (0.5, 0.3, 0.2), "tier_drop": (0.25, 0.3, 0.45)}
FEEDBACK_VALUES = ("accurate", "somewhat_accurate", "inaccurate")


def users(ids) -> list[dict]:
    """The CSMs who own accounts, then the data team's user."""
    return [{"Id": ids.next("005"), "Name": name, "Email": f"{name.split()[0].lower()}@example.com",
             "IsActive": True} for name in (*CSM_NAMES, DATA_TEAM_NAME)]


def owner_ids(accounts: Accounts, people: list[dict]) -> list[str]:
    """Each account's owner: the CSMs in turn."""
    csms = people[:len(CSM_NAMES)]
    return [csms[i % len(csms)]["Id"] for i in range(len(accounts))]


def alert_tasks(seed: int, ids, accounts: Accounts, owners: list[str], quality: np.ndarray, as_of: int) -> list[dict]:
    """Tasks the pipeline would have raised in earlier months (the quality fell into or within the critical
    band): most closed, and a share of the closed ones marked accurate, somewhat accurate or inaccurate."""
    rng = np.random.default_rng([seed, 31])
    out = []
    for back in HISTORY:
        k = as_of - back
        if k < 1:
            continue
        now, before = quality[k], quality[k - 1]
        plays = {"entered_critical": (now < 0.32) & (before >= 0.32), "score_drop": before - now >= 0.08,
                 "tier_drop": (now < 0.5) & (before >= 0.5)}
        due = date_of(month_start(k + 1)) + timedelta(days=7)
        for play, fired in plays.items():
            for i in np.flatnonzero(fired):
                closed = rng.random() < CLOSED_SHARE
                feedback = (str(rng.choice(FEEDBACK_VALUES, p=FEEDBACK[play]))
                            if closed and rng.random() < FEEDBACK_SHARE else None)
                out.append({"Id": ids.next("00T"), "WhatId": accounts.salesforce_ids[i], "OwnerId": owners[i],
                            "Subject": f"Health alert: {play.replace('_', ' ')} - {accounts.names[i]}",
                            "Status": "Completed" if closed else "Not Started", "IsClosed": closed,
                            "Priority": "High", "ActivityDate": due.isoformat(),
                            "Health_Alert_Key__c": f"{accounts.salesforce_ids[i]}-{month_label(k)}-{play}",
                            "Alert_Feedback__c": feedback})
    return out
