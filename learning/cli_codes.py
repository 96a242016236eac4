"""`wm2u codes ...`, `wm2u code` and `wm2u excerpts`: the codebook and coded passages from the
command line (the team's view: the command line has no roles, so memos are shown)."""

from __future__ import annotations

from pathlib import Path

import click

from evidence.coding import CodeInUse
from evidence.consent import INTERNAL

from .cli import (
    RECORD_ID,
    TEXT,
    _evidence,
    _fail,
    _json_out,
    command,
    data_dir_option,
    main,
    refusals,
)
from .coding import codebook, excerpts, reports


def _in_use(fn):
    """A code still used is refused (exit 1) with the count, as the API's 409."""

    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except CodeInUse as exc:
            raise click.ClickException(f"id: {exc}") from None

    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    return wrapper


@main.group(name="codes")
def codes_group() -> None:
    """The codebook: the plan's objectives and indicators, and the team's codes."""


def _codes_command(name: str):
    def decorate(fn):
        return codes_group.command(name=name)(data_dir_option(click.pass_context(refusals(fn))))

    return decorate


@_codes_command("list")
@click.option("--json", "as_json", is_flag=True)
def codes_list(ctx: click.Context, as_json: bool) -> None:
    """List the codebook as a tree, with how many excerpts use each code."""
    codes = codebook.codebook(_evidence(ctx), INTERNAL)
    if as_json:
        _json_out({"codes": codes})
        return
    children: dict[str | None, list[dict]] = {}
    for code in codes:
        children.setdefault(code["parent"], []).append(code)

    def show(parent: str | None, depth: int) -> None:
        for code in children.get(parent, []):
            mark = "" if code["codable"] else " (folder)"
            click.echo(f"{'  ' * depth}{code['id']}\t{code['name']}{mark}\t{code['excerpts']}")
            show(code["id"], depth + 1)

    show(None, 0)


@_codes_command("add")
@click.argument("code_id", type=TEXT)
@click.option("--name", required=True, type=TEXT)
@click.option("--parent", type=TEXT)
@click.option("--colour", type=TEXT)
@click.option("--description", type=TEXT)
@click.option("--folder", is_flag=True, help="A folder that only groups codes (not codable).")
def codes_add(ctx, code_id, name, parent, colour, description, folder) -> None:
    """Add a code of the team's; prints its id."""
    data = {"id": code_id, "name": name, "parent": parent, "colour": colour,
            "description": description, "codable": not folder}  # fmt: skip
    click.echo(codebook.create(_evidence(ctx), data, "cli")["id"])


@_codes_command("rename")
@click.argument("code_id", type=TEXT)
@click.argument("name", type=TEXT)
def codes_rename(ctx, code_id, name) -> None:
    """Rename a code of the team's (its guid stays)."""
    codebook.edit(_evidence(ctx), code_id, "cli", name=name)


@_codes_command("move")
@click.argument("code_id", type=TEXT)
@click.option("--parent", required=True, type=TEXT, help="The new parent ('' for the top).")
def codes_move(ctx, code_id, parent) -> None:
    """Move a code of the team's under another code."""
    codebook.edit(_evidence(ctx), code_id, "cli", parent=parent or None)


@_codes_command("merge")
@click.argument("code_id", type=TEXT)
@click.option("--into", required=True, type=TEXT)
def codes_merge(ctx, code_id, into) -> None:
    """Merge a code of the team's into another: its excerpts move, it goes (audited)."""
    codebook.merge(_evidence(ctx), code_id, into, "cli")


@_codes_command("delete")
@click.argument("code_id", type=TEXT)
@_in_use
def codes_delete(ctx, code_id) -> None:
    """Delete a code of the team's that no excerpt uses."""
    codebook.delete(_evidence(ctx), code_id, "cli")


@_codes_command("export")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def codes_export(ctx, out) -> None:
    """Write the codebook as a REFI-QDA codebook (.qdc) for NVivo, ATLAS.ti, MAXQDA or
    QualCoder: the plan's objectives and indicators and the team's codes, nested."""
    from .refi.codebook import write_codebook

    ev = _evidence(ctx)
    out.write_bytes(write_codebook(ev))
    ev.store.audit("cli", "export", None, "codebook as REFI-QDA (.qdc)")
    click.echo(f"Wrote {out}.", err=True)


@_codes_command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
def codes_import(ctx, file, as_json) -> None:
    """Read a REFI-QDA codebook (.qdc): codes with a new guid are added, known ones take the
    file's name, description and colour; the plan's codes stay the plan's; nothing is deleted."""
    from .refi.codebook import import_codebook

    if not file.is_file():
        raise _fail(f"file: {file} does not exist")
    report = import_codebook(_evidence(ctx), file.read_bytes(), "cli")
    if as_json:
        _json_out(report)
        return
    for note in report["notes"]:
        click.echo(f"{file}: {note}", err=True)
    for what, ids in (("added", report["added"]), ("updated", report["updated"])):
        for code_id in ids:
            click.echo(f"{what}\t{code_id}")
    click.echo(f"{len(report['added'])} code(s) added, {len(report['updated'])} updated, "
               f"{len(report['unchanged'])} unchanged, {len(report['plan'])} the plan's "
               "(left as the plan says).")  # fmt: skip


SUMMARY_FORMATS = {".md": "md", ".html": "html", ".htm": "html", ".docx": "docx"}


@_codes_command("summary")
@click.argument("code_id", type=TEXT)
@click.option("--from", "date_from", type=TEXT, help="First day (YYYY-MM-DD).")
@click.option("--to", "date_to", type=TEXT, help="Last day (YYYY-MM-DD).")
@click.option("--audience", type=click.Choice(["internal", "external"]), default="internal",
              show_default=True)  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["md", "html", "docx"]),
              help="Default: from the name of --out (.html, .docx), else md.")  # fmt: skip
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def codes_summary(ctx, code_id, date_from, date_to, audience, fmt, out) -> None:
    """Write a code's coding summary: its passages by locality and record type, counts, a
    code × locality table and the codes sharing its passages."""
    from .coding.summary import render_docx, render_html, render_markdown

    period = (date_from or None, date_to or None)  # checked by the summary, naming from or to
    summary = reports.code_summary(_evidence(ctx), code_id, period, audience, "cli")
    fmt = fmt or SUMMARY_FORMATS.get(out.suffix.lower(), "md")
    if fmt == "docx":
        out.write_bytes(render_docx(summary))
    else:
        render = render_html if fmt == "html" else render_markdown
        out.write_text(render(summary), encoding="utf-8")
    click.echo(f"Wrote {out}.", err=True)


@_codes_command("agreement")
@click.option("--coder", "names", multiple=True, type=TEXT, help="A coder (give two).")
@click.option("--code", "codes", multiple=True, type=TEXT, help="A code to compare (repeatable).")
@click.option("--json", "as_json", is_flag=True)
def codes_agreement(ctx, names, codes, as_json) -> None:
    """Agreement between two coders: percentage agreement and Cohen's kappa per code, counted
    over characters, and the records where they differ most."""
    if len(names) != 2:
        raise _fail(f"coder: give exactly two coders (--coder A --coder B), not {len(names)}")
    found = reports.coders_agreement(_evidence(ctx), names[0], names[1], list(codes))
    if as_json:
        _json_out(found)
        return
    click.echo(f"{found['coders'][0]} and {found['coders'][1]}: "
               f"{found['records']} record(s) coded by both")  # fmt: skip
    click.echo("code\tagreement %\tkappa")
    for row in found["codes"]:
        click.echo(f"{row['code']}\t{_figure(row['agreement'])}\t{_figure(row['kappa'])}")
    if found["disagreements"]:
        click.echo("\nWhere they differ most (characters coded by one coder only):")
        for row in found["disagreements"]:
            click.echo(f"{row['record']}\t{row['code']}\t{row['characters']}")


def _figure(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


@command(name="code")
@click.argument("record_id", type=RECORD_ID)
@click.option("--text", "words", required=True, type=TEXT, help="The exact words to code.")
@click.option("--occurrence", type=click.IntRange(min=1), help="Which time the words occur.")
@click.option("--code", "codes", required=True, multiple=True, type=TEXT)
@click.option("--memo", type=TEXT)
@click.option("--coder", default="cli", show_default=True, type=TEXT)
@click.option(
    "--source",
    default="body",
    show_default=True,
    type=TEXT,
    help="The text the words are in: body, or attachment:ID (an attachment's text).",
)
@click.pass_context
def code_passage(ctx, record_id, words, occurrence, codes, memo, coder, source) -> None:
    """Code a passage of a record's text (or an attachment's); prints the excerpt's id."""
    ev = _evidence(ctx)
    text = excerpts.source_text(ev, ev.store.get(record_id), source)
    passage = excerpts.find_words(text, words, occurrence)
    data = {**passage, "codes": list(codes), "memo": memo, "source": source}
    click.echo(excerpts.code_passage(ev, record_id, data, coder)["id"])
    ev.sync_index()  # a one-off command leaves the index up to date behind it


@command(name="excerpts")
@click.option("--code")
@click.option("--indicator", multiple=True)
@click.option("--record")
@click.option("--locality", multiple=True)
@click.option("--from", "date_from")
@click.option("--to", "date_to")
@click.option("--q")
@click.option("--coder")
@click.option("--status")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def excerpts_list(ctx, code, indicator, record, locality, date_from, date_to, q, coder, status,
                  as_json) -> None:  # fmt: skip
    """List coded passages (every match), newest records first."""
    args = {"code": code, "indicator": list(indicator), "record": record,
            "locality": list(locality), "from": date_from, "to": date_to, "q": q,
            "coder": coder, "status": status}  # fmt: skip
    found = excerpts.find(_evidence(ctx), excerpts.ExcerptQuery.parse(args, True), INTERNAL)
    if as_json:
        _json_out(found)
        return
    for e in found["excerpts"]:
        where = "detached" if e["start"] is None else f"{e['start']}-{e['end']}"
        click.echo(f"{e['id']}\t{e['record']['id']}\t{where}\t{','.join(e['codes'])}\t{e['text']}")
