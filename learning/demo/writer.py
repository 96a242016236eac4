"""Filling a record's ``{slot}`` templates: the people it names (or describes), its places."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from learning.updates.wording import MONTHS

from .plan import Skeleton
from .text import (
    CHILDREN,
    MEN,
    MOVED,
    NUMBER_WORDS,
    PLACES,
    REASONS,
    ROLES,
    SERVICES,
    SURNAMES,
    WEEKDAYS,
    WOMEN,
)


@dataclass
class Person:
    first: str
    last: str = ""
    gender: str = "f"
    role: str = ""

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}".strip()


class _Writer:
    """Fills ``{slot}`` templates for one record, remembering every person it names.

    In a record that names nobody, people are described instead ("one mum", "her son", "the
    health visitor"); only ``{name}``, which stands for a whole name, cannot be described and
    makes a template unusable there.
    """

    SLOT = re.compile(r"\{(\w+)\}")
    # Slots whose value stays the same all through one record.
    STEADY = (
        "place",
        "venue",
        "locality",
        "authority",
        "school",
        "forum",
        "day",
        "month",
        "month_prev",
        "next_month",
    )

    def __init__(self, rng: random.Random, sk: Skeleton, framework: Any, names: bool) -> None:
        self.rng = rng
        self.sk = sk
        self.framework = framework
        self.names = names
        self.people: list[str] = []
        self.described: list[int] = []
        self.values: dict[str, str] = {}
        self.used_first: list[str] = []
        neighbourhoods, venues = _places(sk.locality, sk.authority)
        self.place = rng.choice(neighbourhoods)
        self.venue = rng.choice(venues)
        self.main = self._new_person(adult=True)
        self.pract = self._new_person(adult=True, practitioner=True)
        self.child = self._new_person(adult=False)

    # people
    def _new_person(self, adult: bool, practitioner: bool = False) -> Person:
        rng = self.rng
        for _ in range(50):
            if adult:
                gender = "m" if rng.random() < (0.45 if practitioner else 0.28) else "f"
                first = rng.choice(MEN if gender == "m" else WOMEN)
            else:
                gender = rng.choice("fm")
                first = rng.choice(CHILDREN)
            if first not in self.used_first:
                break
        self.used_first.append(first)
        last = ""
        if adult and rng.random() < (0.7 if practitioner else 0.45):
            last = rng.choice(SURNAMES)
        role = rng.choice(ROLES) if practitioner else ""
        return Person(first, last, gender, role)

    def new_speaker(self) -> None:
        """Someone else's turn: a new parent (and child) for the sentences that follow."""
        self.main = self._new_person(adult=True)
        self.child = self._new_person(adult=False)

    def mention(self, person: Person, full: bool = False) -> str:
        """A person's name; the first mention in a record is always the whole name."""
        if not self.names:
            if full:
                raise _NoNames
            return self._describe(person)
        if person.full not in self.people:
            self.people.append(person.full)
            return person.full
        return person.full if full else person.first

    def _describe(self, person: Person) -> str:
        """A person in a record that names nobody."""
        before = id(person) in self.described
        if not before:
            self.described.append(id(person))
        if person.role:
            return f"the {person.role}" if before else _a(person.role)
        if person is self.child:
            word = "daughter" if person.gender == "f" else "son"
            return f"{'her' if self.main.gender == 'f' else 'his'} {word}"
        noun = "mum" if person.gender == "f" else "dad"
        if before or self.sk.type == "family_story":
            return f"the {noun}"
        return f"another {noun}" if len(self.described) > 2 else f"one {noun}"

    def checkpoint(self) -> tuple[int, int, dict[str, str]]:
        return len(self.people), len(self.described), dict(self.values)

    def restore(self, point: tuple[int, int, dict[str, str]]) -> None:
        """Forget names and values a discarded piece of text brought in."""
        del self.people[point[0] :]
        del self.described[point[1] :]
        self.values = dict(point[2])

    # slots
    def fill(self, template: str) -> str:
        if not self.names:
            template = (
                template.replace("{pract}, {a_prole},", "{pract}")
                .replace("{pract}, the {prole},", "{pract}")
                .replace("{pract}, {a_prole}", "{pract}")
                .replace("{pract}, the {prole}", "{pract}")
            )
        return self.SLOT.sub(lambda m: self.slot(m.group(1)), template)

    def slot(self, name: str) -> str:
        sk, rng = self.sk, self.rng
        main = self.main
        fem = main.gender == "f"
        if name in self.values:
            return self.values[name]
        simple = {
            "name": lambda: self.mention(main, full=True),
            "first": lambda: self.mention(main),
            "child": lambda: self.mention(self.child),
            "pract": lambda: self.mention(self.pract, full=self.names),
            "Pract": lambda: self._pract_intro(start=True),
            "pract_mid": lambda: self._pract_intro(start=False),
            "pract_they": lambda: "she" if self.pract.gender == "f" else "he",
            "pract_they_o": lambda: "her" if self.pract.gender == "f" else "him",
            "pract_pos": lambda: "her" if self.pract.gender == "f" else "his",
            "pfirst": lambda: self.mention(self.pract),
            "prole": lambda: self.pract.role,
            "a_prole": lambda: _a(self.pract.role),
            "she": lambda: "she" if fem else "he",
            "She": lambda: "She" if fem else "He",
            "her": lambda: "her" if fem else "his",
            "Her": lambda: "Her" if fem else "His",
            "her_o": lambda: "her" if fem else "him",
            "she_child": lambda: "she" if self.child.gender == "f" else "he",
            "parent": lambda: rng.choice(("mum", "single mum", "mum") if fem else ("dad", "dad")),
            "place": lambda: self.place,
            "venue": lambda: self.venue,
            "locality": lambda: sk.locality or sk.authority or "the area",
            "authority": lambda: sk.authority or "the local authority",
            "school": lambda: self._school(),
            "service": lambda: rng.choice(SERVICES),
            "day": lambda: WEEKDAYS[sk.date.weekday()],
            "forum": lambda: self._forum(),
            "month": lambda: MONTHS[sk.date.month - 1],
            "month_prev": lambda: MONTHS[(sk.date.month - 1 - rng.randint(2, 8)) % 12],
            "next_month": lambda: MONTHS[(sk.date.month - 1 + rng.randint(1, 2)) % 12],
        }
        if name in simple:
            value = simple[name]()
            if name in self.STEADY:
                self.values[name] = value
            return value
        if name == "times":
            return rng.choice(NUMBER_WORDS[4:13])
        if name == "months":
            return str(rng.choice((4, 5, 6, 7, 8, 9, 11, 14, 18)))
        if name == "weeks":
            return rng.choice(NUMBER_WORDS[3:9])
        if name == "trip":
            return str(rng.choice((12, 15, 18, 25, 30, 45)))
        if name == "gain":
            return str(rng.choice((60, 85, 110, 140, 210, 260, 320)))
        if name in ("kids", "kidcount", "kidcount_short"):
            return self._kids(name)
        if name == "reason":
            return self.fill(rng.choice(REASONS))
        if name == "moved":
            return rng.choice(MOVED)
        return "{" + name + "}"

    def _pract_intro(self, start: bool) -> str:
        """The practitioner with their role the first time ("Health visitor Lynne Soutar")."""
        if not self.names or self.pract.full in self.people:
            return self.mention(self.pract)
        name = self.mention(self.pract)
        role = self.pract.role
        return f"{_cap(role)} {name}" if start else f"the {role}, {name},"

    def _forum(self) -> str:
        """Where local decisions are made: Dundee's LCPPs, elsewhere the community council."""
        where = self.sk.locality or self.sk.authority or "local"
        if self.sk.authority == "Dundee":
            return f"the {where} LCPP"
        return f"the {where} community council"

    def _school(self) -> str:
        place = self.place.removeprefix("the ")
        if place in ("West End", "Perth Road", "Clepington Road", "Hilltown"):
            return "the primary school"
        return self.rng.choice((f"{place} Primary", "the primary school", f"{place} Primary"))

    def _kids(self, which: str) -> str:
        n = self.values.setdefault("_nkids", str(self.rng.choice((1, 2, 2, 2, 3, 3, 4))))
        count = int(n)
        if which == "kidcount_short":
            return (
                "son"
                if count == 1 and self.child.gender == "m"
                else ("daughter" if count == 1 else ("kids" if count > 1 else "child"))
            )
        if which == "kidcount":
            return {1: "one", 2: "two", 3: "three", 4: "four"}[count]
        if count == 1:
            word = "son" if self.child.gender == "m" else "daughter"
            if not self.names:
                return f"{self.slot('her')} {word}"
            return f"{self.mention(self.child)}, {self.slot('her')} {word}"
        if count == 2:
            if not self.names:
                return f"{self.slot('her')} two children"
            return f"{self.slot('her')} two children, {self.mention(self.child)} and a baby"
        return f"{NUMBER_WORDS[count]} kids under twelve"


class _NoNames(Exception):
    """A template that needs a name, in a record that names nobody."""


def _places(locality: str, authority: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if locality in PLACES:
        return PLACES[locality]
    where = locality or authority or "the area"
    return (
        (where,),
        (
            f"{where} community centre",
            f"{where} library",
            "the café at the Hub",
            f"the family centre in {where}",
        ),
    )


def _a(noun: str) -> str:
    """The noun with its indefinite article."""
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
