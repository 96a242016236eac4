"""A learning update a board would read: key messages, featured stories, the annex, a Word
file of a few pages. Driven as an editor drives it: the API, the form and the command line."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from learning.cli import main
from learning.services import Evidence
from tests.builders import record_data
from tests.web_helpers import csrf_token

pytest_plugins = ["tests.web_fixtures"]

INTRO = "## What we heard\n\nSarah Kerr's story moved the **board**.\n\n- Breakfast clubs"


def api(client, method: str, path: str, **kwargs):
    headers = {"X-CSRFToken": csrf_token(client, "/")} if method != "GET" else {}
    return client.open(path, method=method, headers=headers, **kwargs)


def post(client, path: str, data: dict):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/")})


@pytest.fixture
def stories(as_role):
    """Four records of 2025 (one internal, one soft-deleted) and one of 2024."""
    editor = as_role("editor")
    made = {}
    for key, overrides in {
        "shared": {"date": "2025-03-01", "title": "The shared story"},
        "internal": {"date": "2025-03-02", "consent": "internal", "title": "Team only"},
        "deleted": {"date": "2025-03-03", "title": "Withdrawn story"},
        "old": {"date": "2024-03-01", "title": "Last year's story"},
    }.items():
        answer = api(editor, "POST", "/api/records", json=record_data(**overrides))
        assert answer.status_code == 201, answer.json
        made[key] = answer.json["id"]
    assert api(editor, "DELETE", f"/api/records/{made['deleted']}").status_code == 204
    return made


def test_api_takes_key_messages_featured_stories_and_the_annex(as_role, stories) -> None:
    editor = as_role("editor")
    body = {
        "from": "2025-01-01",
        "to": "2025-12-31",
        "audience": "external",
        "intro": INTRO,
        "featured": [stories["shared"]],
        "annex": False,
        "save": True,
    }
    made = api(editor, "POST", "/api/learning-updates", json=body)
    assert made.status_code == 201, made.json
    markdown = made.json["markdown"]
    # The key messages open the update, as written but without the cited records' names.
    assert "### What we heard" in markdown and "Person A's story moved the **board**." in markdown
    assert "Sarah" not in markdown and "Kerr" not in markdown
    assert markdown.index("## Key messages") < markdown.index("## At a glance")
    assert "The shared story" in markdown and "Annex" not in markdown
    record = api(editor, "GET", f"/api/records/{made.json['id']}").json
    assert record["fields"]["featured"] == [stories["shared"]]
    assert record["fields"]["annex"] == "false"
    assert record["fields"]["intro"].startswith("## What we heard\n\nPerson A's story")
    # A viewer reading the saved update gets the same document, names replaced.
    viewer = as_role("viewer")
    for fmt in ("md", "html"):
        page = viewer.get(f"/api/learning-updates/{made.json['id']}?format={fmt}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "Person A" in text and "Kerr" not in text and "Annex" not in text


@pytest.mark.parametrize(
    ("which", "audience", "problem"),
    [
        ("unknown", "internal", "is not a record"),
        ("deleted", "internal", "is deleted"),
        ("old", "internal", "outside the period"),
        ("internal", "external", "is internal"),
    ],
)
def test_a_story_that_cannot_be_featured_is_refused_by_name(
    as_role, stories, which, audience, problem
) -> None:
    record_id = stories.get(which, "no-such-record")
    body = {"from": "2025-01-01", "to": "2025-12-31", "audience": audience, "save": True}
    answer = api(as_role("editor"), "POST", "/api/learning-updates", json={
        **body, "featured": [stories["shared"], record_id],
    })  # fmt: skip
    assert answer.status_code == 422
    message = answer.json["error"]["fields"]["featured"]
    assert record_id in message and problem in message and stories["shared"] not in message
    listed = api(as_role("editor"), "GET", "/api/learning-updates").json
    assert listed["total"] == 0  # nothing was saved


def test_an_internal_story_may_be_featured_for_the_team(as_role, stories) -> None:
    body = {"from": "2025-01-01", "to": "2025-12-31", "featured": [stories["internal"]]}
    answer = api(as_role("editor"), "POST", "/api/learning-updates", json=body)
    assert answer.status_code == 201
    assert "Team only" in answer.json["markdown"].split("### Featured stories")[1]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("annex", "no"),
        ("intro", 5),
        ("featured", "abc"),
        ("intro", "x" * 20001),
        ("intro", "x\ud800"),
    ],
)
def test_bad_options_are_refused_naming_the_field(as_role, key, value) -> None:
    body = {"from": "2025-01-01", "to": "2025-12-31", key: value}
    answer = api(as_role("editor"), "POST", "/api/learning-updates", json=body)
    assert answer.status_code == 422 and key in answer.json["error"]["fields"]


def test_the_form_previews_the_key_messages_keeps_them_and_saves_them(as_role, stories) -> None:
    editor = as_role("editor")
    form = editor.get("/learning-updates/new").get_data(as_text=True)
    assert 'name="intro"' in form and 'name="featured"' in form and 'name="annex"' in form
    data = {
        "from": "2025-01-01",
        "to": "2025-12-31",
        "audience": "external",
        "intro": INTRO,
        "featured": stories["shared"],
        "annex-shown": "1",  # the annex box left unticked
    }
    preview = post(editor, "/learning-updates/new", {**data, "action": "preview"})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "What we heard" in page
    assert "Sarah Kerr&#39;s story" in page  # the editor's own text, still editable
    assert "Person A" in page.split('id="preview"')[1]  # the preview shows what leaves
    refused = post(editor, "/learning-updates/new", {**data, "featured": stories["internal"]})
    assert refused.status_code == 422 and "is internal" in refused.get_data(as_text=True)
    saved = post(editor, "/learning-updates/new", {**data, "action": "save"})
    assert saved.status_code == 302
    record_id = saved.headers["Location"].rsplit("/", 1)[1]
    record = api(editor, "GET", f"/api/records/{record_id}").json
    assert record["fields"]["annex"] == "false" and record["fields"]["featured"]
    assert "Annex" not in record["body"] and "Person A's story" in record["body"]


def test_cli_intro_featured_and_no_annex(data_dir: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    with Evidence(data_dir) as ev:
        shared = ev.create(record_data(date="2025-03-01", title="The shared story"))
    intro = tmp_path / "intro.md"
    intro.write_text(INTRO, encoding="utf-8")
    out = tmp_path / "update.md"
    args = ["--data-dir", str(data_dir), "learning-update", "--from", "2025-01-01"]
    args += ["--to", "2025-12-31", "--audience", "external", "--intro", str(intro)]
    args += ["--featured", shared.id, "--no-annex", "--format", "md", "--out", str(out)]
    result = CliRunner().invoke(main, [*args, "--save"])
    assert result.exit_code == 0, result.output
    text = out.read_text("utf-8")
    assert "Person A's story moved the **board**." in text and "Annex" not in text
    with Evidence(data_dir) as ev:
        saved = ev.get(result.stdout.strip())
    assert saved.fields["featured"] == [shared.id] and saved.fields["annex"] == "false"
    refused = CliRunner().invoke(main, [*args[:-4], "--featured", "nope", "--format", "md",
                                        "--out", str(out)])  # fmt: skip
    assert refused.exit_code != 0 and "featured" in refused.output and "nope" in refused.output


# --- length, as LibreOffice lays the Word file out ----------------------------------------

OFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def pages(docx: Path, work: Path) -> int:
    """The page count of a Word file as LibreOffice lays it out (PDF, then its pages)."""
    subprocess.run(
        [OFFICE, f"-env:UserInstallation=file://{work}/profile", "--headless", "--convert-to",
         "pdf", "--outdir", str(work), str(docx)],
        capture_output=True, timeout=300, check=True,
    )  # fmt: skip
    pdf = (work / docx.name).with_suffix(".pdf").read_bytes()
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


@pytest.mark.slow
@pytest.mark.skipif(OFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_a_year_and_a_quarter_of_the_demo_data_are_a_few_pages(tmp_path: Path) -> None:
    from click.testing import CliRunner

    runner = CliRunner()
    data = tmp_path / "data"
    for command in (["init"], ["demo"]):
        result = runner.invoke(main, ["--data-dir", str(data), *command])
        assert result.exit_code == 0, result.output
    counts = {}
    for name, start, end, annex in (
        ("year", "2025-01-01", "2025-12-31", "--annex"),
        ("quarter", "2025-04-01", "2025-06-30", "--annex"),
        ("year-lean", "2025-01-01", "2025-12-31", "--no-annex"),
    ):
        out = tmp_path / f"{name}.docx"
        result = runner.invoke(main, [
            "--data-dir", str(data), "learning-update", "--from", start, "--to", end,
            "--audience", "external", annex, "--format", "docx", "--out", str(out),
        ])  # fmt: skip
        assert result.exit_code == 0, result.output
        counts[name] = pages(out, tmp_path)
    assert counts["year"] <= 15, counts
    # "About 8" for a quarter: 8 without figures; the register's figures under SO3.2 (since
    # the demo has figures) move the annex on to a ninth page.
    assert counts["quarter"] <= 9, counts
    assert counts["year-lean"] < counts["year"], counts


def test_saved_options_come_back_for_the_saved_document(evidence) -> None:
    story = evidence.create(record_data(date="2025-03-01", title="The shared story"))
    made = evidence.learning_update(
        "2025-01-01", "2025-12-31", "external", intro=INTRO, featured=[story.id], annex=False,
        save=True, actor="editor",
    )  # fmt: skip
    assert made.record is not None
    assert json.loads(json.dumps(made.record.fields))["intro"].startswith("## What we heard")
    from learning.updates import UpdateRequest

    asked = UpdateRequest.from_saved(made.record)
    assert asked.annex is False and asked.featured == (story.id,)
    assert asked.prepared_by == "editor" and asked.prepared_on
    assert asked.intro == made.record.fields["intro"] and asked.audience == "external"


def test_erasure_cuts_the_erased_record_out_of_the_key_messages(evidence) -> None:
    story = evidence.create(record_data(
        date="2025-03-01", title="Ailsa's story", people=["Ailsa Pennycook"],
        quotes=["Ailsa said it helped."],
    ))  # fmt: skip
    other = evidence.create(record_data(date="2025-03-02", title="Another story", people=[]))
    intro = f"Ailsa Pennycook's story ({story.id}) moved the board; so did {other.id}."
    made = evidence.learning_update(
        "2025-01-01", "2025-12-31", "internal", intro=intro, featured=[story.id], save=True
    )
    assert made.record is not None and "Ailsa Pennycook" in made.record.fields["intro"]
    evidence.purge(story.id, "admin")
    saved = evidence.get(made.record.id)
    assert "Ailsa" not in saved.fields["intro"] and "Pennycook" not in saved.fields["intro"]
    assert story.id not in saved.fields["intro"] and other.id in saved.fields["intro"]
    assert story.id not in saved.fields.get("featured", [])
    assert "Ailsa" not in saved.body


def test_a_name_added_to_a_cited_record_leaves_an_external_updates_key_messages(evidence):
    story = evidence.create(record_data(date="2025-03-01", title="A story", people=[]))
    intro = "Morag Strauss spoke for the families."
    made = evidence.learning_update("2025-01-01", "2025-12-31", "external", intro=intro, save=True)
    assert made.record is not None and "Morag" in made.record.fields["intro"]  # nobody named yet
    data = {**story.to_dict(), "people": ["Morag Strauss"]}
    evidence.update(story.id, data, "editor")
    saved = evidence.get(made.record.id)
    assert "Morag" not in saved.fields["intro"] and "Strauss" not in saved.fields["intro"]
    assert "Morag" not in saved.body


def test_an_update_whose_annex_is_too_long_to_keep_is_saved_with_its_lists_in_its_documents(
    evidence,
) -> None:
    """A year at 100,000 records cites tens of thousands: the saved record keeps the update
    and a note; its documents, made from the records it cites, still list every one."""
    long_title = "A café conversation about the school run, the breakfast club and the bus " * 3
    evidence.import_items(
        (f"row {n}", record_data(title=f"{long_title[:280].strip()} {n}", people=[], quotes=[]))
        for n in range(900)
    )
    full = evidence.learning_update("2025-01-01", "2025-12-31", "external")
    from learning.updates import render_markdown

    assert len(render_markdown(full.summary)) > 200_000
    made = evidence.learning_update("2025-01-01", "2025-12-31", "external", save=True,
                                    actor="editor")  # fmt: skip
    assert made.record is not None
    body = made.record.body
    header = "| Record | Type | Date | Locality |"
    assert "Evidence cited" not in body and header not in body
    assert "The full lists (900 records cited) are too long to keep in this saved record" in body
    assert "## Objective SO1" in body and made.record.fields["annex"] == "true"
    assert len(made.record.fields["cites"]) == 900
    from learning import saved_updates

    document = saved_updates.document(evidence, evidence.get(made.record.id), "external")
    again = render_markdown(document)
    assert "Evidence cited" in again and header in again
    assert again.count("| Family story | 14 March 2025 | Lochee |") == 900
