"""Disclosure control: no withheld figure can be worked out from the shown ones, and the
counts made from the records are shown alike everywhere (issue #20, findings 1 and 2).

The oracle is written apart from ``evidence/sums.py``: each figure is a place's running total
at the day after its end less that at its start (unknowns per place and day), an authority's
figure over a period is its localities' running totals over it, and an authority's figure is
also the sum of its localities' figures ending on its last day. A withheld figure is given
away exactly when its unit vector is in the row space of these equations cut to the unknowns
(withheld figures and running totals) — a rank test with numpy.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence import accounts
from evidence.disclosure import PRIMARY, suppressed
from evidence.figures import Figure
from learning.measures import Measure
from learning.services import Evidence
from tests.builders import record_data
from tests.test_hardening_support import ok, wm2u
from tests.web_helpers import make_app, served

pytest_plugins = ["tests.web_fixtures"]


def _after(day: str) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()


def _equations(cells: list[Figure]) -> tuple[np.ndarray, int]:
    """The sums a reader may use, over [figures..., running totals...]."""
    totals: dict[tuple[str, str, str], int] = {}  # (authority, locality, day) -> column

    def total(authority: str, locality: str, day: str) -> int:
        return totals.setdefault((authority, locality, day), len(cells) + len(totals))

    rows: list[dict[int, int]] = []
    for i, f in enumerate(cells):
        row = {i: 1}
        row[total(f.authority, f.locality, _after(f.period_to))] = -1
        row[total(f.authority, f.locality, f.period_from)] = 1
        rows.append(row)
    for i, t in enumerate(cells):
        if t.locality:
            continue
        mine = [c for c in cells if c.authority == t.authority and c.locality]
        over: dict[int, int] = {i: 1}
        for loc in sorted({c.locality for c in mine}):
            own = [c for c in mine if c.locality == loc]
            if any(c.period_from <= t.period_to and c.period_to >= t.period_from for c in own):
                over[total(t.authority, loc, _after(t.period_to))] = -1
                over[total(t.authority, loc, t.period_from)] = 1
        if len(over) > 1:
            rows.append(over)
        by_end, other_start = {i: 1}, False
        for loc in sorted({c.locality for c in mine}):
            own = [(cells.index(c), c) for c in mine if c.locality == loc]
            same = [
                k for k, c in own if (c.period_from, c.period_to) == (t.period_from, t.period_to)
            ]
            ending = [(abs((dt.date.fromisoformat(c.period_from)
                            - dt.date.fromisoformat(t.period_from)).days), k)
                      for k, c in own if c.period_to == t.period_to]  # fmt: skip
            if same:
                by_end[same[0]] = -1
            elif ending:
                by_end[min(ending)[1]] = -1
                other_start = True
        if other_start:
            rows.append(by_end)
    width = len(cells) + len(totals)
    matrix = np.zeros((len(rows), width))
    for r, row in enumerate(rows):
        for c, v in row.items():
            matrix[r, c] = v
    return matrix, width


def _fixed(matrix: np.ndarray, unknown: list[int], i: int) -> bool:
    """Whether the equations fix unknown ``i`` once everything else is known."""
    cut = matrix[:, unknown]
    unit = np.zeros((1, len(unknown)))
    unit[0, unknown.index(i)] = 1
    return np.linalg.matrix_rank(np.vstack([cut, unit])) == np.linalg.matrix_rank(cut)


def given_away(cells: list[Figure], withheld: set[int]) -> list[int]:
    """The withheld figures that the shown ones give away (a rule that fixes a figure with
    nothing shown, from how places entered their figures, gives nothing away)."""
    matrix, width = _equations(cells)
    totals = list(range(len(cells), width))
    hidden = sorted(withheld) + totals
    everything = list(range(width))
    return [
        i for i in sorted(withheld)
        if _fixed(matrix, hidden, i) and not _fixed(matrix, everything, i)
    ]  # fmt: skip


YEAR = "2024"
PERIODS = [
    ("01-01", "12-31"), ("01-01", "06-30"), ("07-01", "12-31"), ("04-01", "12-31"),
    ("01-01", "03-31"), ("04-01", "06-30"), ("07-01", "09-30"), ("10-01", "12-31"),
    ("06-30", "06-30"), ("09-30", "09-30"), ("12-31", "12-31"),
]  # fmt: skip
LOCALITIES = ("Alloa", "Alva", "Dollar", "Menstrie", "Sauchie")


@st.composite
def tables(draw) -> tuple[list[Figure], int]:
    """A measure's figures: places (an authority, up to five of its localities, Scotland) ×
    periods of a year that tile, nest and overlap (a year, halves, quarters, days), each one
    there or not."""
    localities = LOCALITIES[: draw(st.integers(0, len(LOCALITIES)))]
    places = [("Clackmannanshire", ""), *(("Clackmannanshire", loc) for loc in localities)]
    cells = []
    for authority, locality in [*places, ("Scotland", "")]:
        for start, end in draw(st.lists(st.sampled_from(PERIODS), max_size=6, unique=True)):
            value = draw(st.integers(0, 30))
            cells.append(Figure("m", authority, locality, f"{YEAR}-{start}", f"{YEAR}-{end}",
                                float(value), "s"))  # fmt: skip
    return cells, draw(st.integers(1, 8))


@settings(max_examples=200, deadline=None)
@given(tables())
def test_no_withheld_figure_can_be_worked_out_from_the_shown_ones(table) -> None:
    """Property: small counts are withheld, and no sum or difference of shown figures — of
    localities and their authority, of periods and the periods within them — gives a
    withheld one (the rank oracle above); nothing is withheld where nothing is small."""
    cells, threshold = table
    measure = Measure("m", "M", "count", "lower", (), threshold)
    out = suppressed(cells, lambda code: measure)
    for i, cell in enumerate(cells):
        assert (out.get(i) == PRIMARY) == (cell.value < threshold)
    assert given_away(cells, set(out)) == []
    for authority in {c.authority for c in cells}:
        here = [i for i, c in enumerate(cells) if c.authority == authority]
        if not any(cells[i].value < threshold for i in here):
            assert not any(i in out for i in here)


def test_the_oracle_sees_the_findings_ways_of_working_a_figure_out() -> None:
    """The oracle itself: the two ways of issue #20 are caught, and withholding one more
    figure of each stops them."""
    halves = [Figure("m", "Clackmannanshire", "Alloa", f"2024-{a}", f"2024-{b}", v, "s")
              for a, b, v in (("01-01", "12-31", 50), ("01-01", "06-30", 47),
                              ("07-01", "12-31", 3))]  # fmt: skip
    assert given_away(halves, {2}) == [2] and given_away(halves, {1, 2}) == []
    places = [Figure("m", "Clackmannanshire", loc, start, "2024-09-30", v, "s")
              for loc, start, v in (("", "2024-09-30", 30), ("Alloa", "2024-09-30", 12),
                                    ("Alva", "2024-09-30", 15), ("Dollar", "2024-07-01", 3))]  # fmt: skip
    assert given_away(places, {3}) == [3] and given_away(places, {1, 3}) == []


HEADER = "measure,authority,locality,period_from,period_to,value,source,note\n"
FINDING_1 = (
    # A year of 50, its first half 47, its second half 3.
    "looked_after_children,Clackmannanshire,Alloa,2024-01-01,2024-12-31,50,council,\n"
    "looked_after_children,Clackmannanshire,Alloa,2024-01-01,2024-06-30,47,council,\n"
    "looked_after_children,Clackmannanshire,Alloa,2024-07-01,2024-12-31,3,council,\n"
    # One locality entered as a quarter, its authority and the others "on 30 September".
    "children_on_cpr,Clackmannanshire,,2024-09-30,2024-09-30,30,council,\n"
    "children_on_cpr,Clackmannanshire,Alloa,2024-09-30,2024-09-30,12,council,\n"
    "children_on_cpr,Clackmannanshire,Alva,2024-09-30,2024-09-30,15,council,\n"
    "children_on_cpr,Clackmannanshire,Dollar,2024-07-01,2024-09-30,3,council,\n"
)


def _viewer_token(data_dir: Path) -> dict[str, str]:
    with Evidence(data_dir) as ev:
        return {"Authorization": f"Bearer {accounts.create_token(ev.store, 'viewer')}"}


def _figure_from(answer: dict) -> Figure:
    return Figure(answer["measure"], answer["authority"], answer["locality"] or "",
                  answer["period_from"], answer["period_to"], answer["value"] or 0, "")  # fmt: skip


def test_overlapping_periods_and_mixed_entry_give_no_withheld_figure_away(
    data_copy: Path, tmp_path: Path
) -> None:
    """Issue #20, finding 1: imported with the command line, read by a viewer from the
    served API, no withheld figure is a sum or difference of shown ones."""
    path = tmp_path / "figures.csv"
    path.write_text(HEADER + FINDING_1, encoding="utf-8")
    ok(wm2u(data_copy, "figures", "import", str(path)))
    team = json.loads(ok(wm2u(data_copy, "figures", "list", "--authority", "Clackmannanshire",
                              "--json")).stdout)  # fmt: skip
    typed = [f["value"] for f in team["figures"] if not f["derived"]]
    assert sorted(typed) == [3, 3, 12, 15, 30, 47, 50]  # the team's: every value
    headers = _viewer_token(data_copy)
    with served(make_app(data_copy)) as base:
        for measure in ("looked_after_children", "children_on_cpr"):
            answer = requests.get(f"{base}/api/figures", headers=headers, timeout=30,
                                  params={"measure": measure, "per_page": 100}).json()  # fmt: skip
            seen = answer["figures"]
            assert 3 not in [f["value"] for f in seen]
            withheld = {i for i, f in enumerate(seen) if f["suppressed"]}
            assert all(seen[i]["value"] is None for i in withheld)
            assert given_away([_figure_from(f) for f in seen], withheld) == [], (measure, seen)


def _quarter_of_counts(data_dir: Path) -> None:
    """One quarter in Dundee: a public café of 3 families, a VBLE evaluation of 2, an event of 3."""
    common = dict(consent="public", people=[], activities=[], quotes=[], date="2025-08-12",
                  authority="Dundee", locality="Lochee")  # fmt: skip
    with Evidence(data_dir) as ev:
        for data in (
            record_data(**common, type="cafe_conversation", indicators=["SO1.1"],
                        fields={"venue": "hall", "families": 3, "practitioners": 1,
                                "themes": [], "actions": []}),
            record_data(**common, type="vble_evaluation", indicators=["SO2.1"],
                        fields={"cohort": "autumn", "participants": 2, "confidence_before": 2,
                                "confidence_after": 4}),
            record_data(**common, type="event", indicators=["SO1.3"],
                        fields={"scope": "local", "participants": 3, "rating": 4}),
        ):  # fmt: skip
            ev.create(data, "t")
        ev.sync_index(wait=10)


def test_counts_made_from_the_records_read_the_same_in_the_api_and_the_update(
    data_copy: Path, tmp_path: Path
) -> None:
    """Issue #20, finding 2: the counts made from the records add up fields of records a
    viewer reads whole, so they are shown as they are — in /api/figures, /api/measures and
    a saved external learning update alike."""
    _quarter_of_counts(data_copy)
    out = tmp_path / "update.md"
    ok(wm2u(data_copy, "learning-update", "--from", "2025-07-01", "--to", "2025-09-30",
            "--audience", "external", "--format", "md", "--out", str(out), "--save"))  # fmt: skip
    document = out.read_text(encoding="utf-8")
    assert "brought together 3 families" in document and "covered 2 participants" in document
    headers = _viewer_token(data_copy)
    with served(make_app(data_copy)) as base:

        def get(path: str, **params) -> requests.Response:
            return requests.get(base + path, headers=headers, params=params, timeout=30)

        for measure, value in (("cafe_families", 3), ("vble_participants", 2),
                               ("event_participants", 3)):  # fmt: skip
            seen = get("/api/figures", measure=measure, authority="Dundee", locality="Lochee",
                       **{"from": "2025-07-01", "to": "2025-09-30"}).json()["figures"]  # fmt: skip
            assert [(f["value"], f["suppressed"]) for f in seen] == [(value, False)], measure
        measures = {m["code"]: m for m in get("/api/measures").json()["measures"]}
        assert measures["cafe_families"]["disclosure_threshold"] == 0
        assert measures["children_on_cpr"]["disclosure_threshold"] == 5
        saved = get("/api/records", type="learning_update").json()["records"]
        assert len(saved) == 1 and "brought together 3 families" in saved[0]["body"]


def test_an_update_saved_before_this_rule_is_made_again_on_upgrade(tmp_path: Path) -> None:
    """A saved external update written by an earlier version ("Clackmannanshire 10 (down 3"
    gave away a first half of 3: a year of 13 less its second half of 10) is made again under
    this rule the first time a command opens the data dir."""
    from learning import data_project
    from learning.services import initialise

    data_dir = tmp_path / "instance"
    initialise(data_dir)
    with Evidence(data_dir) as ev:
        data_project.save(ev, [
            {"measure": "looked_after_children", "authority": "Clackmannanshire",
             "period_from": start, "period_to": end, "value": value, "source": "council"}
            for start, end, value in (("2024-01-01", "2024-12-31", 13),
                                      ("2024-01-01", "2024-06-30", 3),
                                      ("2024-07-01", "2024-12-31", 10))
        ], "ed")  # fmt: skip
        update = ev.learning_update("2024-01-01", "2024-12-31", "external", save=True, actor="ed")
        old = ("- Care-experienced children looked after, latest to 31 December 2024: "
               "Clackmannanshire 10 (down 3, better; down 3 since 31 December 2024)")  # fmt: skip
        with ev.store.write() as conn:  # as the earlier version left it
            conn.execute("UPDATE records SET body = ? WHERE id = ?", [old, update.record.id])
            conn.execute("UPDATE meta SET value = '1' WHERE key = 'saved_updates_safe'")
    shown = json.loads(ok(wm2u(data_dir, "show", update.record.id, "--json")).stdout)
    assert "down 3" not in shown["body"] and "Clackmannanshire 10" not in shown["body"]
    assert "Clackmannanshire not shown" in shown["body"]
    assert shown["revision"] == update.record.revision


def test_a_learning_updates_window_is_judged_with_the_figures_that_reach_into_it(
    evidence,
) -> None:
    """A year that began before the window adds up with its first half, read from before it:
    the window withholds what the whole history withholds (the fourth quarter of 2 is the
    year of 30 less the first half of 20 and the third quarter of 8, unless one is withheld)."""
    from learning import data_project

    data_project.save(evidence, [
        {"measure": "children_on_cpr", "authority": "Dundee", "period_from": start,
         "period_to": end, "value": value, "source": "council"}
        for start, end, value in (("2024-01-01", "2024-12-31", 30), ("2024-01-01", "2024-06-30", 20),
                                  ("2024-07-01", "2024-09-30", 8), ("2024-10-01", "2024-12-31", 2))
    ], "ed")  # fmt: skip
    measure = evidence.framework.measure("children_on_cpr")
    window = data_project.window(evidence, "external", measure, "2024-10-01", "2024-12-31")
    every = data_project.figures(evidence, "external", "children_on_cpr")
    assert window == [s for s in every if s.figure.period_to >= "2024-09-30"]
    shown = {(s.figure.period_from, s.figure.period_to): s.value for s in every}
    assert shown[("2024-10-01", "2024-12-31")] is None
    assert None in (shown[("2024-01-01", "2024-12-31")], shown[("2024-01-01", "2024-06-30")],
                    shown[("2024-07-01", "2024-09-30")])  # fmt: skip
