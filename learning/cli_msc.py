"""`wm2u msc`: Most Significant Change rounds from the command line (the operator reads as the
team)."""

from __future__ import annotations

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
