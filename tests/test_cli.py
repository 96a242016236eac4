"""The `wm2u` command line, end to end against a real data dir."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import yaml

from tests.builders import record_data


def md_file(tmp_path: Path, name: str = "story.md", **overrides) -> Path:
    data = record_data(**overrides)
    body = data.pop("body")
    path = tmp_path / name
    path.write_text(f"---\n{yaml.safe_dump(data, allow_unicode=True)}---\n{body}\n", "utf-8")
    return path


def test_init_is_idempotent(cli):
    assert cli("init").exit_code == 0
    assert cli("init").exit_code == 0


def test_add_prints_each_new_id_and_nothing_else(cli, tmp_path):
    a = md_file(tmp_path, "a.md", title="Mum's first panel")
    b = md_file(tmp_path, "b.md", title="Dad at the café")
    result = cli("add", str(a), str(b))
    assert result.exit_code == 0, result.stderr
    ids = result.stdout.split()
    assert len(ids) == 2 and all(len(i) == 26 for i in ids)
    shown = json.loads(cli("show", ids[0], "--json").stdout)
    assert shown["title"] == "Mum's first panel"
    assert shown["revision"] == 1


def test_add_from_stdin(cli, tmp_path):
    text = md_file(tmp_path).read_text("utf-8")
    result = cli("add", "-", input=text)
    assert result.exit_code == 0
    assert len(result.stdout.split()) == 1


def test_a_bad_file_in_a_batch_is_named_and_nothing_is_added(cli, tmp_path):
    good = md_file(tmp_path, "good.md")
    bad = md_file(tmp_path, "bad.md", locality="Alloa")
    result = cli("add", str(good), str(bad))
    assert result.exit_code == 1
    assert "bad.md" in result.stderr and "locality" in result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(cli("list", "--json").stdout)["total"] == 0


def test_missing_front_matter_is_refused(cli, tmp_path):
    path = tmp_path / "plain.md"
    path.write_text("just words\n")
    result = cli("add", str(path))
    assert result.exit_code == 1
    assert "front matter" in result.stderr


def test_list_filters_and_json_shape(cli, evidence, make_record):
    evidence.create(
        make_record(indicators=["SO2.1"], locality="Alloa", authority="Clackmannanshire")
    )
    evidence.create(make_record(date="2024-10-01"))
    evidence.create(make_record(date="2025-10-01"))
    out = json.loads(cli("list", "--json", "--indicator", "SO1.1").stdout)
    assert out["total"] == 2 and len(out["records"]) == 2
    out = json.loads(cli("list", "--json", "--from", "2025-01-01", "--limit", "1").stdout)
    assert out["total"] == 3 - 1 and len(out["records"]) == 1
    out = json.loads(cli("list", "--json", "--locality", "Alloa").stdout)
    assert [r["locality"] for r in out["records"]] == ["Alloa"]


def test_exit_status_for_not_found_and_usage(cli):
    missing = cli("show", "01NOTHINGHERE")
    assert missing.exit_code == 1
    assert "01NOTHINGHERE" in missing.stderr
    assert cli("list", "--from", "yesterday").exit_code == 2
    assert cli("export", "--format", "xml", "--out", "x").exit_code == 2


def test_delete_restore_and_purge(cli, evidence, make_record):
    record = evidence.create(make_record())
    assert cli("delete", record.id).exit_code == 0
    assert cli("show", record.id).exit_code == 1
    assert cli("restore", record.id).exit_code == 0
    assert cli("show", record.id).exit_code == 0
    assert cli("delete", record.id, "--purge").exit_code == 0
    assert cli("restore", record.id).exit_code == 1


def test_export_imports_back_to_the_same_records(cli, evidence, make_record, tmp_path):
    evidence.create(make_record(body="- a list item\n- =SUM(A1)"))
    evidence.create(make_record(type="cafe_conversation", fields={"venue": "Hub", "families": 4}))
    before = json.loads(cli("list", "--json").stdout)["records"]
    for fmt in ("md", "json", "csv"):
        out = tmp_path / ("export-md" if fmt == "md" else f"export.{fmt}")
        assert cli("export", "--format", fmt, "--out", str(out)).exit_code == 0
        other = tmp_path / f"other-{fmt}"
        from learning.services import initialise

        initialise(other)
        from click.testing import CliRunner

        from learning.cli import main

        runner = CliRunner()
        result = runner.invoke(main, ["--data-dir", str(other), "import", str(out)])
        assert result.exit_code == 0, result.stderr
        again = runner.invoke(main, ["--data-dir", str(other), "import", str(out)])
        assert "2 already present" in again.stderr
        after = json.loads(runner.invoke(main, ["--data-dir", str(other), "list", "--json"]).stdout)
        assert after["records"] == before, fmt


def test_csv_cells_that_look_like_formulas_are_defused(cli, evidence, make_record, tmp_path):
    evidence.create(make_record(title='=HYPERLINK("http://evil")', body="+1 and more"))
    out = tmp_path / "x.csv"
    cli("export", "--format", "csv", "--out", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    assert rows[0]["title"].startswith("'=")
    assert rows[0]["body"].startswith("'+")


def test_users_and_tokens(cli):
    result = cli(
        "user", "add", "lorna", "--role", "editor", "--password-stdin", input="long-enough-pw\n"
    )
    assert result.exit_code == 0, result.stderr
    assert "lorna\teditor" in cli("user", "list").stdout
    again = cli(
        "user", "add", "lorna", "--role", "editor", "--password-stdin", input="long-enough-pw\n"
    )
    assert again.exit_code == 1 and "already exists" in again.stderr
    short = cli("user", "add", "kim", "--role", "viewer", "--password-stdin", input="short\n")
    assert short.exit_code == 1 and "password" in short.stderr
    token = cli("token", "create", "lorna")
    assert token.exit_code == 0
    assert len(token.stdout.strip().splitlines()) == 1 and token.stdout.startswith("wm2u_")


def test_backup_while_running(cli, evidence, make_record, tmp_path):
    evidence.create(make_record())
    target = tmp_path / "copy.db"
    assert cli("backup", str(target)).exit_code == 0
    import sqlite3

    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM records").fetchone()[0] == 1


def test_framework_show(cli):
    out = json.loads(cli("framework", "show", "--json").stdout)
    assert out["name"] == "wm2u-2024-2026"
    codes = [i["code"] for o in out["objectives"] for i in o["indicators"]]
    assert codes == [
        "SO1.1",
        "SO1.2",
        "SO1.3",
        "SO2.1",
        "SO2.2",
        "SO3.1",
        "SO3.2",
        "SO4.1",
        "SO4.2",
    ]
    assert "Lochee" in cli("framework", "show").stdout


def test_init_with_the_earlier_plan(tmp_path):
    from click.testing import CliRunner

    from learning.cli import main

    runner = CliRunner()
    result = runner.invoke(
        main, ["--data-dir", str(tmp_path / "d"), "init", "--framework", "wm2u-2023-2024"]
    )
    assert result.exit_code == 0
    out = runner.invoke(main, ["--data-dir", str(tmp_path / "d"), "framework", "show", "--json"])
    assert json.loads(out.stdout)["name"] == "wm2u-2023-2024"
    bad = runner.invoke(main, ["--data-dir", str(tmp_path / "e"), "init", "--framework", "nope"])
    assert bad.exit_code == 1 and "nope" in bad.stderr


def test_search_json_has_the_api_shape(cli, evidence, make_record):
    evidence.create(make_record(title="Families at the library café"))
    out = json.loads(cli("search", "library", "--json").stdout)
    assert out["total"] == 1
    assert set(out) == {"total", "hits", "facets", "suggestion"}
    assert set(out["hits"][0]) >= {"id", "title", "type", "date", "locality", "score", "highlight"}


def test_check_finds_and_repairs_a_missing_index_entry(cli, evidence, make_record):
    record = evidence.create(make_record())
    assert cli("check").exit_code == 0
    evidence.index.remove(record.id)
    result = cli("check")
    assert result.exit_code == 1
    assert f"index missing: {record.id}" in result.stdout
    assert cli("check", "--repair").exit_code == 0
    assert cli("check").exit_code == 0


def test_reindex_rebuilds(cli, evidence, make_record):
    for i in range(3):
        evidence.create(make_record(title=f"Story {i}"))
    result = cli("reindex")
    assert result.exit_code == 0
    assert "Indexed 3" in result.stderr
    assert cli("check").exit_code == 0


def test_learning_update_in_every_format_and_saved(cli, evidence, make_record, tmp_path):
    evidence.create(make_record(date="2025-02-01", consent="internal", title="Staff-only note"))
    evidence.create(make_record(date="2025-02-02", title="Shared story of the garden"))
    for fmt in ("md", "html", "docx"):
        out = tmp_path / f"update.{fmt}"
        result = cli(
            "learning-update",
            "--from",
            "2025-01-01",
            "--to",
            "2025-03-31",
            "--audience",
            "external",
            "--format",
            fmt,
            "--out",
            str(out),
        )
        assert result.exit_code == 0, result.stderr
        assert result.stdout == ""
        assert out.stat().st_size > 0
    text = (tmp_path / "update.md").read_text("utf-8")
    assert "Shared story of the garden" in text and "Staff-only note" not in text
    assert "Sarah" not in text
    saved = cli(
        "learning-update",
        "--from",
        "2025-01-01",
        "--to",
        "2025-03-31",
        "--format",
        "md",
        "--out",
        str(tmp_path / "s.md"),
        "--save",
    )
    assert saved.exit_code == 0, saved.stderr
    record = json.loads(cli("show", saved.stdout.strip(), "--json").stdout)
    assert record["type"] == "learning_update"
    assert len(record["fields"]["cites"]) == 2


def test_learning_update_refuses_a_backwards_period(cli, tmp_path):
    result = cli(
        "learning-update",
        "--from",
        "2025-03-01",
        "--to",
        "2025-01-01",
        "--format",
        "md",
        "--out",
        str(tmp_path / "x.md"),
    )
    assert result.exit_code == 1 and "to" in result.stderr
    unknown = cli(
        "learning-update",
        "--from",
        "2025-01-01",
        "--to",
        "2025-03-01",
        "--objective",
        "SO9",
        "--format",
        "md",
        "--out",
        str(tmp_path / "x.md"),
    )
    assert unknown.exit_code == 1 and "SO9" in unknown.stderr


def test_search_limit_can_reach_past_one_page(cli, evidence, make_record):
    evidence.create_many([("t", make_record(title=f"Orchard visit {i}")) for i in range(130)])
    out = json.loads(cli("search", "orchard", "--limit", "1000", "--json").stdout)
    assert out["total"] == 130 and len(out["hits"]) == 130
    assert len({h["id"] for h in out["hits"]}) == 130
    assert len(json.loads(cli("search", "orchard", "--json").stdout)["hits"]) == 20
