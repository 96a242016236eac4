"""The `wm2u` command line: everything an operator needs without the browser.

Commands are thin: parse input, call one service function, print its result. A refusal
(validation, not found, conflict) exits 1 with the message on stderr; usage errors exit 2.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from evidence import accounts, attachments, transfer
from evidence.model import Conflict, NotFound, ValidationError
from evidence.store import RecordFilter
from evidence.validate import ID_PATTERN, check_characters

from . import framework as framework_mod
from . import plans as plans_mod
from .attachments import transfer as attachment_transfer
from .services import Evidence, IndexDamaged, NotInitialised, initialise, resolve_data_dir

DATE = click.DateTime(formats=["%Y-%m-%d"])


class _Text(click.ParamType):
    """An argument that reaches the store: valid Unicode text (bytes that are not UTF-8 reach
    Python as lone surrogates, which SQLite cannot look up: a traceback, before)."""

    name = "text"

    def convert(self, value: Any, param: Any, ctx: Any) -> str:
        try:
            check_characters(value)
        except ValueError as problem:
            self.fail(str(problem), param, ctx)
        return value


class _RecordId(click.ParamType):
    """A record id: one the contract cannot write (1–64 letters, digits, '-', '_') is not
    found (exit 1), without asking SQLite, which cannot look up a lone surrogate."""

    name = "id"

    def convert(self, value: Any, param: Any, ctx: Any) -> str:
        if not ID_PATTERN.match(value):
            raise _fail(f"record {value[:64]!r} not found (an id is 1–64 letters, digits, - or _)")
        return value


TEXT, RECORD_ID = _Text(), _RecordId()


def _fail(message: str) -> click.ClickException:
    return click.ClickException(message)


def refusals(fn):
    """Turn the domain's refusals into exit status 1 with a clear message on stderr."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            raise _fail("; ".join(f"{k}: {v}" for k, v in exc.errors.items())) from None
        except (NotFound, Conflict, NotInitialised, framework_mod.FrameworkError) as exc:
            raise _fail(str(exc)) from None
        except IndexDamaged as exc:
            raise _fail(f"search index: {exc}; `wm2u check --repair` rebuilds it") from None
        except BrokenPipeError:
            sys.stderr.close()
            sys.exit(0)

    return wrapper


def _evidence(ctx: click.Context) -> Evidence:
    evidence = Evidence(ctx.obj["data_dir"])
    ctx.call_on_close(evidence.close)
    return evidence


def _json_out(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="WM2U_DATA_DIR",
    default=None,
    help="Folder holding the database and index (default: ./instance).",
)
@click.version_option(package_name="wm2u-evidence")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None) -> None:
    """WM2U Evidence: log, search and report the programme's evidence."""
    ctx.ensure_object(dict)
    ctx.obj["data_dir"] = resolve_data_dir(data_dir)


# Every subcommand also accepts --data-dir after its name, as the contract says "on any command".
def data_dir_option(fn):
    def remember(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
        if value is not None:
            ctx.ensure_object(dict)
            ctx.obj["data_dir"] = value

    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        expose_value=False,
        callback=remember,
        is_eager=True,
        help="Folder holding the database and index.",
    )(fn)


def command(*args, **kwargs):
    def decorate(fn):
        return main.command(*args, **kwargs)(data_dir_option(refusals(fn)))

    return decorate


@command()
@click.option("--framework", "framework_name", default=None, help="Shipped plan name or YAML path.")
@click.pass_context
def init(ctx: click.Context, framework_name: str | None) -> None:
    """Create the data dir, database and index (safe to run again)."""
    fw = initialise(ctx.obj["data_dir"], framework_name)
    click.echo(f"Data dir {ctx.obj['data_dir']} is ready (framework {fw.name}).", err=True)


@command()
@click.option("--if-empty", is_flag=True, help="Do nothing if there are records already.")
@click.pass_context
def demo(ctx: click.Context, if_empty: bool) -> None:
    """Load the demo data set and the demo users (admin, editor, viewer)."""
    from . import demo as demo_mod

    evidence = _evidence(ctx)
    if if_empty and evidence.store.count() > 0:
        click.echo("Demo data: records already present; nothing loaded.", err=True)
    else:
        items = [("demo", d) for d in demo_mod.generate(evidence.framework)]
        added, skipped = evidence.import_items(items, actor="demo")
        click.echo(f"Demo data: {added} records loaded, {skipped} already present.")
        from . import data_project
        from .demo.figures import local_figures, real_register_csv

        read, _ = data_project.import_csv(evidence, real_register_csv(), "demo")
        local = data_project.save(evidence, local_figures(evidence.framework), "demo")
        click.echo(f"Demo figures: {read} published Scotland figures, {len(local)} demo ones.")
        from .demo.passages import load as load_passages

        codes, passages = load_passages(evidence)
        click.echo(f"Demo codebook: {codes} codes added, {passages} coded passages.")
        from .demo.attachments import load as load_attachments

        files, coded = load_attachments(evidence)
        click.echo(f"Demo attachments: {files} files attached, {coded} passages of them coded.")
        from .demo.stories import load as load_stories

        sent, accepted = load_stories(evidence)
        click.echo(f"Demo stories: {sent} sent by families through an invitation, {accepted} "
                   "accepted.")  # fmt: skip
        from .demo.msc import load as load_rounds

        closed = load_rounds(evidence)
        click.echo(f"Demo Most Significant Change: {closed} rounds closed with their reasons.")
    click.echo("Demo users (name / password):")
    for name, role, password in demo_mod.DEMO_USERS:
        try:
            accounts.add_user(evidence.store, name, role, password, actor="demo")
        except ValidationError:
            accounts.set_password(evidence.store, name, password, actor="demo")
        click.echo(f"  {name:<7} {password:<20} ({role})")


def _few_malloc_arenas() -> None:
    """Two malloc arenas for the server's threads, as ``MALLOC_ARENA_MAX=2`` gives (unless the
    environment sets it): glibc makes each thread an arena of its own, memory a request frees
    stays in its thread's, and with waitress's 8 threads the server's resident memory at
    100,000 records grew by a third (661 MB, 549 MB with two arenas, after the same pages)."""
    if os.environ.get("MALLOC_ARENA_MAX") or not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-8, 2)  # M_ARENA_MAX (malloc.h); not glibc: nothing to set
    except (OSError, AttributeError):
        pass


@command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, threads: int) -> None:
    """Serve the web UI and API with waitress (a production WSGI server)."""
    import waitress

    from . import ConfigError, create_app

    Evidence(ctx.obj["data_dir"]).close()  # refuse at once if the data dir is not initialised
    _few_malloc_arenas()  # before any thread starts
    try:
        app = create_app({"DATA_DIR": str(ctx.obj["data_dir"])})
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    click.echo(f"WM2U Evidence on http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    # Waitress drops X-Forwarded-For unless told otherwise; with trusted proxies the app's
    # ProxyFix reads it (see WM2U_TRUSTED_PROXIES), else it is dropped as before.
    trust = bool(app.config["TRUSTED_PROXIES"])
    waitress.serve(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="wm2u",
        clear_untrusted_proxy_headers=not trust,
    )


@command()
@click.argument("files", nargs=-1, required=True)
@click.option("--author", default="", help="Author initials for records that name none.")
@click.pass_context
def add(ctx: click.Context, files: tuple[str, ...], author: str) -> None:
    """Add Markdown record files (or - for stdin); print each new id."""
    items = []
    for name in files:
        if name == "-":
            items.append(("stdin", transfer.parse_markdown(sys.stdin.read(), "stdin")))
        else:
            items.extend(transfer.read_path(Path(name)))
    if author:
        for _, data in items:
            data.setdefault("author", author)
    for record in _evidence(ctx).create_many(items, actor="cli"):
        click.echo(record.id)


@command()
@click.argument("record_id", type=RECORD_ID)
@click.option("--json", "as_json", is_flag=True, help="Print the record as the API does.")
@click.pass_context
def show(ctx: click.Context, record_id: str, as_json: bool) -> None:
    """Show one record."""
    record = _evidence(ctx).get(record_id)
    if as_json:
        _json_out(record.to_dict())
    else:
        click.echo(transfer.to_markdown(record), nl=False)


def _filters(type_, indicator, locality, date_from, date_to) -> RecordFilter:
    return RecordFilter(
        type=list(type_) or None,
        indicator=list(indicator) or None,
        locality=list(locality) or None,
        date_from=date_from.date().isoformat() if date_from else None,
        date_to=date_to.date().isoformat() if date_to else None,
    )


def filter_options(fn):
    for opt in reversed(
        [
            click.option(
                "--type", "type_", multiple=True, type=TEXT, help="Record type (repeatable)."
            ),
            click.option(
                "--indicator", multiple=True, type=TEXT, help="Indicator code, e.g. SO1.2."
            ),
            click.option("--locality", multiple=True, type=TEXT, help="Locality name."),
            click.option("--from", "date_from", type=DATE, help="From date (YYYY-MM-DD)."),
            click.option("--to", "date_to", type=DATE, help="To date (YYYY-MM-DD)."),
            click.option("--limit", type=click.IntRange(min=0), help="At most N."),
            click.option("--json", "as_json", is_flag=True, help="Print JSON only."),
        ]
    ):
        fn = opt(fn)
    return fn


@command(name="list")
@filter_options
@click.pass_context
def list_(ctx, type_, indicator, locality, date_from, date_to, limit, as_json) -> None:
    """List records, newest first."""
    total, records = _evidence(ctx).list(
        _filters(type_, indicator, locality, date_from, date_to), limit=limit
    )
    if as_json:
        _json_out({"total": total, "records": [r.to_dict() for r in records]})
        return
    for r in records:
        click.echo(f"{r.id}  {r.date}  {r.type:<18} {r.locality or '-':<14} {r.title}")
    click.echo(f"{total} record(s)", err=True)


@command()
@click.argument("query")
@filter_options
@click.pass_context
def search(ctx, query, type_, indicator, locality, date_from, date_to, limit, as_json) -> None:
    """Search the evidence (words, "phrases", AND/OR/NOT, field:value filters)."""
    filters = {
        "type": list(type_),
        "indicator": list(indicator),
        "locality": list(locality),
        "from": date_from.date().isoformat() if date_from else None,
        "to": date_to.date().isoformat() if date_to else None,
    }
    filters = {k: v for k, v in filters.items() if v}
    wanted = 20 if limit is None else limit
    evidence = _evidence(ctx)
    results = evidence.search(query, filters, per_page=min(max(wanted, 1), 100))
    hits = list(results.hits)
    page = 1
    while len(hits) < min(wanted, results.total):  # the index answers 100 hits a page at most
        page += 1
        more = evidence.search(query, filters, page=page, per_page=100).hits
        if not more:
            break
        hits.extend(more)
    hits = hits[:wanted]
    if as_json:
        _json_out(_results_dict(results, hits))
        return
    for hit in hits:
        click.echo(f"{hit.id}  {hit.date}  {hit.type:<18} {hit.title}")
    click.echo(f"{results.total} match(es)", err=True)
    if results.suggestion:
        click.echo(f"Did you mean: {results.suggestion}", err=True)


def _results_dict(results, hits) -> dict[str, Any]:
    return {
        "total": results.total,
        "hits": [h.to_dict() for h in hits],
        "facets": results.facets,
        "suggestion": results.suggestion,
    }


@command()
@click.argument("record_id", type=RECORD_ID)
@click.option("--purge", is_flag=True, help="Erase: leave no trace of the record's text.")
@click.pass_context
def delete(ctx: click.Context, record_id: str, purge: bool) -> None:
    """Delete a record (restorable), or erase it with --purge."""
    evidence = _evidence(ctx)
    if purge:
        evidence.purge(record_id, actor="cli")
        click.echo(f"Erased {record_id}.", err=True)
    else:
        evidence.delete(record_id, actor="cli")
        click.echo(f"Deleted {record_id} (restore with `wm2u restore {record_id}`).", err=True)


@command()
@click.argument("record_id", type=RECORD_ID)
@click.pass_context
def restore(ctx: click.Context, record_id: str) -> None:
    """Restore a soft-deleted record."""
    _evidence(ctx).restore(record_id, actor="cli")
    click.echo(f"Restored {record_id}.", err=True)


REFI_OPTIONS = ("record_type", "indicators", "authority", "locality", "date", "consent")


@command(name="import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--type", "record_type", help="REFI-QDA: the type of sources that do not say.")
@click.option("--indicator", "indicators", multiple=True, help="REFI-QDA: indicator(s) likewise.")
@click.option("--authority", help="REFI-QDA: the authority of sources that do not say.")
@click.option("--locality", help="REFI-QDA: the locality of sources that do not say.")
@click.option("--date", help="REFI-QDA: the date of sources that do not say (YYYY-MM-DD).")
@click.option("--consent", help="REFI-QDA: consent of sources that do not say (internal).")
@click.pass_context
def import_(ctx: click.Context, path: Path, **options: Any) -> None:
    """Import a folder of Markdown files, a JSON or a CSV export, or a REFI-QDA project
    (.qdpx, .qde) or codebook (.qdc) from NVivo, ATLAS.ti, MAXQDA or QualCoder (idempotent).

    The format is read from the content; a file's extension is only a hint."""
    evidence = _evidence(ctx)
    if not path.exists():
        raise _fail(f"path: {path} does not exist")
    fmt = transfer.detect_format(path)
    if fmt == "refi":
        _import_refi(evidence, path, options)
        return
    given = [f"--{k.replace('record_', '').rstrip('s')}" for k in REFI_OPTIONS if options[k]]
    if given:
        raise click.UsageError(f"{', '.join(given)}: only for a REFI-QDA project (.qdpx, .qde)")
    kind = {"md": "a Markdown file", "json": "JSON", "csv": "CSV"}[fmt]
    kind = "a folder of Markdown files" if path.is_dir() else kind
    click.echo(f"Importing {path} as {kind} (read from its content).", err=True)
    added, skipped = evidence.import_items(transfer.read_path(path, fmt), actor="cli")
    click.echo(f"Imported {added} record(s); {skipped} already present.", err=True)
    folder = attachment_transfer.folder_for(path, "md" if path.is_dir() else fmt)
    if folder.is_dir():
        added, skipped = attachment_transfer.import_from(evidence, folder, "cli")
        click.echo(f"Imported {added} attachment(s); {skipped} already present.", err=True)


def _import_refi(evidence: Evidence, path: Path, options: dict[str, Any]) -> None:
    """A REFI-QDA project or codebook: everything left out reported on stderr (§7)."""
    from .refi.importing import ImportRequest, import_file

    click.echo(f"Importing {path} as REFI-QDA (read from its content).", err=True)
    request = ImportRequest(path, options["record_type"], list(options["indicators"]),
                            options["authority"], options["locality"], options["date"],
                            options["consent"])  # fmt: skip
    report = import_file(evidence, request)
    for line in report.left_out:
        click.echo(f"left out: {line}", err=True)
    if report.more_left_out:
        click.echo(f"left out: … and {report.more_left_out} more", err=True)
    click.echo(report.summary(), err=True)


@command()
@click.option("--format", "fmt", type=click.Choice(["md", "json", "csv", "qdpx"]), required=True)
@click.option("--out", "out", type=click.Path(path_type=Path), required=True)
@click.option("--audience", type=click.Choice(["internal", "external"]), default="internal",
              show_default=True, help="qdpx: external: only what a viewer may read.")  # fmt: skip
@click.option("--for", "tool", type=click.Choice(["nvivo", "atlas", "maxqda", "qualcoder"]),
              help="qdpx: positions and line ends as that tool reads them.")  # fmt: skip
@click.option("--type", "type_", multiple=True, type=TEXT, help="qdpx: record type.")
@click.option("--indicator", multiple=True, type=TEXT, help="qdpx: indicator code.")
@click.option("--locality", multiple=True, type=TEXT, help="qdpx: locality name.")
@click.option("--from", "date_from", type=DATE, help="qdpx: from date (YYYY-MM-DD).")
@click.option("--to", "date_to", type=DATE, help="qdpx: to date (YYYY-MM-DD).")
@click.pass_context
def export(ctx, fmt, out, audience, tool, type_, indicator, locality, date_from, date_to) -> None:
    """Export every record (md: a folder of files; json; csv with formulas defused; qdpx: a
    REFI-QDA project for NVivo, ATLAS.ti, MAXQDA or QualCoder, of the records chosen)."""
    evidence = _evidence(ctx)
    if fmt == "qdpx":
        filters = _filters(type_, indicator, locality, date_from, date_to)
        _export_project(evidence, out, audience, tool, filters)
        return
    chosen = (
        audience != "internal" or tool or type_ or indicator or locality or date_from or date_to
    )
    if chosen:
        raise _fail("format: --audience, --for and the filters are for --format qdpx only")
    records = list(evidence.store.iter_records())
    if fmt == "md":
        out.mkdir(parents=True, exist_ok=True)
        for record in records:
            (out / transfer.markdown_filename(record)).write_text(
                transfer.to_markdown(record), encoding="utf-8"
            )
    elif fmt == "json":
        out.write_text(transfer.to_json(records), encoding="utf-8", newline="")
    else:
        out.write_text(transfer.to_csv(records), encoding=transfer.CSV_ENCODING, newline="")
    files = 0
    if fmt in ("md", "json"):  # the files beside the records (CSV holds records alone)
        files = attachment_transfer.export_to(evidence, attachment_transfer.folder_for(out, fmt))
    evidence.store.audit("cli", "export", None, f"{len(records)} record(s) as {fmt}")
    click.echo(f"Exported {len(records)} record(s) and {files} attachment(s) to {out}.", err=True)


def _export_project(evidence: Evidence, out: Path, audience, tool, filters) -> None:
    """``export --format qdpx``: the project written beside ``out``, then put in its place
    (an interrupted export leaves no half a file)."""
    from .refi import project

    request = project.ProjectRequest.parse(audience, tool, filters)
    partial = out.with_name(out.name + ".partial")
    try:
        with open(partial, "wb") as file:
            written = project.write_project(evidence, request, file)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    evidence.store.audit("cli", "export", None, project.audit_line(request, written))
    if written.detached:
        click.echo(f"{written.detached} excerpt(s) left out: detached from their words "
                   "(no start and end to place them)", err=True)  # fmt: skip
    if written.missing_files:
        click.echo(f"{written.missing_files} attachment(s) without their file (missing from the "
                   "data folder: `wm2u check`): their text only", err=True)  # fmt: skip
    click.echo(f"Exported {written.records} record(s), {written.selections} excerpt(s) and "
               f"{written.notes} memo(s) to {out}.", err=True)  # fmt: skip


@contextlib.contextmanager
def _progress_bar(total: int):
    """A callback for a rebuild's progress (records since its last call) drawing a bar on
    stderr; the bar appears with the first call, so a repair that rebuilds nothing shows none.
    """
    from tqdm import tqdm

    bars = []

    def advance(done: int) -> None:
        if not bars:
            bars.append(tqdm(total=total, unit="rec", file=sys.stderr, disable=None))
        bars[0].update(done)

    try:
        yield advance
    finally:
        for bar in bars:
            bar.close()


@command()
@click.pass_context
def reindex(ctx: click.Context) -> None:
    """Rebuild the search index from the database, with a progress bar."""
    evidence = _evidence(ctx)
    with _progress_bar(evidence.store.count()) as progress:
        count = evidence.reindex(progress=progress)
    click.echo(f"Indexed {count} record(s).", err=True)


@command()
@click.option("--repair", is_flag=True, help="Fix what can be fixed (the index).")
@click.pass_context
def check(ctx: click.Context, repair: bool) -> None:
    """Check the database, the index against it, and references to the framework."""
    evidence = _evidence(ctx)
    if repair:
        with _progress_bar(evidence.store.count()) as progress:
            report = evidence.repair(progress=progress)
    else:
        report = evidence.check()
    lines = [f"database: {p}" for p in report.integrity]
    if report.index:
        lines.append(f"index: {report.index} (a cache: `wm2u check --repair` rebuilds it)")
    lines += [f"index missing: {i}" for i in report.missing]
    lines += [f"index stale: {i}" for i in report.stale]
    lines += [f"index orphaned: {i}" for i in report.orphaned]
    lines += [f"framework reference: {p}" for p in report.bad_references]
    lines += [report.index_failure] if report.index_failure else []
    lines += [f"file missing: {p}" for p in report.files_missing]
    lines += [f"file altered (its hash differs): {p}" for p in report.files_altered]
    lines += [f"file unreferenced: {p}" for p in report.files_unreferenced]
    for path in report.files_removed:
        click.echo(f"Removed unreferenced file {path}.", err=True)
    for line in lines:
        click.echo(line)
    if report.permissions:
        click.echo(
            f"Warning: {len(report.permissions)} path(s) in the data dir open to others (e.g."
            f" {report.permissions[0]}); `wm2u check --repair` makes folders 0700, files 0600.",
            err=True,
        )
    if not report.ok:
        raise _fail(f"{len(lines)} problem(s) found" + ("" if repair else "; try --repair"))
    click.echo(
        "All is well." + (f" ({report.pending} index change(s) queued)" if report.pending else "")
    )


@command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def backup(ctx: click.Context, file: Path) -> None:
    """Write a consistent copy of the database (safe while the app runs), and the files its
    attachments hold to FILE.files/."""
    evidence = _evidence(ctx)
    evidence.store.backup(file)
    files = file.with_name(file.name + ".files")
    copied = attachments.copy_files(file, evidence.data_dir, files)
    click.echo(f"Backed up to {file} ({copied} new attachment file(s) in {files}).", err=True)


def _text_of(file: Any, option: str) -> str:
    """An option's file as text (none: empty); one that is not UTF-8 is refused, naming it."""
    try:
        return file.read() if file is not None else ""
    except UnicodeDecodeError as exc:
        raise _fail(f"{option} {file.name}: not UTF-8 text ({exc.reason})") from None


@command(name="learning-update")
@click.option("--from", "date_from", type=DATE, required=True, help="First day (YYYY-MM-DD).")
@click.option("--to", "date_to", type=DATE, required=True, help="Last day (YYYY-MM-DD).")
@click.option("--audience", type=click.Choice(["internal", "external"]), default="internal")
@click.option("--objective", "objectives", multiple=True, help="Objective code (repeatable).")
@click.option(
    "--intro",
    "intro_file",
    type=click.File("r", encoding="utf-8"),
    help="The editor's key messages: a Markdown file (- for stdin).",
)
@click.option(
    "--featured",
    multiple=True,
    help="Id of a record to feature as a story (repeatable; else the generator chooses).",
)
@click.option(
    "--annex/--no-annex",
    default=True,
    show_default=True,
    help="Add the full lists: every fund decision by panel, every record cited.",
)
@click.option("--format", "fmt", type=click.Choice(["md", "html", "docx"]), required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--save", is_flag=True, help="Also save it as a learning_update record.")
@click.pass_context
def learning_update(
    ctx, date_from, date_to, audience, objectives, intro_file, featured, annex, fmt, out, save
) -> None:
    """Generate a learning update for a period and audience."""
    from . import reporting, saved_updates
    from .updates import render_docx, render_html, render_markdown
    from .updates.request import UpdateRequest

    request = UpdateRequest.parse(
        {
            "from": date_from.date(),
            "to": date_to.date(),
            "audience": audience,
            "objectives": list(objectives),
            "intro": _text_of(intro_file, "--intro"),
            "featured": list(featured),
            "annex": annex,
        }
    )
    evidence = _evidence(ctx)
    summary = reporting.make(evidence, request)
    record = saved_updates.save(evidence, summary, "cli") if save else None
    if fmt == "docx":
        out.write_bytes(render_docx(summary))
    else:
        render = render_html if fmt == "html" else render_markdown
        out.write_text(render(summary), encoding="utf-8")
    if record is not None:
        click.echo(record.id)
    click.echo(f"Wrote {out}.", err=True)


@main.group()
def user() -> None:
    """People who can log in."""


@user.command(name="add")
@click.argument("name")
@click.option("--role", type=click.Choice(accounts.ROLES), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@data_dir_option
@click.pass_context
@refusals
def user_add(ctx: click.Context, name: str, role: str, password_stdin: bool) -> None:
    """Add a user."""
    if not password_stdin:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    accounts.add_user(_evidence(ctx).store, name, role, password, actor="cli")
    click.echo(f"Added {name} ({role}).", err=True)


@user.command(name="list")
@click.option("--json", "as_json", is_flag=True)
@data_dir_option
@click.pass_context
@refusals
def user_list(ctx: click.Context, as_json: bool) -> None:
    """List users."""
    users = accounts.list_users(_evidence(ctx).store)
    if as_json:
        _json_out([{"name": u.name, "role": u.role, "disabled": u.disabled} for u in users])
        return
    for u in users:
        click.echo(f"{u.name}\t{u.role}" + ("\tdisabled" if u.disabled else ""))


@main.group()
def token() -> None:
    """API tokens."""


@token.command(name="create")
@click.argument("name", type=TEXT)
@data_dir_option
@click.pass_context
@refusals
def token_create(ctx: click.Context, name: str) -> None:
    """Create an API token for a user; printed once, only its hash is kept."""
    click.echo(accounts.create_token(_evidence(ctx).store, name, actor="cli"))


@main.group(name="framework")
def framework_group() -> None:
    """The learning framework."""


@framework_group.command(name="show")
@click.option("--date", "day", type=DATE, help="The plan in force on this day (default: today).")
@click.option("--json", "as_json", is_flag=True)
@data_dir_option
@click.pass_context
@refusals
def framework_show(ctx: click.Context, day, as_json: bool) -> None:
    """Show the plan in force today (or on --date)."""
    try:
        plan = _evidence(ctx).plan_on(day.date().isoformat() if day else None)
        fw, label, shown = plan.framework, plan.label(), plan.framework_dict()
    except NotInitialised:
        fw = framework_mod.load()
        label, shown = f"{fw.title} (shipped default; no data dir yet)", fw.to_dict()
    if as_json:
        _json_out(shown)
        return
    click.echo(f"{fw.name}: {label}")
    click.echo(f"Timescale {fw.period_from} – {fw.period_to}")
    for o in fw.objectives:
        click.echo(f"\n{o.code}  {o.text}")
        for i in o.indicators:
            click.echo(f"  {i.code}  {i.text}")
        for a in o.activities:
            click.echo(f"  {a.code}  {a.text}  [{a.owner_text}]")
    click.echo("\nAuthorities:")
    for name, locs in fw.authorities.items():
        click.echo(f"  {name}: {', '.join(locs)}")


@framework_group.command(name="list")
@click.option("--json", "as_json", is_flag=True)
@data_dir_option
@click.pass_context
@refusals
def framework_list(ctx: click.Context, as_json: bool) -> None:
    """Every plan this data dir has held, with the dates each was in force."""
    plans = list(_evidence(ctx).plans)
    if as_json:
        _json_out({"plans": [p.to_dict() for p in plans]})
        return
    for p in plans:
        click.echo(f"{p.valid_from or 'start':<10}  {p.valid_to or 'now':<10}  {p.name}  {p.title}")


@framework_group.command(name="adopt")
@click.argument("plan")
@click.option("--from", "date_from", type=DATE, required=True, help="First day in force.")
@click.option(
    "--map", "maps", multiple=True, metavar="OLD=NEW", help="Map a retired code or place."
)
@click.option("--dry-run", is_flag=True, help="Report what would change; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON only.")
@data_dir_option
@click.pass_context
@refusals
def framework_adopt(ctx, plan: str, date_from, maps, dry_run: bool, as_json: bool) -> None:
    """Put a plan (shipped name or YAML path) in force from --from D."""
    from .plans import AdoptionRefused

    try:
        report = _evidence(ctx).adopt(
            plan, date_from.date().isoformat(), list(maps), dry_run=dry_run, actor="cli"
        )
    except AdoptionRefused as exc:
        if as_json:
            _json_out(exc.report.to_dict())
        for line in exc.report.lines():
            click.echo(line, err=True)
        ctx.exit(1)
    if as_json:
        _json_out(report.to_dict())
        return
    for line in report.lines():
        click.echo(line)


@framework_group.command(name="diff")
@click.argument("first")
@click.argument("second")
@click.option("--json", "as_json", is_flag=True)
@data_dir_option
@click.pass_context
@refusals
def framework_diff(ctx: click.Context, first: str, second: str, as_json: bool) -> None:
    """What changed from plan FIRST to plan SECOND (names held or shipped, or paths)."""
    from . import plandiff

    try:
        held = {p.name: p.framework for p in _evidence(ctx).plans}
    except NotInitialised:
        held = {}
    a, b = (held.get(x) or plans_mod.load_plan_file(x)[0] for x in (first, second))
    d = plandiff.diff(a, b)
    if as_json:
        _json_out(d)
        return
    for line in plandiff.lines(d):
        click.echo(line)


# Register `wm2u codes`, `wm2u code` and `wm2u excerpts`, `wm2u figures`, `wm2u attach` and
# `wm2u attachments`.
from . import (  # noqa: E402, F401
    cli_attachments,
    cli_codes,
    cli_figures,
    cli_msc,
    cli_people,
    cli_stories,
)
