"""Agreement between two coders (issue #21 item 6): percentage agreement and Cohen's kappa per
code, counted over characters and pooled over the records both coders coded.

Each figure below is worked out by hand in the comment beside it, with N the pooled characters,
p_o = (both + neither) / N, p_e = (a/N)(b/N) + (1 - a/N)(1 - b/N) and
kappa = (p_o - p_e) / (1 - p_e). A Hypothesis test then compares every answer with an oracle
that marks each character one by one.
"""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.model import ValidationError
from learning.coding.agreement import DISAGREEMENTS_SHOWN, Coded, agreement


def passage(record: str, code: str, coder: str, start: int, end: int, source: str = "body"):
    """One coded passage."""
    return Coded(record=record, source=source, code=code, coder=coder, start=start, end=end)


def figures(result: dict, code: str) -> tuple[float | None, float | None]:
    """(agreement, kappa) for one code of an answer."""
    (row,) = [row for row in result["codes"] if row["code"] == code]
    return row["agreement"], row["kappa"]


def test_the_issues_example_two_overlapping_passages_of_ten_characters():
    # Text of 10: A codes 0-5, B codes 3-8. Both: 3,4 (2); A only: 0,1,2 (3); B only: 5,6,7
    # (3); neither: 8,9 (2). Agreement (2 + 2) / 10 = 40.00 %. p_e = .5 * .5 + .5 * .5 = .5,
    # kappa = (.4 - .5) / (1 - .5) = -0.2. The record differs on 6 characters.
    coded = [passage("R1", "voice", "ann", 0, 5), passage("R1", "voice", "bo", 3, 8)]
    result = agreement("ann", "bo", {("R1", "body"): 10}, coded)
    assert result == {
        "coders": ["ann", "bo"],
        "records": 1,
        "codes": [{"code": "voice", "agreement": 40.0, "kappa": -0.2}],
        "disagreements": [{"record": "R1", "code": "voice", "characters": 6}],
    }
    assert json.loads(json.dumps(result)) == result


def test_cohens_textbook_example_as_characters():
    # The usual worked example of Cohen's kappa (50 items: both yes 20, A yes B no 5, A no B
    # yes 10, both no 15; p_o = .7, p_e = .5, kappa = .4) as a text of 50 characters:
    # A codes 0-25 (25), B codes 0-20 and 25-35 (30). Both 0-20 (20), A only 20-25 (5),
    # B only 25-35 (10), neither 35-50 (15). p_o = 35/50 = .7 -> 70.00 %;
    # p_e = (25/50)(30/50) + (25/50)(20/50) = .3 + .2 = .5; kappa = (.7 - .5) / .5 = .4.
    coded = [
        passage("R1", "voice", "ann", 0, 25),
        passage("R1", "voice", "bo", 0, 20),
        passage("R1", "voice", "bo", 25, 35),
    ]
    result = agreement("ann", "bo", {("R1", "body"): 50}, coded)
    assert figures(result, "voice") == (70.0, 0.4)


def test_nvivos_example_of_a_thousand_characters():
    # NVivo's help: a source of 1000 characters, 50 coded by both, 150 by one user only, 800
    # by neither: agreement (800 + 50) / 1000 = 85 %. Its kappa needs the 150 split; say A
    # coded 100 of them (A: 150 in all) and B 50 (B: 100). In NVivo's terms EF1 = 150 * 100 /
    # 1000 = 15, EF2 = 850 * 900 / 1000 = 765, sum EF = 780, TA = 850, TU = 1000:
    # K = (TA - EF) / (TU - EF) = 70 / 220 = 0.31818... -> 0.3182.
    coded = [passage("S", "n", "ann", 0, 150), passage("S", "n", "bo", 100, 200)]
    result = agreement("ann", "bo", {("S", "body"): 1000}, coded)
    assert figures(result, "n") == (85.0, 0.3182)


def test_identical_coding_is_full_agreement_and_kappa_one():
    # Text of 20, both code 2-9 and 12-15: every character agrees, p_o = 1, p_e = (10/20)^2 +
    # (10/20)^2 = .5, kappa = (1 - .5) / (1 - .5) = 1. Nothing to list as a disagreement.
    coded = [
        passage("R1", "voice", coder, start, end)
        for coder in ("ann", "bo")
        for start, end in ((2, 9), (12, 15))
    ]
    result = agreement("ann", "bo", {("R1", "body"): 20}, coded)
    assert figures(result, "voice") == (100.0, 1.0)
    assert result["disagreements"] == []


def test_kappa_is_null_when_both_coded_nothing_or_everything_with_a_code():
    # Text of 10, both code all of it with "whole": p_e = 1 * 1 + 0 * 0 = 1, so kappa is
    # undefined (null) though agreement is 100 %. Neither codes anything with "unused" (asked
    # for by name): p_e = 0 * 0 + 1 * 1 = 1, null again, agreement 100 %.
    coded = [passage("R1", "whole", "ann", 0, 10), passage("R1", "whole", "bo", 0, 10)]
    result = agreement("ann", "bo", {("R1", "body"): 10}, coded, codes=["whole", "unused"])
    assert result["codes"] == [
        {"code": "whole", "agreement": 100.0, "kappa": None},
        {"code": "unused", "agreement": 100.0, "kappa": None},
    ]
    assert json.loads(json.dumps(result))["codes"][0]["kappa"] is None


def test_one_coder_coding_everything_the_other_nothing_is_kappa_zero():
    # Text of 10: A codes all of it with "x"; B codes 0-2 with "y" only (so the record counts).
    # For "x": a = 10, b = 0, both 0, neither 0: agreement 0 %, p_e = 1 * 0 + 0 * 1 = 0,
    # kappa = (0 - 0) / 1 = 0 (defined: chance agreement is not certain).
    coded = [passage("R1", "x", "ann", 0, 10), passage("R1", "y", "bo", 0, 2)]
    result = agreement("ann", "bo", {("R1", "body"): 10}, coded)
    assert figures(result, "x") == (0.0, 0.0)


def test_characters_are_pooled_over_every_text_of_two_records():
    # R1 body (10): A 0-5, B 3-8 -> a 5, b 5, both 2 (the issue's example).
    # R2 body (10): both code all of it -> a 10, b 10, both 10.
    # R2 attachment:7 (20): B codes 0-5 -> b 5.
    # Pooled: N = 40, a = 15, b = 20, both = 12, neither = 40 - 15 - 20 + 12 = 17.
    # p_o = (12 + 17) / 40 = .725 -> 72.50 %; p_e = (15/40)(20/40) + (25/40)(20/40)
    # = .1875 + .3125 = .5; kappa = (.725 - .5) / .5 = .45. Differing: R1 6, R2 5.
    lengths = {("R1", "body"): 10, ("R2", "body"): 10, ("R2", "attachment:7"): 20}
    coded = [
        passage("R1", "voice", "ann", 0, 5),
        passage("R1", "voice", "bo", 3, 8),
        passage("R2", "voice", "ann", 0, 10),
        passage("R2", "voice", "bo", 0, 10),
        passage("R2", "voice", "bo", 0, 5, source="attachment:7"),
    ]
    result = agreement("ann", "bo", lengths, coded)
    assert result["records"] == 2
    assert figures(result, "voice") == (72.5, 0.45)
    assert result["disagreements"] == [
        {"record": "R1", "code": "voice", "characters": 6},
        {"record": "R2", "code": "voice", "characters": 5},
    ]


def test_overlapping_passages_of_one_coder_count_each_character_once():
    # Text of 10: A codes 0-4, 2-6 and 2-6 again -> A's characters are 0-6 (6, not 4 + 4 + 4).
    # B codes 4-10 (6). Both 4-6 (2), A only 0-4 (4), B only 6-10 (4), neither 0:
    # p_o = 2/10 = .2 -> 20.00 %; p_e = .6 * .6 + .4 * .4 = .52;
    # kappa = (.2 - .52) / .48 = -0.6667. R1 differs on 8 characters.
    coded = [
        passage("R1", "voice", "ann", 0, 4),
        passage("R1", "voice", "ann", 2, 6),
        passage("R1", "voice", "ann", 2, 6),
        passage("R1", "voice", "bo", 4, 10),
    ]
    result = agreement("ann", "bo", {("R1", "body"): 10}, coded)
    assert figures(result, "voice") == (20.0, -0.6667)
    assert result["disagreements"] == [{"record": "R1", "code": "voice", "characters": 8}]


def test_codes_asked_for_are_the_only_ones_reported_in_the_order_asked():
    # Text of 10. "voice": A 0-5, B 3-8 (40 %, -0.2 as above). "home": A 0-10, B 0-10.
    # Asking for "home" then "voice" (and "voice" again) reports those two, in that order.
    # Asking for "home" alone: nothing about "voice", in the figures or the disagreements.
    coded = [
        passage("R1", "voice", "ann", 0, 5),
        passage("R1", "voice", "bo", 3, 8),
        passage("R1", "home", "ann", 0, 10),
        passage("R1", "home", "bo", 0, 10),
    ]
    lengths = {("R1", "body"): 10}
    every = agreement("ann", "bo", lengths, coded)
    assert [row["code"] for row in every["codes"]] == ["home", "voice"]
    asked = agreement("ann", "bo", lengths, coded, codes=["home", "voice", "voice"])
    assert asked["codes"] == [
        {"code": "home", "agreement": 100.0, "kappa": None},
        {"code": "voice", "agreement": 40.0, "kappa": -0.2},
    ]
    home = agreement("ann", "bo", lengths, coded, codes=["home"])
    assert [row["code"] for row in home["codes"]] == ["home"]
    assert home["disagreements"] == []


def test_a_record_both_coded_with_any_code_counts_for_every_code():
    # R1 (10): A and B code it only with "home" (A 0-10, B 0-10). R2 (10): "voice" A 0-5,
    # B 3-8. Asking for "voice": both records count (N = 20) though R1 has no "voice":
    # a 5, b 5, both 2, neither 20 - 5 - 5 + 2 = 12: p_o = 14/20 = .7 -> 70.00 %;
    # p_e = .25 * .25 + .75 * .75 = .625; kappa = (.7 - .625) / .375 = .2.
    coded = [
        passage("R1", "home", "ann", 0, 10),
        passage("R1", "home", "bo", 0, 10),
        passage("R2", "voice", "ann", 0, 5),
        passage("R2", "voice", "bo", 3, 8),
    ]
    lengths = {("R1", "body"): 10, ("R2", "body"): 10}
    result = agreement("ann", "bo", lengths, coded, codes=["voice"])
    assert result["records"] == 2
    assert figures(result, "voice") == (70.0, 0.2)


def test_records_only_one_coder_coded_and_other_coders_are_left_out():
    # R1 (10): the issue's example (A 0-5, B 3-8). R2 (1000): coded by A alone, so left out
    # (counted, its 1000 uncoded-by-B characters would lift agreement to about 99 %).
    # cy's passages on R1 are ignored: the answer is the issue's 40 % and -0.2.
    coded = [
        passage("R1", "voice", "ann", 0, 5),
        passage("R1", "voice", "bo", 3, 8),
        passage("R1", "voice", "cy", 0, 10),
        passage("R2", "voice", "ann", 0, 10),
        passage("R3", "voice", "bo", 0, 10),
        passage("R3", "voice", "cy", 0, 10),
    ]
    lengths = {("R1", "body"): 10, ("R2", "body"): 1000, ("R3", "body"): 10}
    result = agreement("ann", "bo", lengths, coded)
    assert result["records"] == 1
    assert figures(result, "voice") == (40.0, -0.2)
    assert [row["record"] for row in result["disagreements"]] == ["R1"]


def test_passages_are_cut_to_their_text_and_unknown_texts_left_out():
    # Text of 10: A codes 0-5, B 3-8 and also 8-40 (past the end: cut to 8-10). A passage on a
    # text not given (a detached one, or attachment:9 not sent) is left out, and a record
    # coded only there does not count. B's characters 3-10 (7): both 2, A only 3, B only 5,
    # neither 0: 20.00 %; p_e = .5 * .7 + .5 * .3 = .5; kappa = (.2 - .5) / .5 = -.6.
    coded = [
        passage("R1", "voice", "ann", 0, 5),
        passage("R1", "voice", "bo", 3, 8),
        passage("R1", "voice", "bo", 8, 40),
        passage("R1", "voice", "ann", 0, 9, source="attachment:9"),
        passage("R2", "voice", "ann", 0, 3),
        passage("R2", "voice", "bo", 0, 3, source="attachment:9"),
    ]
    lengths = {("R1", "body"): 10, ("R2", "body"): 10}
    result = agreement("ann", "bo", lengths, coded)
    assert result["records"] == 1
    assert figures(result, "voice") == (20.0, -0.6)


def test_disagreements_list_the_most_differing_records_first_and_stop_at_the_cap():
    # Record Rnn (text of 100) where A codes 0-nn and B nothing but 99-100 with another code:
    # nn characters differ; T30 ties with R30 and comes after it. Equal coding is not listed.
    lengths, coded = {}, []
    for n in range(1, DISAGREEMENTS_SHOWN + 11):
        for record in (f"R{n:02d}", f"T{n:02d}") if n == 30 else (f"R{n:02d}",):
            lengths[(record, "body")] = 100
            coded += [passage(record, "voice", "ann", 0, n), passage(record, "y", "bo", 99, 100)]
    lengths[("Same", "body")] = 100
    coded += [passage("Same", "voice", coder, 0, 50) for coder in ("ann", "bo")]
    result = agreement("ann", "bo", lengths, coded, codes=["voice"])
    shown = result["disagreements"]
    assert len(shown) == DISAGREEMENTS_SHOWN == 50
    top = DISAGREEMENTS_SHOWN + 10
    assert shown[0] == {"record": f"R{top}", "code": "voice", "characters": top}
    assert [row["characters"] for row in shown] == sorted(
        (row["characters"] for row in shown), reverse=True
    )
    thirties = [row["record"] for row in shown if row["characters"] == 30]
    assert thirties == ["R30", "T30"]
    assert "Same" not in {row["record"] for row in shown}


def test_no_record_both_coded_gives_no_figures():
    # A and B never coded the same record: no characters to compare, so nothing to report,
    # and a code asked for by name has neither figure (there is no N to divide by).
    coded = [passage("R1", "voice", "ann", 0, 5), passage("R2", "voice", "bo", 0, 5)]
    lengths = {("R1", "body"): 10, ("R2", "body"): 10}
    assert agreement("ann", "bo", lengths, coded) == {
        "coders": ["ann", "bo"],
        "records": 0,
        "codes": [],
        "disagreements": [],
    }
    named = agreement("ann", "bo", lengths, coded, codes=["voice"])
    assert named["codes"] == [{"code": "voice", "agreement": None, "kappa": None}]


def test_a_coder_compared_with_themself_is_refused_naming_the_coder():
    with pytest.raises(ValidationError) as refused:
        agreement("ann", "ann", {("R1", "body"): 10}, [passage("R1", "voice", "ann", 0, 5)])
    assert refused.value.field == "coder"


# The oracle: every character of every text marked one by one.


def _oracle(coder_a, coder_b, lengths, coded, codes):
    """The answer worked out character by character, with exact fractions."""
    marks = {}  # (record, source, code, coder) -> set of character positions
    for p in coded:
        if p.coder in (coder_a, coder_b) and (p.record, p.source) in lengths:
            inside = range(max(p.start, 0), min(p.end, lengths[(p.record, p.source)]))
            if inside:
                marks.setdefault((p.record, p.source, p.code, p.coder), set()).update(inside)
    by_a = {record for record, _, _, coder in marks if coder == coder_a}
    by_b = {record for record, _, _, coder in marks if coder == coder_b}
    records = by_a & by_b
    if codes is None:
        codes = sorted({code for record, _, code, _ in marks if record in records})
    else:
        codes = list(dict.fromkeys(codes))
    rows, differing = [], {}
    for code in codes:
        cells = {(True, True): 0, (True, False): 0, (False, True): 0, (False, False): 0}
        for (record, source), length in lengths.items():
            if record not in records:
                continue
            for at in range(length):
                a = at in marks.get((record, source, code, coder_a), ())
                b = at in marks.get((record, source, code, coder_b), ())
                cells[(a, b)] += 1
                if a != b:
                    differing[(record, code)] = differing.get((record, code), 0) + 1
        rows.append({"code": code, **_oracle_figures(cells)})
    listed = sorted(differing.items(), key=lambda item: (-item[1], item[0]))
    return {
        "coders": [coder_a, coder_b],
        "records": len(records),
        "codes": rows,
        "disagreements": [
            {"record": record, "code": code, "characters": n}
            for (record, code), n in listed[:DISAGREEMENTS_SHOWN]
        ],
    }


def _oracle_figures(cells):
    """Agreement and kappa from a 2 x 2 table of characters (A coded?, B coded?)."""
    n = sum(cells.values())
    if n == 0:
        return {"agreement": None, "kappa": None}
    p_o = Fraction(cells[(True, True)] + cells[(False, False)], n)
    p_a = Fraction(cells[(True, True)] + cells[(True, False)], n)
    p_b = Fraction(cells[(True, True)] + cells[(False, True)], n)
    p_e = p_a * p_b + (1 - p_a) * (1 - p_b)
    kappa = None if p_e == 1 else float(round((p_o - p_e) / (1 - p_e), 4))
    return {"agreement": float(round(100 * p_o, 2)), "kappa": kappa}


_records = st.sampled_from(["R1", "R2", "R3"])
_sources = st.sampled_from(["body", "attachment:1", "attachment:2"])
_passages = st.builds(
    Coded,
    record=_records,
    source=_sources,
    code=st.sampled_from(["home", "voice", "school"]),
    coder=st.sampled_from(["ann", "bo", "cy"]),
    start=st.integers(-3, 40),
    end=st.integers(-3, 45),
)


@settings(max_examples=300, deadline=None)
@given(
    lengths=st.dictionaries(st.tuples(_records, _sources), st.integers(0, 40), max_size=9),
    coded=st.lists(_passages, max_size=30),
    codes=st.none() | st.lists(st.sampled_from(["home", "voice", "school", "other"]), max_size=4),
)
def test_agrees_with_marking_every_character(lengths, coded, codes):
    assert agreement("ann", "bo", lengths, coded, codes) == _oracle(
        "ann", "bo", lengths, coded, codes
    )
