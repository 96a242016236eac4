"""Plans over time: a data dir holds every plan it has used, judges each record by the plan
of its date, and adopts a reviewed plan without losing or invalidating a single record."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from evidence.model import ValidationError
from learning.cli import main
from learning.services import DB_NAME, Evidence, initialise
from tests.builders import record_data

MAPS = ["--map", "SO2-D=SO1-C", "--map", "SO2-E=SO3-C"]


def adopt_the_review(data_dir):
    """Adopt the August 2024 review from 2024-09-01, mapping the retired codes; it must work."""
    adopted = run(data_dir, "framework", "adopt", "wm2u-2024-2026", "--from", "2024-09-01", *MAPS)
    assert adopted.exit_code == 0, adopted.stderr


def run(data_dir: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), *args], input=input)


def story_2023(**overrides):
    """A record of the 2023 plan: East Ayrshire, SO2-D."""
    base = {
        "date": "2023-10-02",
        "authority": "East Ayrshire",
        "locality": "Barony",
        "indicators": ["SO2.1"],
        "activities": ["SO2-D"],
    }
    return record_data(**{**base, **overrides})


@pytest.fixture
def old_dir(tmp_path: Path) -> Path:
    """A data dir made with the 2023 plan, with records of 2023, 2024 and 2025."""
    path = tmp_path / "plans"
    initialise(path, "wm2u-2023-2024")
    with Evidence(path) as ev:
        ids = {
            "ea_2023": ev.create(story_2023(title="Barony mums' group"), "test").id,
            "dundee_2024": ev.create(
                record_data(date="2024-02-10", activities=["SO2-D"], title="Lochee café"), "test"
            ).id,
            # Dated after the review: valid under both plans once SO2-D/SO2-E are mapped.
            "event_2025": ev.create(
                record_data(
                    type="event",
                    date="2025-02-02",
                    title="National learning event",
                    indicators=["SO4.1"],
                    activities=["SO2-D", "SO2-E"],
                    fields={"scope": "national", "participants": 40},
                    people=[],
                    quotes=[],
                    body="A national event.",
                ),
                "test",
            ).id,
            "lochee_2025": ev.create(record_data(date="2025-03-14"), "test").id,
        }
    (path / "ids.json").write_text(json.dumps(ids))
    return path


def ids_of(path: Path) -> dict[str, str]:
    return json.loads((path / "ids.json").read_text())


def state(path: Path) -> tuple:
    """Everything an adoption may change: plans, records with revisions, revisions, ratings."""
    conn = sqlite3.connect(path / DB_NAME)
    try:
        return (
            conn.execute("SELECT name, valid_from, map FROM plans ORDER BY id").fetchall(),
            conn.execute(
                "SELECT id, revision, activities, authority, locality FROM records ORDER BY id"
            ).fetchall(),
            conn.execute("SELECT count(*) FROM revisions").fetchone(),
            conn.execute("SELECT id, indicator FROM ratings ORDER BY id").fetchall(),
        )
    finally:
        conn.close()


def test_a_new_data_dir_holds_its_one_plan_in_force_for_every_date(old_dir):
    listed = json.loads(run(old_dir, "framework", "list", "--json").stdout)
    assert listed == {
        "plans": [
            {
                "name": "wm2u-2023-2024",
                "title": listed["plans"][0]["title"],
                "from": None,
                "to": None,
            }
        ]
    }
    shown = run(old_dir, "framework", "show", "--date", "1999-01-01")
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout.splitlines()[0].startswith("wm2u-2023-2024: What Matters to You?")


def test_the_shipped_adoption_over_records_of_both_periods(old_dir):
    ids = ids_of(old_dir)
    assert run(old_dir, "check").exit_code == 0
    refused = run(old_dir, "framework", "adopt", "wm2u-2024-2026", "--from", "2024-09-01")
    assert refused.exit_code == 1
    assert ids["event_2025"] in refused.stderr and "SO2-D" in refused.stderr
    assert ids["ea_2023"] not in refused.stderr  # dated before the change: not judged by it

    adopted = run(old_dir, "framework", "adopt", "wm2u-2024-2026", "--from", "2024-09-01", *MAPS)
    assert adopted.exit_code == 0, adopted.stderr
    assert f"record {ids['event_2025']}: activities: SO2-D, SO2-E → SO1-C, SO3-C" in adopted.stdout
    checked = run(old_dir, "check")
    assert checked.exit_code == 0, checked.stdout + checked.stderr

    listed = json.loads(run(old_dir, "framework", "list", "--json").stdout)["plans"]
    assert [(p["name"], p["from"], p["to"]) for p in listed] == [
        ("wm2u-2023-2024", None, "2024-08-31"),
        ("wm2u-2024-2026", "2024-09-01", None),
    ]
    with Evidence(old_dir) as ev:
        assert ev.framework.name == "wm2u-2024-2026"
        event = ev.get(ids["event_2025"])
        assert event.activities == ["SO1-C", "SO3-C"] and event.revision == 2
        (old,) = ev.store.revisions(event.id)
        assert old["record"]["activities"] == ["SO2-D", "SO2-E"]
        story = ev.get(ids["ea_2023"])  # a 2023 record keeps its place and its activity
        assert (story.authority, story.locality, story.activities, story.revision) == (
            "East Ayrshire",
            "Barony",
            ["SO2-D"],
            1,
        )
        audit = ev.store.conn.execute(
            "SELECT detail FROM audit WHERE action = 'plan-adopt'"
        ).fetchall()
        assert audit and "wm2u-2024-2026 from 2024-09-01" in audit[0][0]


def test_each_record_is_judged_by_the_plan_of_its_date(old_dir):
    adopt_the_review(old_dir)
    with Evidence(old_dir) as ev:
        # 2023: East Ayrshire and SO2-D are still right; Clackmannanshire is not yet a place.
        assert ev.create(story_2023(), "t").locality == "Barony"
        with pytest.raises(ValidationError) as refused:
            ev.create(record_data(date="2023-05-01", locality="Alloa", authority=None), "t")
        assert "wm2u-2023-2024" in str(refused.value.errors["locality"])
        # After the review: the new plan's codes and places.
        assert (
            ev.create(
                record_data(
                    date="2025-01-10",
                    authority="Clackmannanshire",
                    locality="Alloa",
                    activities=["SO3-C"],
                ),
                "t",
            ).locality
            == "Alloa"
        )
        with pytest.raises(ValidationError) as refused:
            ev.create(story_2023(date="2024-11-05"), "t")
        errors = refused.value.errors
        assert "SO2-D" in errors["activities"] and "wm2u-2024-2026" in errors["activities"]
        assert "East Ayrshire" in errors["authority"]
    # The CLI add path and import say the same.
    bad = run(
        old_dir,
        "add",
        "-",
        input="---\ntype: family_story\ntitle: t\ndate: 2025-01-01\n"
        "consent: public\nindicators: [SO1.1]\nactivities: [SO2-E]\n---\nx\n",
    )
    assert bad.exit_code == 1 and "SO2-E" in bad.stderr and "wm2u-2024-2026" in bad.stderr


def test_a_refused_adoption_changes_nothing(old_dir):
    before = state(old_dir)
    for args in (
        [],  # SO2-D unmapped
        ["--map", "SO2-D=SO1-C"],  # SO2-E still unmapped
        ["--dry-run"],
    ):
        result = run(old_dir, "framework", "adopt", "wm2u-2024-2026", "--from", "2024-09-01", *args)
        assert result.exit_code == 1, args
        assert "Nothing was changed" in result.stderr
    assert state(old_dir) == before


def test_a_dry_run_reports_and_changes_nothing(old_dir):
    before = state(old_dir)
    ids = ids_of(old_dir)
    result = run(
        old_dir, "framework", "adopt", "wm2u-2024-2026", "--from", "2024-09-01", *MAPS, "--dry-run"
    )
    assert result.exit_code == 0, result.stderr
    assert ids["event_2025"] in result.stdout and "Dry run" in result.stdout
    assert state(old_dir) == before


def test_a_map_can_drop_a_code_and_move_a_locality(tmp_path):
    path = tmp_path / "d"
    initialise(path, "wm2u-2023-2024")
    with Evidence(path) as ev:
        record = ev.create(story_2023(date="2025-01-01"), "t")
    result = run(
        path,
        "framework",
        "adopt",
        "wm2u-2024-2026",
        "--from",
        "2024-09-01",
        "--map",
        "SO2-D=",
        "--map",
        "Barony=Alloa",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["adopted"] and report["rewrites"][0]["id"] == record.id
    with Evidence(path) as ev:
        moved = ev.get(record.id)
        assert (moved.activities, moved.authority, moved.locality) == (
            [],
            "Clackmannanshire",
            "Alloa",
        )
    assert run(path, "check").exit_code == 0


@pytest.mark.parametrize(
    "args, words",
    [
        (["nope", "--from", "2025-01-01"], ["nope", "wm2u-2024-2026"]),
        (["wm2u-2024-2026", "--from", "2024-09-01", "--map", "SO9-Z=SO1-C"], ["SO9-Z"]),
        (
            ["wm2u-2024-2026", "--from", "2024-09-01", "--map", "SO2-D=SO2-D"],
            ["SO2-D", "no activity"],
        ),
        (["wm2u-2024-2026", "--from", "2024-09-01", "--map", "SO2-D"], ["OLD=NEW"]),
    ],
)
def test_bad_adoptions_are_refused_with_a_clear_message(old_dir, args, words):
    before = state(old_dir)
    result = run(old_dir, "framework", "adopt", *args)
    assert result.exit_code == 1, result.stdout
    assert all(w in result.stderr for w in words), result.stderr
    assert "Traceback" not in result.stderr
    assert state(old_dir) == before


def test_a_malformed_plan_file_is_refused_with_its_line(old_dir, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ntitle: y\nobjectives:\n  - code: S01\n    text: t\n", encoding="utf-8")
    result = run(old_dir, "framework", "adopt", str(bad), "--from", "2025-01-01")
    assert result.exit_code == 1
    assert "line 4" in result.stderr and "S01" in result.stderr
    diffed = run(old_dir, "framework", "diff", "wm2u-2023-2024", str(bad))
    assert diffed.exit_code == 1 and "line 4" in diffed.stderr


def test_a_date_before_the_plan_in_force_is_refused(old_dir):
    adopt_the_review(old_dir)
    before = state(old_dir)
    result = run(old_dir, "framework", "adopt", "wm2u-2023-2024", "--from", "2024-06-01")
    assert result.exit_code == 1
    assert "2024-09-01" in result.stderr and "from" in result.stderr
    assert state(old_dir) == before


def test_init_keeps_the_plans_and_refuses_a_swap(old_dir):
    adopt_the_review(old_dir)
    before = state(old_dir)
    assert run(old_dir, "init").exit_code == 0
    assert run(old_dir, "init", "--framework", "wm2u-2024-2026").exit_code == 0  # the same
    swapped = run(old_dir, "init", "--framework", "wm2u-2023-2024")
    assert swapped.exit_code == 1 and "wm2u framework adopt" in swapped.stderr
    assert state(old_dir) == before


def test_an_upgrade_from_a_single_plan_data_dir_adds_no_revision(old_dir):
    conn = sqlite3.connect(old_dir / DB_NAME)
    conn.execute("DROP TABLE plans")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm009_plans'")
    conn.commit()
    revisions = conn.execute("SELECT id, revision FROM records ORDER BY id").fetchall()
    conn.close()
    with Evidence(old_dir) as ev:
        assert [p.name for p in ev.plans] == ["wm2u-2023-2024"]
        assert ev.plans.latest.valid_from is None
        rows = ev.store.conn.execute("SELECT id, revision FROM records ORDER BY id").fetchall()
        assert rows == revisions
    assert run(old_dir, "check").exit_code == 0


def test_a_custom_plan_is_kept_in_the_database(tmp_path):
    from learning import framework as framework_mod

    custom = tmp_path / "custom.yaml"
    text = (framework_mod.FRAMEWORKS_DIR / "wm2u-2023-2024.yaml").read_text(encoding="utf-8")
    custom.write_text(text.replace("name: wm2u-2023-2024", "name: our-plan"), encoding="utf-8")
    path = tmp_path / "d"
    assert run(path, "init", "--framework", str(custom)).exit_code == 0
    custom.unlink()
    (path / "framework.yaml").unlink()  # the database holds the plan's text
    with Evidence(path) as ev:
        assert ev.framework.name == "our-plan"


def test_backup_keeps_every_plan(old_dir, tmp_path):
    adopt_the_review(old_dir)
    copy = tmp_path / "copy.db"
    assert run(old_dir, "backup", str(copy)).exit_code == 0
    conn = sqlite3.connect(copy)
    rows = conn.execute("SELECT name, valid_from, map FROM plans ORDER BY id").fetchall()
    conn.close()
    assert rows == [
        ("wm2u-2023-2024", None, "{}"),
        ("wm2u-2024-2026", "2024-09-01", json.dumps({"SO2-D": "SO1-C", "SO2-E": "SO3-C"})),
    ]


def test_import_judges_records_by_the_plans_of_the_data_dir(old_dir, tmp_path):
    adopt_the_review(old_dir)
    exported = tmp_path / "all.json"
    assert run(old_dir, "export", "--format", "json", "--out", str(exported)).exit_code == 0
    # Into a dir whose only plan is 2024's, a 2023 East Ayrshire record is refused ...
    other = tmp_path / "other"
    initialise(other)
    refused = run(other, "import", str(exported))
    assert refused.exit_code == 1 and "East Ayrshire" in refused.stderr
    # ... and into one that holds both plans, it is kept.
    both = tmp_path / "both"
    initialise(both, "wm2u-2023-2024")
    assert run(both, "framework", "adopt", "wm2u-2024-2026", "--from", "2024-09-01").exit_code == 0
    imported = run(both, "import", str(exported))
    assert imported.exit_code == 0, imported.stderr
    assert run(both, "check").exit_code == 0


def test_diff_of_the_shipped_plans(old_dir):
    text = run(old_dir, "framework", "diff", "wm2u-2023-2024", "wm2u-2024-2026")
    assert text.exit_code == 0, text.stderr
    for word in ("SO2-D", "SO2-E", "SO3-C", "East Ayrshire", "Clackmannanshire"):
        assert word in text.stdout
    d = json.loads(
        run(old_dir, "framework", "diff", "wm2u-2023-2024", "wm2u-2024-2026", "--json").stdout
    )
    activities = d["sections"]["activities"]
    assert [a["key"] for a in activities["added"]] == ["SO3-C"]
    assert [a["key"] for a in activities["removed"]] == ["SO2-D", "SO2-E"]
    assert any(
        c["key"] == "SO1-A" and c["field"] == "owners" and c["added"] == ["SD"]
        for c in activities["changed"]
    )
    assert [a["key"] for a in d["sections"]["authorities"]["added"]] == ["Clackmannanshire"]
    assert [a["key"] for a in d["sections"]["authorities"]["removed"]] == ["East Ayrshire"]
    assert set(d["sections"]) >= {"objectives", "indicators", "record_types", "measures"}


def _activity(summary, code):
    return next(a for o in summary.objectives for a in o.activities if a.code == code)


def test_a_learning_update_reports_against_the_plan_of_its_last_day(old_dir):
    ids = ids_of(old_dir)
    with Evidence(old_dir) as ev:
        ev.create(
            record_data(
                type="event",
                date="2024-01-20",
                title="National event in Glasgow",
                indicators=["SO4.1"],
                activities=["SO2-D"],
                people=[],
                quotes=[],
                fields={"scope": "national", "participants": 30},
            ),
            "t",
        )
        ev.create(record_data(date="2024-08-20", title="August story", activities=["SO2-D"]), "t")
    adopt_the_review(old_dir)
    with Evidence(old_dir) as ev:
        # Under the 2023 plan: its title, and SO2-D's targets.
        old = ev.learning_update("2023-06-01", "2024-03-31").summary
        assert old.framework_title == ev.plans.plans[0].title
        so2d = _activity(old, "SO2-D")
        assert [t.label for t in so2d.targets][:1] == ["Learning updates"]
        assert {t.label: t.value for t in so2d.targets}["National learning events"] == 2
        assert so2d.evidence_count == 3  # Barony, Lochee 2024-02 and the national event
        # Across the change: the new plan, the earlier one named with the date written out,
        # and the August SO2-D story counted under SO1-C, the code it maps to.
        across = ev.learning_update("2024-07-01", "2025-06-30")
        title = across.summary.framework_title
        assert title.startswith(ev.plans.latest.title)
        assert "1 September 2024" in title and ev.plans.plans[0].title in title
        assert all(a.code != "SO2-D" for o in across.summary.objectives for a in o.activities)
        so1c = _activity(across.summary, "SO1-C")
        assert so1c.evidence_count == 2  # August (mapped) and the 2025 event (rewritten)
        from learning.updates import render_markdown

        assert "1 September 2024" in render_markdown(across.summary)
        saved = ev.learning_update("2024-07-01", "2025-06-30", save=True).record
        assert saved is not None and saved.date == "2025-06-30"
    assert ids and run(old_dir, "check").exit_code == 0


def test_ratings_dated_from_the_change_are_checked_and_mapped(old_dir):
    from evidence.ratings import add_rating, list_ratings

    with Evidence(old_dir) as ev:
        rating = {
            "indicator": "SO1.1",
            "period_to": "2025-03-31",
            "progress": "developing",
            "confidence": "medium",
            "rationale": "Families lead the café.",
            "records": [],
        }
        early = add_rating(
            ev.store,
            ev.framework,
            {**rating, "period_from": "2023-01-01", "period_to": "2023-12-31"},
            "t",
        )
        late = add_rating(ev.store, ev.framework, {**rating, "period_from": "2025-01-01"}, "t")
    result = run(
        old_dir,
        "framework",
        "adopt",
        "wm2u-2024-2026",
        "--from",
        "2024-09-01",
        *MAPS,
        "--map",
        "SO1.1=SO1.2",
    )
    assert result.exit_code == 0, result.stderr
    assert f"rating {late['id']}: indicator: SO1.1 → SO1.2" in result.stdout
    with Evidence(old_dir) as ev:
        by_id = {r["id"]: r["indicator"] for r in list_ratings(ev.store)}
    assert by_id == {early["id"]: "SO1.1", late["id"]: "SO1.2"}
    assert run(old_dir, "check").exit_code == 0


def test_a_saved_update_citing_a_rewritten_record_is_made_again_in_the_adoption(old_dir):
    ids = ids_of(old_dir)
    with Evidence(old_dir) as ev:
        saved = ev.learning_update("2025-01-01", "2025-06-30", "external", save=True).record
        assert ids["event_2025"] in saved.fields["cites"]
    result = run(old_dir, "framework", "adopt", "wm2u-2024-2026", "--from", "2024-09-01", *MAPS)
    assert result.exit_code == 0, result.stderr
    with Evidence(old_dir) as ev:
        update = ev.get(saved.id)
        assert update.revision == saved.revision  # the same document, made again in place
        assert ids["event_2025"] in update.fields["cites"]
    assert run(old_dir, "check").exit_code == 0


def test_a_record_judged_before_an_adoption_is_not_saved_after_it(old_dir):
    with Evidence(old_dir) as ev:
        judged_under = ev.plans_version()
        record = ev.validate(record_data(date="2025-04-01", activities=["SO2-D"]))
        with Evidence(old_dir) as other:
            other.adopt("wm2u-2024-2026", "2024-09-01", ["SO2-D=SO1-C", "SO2-E=SO3-C"])
        with pytest.raises(ValidationError) as refused:
            ev.store.add(record, "t", judged_under)
        assert "new plan" in refused.value.errors["date"]
        with pytest.raises(ValidationError):  # judged again: SO2-D is retired from then on
            ev.create(record_data(date="2025-04-01", activities=["SO2-D"]), "t")
    assert run(old_dir, "check").exit_code == 0


def _md(date, title, authority, locality, activities, indicators=("SO1.1",), **extra):
    front = {
        "type": "family_story",
        "title": title,
        "date": date,
        "authority": authority,
        "locality": locality,
        "consent": "public",
        "indicators": list(indicators),
        "activities": list(activities),
        **extra,
    }
    return "---\n" + json.dumps(front) + "\n---\n" + f"{title}: what the family said.\n"


def test_end_to_end_on_the_command_line(tmp_path):
    path = tmp_path / "cli"
    assert run(path, "init", "--framework", "wm2u-2023-2024").exit_code == 0
    files = []
    corpus = [
        ("2023-09-14", "Barony breakfast club", "East Ayrshire", "Barony", ["SO2-D"]),
        ("2024-03-02", "Grange kitchen table", "East Ayrshire", "Grange", ["SO2-E"]),
        ("2024-06-20", "Lochee walking group", "Dundee", "Lochee", ["SO1-A"]),
        ("2024-10-05", "Coldside homework club", "Dundee", "Coldside", ["SO2-D"]),
        ("2025-04-11", "Maryfield allotment", "Dundee", "Maryfield", ["SO2-E", "SO1-A"]),
    ]
    for n, row in enumerate(corpus):
        f = tmp_path / f"r{n}.md"
        f.write_text(_md(*row), encoding="utf-8")
        files.append(str(f))
    added = run(path, "add", *files)
    assert added.exit_code == 0, added.stderr
    ids = added.stdout.split()
    assert len(ids) == 5
    assert run(path, "check").exit_code == 0
    dry = run(path, "framework", "adopt", "wm2u-2024-2026", "--from", "2024-09-01", "--dry-run")
    assert dry.exit_code == 1 and ids[3] in dry.stderr and ids[4] in dry.stderr
    assert ids[0] not in dry.stderr and ids[2] not in dry.stderr
    done = run(path, "framework", "adopt", "wm2u-2024-2026", "--from", "2024-09-01", *MAPS)
    assert done.exit_code == 0, done.stderr
    assert run(path, "check").exit_code == 0
    # Search and list over both periods.
    found = json.loads(run(path, "search", "family", "--json", "--limit", "10").stdout)
    assert {h["id"] for h in found["hits"]} == set(ids)
    barony = json.loads(run(path, "list", "--locality", "Barony", "--json").stdout)
    assert [r["id"] for r in barony["records"]] == [ids[0]]
    assert json.loads(run(path, "show", ids[4], "--json").stdout)["activities"] == [
        "SO3-C",
        "SO1-A",
    ]
    # A learning update of each period, and one across the change.
    for start, end, title in (
        ("2023-06-01", "2024-03-31", "key activities June 2023"),
        ("2025-01-01", "2025-06-30", "review August 2024"),
        ("2024-04-01", "2025-03-31", "1 September 2024"),
    ):
        out = tmp_path / f"{start}.md"
        made = run(
            path,
            "learning-update",
            "--from",
            start,
            "--to",
            end,
            "--format",
            "md",
            "--out",
            str(out),
        )
        assert made.exit_code == 0, made.stderr
        assert title in out.read_text(encoding="utf-8")


def test_a_shipped_plan_follows_the_products_copy_a_custom_one_is_kept(old_dir, tmp_path):
    conn = sqlite3.connect(old_dir / DB_NAME)
    conn.execute("UPDATE plans SET text = replace(text, 'Barony', 'Barony') || '\n# old copy\n'")
    conn.commit()
    conn.close()
    with Evidence(old_dir) as ev:  # an upgraded product brings its copy in
        assert "# old copy" not in ev.plans.plans[0].text
        assert ev.store.plans()[0].shipped
    from learning import framework as framework_mod

    text = (framework_mod.FRAMEWORKS_DIR / "wm2u-2023-2024.yaml").read_text(encoding="utf-8")
    custom = tmp_path / "custom.yaml"
    custom.write_text(text + "\n# ours\n", encoding="utf-8")  # named wm2u-2023-2024 too
    other = tmp_path / "other"
    assert run(other, "init", "--framework", str(custom)).exit_code == 0
    with Evidence(other) as ev:
        assert "# ours" in ev.plans.plans[0].text and not ev.store.plans()[0].shipped
