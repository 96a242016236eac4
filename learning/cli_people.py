"""`wm2u people`, `wm2u person` and `wm2u retention`: people's rights over their data from
the command line (the command line is the operator's: it has no roles)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from . import rights
from .cli import RECORD_ID, TEXT, _evidence, _fail, _json_out, data_dir_option, main, refusals


def _subcommand(group: click.Group, *args, **kwargs):
    def decorate(fn):
        return group.command(*args, **kwargs)(data_dir_option(refusals(fn)))

    return decorate


@main.group()
def people() -> None:
    """Everyone named in the evidence."""


@_subcommand(people, name="list")
@click.option("--json", "as_json", is_flag=True, help='Print {"people": [...]}.')
@click.pass_context
def people_list(ctx: click.Context, as_json: bool) -> None:
    """Everyone named in records and ratings, spellings of one person together."""
    everyone = rights.people(_evidence(ctx))
    if as_json:
        _json_out({"people": [p.to_dict() for p in everyone]})
        return
    for p in everyone:
        also = [s for s in p.spellings if s != p.name]
        spelt = f"  also {', '.join(also)}" if also else ""
        click.echo(f"{p.name}  {p.records} record(s){spelt}")


@main.group()
def person() -> None:
    """One person's rights: what is held about them (export) and erasure."""


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by its owner alone, whole or not at all."""
    folder = path.resolve().parent
    if not folder.is_dir():
        raise _fail(f"out: no folder {str(folder)!r}")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".wm2u-", suffix=".zip")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@_subcommand(person)
@click.argument("name", type=TEXT)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The zip to write (an HTML document and JSON).")  # fmt: skip
@click.pass_context
def export(ctx: click.Context, name: str, out: Path) -> None:
    """Everything held about a person (subject access), other people's names replaced."""
    evidence = _evidence(ctx)
    access = rights.subject_access(evidence, rights.PersonRequest(name, "cli"))
    _write_private(out, rights.export_zip(evidence, access))
    click.echo(f"{len(access.items)} item(s) written to {out}. Read it before sending.", err=True)


@_subcommand(person)
@click.argument("name", type=TEXT)
@click.option("--dry-run", is_flag=True, help="List what would change; change nothing.")
@click.option("--purge-records", is_flag=True,
              help="Erase whole the records that list the person.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print what changed as JSON.")
@click.pass_context
def erase(ctx: click.Context, name: str, dry_run: bool, purge_records: bool, as_json: bool):
    """Replace every form of a person's name with a neutral label, everywhere."""
    request = rights.PersonRequest(name, "cli", dry_run, purge_records)
    done = rights.erase(_evidence(ctx), request)
    if as_json:
        _json_out(done.to_dict())
        return
    for where in done.items:
        click.echo(where)
    for record_id in done.purged:
        click.echo(f"record {record_id}: erased whole")
    verb = "would change" if dry_run else "changed"
    click.echo(f"{len(done.items)} text(s) in {len(done.records)} record(s) {verb}.", err=True)


@main.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help='Print {"years", "records": [...]}.')
@data_dir_option
@click.pass_context
@refusals
def retention(ctx: click.Context, as_json: bool) -> None:
    """Records older than WM2U_RETENTION_YEARS (default 7), waiting for review."""
    if ctx.invoked_subcommand:
        return
    try:
        years, due = rights.due_for_review(_evidence(ctx))
    except ValueError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        _json_out({"years": years, "records": [d.to_dict() for d in due]})
        return
    for d in due:
        kept = f"  kept until {d.kept_until}: {d.reason}" if d.kept_until else ""
        click.echo(f"{d.id}  {d.date}  {d.title}{kept}")
    click.echo(f"{len(due)} record(s) older than {years} years wait for review.", err=True)


@_subcommand(retention)
@click.argument("record_id", type=RECORD_ID)
@click.option("--until", required=True, help="The date to look again, YYYY-MM-DD.")
@click.option("--reason", required=True, type=TEXT, help="Why the record is kept.")
@click.pass_context
def keep(ctx: click.Context, record_id: str, until: str, reason: str) -> None:
    """Keep a record past the retention period until a later date, for a reason."""
    rights.keep(_evidence(ctx), record_id, until, reason, "cli")
    click.echo(f"Kept {record_id} until {until}.", err=True)
