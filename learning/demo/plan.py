"""Planning the demo set: each record's type, place, date, consent and codes, before any words.

Codes, places and field specs are read from the framework handed in, never assumed; the weights
here only say which shipped codes suit which record type.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from typing import Any

from .text import CHANGES, Change

CONSENT_WEIGHTS = (("internal", 30), ("anonymised", 50), ("public", 20))
DEFAULT_STAFF = ("FB", "GL", "SD", "JB", "KJ", "LP", "JK", "CS", "JC")
# Who leads the work in each authority (plan owner text: "FB (EA) GL (DDE) SD (CLS)").
AUTHORITY_LEADS = {"Dundee": "GL", "Clackmannanshire": "SD", "East Ayrshire": "FB"}
# Dundee is the larger partnership (8 LCPP areas, a panel in each).
AUTHORITY_WEIGHTS = {"Dundee": 1.5}
SKIPPED_TYPES = ("learning_update",)
TYPE_WEIGHTS = {
    "family_story": 22,
    "cafe_conversation": 24,
    "vble_evaluation": 9,
    "event": 12,
    "test_of_change": 16,
    "fund_decision": 17,
}

# --- which codes suit which record type ------------------------------------------------------
# Weights by code for the shipped plans, plus words in an activity's own text, so a plan with
# other codes (or other meanings for a code) still gets plausible links.
ACTIVITY_PROFILE: dict[str, dict[str, float]] = {
    "family_story": {"SO1-A": 6, "SO3-A": 4, "SO2-B": 1.5, "SO1-B": 1, "SO2-C": 1},
    "cafe_conversation": {"SO1-A": 5, "SO2-A": 5, "SO3-A": 3, "SO2-B": 1.5},
    "vble_evaluation": {"SO2-A": 12, "SO1-C": 2, "SO1-A": 2},
    "event": {"SO4-B": 6, "SO1-C": 5, "SO4-A": 3, "SO4-C": 3, "SO2-D": 4},
    "test_of_change": {"SO2-B": 6, "SO3-A": 4, "SO3-B": 4, "SO3-C": 3, "SO1-B": 2, "SO2-E": 3},
    "fund_decision": {"SO2-C": 12, "SO1-B": 3, "SO1-A": 1},
}
ACTIVITY_WORDS: dict[str, tuple[str, ...]] = {
    "family_story": ("lead change", "voice", "solutions"),
    "cafe_conversation": ("café", "cafe", "tailored support", "engagement"),
    "vble_evaluation": ("vble", "coaching", "values-based"),
    "event": ("influencing", "events", "briefings", "national decision", "learning framework"),
    "test_of_change": ("tests of change", "system dynamic", "learning by doing", "data skills"),
    "fund_decision": ("make it happen", "decision making structures"),
}
INDICATOR_PROFILE: dict[str, dict[str, float]] = {
    "family_story": {"SO1.1": 8, "SO1.2": 2, "SO3.1": 2, "SO2.1": 2, "SO4.1": 1, "SO1.3": 1},
    "cafe_conversation": {"SO2.1": 5, "SO1.1": 4, "SO1.3": 3, "SO3.1": 1.5, "SO2.2": 1},
    "vble_evaluation": {"SO2.1": 12, "SO1.1": 3, "SO1.3": 2, "SO2.2": 2},
    "event": {"SO1.2": 4, "SO1.3": 4, "SO4.1": 4, "SO4.2": 3, "SO2.2": 1},
    "test_of_change": {"SO2.2": 4, "SO3.1": 4, "SO3.2": 3, "SO2.1": 3, "SO1.1": 1, "SO4.1": 1},
    "fund_decision": {"SO1.1": 6, "SO1.2": 6, "SO2.2": 3, "SO3.1": 1},
}
# The indicator a type nearly always speaks to (interface: VBLE → SO2.1; MIHF → SO1.1/SO1.2).
SIGNATURE_INDICATORS = {
    "vble_evaluation": (("SO2.1",), 1.0),
    "fund_decision": (("SO1.1", "SO1.2"), 1.0),
    "family_story": (("SO1.1",), 0.7),
}


@dataclass
class Skeleton:
    """Everything about a record that is decided before its words are written."""

    type: str
    date: dt.date
    authority: str
    locality: str
    consent: str
    activities: list[str] = field(default_factory=list)
    indicators: list[str] = field(default_factory=list)
    scope: str = ""
    change: Change | None = None


def _weighted(rng: random.Random, pairs: list[tuple[Any, float]]) -> Any:
    items = [p for p in pairs if p[1] > 0]
    if not items:
        items = [(p[0], 1) for p in pairs]
    return rng.choices([p[0] for p in items], weights=[p[1] for p in items])[0]


class _Planner:
    def __init__(self, framework: Any, rng: random.Random, start: dt.date, end: dt.date) -> None:
        self.fw = framework
        self.rng = rng
        self.start, self.end = start, end
        self.types = [t for t in framework.record_types if t not in SKIPPED_TYPES]
        self.localities = [(a, loc) for a, locs in framework.authorities.items() for loc in locs]
        self.authorities = list(framework.authorities)
        self.indicators = list(framework.indicators.values())
        self.activities = list(framework.activities.values())
        self.activity_map = framework.activities
        self.staff = _staff(framework)
        busy = ("Lochee", "Strathmartine", "Coldside", "Alloa", "Barony", "Grange")
        self.locality_weights = [
            round(
                rng.uniform(0.6, 1.4)
                * (1.6 if loc in busy else 1.0)
                * AUTHORITY_WEIGHTS.get(authority, 1.0),
                3,
            )
            for authority, loc in self.localities
        ]
        self.days, self.day_weights = _calendar(start, end, rng)
        self.rounds = {
            "fund_decision": self._rounds(max(3, len(self.days) // 110)),
            "vble_evaluation": self._rounds(max(3, len(self.days) // 75)),
        }

    def _rounds(self, n: int) -> list[int]:
        """Start days (indexes) of the weeks a kind of work clusters in: panels, cohorts."""
        if not self.days:
            return []
        return sorted(self.rng.choices(range(len(self.days)), weights=self.day_weights, k=n))

    def skeletons(self, count: int) -> list[Skeleton]:
        rng = self.rng
        forced_types = self.types[:]
        rng.shuffle(forced_types)
        forced_places = self.localities[:]
        rng.shuffle(forced_places)
        forced_consent = [c for c, _ in CONSENT_WEIGHTS]
        rng.shuffle(forced_consent)
        type_weights = [(t, TYPE_WEIGHTS.get(t, 6)) for t in self.types]
        out = []
        for i in range(count):
            rtype = forced_types[i] if i < len(forced_types) else _weighted(rng, type_weights)
            if i < len(forced_places):
                authority, locality = forced_places[i]
            elif self.localities:
                authority, locality = rng.choices(self.localities, self.locality_weights)[0]
            else:
                authority, locality = (
                    (rng.choice(self.authorities), "") if self.authorities else ("", "")
                )
            consent = forced_consent[i] if i < 3 else _weighted(rng, list(CONSENT_WEIGHTS))
            sk = Skeleton(rtype, self._date(rtype), authority, locality, consent)
            if rtype == "event":
                sk.scope = _weighted(rng, [("local", 55), ("thematic", 25), ("national", 20)])
                if sk.scope == "national" and i >= len(forced_places) and rng.random() < 0.5:
                    sk.locality = ""
            if rtype == "test_of_change":
                sk.change = rng.choice(CHANGES)
            self._codes(sk)
            out.append(sk)
        self._cover(out)
        return out

    def _date(self, rtype: str) -> dt.date:
        rng = self.rng
        rounds = self.rounds.get(rtype)
        if rounds and rng.random() < 0.7:
            begin = rng.choice(rounds)
            window = range(begin, min(begin + 12, len(self.days)))
            weights = [self.day_weights[j] for j in window]
            if sum(weights) > 0:
                return self.days[rng.choices(list(window), weights=weights)[0]]
        if sum(self.day_weights) <= 0:
            return self.days[rng.randrange(len(self.days))]
        return rng.choices(self.days, weights=self.day_weights)[0]

    # codes
    def _activity_weight(self, rtype: str, activity: Any, sk: Skeleton) -> float:
        weight = ACTIVITY_PROFILE.get(rtype, {}).get(activity.code, 0.0)
        text = activity.text.lower()
        weight += sum(2.0 for w in ACTIVITY_WORDS.get(rtype, ()) if w in text)
        if sk.change is not None:
            if activity.code in sk.change.codes:
                weight += 8
            if sk.change.data and ("data" in text or "system dynamic" in text):
                weight += 8
        if rtype == "event" and sk.scope == "national" and "national" in text:
            weight += 4
        return weight

    def _indicator_weight(self, rtype: str, indicator: Any, sk: Skeleton) -> float:
        weight = INDICATOR_PROFILE.get(rtype, {}).get(indicator.code, 0.0)
        if sk.change is not None and indicator.code in sk.change.codes:
            weight += 8
        if sk.change is not None and sk.change.data and "data" in indicator.text.lower():
            weight += 8
        if rtype == "event" and sk.scope == "national" and "national" in indicator.text.lower():
            weight += 5
        return weight

    def _codes(self, sk: Skeleton) -> None:
        rng = self.rng
        acts = [(a, self._activity_weight(sk.type, a, sk)) for a in self.activities]
        chosen: list[Any] = []
        if acts:
            chosen.append(_weighted(rng, acts))
            if rng.random() < 0.3:
                rest = [(a, w) for a, w in acts if a is not chosen[0] and w > 0]
                if rest:
                    chosen.append(_weighted(rng, rest))
        indicators: list[str] = []
        for activity in chosen:
            objective = self.fw.objective(activity.objective)
            pool = list(objective.indicators) if objective else []
            if pool:
                weights = [(i, self._indicator_weight(sk.type, i, sk) + 0.3) for i in pool]
                indicators.append(_weighted(rng, weights).code)
        signature = SIGNATURE_INDICATORS.get(sk.type)
        if signature and rng.random() < signature[1]:
            options = [c for c in signature[0] if c in self.fw.indicators]
            if options and not any(c in indicators for c in options):
                indicators.append(rng.choice(options))
        if not indicators or rng.random() < 0.25:
            weights = [(i, self._indicator_weight(sk.type, i, sk)) for i in self.indicators]
            if weights:
                indicators.append(_weighted(rng, weights).code)
        order = list(self.fw.indicators)
        sk.indicators = sorted(dict.fromkeys(indicators), key=order.index)[:4]
        # An indicator whose objective has no chosen activity gets one, half the time.
        have = {a.objective for a in chosen}
        for code in sk.indicators:
            objective = self.fw.indicators[code].objective
            if objective not in have and rng.random() < 0.5:
                pool = [(a, w) for a, w in acts if a.objective == objective and w > 0]
                if pool:
                    chosen.append(_weighted(rng, pool))
                    have.add(objective)
        act_order = list(self.fw.activities)
        sk.activities = sorted(dict.fromkeys(a.code for a in chosen), key=act_order.index)

    def _cover(self, skeletons: list[Skeleton]) -> None:
        """Make sure every indicator and activity has evidence, on a record of a fitting type."""
        rng = self.rng
        if not skeletons:
            return
        for indicator in self.indicators:
            if any(indicator.code in sk.indicators for sk in skeletons):
                continue
            fits = [
                (j, self._indicator_weight(sk.type, indicator, sk) + 0.1)
                for j, sk in enumerate(skeletons)
                if len(sk.indicators) < 4
            ] or [(j, 1.0) for j in range(len(skeletons))]
            sk = skeletons[_weighted(rng, fits)]
            sk.indicators = sorted(
                dict.fromkeys([*sk.indicators, indicator.code]), key=list(self.fw.indicators).index
            )
        for activity in self.activities:
            if any(activity.code in sk.activities for sk in skeletons):
                continue
            fits = [
                (j, self._activity_weight(sk.type, activity, sk) + 0.1)
                for j, sk in enumerate(skeletons)
                if any(self.fw.indicators[c].objective == activity.objective for c in sk.indicators)
            ] or [
                (j, self._activity_weight(sk.type, activity, sk) + 0.1)
                for j, sk in enumerate(skeletons)
            ]
            sk = skeletons[_weighted(rng, fits)]
            sk.activities = sorted(
                dict.fromkeys([*sk.activities, activity.code]), key=list(self.fw.activities).index
            )

    def author(self, sk: Skeleton) -> str:
        weights = []
        owners = [o for code in sk.activities for o in _initials(self.activity_map[code])]
        lead = AUTHORITY_LEADS.get(sk.authority)
        for person in self.staff:
            w = 1.0
            if person in owners:
                w += 4
            if person == lead:
                w += 5
            weights.append((person, w))
        return _weighted(self.rng, weights)


def _initials(activity: Any) -> list[str]:
    found: list[str] = []
    for text in [*activity.owners, activity.owner_text]:
        for token in re.findall(r"(?<![\w])[A-Z]{2}(?![\w])", str(text)):
            if token not in ("EA", "OB") and token not in found:
                found.append(token)
    return found


def _staff(framework: Any) -> list[str]:
    found: list[str] = []
    for activity in framework.activities.values():
        for person in _initials(activity):
            if person not in found:
                found.append(person)
    return found if len(found) >= 3 else list(DEFAULT_STAFF)


def _calendar(
    start: dt.date, end: dt.date, rng: random.Random
) -> tuple[list[dt.date], list[float]]:
    """Every day of the window with a weight: school terms, holidays, weekends, a slow start,
    a few busy weeks and a few weeks when nothing was logged at all."""
    n = (end - start).days + 1
    days = [start + dt.timedelta(days=i) for i in range(n)]
    weeks = max(1, n // 7)
    quiet = set(rng.sample(range(weeks), k=min(weeks, max(0, round(weeks * 0.07)))))
    busy = set(rng.sample(range(weeks), k=min(weeks, max(0, round(weeks * 0.1)))))
    weights = []
    for i, day in enumerate(days):
        w = (1.0, 1.05, 1.1, 1.0, 0.75, 0.15, 0.04)[day.weekday()]
        w *= _season(day)
        w *= 0.55 + 0.65 * (i / max(1, n - 1))
        week = i // 7
        if week in busy:
            w *= 2.0
        if week in quiet:
            w = 0.0
        weights.append(round(w, 4))
    if n and not any(weights):
        weights = [1.0] * n
    return days, weights


def _season(day: dt.date) -> float:
    """Scottish school year: quiet summers, Christmas, the October week, February and Easter."""
    m, d = day.month, day.day
    if (m == 12 and d >= 21) or (m == 1 and d <= 6):
        return 0.06
    if m == 7 or (m == 6 and d >= 28) or (m == 8 and d <= 14):
        return 0.25
    if m == 10 and 11 <= d <= 20:
        return 0.35
    if m == 2 and 10 <= d <= 14:
        return 0.5
    if m == 4 and 1 <= d <= 14:
        return 0.35
    return {
        1: 0.8,
        2: 1.1,
        3: 1.2,
        4: 0.9,
        5: 1.15,
        6: 1.1,
        8: 0.8,
        9: 0.9,
        10: 1.0,
        11: 1.3,
        12: 0.8,
    }.get(m, 1.0)
