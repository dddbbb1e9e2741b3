"""The world's accounts: personas, segments, cross-system ids and a monthly health trajectory."""
from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from health_pipeline.sandbox.world.ids import intercom_id, salesforce_id

PERSONAS = ("champion", "healthy", "at_risk", "critical", "new")
CHAMPION, HEALTHY, AT_RISK, CRITICAL, NEW = range(5)
PERSONA_SHARES = (0.18, 0.34, 0.22, 0.14, 0.12)
# Latent quality q in [0, 1]: by construction 0.8 sits at a metric's green threshold, 0.5 at
# yellow and 0.2 at red (see `ladder`), so a persona's base places it in one scoring tier.
PERSONA_BASE = np.array([0.90, 0.70, 0.56, 0.24, 0.45])
PAID_SHARE = 0.40
NO_JIRA, NO_LOOKER, NO_INTERCOM = 0.05, 0.03, 0.02
LADDER_Q = np.array([0.0, 0.2, 0.5, 0.8, 1.0])

_FIRST = ["Harbor", "Grand", "Silver", "Blue", "Golden", "Royal", "Cedar", "Coral", "Summit", "Lakeside",
          "Maple", "Ocean", "Pine", "River", "Stone", "Sun", "North", "Crown", "Palm", "Willow",
          "Bay", "Cliff", "Desert", "Emerald", "Forest", "Garden", "Highland", "Island", "Juniper", "Kings",
          "Lantern", "Meadow", "Noble", "Orchard", "Park", "Quarry", "Ridge", "Sage", "Tide", "Union",
          "Valley", "West", "Aspen", "Birch", "Canyon", "Delta", "Elm", "Falcon"]
_SECOND = ["View", "Point", "Gate", "Crest", "Bridge", "Field", "Haven", "Hill", "Square", "Springs",
           "Court", "Terrace", "Landing", "Shore", "Harbour", "Commons", "Heights", "Plaza", "Grove", "Row",
           "Wharf", "Bluff", "Lodge", "Vista", "Manor", "Pier", "Strand", "Glen", "Mill", "Cove",
           "Arch", "Tower", "Quay", "Yard", "Works", "Cross", "Hollow", "Mews", "Rise", "Way",
           "Dunes", "Falls", "Peak", "Reach", "Sands", "Trail", "Wood", "Brook"]
_THIRD = ["Hotels", "Resorts", "Suites", "Inn", "Hospitality", "Lodges", "Retreats", "Collection",
          "Group", "Stays", "House", "Residences"]
_CITY = ["Austin", "Boston", "Denver", "Dublin", "Lisbon", "London", "Madrid", "Miami", "Oslo", "Paris",
         "Porto", "Rome", "Seattle", "Sydney", "Tokyo", "Vienna", "Zurich", "Berlin", "Chicago", "Dallas"]


def ladder(q: np.ndarray, paid: np.ndarray, paid_anchors: tuple, standard_anchors: tuple,
           log: bool = False) -> np.ndarray:
    """Metric values for quality q: anchors are the values at q = 0, 0.2 (red), 0.5 (yellow), 0.8 (green), 1."""
    def one(anchors: tuple) -> np.ndarray:
        points = np.asarray(anchors, dtype=float)
        values = np.interp(q, LADDER_Q, np.log(points) if log else points)
        return np.exp(values) if log else values
    return np.where(paid, one(paid_anchors), one(standard_anchors))


def _exact_choice(rng: np.random.Generator, n: int, shares: tuple) -> np.ndarray:
    """Category codes in exact proportions (largest remainder), shuffled."""
    raw = np.asarray(shares) * n
    counts = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - counts), kind="stable")[: n - counts.sum()]:
        counts[i] += 1
    return rng.permutation(np.repeat(np.arange(len(shares)), counts))


def _flags(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """Exactly round(n * share) True values at random positions."""
    flags = np.zeros(n, dtype=bool)
    flags[rng.permutation(n)[: int(round(n * share))]] = True
    return flags


def account_name(index: int) -> str:
    """A unique hotel-group name for an account index."""
    capacity = len(_FIRST) * len(_SECOND) * len(_THIRD)
    combo = (index * 7_919 + 13) % capacity  # 7919 is prime, coprime with capacity: a permutation
    city_round, _ = divmod(index, capacity)
    a, rest = divmod(combo, len(_SECOND) * len(_THIRD))
    b, c = divmod(rest, len(_THIRD))
    name = f"{_FIRST[a]} {_SECOND[b]} {_THIRD[c]}"
    return name if city_round == 0 else f"{name} {_CITY[(city_round - 1) % len(_CITY)]} {city_round}"


@dataclass
class Accounts:
    """Per-account attributes as parallel arrays, plus the cross-system ids."""

    persona: np.ndarray
    paid: np.ndarray
    base: np.ndarray
    start: np.ndarray  # first active month ordinal (new accounts onboard inside the history)
    pivot: np.ndarray  # month an at-risk account starts to slide
    has_intercom: np.ndarray
    has_jira: np.ndarray
    has_looker: np.ndarray
    contacts: np.ndarray
    salesforce_ids: list[str]
    names: list[str]
    intercom_ids: list[str]
    jira_keys: list[str]
    looker_ids: list[str]

    def __len__(self) -> int:
        return len(self.persona)


def build_accounts(seed: int, n: int) -> Accounts:
    """The deterministic account table of a world."""
    rng = np.random.default_rng([seed, 1])
    persona = _exact_choice(rng, n, PERSONA_SHARES)
    paid = _flags(rng, n, PAID_SHARE)
    base = PERSONA_BASE[persona] + rng.uniform(-0.05, 0.05, n)
    start = np.where(persona == NEW, rng.integers(12, 28, n), -120)
    pivot = rng.integers(0, 40, n)
    has_jira, has_looker, has_intercom = (~_flags(rng, n, NO_JIRA), ~_flags(rng, n, NO_LOOKER),
                                          ~_flags(rng, n, NO_INTERCOM))
    contacts = np.where(paid, rng.integers(8, 40, n), rng.integers(2, 12, n))
    return Accounts(
        persona=persona, paid=paid, base=base, start=start, pivot=pivot,
        has_intercom=has_intercom, has_jira=has_jira, has_looker=has_looker, contacts=contacts,
        salesforce_ids=[salesforce_id("001", seed, i) for i in range(n)],
        names=[account_name(i) for i in range(n)],
        intercom_ids=[intercom_id("company", seed, i) for i in range(n)],
        jira_keys=[f"ACCT-{i + 1:05d}" for i in range(n)],
        looker_ids=[str(100_001 + i) for i in range(n)],
    )


class Trajectory:
    """Each account's latent quality per month: persona base + drift + a mean-reverting walk."""

    RHO, SIGMA = 0.8, 0.03

    def __init__(self, seed: int, accounts: Accounts) -> None:
        self._seed = seed
        self._accounts = accounts
        self._walk: list[np.ndarray] = []
        self._lock = threading.Lock()

    def _walk_at(self, month: int) -> np.ndarray:
        with self._lock:
            n = len(self._accounts)
            while len(self._walk) <= month:
                k = len(self._walk)
                rng = np.random.default_rng([self._seed, 2, k])
                if k == 0:
                    step = rng.normal(0, self.SIGMA / np.sqrt(1 - self.RHO ** 2), n)
                else:
                    step = self.RHO * self._walk[-1] + rng.normal(0, self.SIGMA, n)
                self._walk.append(step.astype(np.float32))
            return self._walk[month]

    def quality(self, month: int) -> np.ndarray:
        """Latent quality (0 worst .. 1 best) of every account in month ordinal `month`."""
        acc = self._accounts
        k = max(int(month), 0)
        s = acc.base.copy()
        sliding = acc.persona == AT_RISK
        s[sliding] -= 0.10 * np.clip((k - acc.pivot[sliding]) / 24.0, 0.0, 1.0)  # an at-risk account worsens
        onboarding = acc.persona == NEW
        since = np.maximum(k - acc.start[onboarding], 0)
        s[onboarding] += 0.30 * (1.0 - np.exp(-since / 6.0))  # a new account settles in
        return np.clip(s + self._walk_at(k), 0.02, 0.99)

    def active(self, month: int) -> np.ndarray:
        """True for accounts already onboarded in month ordinal `month`."""
        return self._accounts.start <= month
