"""`wm2u msc`: Most Significant Change rounds from the command line (the operator reads as the
team)."""

from __future__ import annotations

from pathlib import Path

import click

from evidence.consent import INTERNAL

from . import msc
from .cli import _evidence, _json_out, data_dir_option, main, refusals


def _subcommand(*args, **kwargs):
    def decorate(fn):
        return msc_group.command(*args, **kwargs)(data_dir_option(refusals(fn)))

    return decorate


@main.group(name="msc")
def msc_group() -> None:
    """Most Significant Change rounds: panels' choices and their reasons."""


@_subcommand(name="list")
@click.option("--json", "as_json", is_flag=True, help='Print {"rounds": [...]}.')
@click.pass_context
def msc_list(ctx: click.Context, as_json: bool) -> None:
    """Every round, newest period first."""
    rounds = msc.reading.summaries(_evidence(ctx), INTERNAL)
    if as_json:
        _json_out({"rounds": rounds})
        return
    for r in rounds:
        b = r["balance"]
        short = "" if b["met"] else "  (fewer families than practitioners)"
        period = f"{r['period_from']}..{r['period_to']}"
        panel = f"{b['families']}:{b['practitioners']}{short}"
        click.echo(f"{r['id']}  {r['state']:<6}  {period}  {r['level']}: {r['title']}  {panel}")


@_subcommand(name="show")
@click.argument("round_id")
@click.option("--json", "as_json", is_flag=True, help="Print the round as the API gives it.")
@click.pass_context
def msc_show(ctx: click.Context, round_id: str, as_json: bool) -> None:
    """One round: its panel, candidates and choices."""
    ev = _evidence(ctx)
    shown = msc.reading.as_dict(ev, msc.reading.get(ev, round_id, INTERNAL), INTERNAL)
    if as_json:
        _json_out(shown)
        return
    click.echo(f"{shown['title']} ({shown['level']}, {shown['state']})")
    click.echo(f"Question: {shown['question']}")
    for c in shown["choices"]:
        click.echo(f"- {c['domain_name']}: {c['title']} — {c['reasons']}")


@_subcommand(name="pack")
@click.argument("round_id")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="The file to write: .html (to print) or .docx (Word).")  # fmt: skip
@click.pass_context
def msc_pack(ctx: click.Context, round_id: str, out: str) -> None:
    """The round's panel pack: each domain's candidates numbered, as readers outside the
    team see them, with room for votes and reasons."""
    fmt = Path(out).suffix.lower().lstrip(".")
    if fmt not in msc.pack.FORMATS:
        raise click.ClickException(f"--out: {out} must end in .html or .docx")
    ev = _evidence(ctx)
    body = msc.pack.render(msc.pack.make(ev, round_id), fmt)
    try:
        Path(out).write_bytes(body)
    except OSError as problem:
        raise click.ClickException(f"--out: cannot write {out}: {problem.strerror}") from None
    ev.store.audit("cli", "export", None, f"panel pack of round {round_id} as {fmt}")
    click.echo(f"Wrote the panel pack of {round_id} to {out}")
