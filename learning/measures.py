"""The data project's measures: what a plan counts, beside the stories.

A plan file may list ``measures`` (figures typed in or imported: children on the Child
Protection Register, care-experienced children). Every plan also has the *derived* measures
below, counted from the records themselves and never typed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

UNITS = ("count", "percent", "gbp", "rate")
BETTER = ("lower", "higher")
DEFAULT_THRESHOLD = 5
CODE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


@dataclass(frozen=True)
class Derivation:
    """How a derived measure is counted from records: a count of records of ``record_type``
    (``field`` None), or the sum of a numeric field; ``balanced`` counts only fund decisions
    with at least as many families as practitioners on the panel (the 50:50 minimum)."""

    record_type: str
    field: str | None = None
    balanced: bool = False


@dataclass(frozen=True)
class Measure:
    """One measure; ``disclosure_threshold`` applies to counts only (0: shown as they are)."""

    code: str
    name: str
    unit: str
    better: str
    indicators: tuple[str, ...] = ()
    disclosure_threshold: int = DEFAULT_THRESHOLD
    derived: bool = False
    derivation: Derivation | None = field(default=None, compare=False)

    @property
    def suppressible(self) -> bool:
        """Whether small values are withheld outside the team: the one rule, per measure,
        that every page, answer, chart, export and learning update follows."""
        return self.unit == "count" and self.disclosure_threshold > 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "unit": self.unit,
            "better": self.better,
            "indicators": list(self.indicators),
            "disclosure_threshold": self.disclosure_threshold,
            "derived": self.derived,
        }


# Counts made from the records are shown as they are (threshold 0): each adds up a field of
# records the reader may read whole (a café's families, an event's participants), so
# withholding the sum would protect nothing and contradict the records beside it.
SHOWN_AS_THEY_ARE = 0


def _derived(code, name, unit, indicators, derivation) -> Measure:
    return Measure(
        code, name, unit, "higher", tuple(indicators), SHOWN_AS_THEY_ARE, True, derivation
    )


DERIVED = (
    _derived(
        "cafe_families", "Families at café conversations", "count", ("SO1.1", "SO1.3"),
        Derivation("cafe_conversation", "families"),
    ),
    _derived(
        "cafe_practitioners", "Practitioners at café conversations", "count", ("SO2.1",),
        Derivation("cafe_conversation", "practitioners"),
    ),
    _derived(
        "vble_participants", "Participants in Voice-Based Learning Experiences", "count",
        ("SO2.1", "SO2.2"), Derivation("vble_evaluation", "participants"),
    ),
    _derived(
        "event_participants", "Participants at learning events", "count", ("SO1.3", "SO4.2"),
        Derivation("event", "participants"),
    ),
    _derived(
        "mihf_decisions", "Make it Happen Fund decisions", "count", ("SO1.1", "SO3.1"),
        Derivation("fund_decision"),
    ),
    _derived(
        "mihf_awarded_gbp", "Make it Happen Fund awarded (£)", "gbp", ("SO3.1",),
        Derivation("fund_decision", "amount_gbp"),
    ),
    _derived(
        "mihf_decisions_meeting_balance", "Fund decisions by panels meeting the 50:50 minimum",
        "count", ("SO1.1",), Derivation("fund_decision", balanced=True),
    ),
)  # fmt: skip
DERIVED_CODES = frozenset(m.code for m in DERIVED)


def parse_measures(builder: Any, data: dict, indicators: set[str]) -> tuple[Measure, ...]:
    """The plan file's ``measures``, checked (each problem at its line), then the derived ones."""
    nodes = builder.mappings(data, "measures", "measure")
    measures: list[Measure] = []
    seen: set[str] = set(DERIVED_CODES)
    for node in nodes:
        code = builder.req(node, "code")
        if not CODE.match(code):
            raise builder.fail(node, f"measure code {code!r} must be lower_case_with_underscores")
        if code in seen:
            problem = "is derived from the records" if code in DERIVED_CODES else "is used twice"
            raise builder.fail(node, f"the measure code {code} {problem}", "code")
        seen.add(code)
        unit = builder.req(node, "unit")
        if unit not in UNITS:
            raise builder.fail(node, f"'unit' must be one of {', '.join(UNITS)}", "unit")
        better = builder.req(node, "better")
        if better not in BETTER:
            raise builder.fail(node, "'better' must be lower or higher", "better")
        codes = builder.seq(node, "indicators")
        for index, indicator in enumerate(codes):
            if indicator not in indicators:
                raise builder.fail_item(codes, index, f"unknown indicator code {indicator!r}")
        threshold = node.get("disclosure_threshold", DEFAULT_THRESHOLD)
        if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
            raise builder.fail(
                node, "'disclosure_threshold' must be a whole number, 0 or more",
                "disclosure_threshold",
            )  # fmt: skip
        measures.append(
            Measure(code, builder.req(node, "name"), unit, better, tuple(codes), threshold)
        )
    return (*measures, *DERIVED)
