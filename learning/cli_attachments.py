"""`wm2u attach` and `wm2u attachments`: files on records from the command line (the team's
view: the command line has no roles)."""

from __future__ import annotations

from pathlib import Path

import click

from evidence.consent import INTERNAL
from evidence.model import CONSENT_LEVELS

from .attachments import service
from .attachments.files import Refused
from .cli import RECORD_ID, _evidence, _fail, _json_out, command


def _read(path: Path, limit: int) -> bytes:
    """A file's bytes, read no further than the limit allows; refused naming ``file``."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise _fail(f"file: cannot read {str(path)!r}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise _fail(f"{service.too_large(len(data), limit)} ({path})")
    return data


@command()
@click.argument("record_id", type=RECORD_ID)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--consent", type=click.Choice(CONSENT_LEVELS), default=None,
              help="No wider than the record's (default: the record's; internal for pictures "
              "and sound).")  # fmt: skip
@click.pass_context
def attach(ctx: click.Context, record_id: str, files: tuple[Path, ...], consent: str | None):
    """Attach files to a record; print each new attachment's id on a line of its own.

    Every file is read and checked before any is kept, so a refusal keeps none."""
    try:
        limit = service.max_bytes()
    except ValueError as exc:
        raise _fail(str(exc)) from None
    evidence = _evidence(ctx)
    evidence.store.get(record_id)  # an unknown record is named before any file is read
    made = []
    for path in files:
        asked = service.AttachRequest(record_id, path.name, _read(path, limit), consent)
        try:
            made.append(service.ready(evidence, asked, limit))
        except Refused as exc:
            raise _fail(f"{exc} ({path})") from None
    for attachment, data in made:
        click.echo(service.keep(evidence, attachment, data, "cli").id)


@command()
@click.argument("record_id", type=RECORD_ID)
@click.option("--json", "as_json", is_flag=True, help='Print {"attachments": [...]} as the API.')
@click.pass_context
def attachments(ctx: click.Context, record_id: str, as_json: bool) -> None:
    """List a record's attachments."""
    shown = [service.as_json(a) for a in service.of_record(_evidence(ctx), record_id, INTERNAL)]
    if as_json:
        _json_out({"attachments": shown})
        return
    for a in shown:
        text = f"{a['text_chars']} characters of text" if a["text_chars"] else (a["note"] or "")
        click.echo(f"{a['id']}  {a['name']}  {a['kind']}  {a['size']} bytes  {a['consent']}"
                   f"  {text}")  # fmt: skip
