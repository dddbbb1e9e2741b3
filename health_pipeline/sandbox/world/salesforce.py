"""The world's Salesforce records: accounts as they are now, plus dated opportunities, contracts, cases, signals."""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from health_pipeline.sandbox.world.accounts import Accounts, Trajectory, ladder
from health_pipeline.sandbox.world.alert_tasks import alert_tasks, owner_ids, users
from health_pipeline.sandbox.world.ids import salesforce_id
from health_pipeline.sandbox.world.months import FIRST_YEAR, date_of, jira_time, month_start
from health_pipeline.sandbox.world.outcomes import renewals_won

PAYMENT = ("Current", "1-30 Days Late", "31-60 Days Late", "60+ Days Late", "Collections")
TIERS = ("Bronze", "Silver", "Gold", "Platinum")
SEVERITIES = (None, "Watch", "Moderate", "Critical")
SIGNAL_TYPES = {1: ("Low Usage", "Champion Quiet"), 2: ("Budget Review", "Competitor Evaluation"),
                3: ("Executive Sponsor Left", "Cancellation Notice", "Escalated Complaint")}
HISTORY_MONTHS = 48  # 2024-01 .. 2027-12 for dated records
ARR_TRAJECTORY = ((-45, -20, 0, 12, 25), (-50, -25, 0, 17, 30))
QBR = ((5, 25, 60, 90, 100), (5, 20, 50, 75, 95))
CHAMPION_MONTHS = ((1, 3, 12, 24, 48), (1, 3, 9, 18, 40))
EXPANSION = ((0, 0, 1, 3, 5), (0, 0, 1, 2, 4))


class _Ids:
    """Sequential Salesforce IDs per key prefix."""

    def __init__(self, seed: int) -> None:
        self.seed, self.counts = seed, {}

    def next(self, prefix: str) -> str:
        """The next unused ID with key prefix `prefix`."""
        n = self.counts.get(prefix, 0)
        self.counts[prefix] = n + 1
        return salesforce_id(prefix, self.seed, n)


def build_salesforce(seed: int, accounts: Accounts, trajectory: Trajectory, as_of: int) -> dict[str, list[dict]]:
    """All Salesforce records of the world, with `as_of` (a month ordinal) as 'now'."""
    rng = np.random.default_rng([seed, 30])
    ids = _Ids(seed)
    today = date_of(month_start(as_of)) + timedelta(days=14)
    history = np.stack([trajectory.quality(k) for k in range(max(HISTORY_MONTHS, as_of + 1))])
    records: dict[str, list[dict]] = {"Account": _accounts(rng, accounts, history[as_of], as_of, today),
                                      "Opportunity": [], "Contract": [], "Case": [], "Churn_Signal__c": [],
                                      "Task": [], "User": users(ids), "Health_Score_Override__c": []}
    owners = owner_ids(accounts, records["User"])
    for account, owner in zip(records["Account"], owners):
        account["OwnerId"] = owner
    for i, sf_id in enumerate(accounts.salesforce_ids):
        arr = records["Account"][i]["ARR__c"]
        first = date(2021 + i % 3, 1 + int(rng.integers(0, 12)), 1 + int(rng.integers(0, 28)))
        if accounts.start[i] >= 0:
            first = date_of(month_start(int(accounts.start[i]))) + timedelta(days=int(rng.integers(0, 28)))
        won = _renewals_won(seed, i, first, history[:, i])
        records["Opportunity"] += _opportunities(rng, ids, sf_id, records["Account"][i]["Name"], first, arr,
                                                 today, history[:, i], won)
        records["Contract"] += _contracts(rng, ids, sf_id, first, history[:, i])
        records["Case"] += _cases(rng, ids, sf_id, history[: as_of + 1, i], today)
        records["Churn_Signal__c"] += _signals(rng, ids, sf_id, history[: as_of + 1, i],
                                               int(accounts.persona[i]), int(max(accounts.start[i], 0)))
    records["Health_Score_Override__c"] = _overrides(ids, accounts.salesforce_ids, as_of)
    records["Task"] = alert_tasks(seed, ids, accounts, owners, history, as_of)
    return records


def _overrides(ids: _Ids, account_ids: list[str], as_of: int) -> list[dict]:
    """A CSM's overrides on the first accounts: one active, one expired, two invalid (no reason, score 130)."""
    def month(offset: int) -> date:
        return date_of(month_start(as_of + offset))

    def override(account: str, score: float, reason: str | None, starts: date, expires: date) -> dict:
        return {"Id": ids.next("a03"), "Name": f"Override {ids.counts['a03']:04d}", "Account__c": account,
                "Override_Score__c": score, "Reason__c": reason, "Starts_On__c": starts.isoformat(),
                "Expires_On__c": expires.isoformat(), "OwnerId": salesforce_id("005", 0, 1), "CreatedDate": jira_time(
                    month_start(as_of - 12) + 3600 * ids.counts["a03"])}
    chosen = list(account_ids[:4])
    if len(chosen) < 4:
        return []
    return [
        override(chosen[0], 82, "Renewal signed early; exec sponsor re-engaged", month(-12), month(6)),
        override(chosen[1], 45, "Migration stalled last quarter", month(-12), month(-9)),
        override(chosen[2], 70, None, month(-12), month(6)),
        override(chosen[3], 130, "Score entered as a percentage of target", month(-12), month(6)),
    ]


def _accounts(rng: np.random.Generator, acc: Accounts, q: np.ndarray, as_of: int, today: date) -> list[dict]:
    n = len(acc)
    arr = np.round(np.where(acc.paid, 180_000, 24_000) * np.exp(rng.normal(0, 0.5, n)), -2)
    growth = ladder(np.clip(q + rng.normal(0, 0.05, n), 0, 1), acc.paid, *ARR_TRAJECTORY)
    prior = np.round(arr / (1 + growth / 100), -2)
    no_prior = (acc.start > as_of - 12) | (rng.random(n) < 0.03)
    noisy = q + rng.normal(0, 0.08, n)
    payment = np.select([noisy >= 0.6, noisy >= 0.45, noisy >= 0.32, noisy >= 0.2], [0, 1, 2, 3], 4)
    contracted = np.where(acc.paid, rng.choice([2, 3], n, p=[0.6, 0.4]), rng.choice([0, 1, 2], n, p=[0.35, 0.45, 0.2]))
    offset = np.select([noisy >= 0.85, noisy >= 0.55, noisy >= 0.35], [1, 0, -1], -2)
    usage = np.clip(contracted + offset, 0, 3)
    phase2 = rng.random(n) < 0.7
    qbr = np.clip(ladder(q, acc.paid, *QBR) + rng.normal(0, 4, n), 0, 100).round(1)
    champion_months = np.maximum(0, ladder(q, acc.paid, *CHAMPION_MONTHS) * rng.uniform(0.7, 1.3, n)).astype(int)
    expansion = np.maximum(0, np.round(ladder(q, acc.paid, *EXPANSION) + rng.normal(0, 0.6, n)))
    out = []
    for i in range(n):
        since = today.replace(day=1) - timedelta(days=int(champion_months[i] * 30.44))
        out.append({
            "Id": acc.salesforce_ids[i], "Name": acc.names[i], "Segment__c": "paid" if acc.paid[i] else "standard",
            "ARR__c": float(arr[i]), "Prior_Year_ARR__c": None if no_prior[i] else float(prior[i]),
            "Payment_Status__c": PAYMENT[payment[i]], "Contracted_Tier__c": TIERS[contracted[i]],
            "Usage_Tier__c": TIERS[usage[i]],
            "QBR_Attendance_Rate__c": float(qbr[i]) if phase2[i] else None,
            "Champion_Since__c": since.replace(day=1).isoformat() if phase2[i] else None,
            "Expansion_Signals__c": float(expansion[i]) if phase2[i] else None,
        })
    return out


def _renewal_dates(first: date) -> list[date]:
    """One renewal per contract year after the first, through 2028."""
    return [first.replace(year=year) for year in range(first.year + 1, FIRST_YEAR + 5)]


def _renewals_won(seed: int, index: int, first: date, q: np.ndarray) -> list[bool]:
    """Each renewal's outcome, drawn from the account's latent quality (see `outcomes`)."""
    months = [(close.year - FIRST_YEAR) * 12 + close.month - 1 for close in _renewal_dates(first)]
    return renewals_won(seed, index, q, months)


def _opportunities(rng, ids: _Ids, account: str, name: str, first: date, arr: float, today: date,
                   q: np.ndarray, won: list[bool]) -> list[dict]:
    def opp(kind: str, close: date, amount: float, win: bool = True) -> dict:
        closed = close < today
        stage = "Negotiation/Review" if (close - today).days < 90 else "Prospecting"
        if closed:
            stage = "Closed Won" if win else "Closed Lost"
        return {"Id": ids.next("006"), "AccountId": account, "Name": f"{name} {kind} {close.year}",
                "Type": kind, "StageName": stage, "CloseDate": close.isoformat(), "Amount": amount,
                "IsClosed": closed, "IsWon": closed and win}
    out = [opp("New Business", first, arr)]
    churned = None
    for close, win in zip(_renewal_dates(first), won):
        out.append(opp("Renewal", close, arr, win))
        if close < today and not win:  # a lost renewal ends the contract: no later renewal or expansion
            churned = close
            break
    for k in np.flatnonzero(rng.random(len(q)) < 0.05 * q ** 2):  # expansions come from happy accounts
        close = date(FIRST_YEAR + k // 12, 1 + k % 12, 1 + int(rng.integers(0, 28)))
        kind = str(rng.choice(["Expansion", "Upsell"]))
        if churned is None or close < churned:
            out.append(opp(kind, close, round(arr * 0.2, -2)))
    return out


def _contracts(rng, ids: _Ids, account: str, first: date, q: np.ndarray) -> list[dict]:
    def contract(start: date, change: str) -> dict:
        end = start.replace(year=start.year + 1) - timedelta(days=1)
        return {"Id": ids.next("800"), "AccountId": account, "StartDate": start.isoformat(),
                "EndDate": end.isoformat(), "Status": "Activated", "Change_Type__c": change}
    out = [contract(first, "New")]
    out += [contract(first.replace(year=y), "Renewal") for y in range(first.year + 1, FIRST_YEAR + 5)]
    downgrade = rng.random(len(q)) < np.interp(q, [0.0, 0.2, 0.5, 0.8], [0.3, 0.18, 0.08, 0.0])
    upgrade = rng.random(len(q)) < np.interp(q, [0.7, 1.0], [0.0, 0.04])
    for k in np.flatnonzero(downgrade | upgrade):
        start = date(FIRST_YEAR + k // 12, 1 + k % 12, 1 + int(rng.integers(0, 28)))
        if start >= first:
            out.append(contract(start, "Downgrade" if downgrade[k] else "Upgrade"))
    return out


def _cases(rng, ids: _Ids, account: str, q: np.ndarray, today: date) -> list[dict]:
    out = []
    counts = rng.poisson(np.interp(q, [0.0, 0.2, 0.5, 0.8, 1.0], [1.0, 0.6, 0.3, 0.1, 0.05]))
    for k in np.flatnonzero(counts):
        for _ in range(counts[k]):
            created = month_start(int(k)) + int(rng.integers(0, 28 * 86400))
            kind = str(rng.choice(["Problem", "Question", "Feature Request", "Billing"]))
            out.append({"Id": ids.next("500"), "AccountId": account, "Subject": f"{kind}: follow-up needed",
                        "Type": kind, "Status": "Closed" if (today - date_of(created)).days > 30 else "Working",
                        "Priority": str(rng.choice(["High", "Medium", "Low"], p=[0.2, 0.5, 0.3])),
                        "CreatedDate": jira_time(created)})
    return out


def _signals(rng, ids: _Ids, account: str, q: np.ndarray, persona: int, start: int) -> list[dict]:
    """Runs of months in a risk state become one signal each; the last run may still be open."""
    state = np.select([q < 0.32, q < 0.47, q < 0.56], [3, 2, 1], 0)
    blips = rng.random(len(q)) < (0.02 if persona in (0, 1) else 0.0)  # a healthy account's odd scare
    for k in np.flatnonzero(blips):
        span = slice(k, k + int(rng.integers(1, 4)))
        state[span] = np.maximum(state[span], 2)
    state[:start] = 0
    out, k = [], 0
    while k < len(state):
        if state[k] == 0:
            k += 1
            continue
        end = k
        while end + 1 < len(state) and state[end + 1] == state[k]:
            end += 1
        detected = date_of(month_start(k)) + timedelta(days=int(rng.integers(0, 20)))
        resolved = None if end + 1 >= len(state) else date_of(month_start(end + 1)) + timedelta(
            days=int(rng.integers(0, 25)))
        severity = int(state[k])
        out.append({"Id": ids.next("a0X"), "Name": f"CS-{ids.counts['a0X']:06d}", "Account__c": account,
                    "Severity__c": SEVERITIES[severity],
                    "Type__c": str(rng.choice(SIGNAL_TYPES[severity])),
                    "Detected_Date__c": detected.isoformat(),
                    "Resolved_Date__c": resolved.isoformat() if resolved else None})
        k = end + 1
    return out
