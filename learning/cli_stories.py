"""`wm2u invite`: an invitation for families to tell their own story; prints its link alone."""

from __future__ import annotations

import os

import click

from .cli import _evidence, command
from .stories import invitations


@command()
@click.option("--prompt", required=True, help="What families are asked to tell.")
@click.option("--authority", default="", help="The local authority its stories belong to.")
@click.option("--locality", default="", help="The locality its stories belong to.")
@click.option("--indicator", "indicators", multiple=True, help="An indicator code (repeatable).")
@click.option("--expires", default=None, help="The last day it takes stories (default: 90 days).")
@click.option("--uses", default=None, help="How many stories it takes (default: one).")
@click.pass_context
def invite(ctx: click.Context, prompt, authority, locality, indicators, expires, uses) -> None:
    """Invite families to tell their story; print the link (shown this once) on stdout.

    The link is /tell/TOKEN, after WM2U_BASE_URL when that is set."""
    asked = invitations.InviteRequest(prompt, authority, locality, list(indicators), expires, uses)
    made = invitations.invite(_evidence(ctx), asked, "cli")
    click.echo(invitations.full_link(made.link or "", "", os.environ.get("WM2U_BASE_URL")))
