"""`wm2u figures ...`: the data project's figures from the command line (the team's view:
the command line has no roles, so nothing is suppressed)."""

from __future__ import annotations

from pathlib import Path

import click

from evidence.consent import INTERNAL
from evidence.figures import write_csv
from evidence.model import ValidationError

from . import data_project
from .cli import _evidence, _json_out, data_dir_option, main, refusals


@main.group(name="figures")
def figures_group() -> None:
    """The data project's figures (children on the register, and what the records count)."""


@figures_group.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@data_dir_option
@click.pass_context
@refusals
def figures_import(ctx: click.Context, file: Path) -> None:
    """Import a figures CSV: the whole file or nothing; importing it again changes nothing."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{file}: not UTF-8 text ({exc.reason})") from None
    try:
        read, changed = data_project.import_csv(_evidence(ctx), text, "cli")
    except ValidationError as exc:
        problems = "\n".join(f"{file}: {k}: {v}" for k, v in exc.errors.items())
        raise click.ClickException(f"nothing imported:\n{problems}") from None
    click.echo(f"Read {read} figure(s) from {file}; {changed} new or changed.", err=True)


@figures_group.command(name="list")
@click.option("--measure")
@click.option("--authority")
@click.option("--locality")
@click.option("--from", "date_from")
@click.option("--to", "date_to")
@click.option("--json", "as_json", is_flag=True)
@data_dir_option
@click.pass_context
@refusals
def figures_list(ctx, measure, authority, locality, date_from, date_to, as_json) -> None:
    """List figures (stored and counted from the records) whose period overlaps --from/--to."""
    filters = dict(
        authority=authority, locality=locality,
        date_from=data_project.parse_date(date_from, "from"),
        date_to=data_project.parse_date(date_to, "to"),
    )  # fmt: skip
    ev = _evidence(ctx)
    if measure:
        shown = data_project.figures(ev, INTERNAL, measure, **filters)
    else:
        shown = data_project.all_figures(ev, INTERNAL, **filters)
    if as_json:
        rows = [s.to_dict() for s in shown]
        _json_out({"total": len(rows), "page": 1, "per_page": len(rows), "figures": rows})
        return
    for s in shown:
        f = s.figure
        click.echo(f"{f.measure}\t{f.place}\t{f.period_from}..{f.period_to}\t{s.words}\t{f.source}")


@figures_group.command(name="export")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@data_dir_option
@click.pass_context
@refusals
def figures_export(ctx: click.Context, out: Path) -> None:
    """Write the stored figures as CSV (the import's columns, with a byte-order mark)."""
    stored = _evidence(ctx).store.list_figures()
    out.write_text(write_csv(f.to_dict() for f in stored), encoding="utf-8")
    click.echo(f"Wrote {len(stored)} figure(s) to {out}.", err=True)
