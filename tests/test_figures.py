"""The data project's figures: import, revisions, derived counts, disclosure control."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from learning import data_project
from learning import framework as framework_mod
from learning.services import Evidence
from tests.builders import record_data
from tests.test_hardening_support import ok, wm2u
from tests.web_helpers import csrf_token

pytest_plugins = ["tests.web_fixtures"]

CPR = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "scotland-child-protection-register.csv"
)
HEADER = "measure,authority,locality,period_from,period_to,value,source,note\n"
DUNDEE = [("", 15), ("Lochee", 3), ("Coldside", 12)]


def _dundee(day: str = "2025-07-31") -> list[dict]:
    return [
        {"measure": "children_on_cpr", "authority": "Dundee", "locality": place,
         "period_from": day, "period_to": day, "value": value, "source": "demo figures"}
        for place, value in DUNDEE
    ]  # fmt: skip


CPR_LINE = "Children on the Child Protection Register, latest to 30 June 2025: Dundee"


def _series(ev, values: tuple[tuple[str, float], ...], measure: str = "children_on_cpr",
            source: str = "council") -> None:  # fmt: skip
    """Dundee's own figures of a measure, one per (day, value)."""
    data_project.save(ev, [
        {"measure": measure, "authority": "Dundee", "period_from": day, "period_to": day,
         "value": value, "source": source}
        for day, value in values
    ], "ed")  # fmt: skip


def _shipped_plan(tmp_path: Path, code: str, replace_with: str | None) -> Path:
    """The 2024-2026 plan with measure ``code``'s entry left out (None) or its disclosure
    threshold written as ``replace_with``."""
    text = (Path(framework_mod.__file__).parent / "frameworks" / "wm2u-2024-2026.yaml").read_text(
        encoding="utf-8"
    )
    start = text.index(f"  - code: {code}")
    end = text.index("disclosure_threshold: 5", start)
    if replace_with is None:
        text = text[:start] + text[end + len("disclosure_threshold: 5\n") :]
    else:
        text = text[:end] + replace_with + text[end + len("disclosure_threshold: 5") :]
    path = tmp_path / f"plan-{code}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.slow
@pytest.mark.skipif(not CPR.exists(), reason=f"{CPR} is not there")
def test_the_published_register_figures_import_as_they_are(tmp_path) -> None:
    data_dir = tmp_path / "instance"
    ok(wm2u(data_dir, "init"))
    first = ok(wm2u(data_dir, "figures", "import", str(CPR)))
    assert "10 new or changed" in first.stderr
    again = ok(wm2u(data_dir, "figures", "import", str(CPR)))
    assert "0 new or changed" in again.stderr
    listed = json.loads(ok(wm2u(data_dir, "figures", "list", "--measure", "children_on_cpr",
                                "--json")).stdout)  # fmt: skip
    assert listed["total"] == 10
    peak = next(f for f in listed["figures"] if f["period_to"] == "2014-07-31")
    assert peak["value"] == 2877 and peak["authority"] == "Scotland" and peak["revision"] == 1
    assert "Children's Social Work Statistics" in peak["source"]
    out = tmp_path / "figures.csv"
    ok(wm2u(data_dir, "figures", "export", "--out", str(out)))
    assert out.read_bytes().startswith(b"\xef\xbb\xbf" + HEADER.encode()[:-1])


@pytest.mark.slow
def test_a_bad_file_imports_nothing_and_names_each_problem(tmp_path) -> None:
    data_dir = tmp_path / "instance"
    ok(wm2u(data_dir, "init"))
    bad = tmp_path / "council.csv"
    bad.write_text(
        HEADER
        + "children_on_cpr,Dundee,,2025-07-31,2025-07-31,15,council system,\n"
        + "children_on_cpr,Dundee,Narnia,2025-07-31,2025-07-31,4,council system,\n"
        + "children_on_cpr,Dundee,,2025-07-31,2025-06-30,many,,\n"
        + "cafe_families,Dundee,,2025-01-01,2025-03-31,9,typed,\n"
        + "nope,Atlantis,,31/07/2025,2025-07-31,1,x,\n",
        encoding="utf-8",
    )
    result = wm2u(data_dir, "figures", "import", str(bad))
    assert result.returncode == 1
    for expected in ("line 3, column locality", "line 4, column period_to", "line 4, column value",
                     "line 4, column source", "line 5, column measure", "counted from the records",
                     "line 6, column measure", "line 6, column authority",
                     "line 6, column period_from"):  # fmt: skip
        assert expected in result.stderr, (expected, result.stderr)
    assert "Traceback" not in result.stderr
    listed = json.loads(ok(wm2u(data_dir, "figures", "list", "--json")).stdout)
    assert [f for f in listed["figures"] if not f["derived"]] == []


def test_a_changed_value_is_a_new_revision_and_the_same_value_changes_nothing(evidence) -> None:
    first = data_project.save(evidence, _dundee(), "ed")
    assert [f.revision for f in first] == [1, 1, 1]
    again = data_project.save(evidence, _dundee(), "ed")
    assert [f.revision for f in again] == [1, 1, 1]
    changed = data_project.save(evidence, {**_dundee()[0], "value": 16}, "ed")
    assert changed[0].revision == 2
    history = evidence.store.figure_history("children_on_cpr", "Dundee", "", "2025-07-31",
                                            "2025-07-31")  # fmt: skip
    assert [(h["revision"], h["value"], h["saved_by"]) for h in history] == [(1, 15.0, "ed")]


def test_outside_the_team_a_small_count_and_one_that_gives_it_away_are_withheld(
    evidence,
) -> None:
    data_project.save(evidence, _dundee(), "ed")
    outside = {s.figure.place: s for s in data_project.figures(evidence, "external",
                                                               "children_on_cpr")}  # fmt: skip
    assert outside["Lochee"].value is None and outside["Lochee"].words == "fewer than 5"
    withheld = [p for p in ("Dundee", "Coldside") if outside[p].value is None]
    assert len(withheld) == 1 and outside[withheld[0]].words == "not shown"
    team = {s.figure.place: s.value for s in data_project.figures(evidence, "internal",
                                                                  "children_on_cpr")}  # fmt: skip
    assert team == {"Dundee": 15, "Lochee": 3, "Coldside": 12}
    # A place filter cannot undo it: the group is judged whole first.
    alone = data_project.figures(evidence, "external", "children_on_cpr", "Dundee", "Coldside")
    assert [s.value for s in alone] == [outside["Coldside"].value]


def test_derived_counts_use_only_the_records_a_reader_may_see(evidence) -> None:
    cafe = dict(type="cafe_conversation", locality="Lochee", people=[], activities=[],
                indicators=["SO1.1"], date="2025-02-10",
                fields={"venue": "hall", "families": 7, "practitioners": 2, "themes": [],
                        "actions": []})  # fmt: skip
    evidence.create(record_data(**cafe, consent="public"), "t")
    evidence.create(record_data(**cafe, consent="internal"), "t")
    team = data_project.figures(evidence, "internal", "cafe_families", "Dundee", "Lochee")
    outside = data_project.figures(evidence, "external", "cafe_families", "Dundee", "Lochee")
    assert [(s.value, s.figure.derived) for s in team] == [(14.0, True)]
    assert [s.value for s in outside] == [7.0]
    assert team[0].figure.period_from == "2025-01-01" and team[0].figure.period_to == "2025-03-31"


def _post(client, body):
    return client.post("/api/figures", json=body, headers={"X-CSRFToken": csrf_token(client, "/")})


def test_the_api_saves_all_or_none_and_suppresses_for_viewers(as_role) -> None:
    editor, viewer = as_role("editor"), as_role("viewer")
    bad = [_dundee()[0], {**_dundee()[1], "value": "lots"}, {**_dundee()[2], "source": ""}]
    refused = _post(editor, bad)
    assert refused.status_code == 422
    assert set(refused.json["error"]["fields"]) == {"1.value", "2.source"}
    assert editor.get("/api/figures?measure=children_on_cpr").json["total"] == 0
    assert _post(viewer, _dundee()).status_code == 403
    made = _post(editor, _dundee())
    assert made.status_code == 201 and len(made.json["figures"]) == 3
    derived = _post(editor, {**_dundee()[0], "measure": "mihf_decisions"})
    assert derived.status_code == 422 and "mihf_decisions" in derived.json["error"]["fields"][
        "measure"]  # fmt: skip
    seen = viewer.get("/api/figures?measure=children_on_cpr&authority=Dundee").json
    lochee = next(f for f in seen["figures"] if f["locality"] == "Lochee")
    assert lochee == {**lochee, "value": None, "suppressed": True}
    assert sum(f["suppressed"] for f in seen["figures"]) == 2
    measures = {m["code"]: m for m in viewer.get("/api/measures").json["measures"]}
    assert measures["children_on_cpr"]["indicators"] == ["SO3.2"]
    assert measures["cafe_families"]["derived"] is True
    assert 3 not in [f["value"] for f in measures["children_on_cpr"]["latest"]]
    assert viewer.get("/api/figures?from=July").status_code == 400
    page = viewer.get("/measures/children_on_cpr?authority=Dundee").text
    assert "fewer than 5" in page and "not shown" in page
    assert editor.get("/measures/children_on_cpr?authority=Dundee").text.count("fewer than") == 0
    exported = viewer.get("/measures/children_on_cpr/figures.csv?authority=Dundee")
    assert exported.status_code == 200 and exported.data.startswith(b"\xef\xbb\xbf")
    lochee_row = next(line for line in exported.text.splitlines() if ",Lochee," in line)
    assert ",3," not in lochee_row and "fewer than 5" in lochee_row
    chart = viewer.get("/measures/children_on_cpr/chart.svg?authority=Dundee")
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
    assert "Lochee (not shown)" in chart.text


def test_an_editor_adds_a_figure_with_the_form(as_role) -> None:
    editor = as_role("editor")
    form = {"csrf_token": csrf_token(editor, "/measures/children_on_cpr"), "authority": "Dundee",
            "period_from": "2025-07-31", "period_to": "2025-07-31", "value": "21",
            "source": "Dundee City Council"}  # fmt: skip
    missing = editor.post("/measures/children_on_cpr/figures", data={**form, "source": ""})
    assert missing.status_code == 422 and "say where the figure comes from" in missing.text
    saved = editor.post("/measures/children_on_cpr/figures", data=form)
    assert saved.status_code == 302
    assert "21" in editor.get("/measures/children_on_cpr").text


@pytest.mark.parametrize(
    ("measures", "problem"),
    [
        ("  - {code: x_y, name: X, unit: people, better: lower}", "'unit' must be one of"),
        ("  - {code: x_y, name: X, unit: count, better: up}", "'better' must be lower or higher"),
        (
            "  - {code: x_y, name: X, unit: count, better: lower, indicators: [SO9.9]}",
            "unknown indicator code",
        ),
        ("  - {code: cafe_families, name: X, unit: count, better: lower}", "derived"),
        (
            "  - {code: x_y, name: X, unit: count, better: lower, disclosure_threshold: -1}",
            "disclosure_threshold",
        ),
    ],
)
def test_a_bad_measure_in_a_plan_file_is_refused_with_its_line(measures, problem) -> None:
    text = framework_mod.resolve("wm2u-2024-2026").read_text(encoding="utf-8")
    head = text.split("\nmeasures:")[0]
    bad = head + "\nmeasures:\n" + measures + "\n"
    with pytest.raises(framework_mod.FrameworkError) as caught:
        framework_mod.parse(bad, "plan.yaml")
    assert problem in str(caught.value)
    assert caught.value.line == head.count("\n") + 3


def test_the_shipped_plans_measure_the_register_and_looked_after_children() -> None:
    for name in ("wm2u-2024-2026", "wm2u-2023-2024"):
        plan = framework_mod.load(name)
        for code in ("children_on_cpr", "looked_after_children"):
            assert plan.measure(code).indicators == ("SO3.2",)
        assert {"cafe_families", "mihf_awarded_gbp", "mihf_decisions_meeting_balance"} <= {
            m.code for m in plan.measures if m.derived
        }


def test_figures_survive_a_new_connection(data_dir) -> None:
    with Evidence(data_dir) as ev:
        data_project.save(ev, _dundee(), "ed")
    with Evidence(data_dir) as ev:
        assert len(ev.store.list_figures("children_on_cpr")) == 3


def test_an_adoption_checks_the_figures_dated_from_it_and_moves_mapped_ones(tmp_path) -> None:
    from learning.plans import AdoptionRefused
    from learning.services import initialise

    data_dir = tmp_path / "instance"
    initialise(data_dir, "wm2u-2023-2024")
    with Evidence(data_dir) as ev:
        data_project.save(ev, [
            {"measure": "children_on_cpr", "authority": "East Ayrshire", "locality": "Barony",
             "period_from": day, "period_to": day, "value": 9, "source": "council"}
            for day in ("2024-03-31", "2025-03-31")
        ], "ed")  # fmt: skip
        with pytest.raises(AdoptionRefused) as refused:
            ev.adopt("wm2u-2024-2026", "2024-09-01", [], actor="t")
        problems = refused.value.report.problems
        assert [p.id for p in problems] == ["figure children_on_cpr Barony 2025-03-31"]
        assert {f.place for f in ev.store.list_figures()} == {"Barony"}
        ev.adopt("wm2u-2024-2026", "2024-09-01", ["Barony=Alloa"], actor="t")
        places = {(f.period_to, f.authority, f.place) for f in ev.store.list_figures()}
        assert places == {("2024-03-31", "East Ayrshire", "Barony"),
                          ("2025-03-31", "Clackmannanshire", "Alloa")}  # fmt: skip


def test_a_learning_update_shows_the_figures_and_withholds_small_ones_outside(evidence) -> None:
    from learning.updates import render_markdown

    _series(evidence, (("2025-03-31", 7), ("2025-06-30", 4)))
    team = render_markdown(evidence.learning_update("2025-01-01", "2025-12-31").summary)
    outside = render_markdown(
        evidence.learning_update("2025-01-01", "2025-12-31", "external").summary
    )
    assert f"{CPR_LINE} 4 (down 3, better" in team
    assert f"{CPR_LINE} fewer than 5 (not shown" in outside
    assert "Dundee 4" not in outside and "down 3" not in outside


def test_a_learning_update_reads_from_each_places_figure_before_the_plan_not_all_history(
    evidence,
) -> None:
    """The update's window holds the same figures, judged the same, as the whole history
    from the last one each place had before the window; a place with nothing since does
    not pull the history in."""
    rows = []
    for day, lochee in (("1991-03-31", 2), ("2019-03-31", 9), ("2023-03-31", 3),
                        ("2024-06-30", 4), ("2025-03-31", 11)):  # fmt: skip
        rows += [{**row, "period_from": day, "period_to": day} for row in _dundee(day)]
        rows[-2]["value"] = lochee  # Lochee: small in some periods, withheld outside
    rows.append({**_dundee()[0], "authority": "Clackmannanshire", "period_from": "1990-01-31",
                 "period_to": "1990-01-31"})  # fmt: skip  # nothing since
    data_project.save(evidence, rows, "ed")
    measure = evidence.framework.measure("children_on_cpr")
    for audience in ("internal", "external"):
        window = data_project.window(evidence, audience, measure, "2024-01-01", "2025-12-31")
        every = data_project.figures(evidence, audience, "children_on_cpr", date_to="2025-12-31")
        assert {s.figure.period_to for s in window} == {"2023-03-31", "2024-06-30", "2025-03-31"}
        assert window == [s for s in every if s.figure.period_to >= "2023-03-31"]
    withheld = data_project.window(evidence, "external", measure, "2024-01-01", "2025-12-31")
    assert [s.reason for s in withheld if s.figure.period_to == "2024-06-30"].count("") == 1


def test_an_update_under_an_earlier_plan_withholds_small_counts_of_a_measure_dropped_since(
    tmp_path,
) -> None:
    """A measure the current plan no longer lists is not shown at all outside the team, as
    before: never shown whole because nothing judges it (found by review)."""
    from learning.services import initialise
    from learning.updates import render_markdown

    data_dir = tmp_path / "instance"
    initialise(data_dir, "wm2u-2023-2024")
    dropped = _shipped_plan(tmp_path, "looked_after_children", None)
    with Evidence(data_dir) as ev:
        _series(ev, (("2023-03-31", 9), ("2024-03-31", 2)), "looked_after_children")
        ev.adopt(str(dropped), "2024-09-01", [], actor="t")
        assert ev.framework.measure("looked_after_children") is None
        outside = render_markdown(
            ev.learning_update("2024-01-01", "2024-06-30", "external").summary
        )
    assert "Dundee 2" not in outside and "down 7" not in outside


def test_a_saved_external_update_follows_a_figure_that_changes_value(evidence) -> None:
    """Its record (page, API, search) shows the figures as they are, withheld as they must
    be now, in the same write; the team's own update keeps what it showed."""
    _series(evidence, (("2025-03-31", 9), ("2025-06-30", 12)))
    saved = {
        audience: evidence.learning_update(
            "2025-01-01", "2025-12-31", audience, save=True, actor="ed"
        ).record
        for audience in ("internal", "external")
    }
    assert all(f"{CPR_LINE} 12 (up 3" in r.body for r in saved.values())
    _series(evidence, (("2025-06-30", 3),), source="council, corrected")
    outside = evidence.get(saved["external"].id, "external")
    assert f"{CPR_LINE} fewer than 5" in outside.body
    assert "Dundee 12" not in outside.body and "Dundee 3" not in outside.body
    assert f"{CPR_LINE} 12 (up 3" in evidence.get(saved["internal"].id).body
    # A figure after the update's period is one it cannot show: the update is left alone.
    before = evidence.get(saved["external"].id).body
    _series(evidence, (("2026-03-31", 2),))
    assert evidence.get(saved["external"].id).body == before


def test_adopting_a_plan_with_a_higher_threshold_withholds_more_in_saved_external_updates(
    tmp_path,
) -> None:
    """The plan in force decides what is withheld: after an adoption, a saved external
    update's record and the figures as a viewer reads them follow the new threshold."""
    from learning.services import initialise
    from learning.updates import render_markdown

    data_dir = tmp_path / "instance"
    initialise(data_dir, "wm2u-2024-2026")
    stricter = _shipped_plan(tmp_path, "children_on_cpr", "disclosure_threshold: 15")
    with Evidence(data_dir) as ev:
        _series(ev, (("2025-03-31", 9), ("2025-06-30", 12)))
        assert [s.value for s in data_project.figures(ev, "external", "children_on_cpr")] == [9, 12]
        made = ev.learning_update("2025-01-01", "2025-06-30", "external", save=True, actor="ed")
        assert made.record is not None and f"{CPR_LINE} 12 (up 3" in made.record.body
        ev.adopt(str(stricter), "2026-01-01", [], actor="t")
        assert [s.value for s in data_project.figures(ev, "external", "children_on_cpr")] == [
            None,
            None,
        ]
        body = ev.get(made.record.id, "external").body
        assert f"{CPR_LINE} fewer than 15" in body and "Dundee 12" not in body
        again = render_markdown(ev.learning_update("2025-01-01", "2025-06-30", "external").summary)
        assert f"{CPR_LINE} fewer than 15" in again
