"""Agreement between two coders: percentage agreement and Cohen's kappa per code, by character.

As NVivo's coding comparison does, each character of each text is coded with a code or not,
by each coder; the characters of every text of the records both coders coded are pooled, so
one code has one figure (NVivo gives one per source: the per-record figures are the
``disagreements``). Coded passages are intervals, so the counts come from merging and
intersecting them, never from a loop over characters (10,000 records of 50 passages: ~2 s).

A record counts when each coder coded some passage of it, with any code (the codes asked for
or not); a passage of another coder or of a text missing from ``lengths`` is left out, and one
reaching past its text is cut to it. Agreement is a percentage rounded to 2 decimals and kappa
is rounded to 4, half to even, from exact fractions; kappa is None when both coders coded none
or all of the characters with the code, and both are None when no record counts.
``disagreements`` lists at most ``DISAGREEMENTS_SHOWN`` (record, code) pairs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from evidence.model import ValidationError

DISAGREEMENTS_SHOWN = 50  # the records and codes where the coders differ most; the rest left off

Span = tuple[int, int]
Text = tuple[str, str]  # (record, source)


@dataclass(frozen=True)
class Coded:
    """One coded passage as the agreement needs it."""

    record: str
    source: str  # "body" or "attachment:ID"
    code: str
    coder: str
    start: int
    end: int


@dataclass
class _Tally:
    """Characters of one code: coded by A, by B, by both."""

    a: int = 0
    b: int = 0
    both: int = 0


def agreement(
    coder_a: str,
    coder_b: str,
    lengths: Mapping[Text, int],
    coded: Iterable[Coded],
    codes: Sequence[str] | None = None,
) -> dict:
    """Each code's agreement and kappa between two coders, and where they differ most."""
    if coder_a == coder_b:
        raise ValidationError("coder", "give two different coders to compare")
    passages = _passages(coder_a, coder_b, lengths, coded)
    records = _records_both_coded(passages)
    chosen = _codes_compared(passages, records, codes)
    tallies, differences = _count(passages, records, chosen)
    total = sum(length for (record, _), length in lengths.items() if record in records)
    return {
        "coders": [coder_a, coder_b],
        "records": len(records),
        "codes": [{"code": code, **_measures(tallies[code], total)} for code in chosen],
        "disagreements": _most_different(differences),
    }


def _passages(
    coder_a: str, coder_b: str, lengths: Mapping[Text, int], coded: Iterable[Coded]
) -> dict[tuple[str, str, str], tuple[list[Span], list[Span]]]:
    """The two coders' spans per (record, source, code), each cut to its text."""
    side = {coder_a: 0, coder_b: 1}
    passages: dict[tuple[str, str, str], tuple[list[Span], list[Span]]] = {}
    for passage in coded:
        which = side.get(passage.coder)
        length = lengths.get((passage.record, passage.source))
        if which is None or length is None:  # another coder, or a text not given (detached)
            continue
        start = passage.start if passage.start > 0 else 0
        end = passage.end if passage.end < length else length
        if start < end:
            key = (passage.record, passage.source, passage.code)
            spans = passages.get(key)
            if spans is None:
                spans = passages[key] = ([], [])
            spans[which].append((start, end))
    return passages


def _records_both_coded(
    passages: Mapping[tuple[str, str, str], tuple[list[Span], list[Span]]],
) -> set[str]:
    """The records each coder coded with some code."""
    coded_by = ([], [])
    for (record, _, _), spans in passages.items():
        for which in (0, 1):
            if spans[which]:
                coded_by[which].append(record)
    return set(coded_by[0]) & set(coded_by[1])


def _codes_compared(
    passages: Mapping[tuple[str, str, str], object], records: set[str], codes: Sequence[str] | None
) -> list[str]:
    """The codes asked for (once each, in order), or every code used in those records, sorted."""
    if codes is not None:
        return list(dict.fromkeys(codes))
    return sorted({code for record, _, code in passages if record in records})


def _count(
    passages: Mapping[tuple[str, str, str], tuple[list[Span], list[Span]]],
    records: set[str],
    codes: list[str],
) -> tuple[dict[str, _Tally], dict[tuple[str, str], int]]:
    """Per code the pooled characters coded by A, B and both; per (record, code) those differing."""
    tallies = {code: _Tally() for code in codes}
    differences: dict[tuple[str, str], int] = defaultdict(int)
    for (record, _, code), (spans_a, spans_b) in passages.items():
        tally = tallies.get(code)
        if tally is None or record not in records:
            continue
        a, b = _union(spans_a), _union(spans_b)
        coded_a, coded_b, both = _size(a), _size(b), _overlap(a, b)
        tally.a += coded_a
        tally.b += coded_b
        tally.both += both
        differences[(record, code)] += coded_a + coded_b - 2 * both
    return tallies, differences


def _union(spans: list[Span]) -> list[Span]:
    """Overlapping or touching spans joined, in order: a character coded twice counts once."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _size(spans: list[Span]) -> int:
    """Characters in disjoint spans."""
    return sum(end - start for start, end in spans)


def _overlap(a: list[Span], b: list[Span]) -> int:
    """Characters in both of two lists of disjoint, ordered spans."""
    shared, i, j = 0, 0, 0
    while i < len(a) and j < len(b):
        shared += max(0, min(a[i][1], b[j][1]) - max(a[i][0], b[j][0]))
        if a[i][1] <= b[j][1]:  # the span ending first can meet nothing further on
            i += 1
        else:
            j += 1
    return shared


def _measures(tally: _Tally, total: int) -> dict:
    """Percentage agreement and Cohen's kappa from pooled character counts (None: undefined)."""
    if total == 0:  # no record both coders coded: nothing to compare
        return {"agreement": None, "kappa": None}
    agreed = total - tally.a - tally.b + 2 * tally.both  # coded by both or by neither
    # Exact integers: p_o = agreed/N, p_e = (a*b + (N-a)(N-b))/N^2, both scaled by N^2.
    chance = tally.a * tally.b + (total - tally.a) * (total - tally.b)
    observed = agreed * total
    square = total * total
    kappa = None
    if square != chance:  # chance agreement is certain only if both coded nothing, or all
        kappa = float(round(Fraction(observed - chance, square - chance), 4))
    return {"agreement": float(round(Fraction(100 * agreed, total), 2)), "kappa": kappa}


def _most_different(differences: Mapping[tuple[str, str], int]) -> list[dict]:
    """The records and codes with the most characters coded by one coder only, first."""
    ranked = sorted(
        (-characters, record, code)
        for (record, code), characters in differences.items()
        if characters > 0
    )
    return [
        {"record": record, "code": code, "characters": -negative}
        for negative, record, code in ranked[:DISAGREEMENTS_SHOWN]
    ]
