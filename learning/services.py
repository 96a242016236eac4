"""The application's service layer: validate → store (one transaction) → index.

Views and CLI commands call these functions and render their results. The database is the
truth; the search index is brought up to date from the store's queue after every write, and
whatever could not be applied stays queued for the next write, the next start or
``wm2u check --repair``.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import search_index
from evidence import attachments
from evidence.coding import record_codes
from evidence.consent import INTERNAL, present, visible_consents
from evidence.model import NotFound, Record, ValidationError, utcnow
from evidence.store import RecordFilter, Store
from evidence.validate import validate
from search_index import IndexBusy, IndexDamaged, Results

from . import framework as framework_mod
from . import plans as plans_mod
from .framework import Framework
from .plans import Plan, PlanSet

if TYPE_CHECKING:
    from search_index import SearchIndex

    from .reporting import LearningUpdate

DB_NAME = "wm2u.db"
INDEX_DIR = "index"
FRAMEWORK_COPY = "framework.yaml"
REBUILD_FROM = 5000  # an import this large (and doubling the index) rebuilds it instead
# Only `wm2u import` keeps a client's.
SERVER_KEYS = ("revision", "created_at", "updated_at", "origin", "status")
PRIVATE_UMASK = 0o077  # the data dir is its service user's alone: folders 0700, files 0600
INDEX_FAILURE = "index-failure"  # meta key: when the last index write failed, and why

log = logging.getLogger(__name__)


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """``--data-dir``, else ``WM2U_DATA_DIR``, else ``./instance``."""
    return Path(data_dir or os.environ.get("WM2U_DATA_DIR") or "instance")


def initialise(data_dir: Path, framework_name: str | None = None) -> Framework:
    """Create the data dir, database and index; idempotent. Returns the plan in force today.

    Without ``framework_name`` the data dir keeps whatever plans it holds. ``framework_name``
    sets the plan of a data dir that holds no records; on one that holds records under another
    plan it is refused (a new plan is adopted from a date instead); the plan in force stays.
    Whatever the umask, the data dir and everything in it end up its user's alone.
    """
    keep_private()
    data_dir.mkdir(parents=True, exist_ok=True)
    with Store(data_dir / DB_NAME) as store:
        store.migrate()
        ensure_plans(data_dir, store)
        held = PlanSet(store.plans())
        if framework_name is None:
            fw = held.on(None).framework
        else:
            fw, text = plans_mod.load_plan_file(framework_name)
            in_force = held.on(None)
            if fw.name == in_force.name and (
                len(held) > 1 or text == in_force.text or store.holds_records()
            ):
                pass  # the same plan: the data dir keeps the text it holds
            elif store.holds_records():
                raise ValidationError(
                    "framework",
                    f"this data dir holds records under the plan {in_force.name}, so "
                    f"`wm2u init` cannot replace it with {fw.name}; put a new plan in "
                    f"force from a date with `wm2u framework adopt {framework_name} "
                    "--from YYYY-MM-DD`",
                )
            else:
                path = framework_mod.resolve(framework_name)
                if path.parent != framework_mod.FRAMEWORKS_DIR:
                    shutil.copyfile(path, data_dir / FRAMEWORK_COPY)
                    store.set_meta("framework", FRAMEWORK_COPY)
                else:
                    store.set_meta("framework", fw.name)
                store.set_first_plan(
                    fw.name,
                    fw.title,
                    text,
                    actor="init",
                    shipped=plans_mod.is_shipped(framework_name),
                )
    search_index.SearchIndex(data_dir / INDEX_DIR).close()
    make_private(data_dir)
    return fw


def ensure_plans(data_dir: Path, store: Store) -> None:
    """A data dir from before plans were kept gains its one plan, read from meta "framework"
    (or the copied framework.yaml): in force for every date. No record changes.

    A shipped plan follows the product's copy of it, as it did when it was read by name:
    when a new version ships a changed file, the text held is brought up to date (a custom
    plan is kept as it was adopted)."""
    held = store.plans()
    if held:
        for row in held:
            shipped = framework_mod.FRAMEWORKS_DIR / f"{row.name}.yaml"
            if not row.shipped or not shipped.is_file():
                continue
            text = shipped.read_text(encoding="utf-8")
            if text != row.text:
                fw = framework_mod.parse(text, source=str(shipped))
                store.refresh_plan(row.id, fw.title, text)
        return
    name = store.get_meta("framework") or framework_mod.DEFAULT_FRAMEWORK
    if name == FRAMEWORK_COPY:
        name = str(data_dir / FRAMEWORK_COPY)
    fw, text = plans_mod.load_plan_file(name)
    store.set_first_plan(
        fw.name,
        fw.title,
        text,
        actor="upgrade",
        only_if_none=True,
        shipped=plans_mod.is_shipped(name),
    )


def keep_private() -> None:
    """From now on, what this process creates is readable by its user alone (0700 / 0600):
    SQLite's WAL and shared-memory files and Whoosh's segments are made as the umask says."""
    os.umask(os.umask(PRIVATE_UMASK) | PRIVATE_UMASK)


def make_private(data_dir: Path) -> list[str]:
    """Make every folder under ``data_dir`` (itself included) 0700 and every file 0600;
    return the paths (relative, with their old mode) that were changed."""
    changed = []
    for path in _private_paths(data_dir):
        try:
            st = path.lstat()
            want = 0o700 if stat.S_ISDIR(st.st_mode) else 0o600
            if stat.S_IMODE(st.st_mode) != want:
                os.chmod(path, want)
                changed.append(f"{_relative(path, data_dir)} {stat.S_IMODE(st.st_mode):04o}")
        except (FileNotFoundError, PermissionError):  # gone, or not ours to change
            continue
    return changed


def permission_problems(data_dir: Path) -> list[str]:
    """The paths under ``data_dir`` (with their mode) that its group or others may use."""
    found = []
    for path in _private_paths(data_dir):
        try:
            st = path.lstat()
        except FileNotFoundError:
            continue
        if stat.S_IMODE(st.st_mode) & 0o077:
            found.append(f"{_relative(path, data_dir)} {stat.S_IMODE(st.st_mode):04o}")
    return found


def _private_paths(data_dir: Path) -> Iterable[Path]:
    """The data dir, and every folder and file in it (symbolic links left alone)."""
    if not data_dir.is_dir():
        return
    yield data_dir
    for folder, dirs, files in os.walk(data_dir):
        for name in (*dirs, *files):
            path = Path(folder) / name
            if not path.is_symlink():
                yield path


def _relative(path: Path, data_dir: Path) -> str:
    return str(path.relative_to(data_dir)) if path != data_dir else "(the data dir)"


def load_framework(data_dir: Path, store: Store) -> Framework:
    """The plan this data dir holds in force today."""
    ensure_plans(data_dir, store)
    return PlanSet(store.plans()).on(None).framework


class NotInitialised(Exception):
    """The data dir has no database yet."""


@dataclass
class CheckReport:
    """What ``check`` found; empty lists mean all is well."""

    integrity: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    orphaned: list[str] = field(default_factory=list)
    bad_references: list[str] = field(default_factory=list)
    index: str | None = None  # the index as a whole is missing or unreadable: what is wrong
    # Paths (with their mode) that others may use: reported, not failed (init or --repair fix
    # them; a data dir made before they were fixed would otherwise fail every nightly check).
    permissions: list[str] = field(default_factory=list)
    pending: int = 0
    index_failure: str = ""  # "the last index write failed at …: error" until a repair
    # Attachments' files (paths under the data dir): named by a row but gone, or whose bytes
    # no longer have their hash; and files no row names (`--repair` removes those).
    files_missing: list[str] = field(default_factory=list)
    files_altered: list[str] = field(default_factory=list)
    files_unreferenced: list[str] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.integrity
            or self.index
            or self.missing
            or self.stale
            or self.orphaned
            or self.bad_references
            or self.index_failure
            or self.files_missing
            or self.files_altered
            or self.files_unreferenced
        )


class Evidence:
    """One data dir's store, index and framework, and every operation on them."""

    def __init__(self, data_dir: str | os.PathLike | None = None) -> None:
        self.data_dir = resolve_data_dir(data_dir)
        db_path = self.data_dir / DB_NAME
        if not db_path.exists():
            raise NotInitialised(f"no database in {self.data_dir}: run `wm2u init` first")
        keep_private()
        self.store = Store(db_path)
        self.store.upgrade()  # a data dir made by an earlier version gains the new tables
        ensure_plans(self.data_dir, self.store)
        self._plans: PlanSet | None = None
        self._plans_version: tuple[int, ...] | None = None
        self._index: SearchIndex | None = None
        # Saved external learning updates follow their sources (evidence/citing.py); those
        # an earlier version saved are made safe once, without a new revision.
        self.store.remake_update = self._remake_update
        self.store.make_saved_updates_safe()

    @property
    def plans(self) -> PlanSet:
        """Every plan this data dir holds (read again when another process adopts one)."""
        version = self.store.plans_version()
        if self._plans is None or version != self._plans_version:
            self._plans, self._plans_version = PlanSet(self.store.plans()), version
        return self._plans

    def plans_version(self) -> tuple[int, ...]:
        """The plans held as of now (and so the plans ``plans`` reads)."""
        self.plans  # noqa: B018 - read the plans again if they changed
        return self._plans_version  # type: ignore[return-value]

    @property
    def framework(self) -> Framework:
        """The plan in force today (what pages show)."""
        return self.plans.on(None).framework

    @property
    def reading_framework(self) -> Framework:
        """Today's plan with every other plan's codes and places added (filters, forms)."""
        return self.plans.combined()

    def rating_framework(self, data: Any) -> Framework:
        """The plan a progress rating is judged by: the one in force on its ``period_to``
        (today's when it has no valid one; the refusal names that field anyway)."""
        day = plans_mod.iso_date(data.get("period_to")) if isinstance(data, dict) else None
        return self.plans.on(day).framework

    def plan_on(self, day: str | None) -> Plan:
        """The plan in force on ``day`` (an ISO date; None: today)."""
        return self.plans.on(day)

    @property
    def index(self) -> SearchIndex:
        if self._index is None:
            self._index = search_index.SearchIndex(self.data_dir / INDEX_DIR)
        return self._index

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
        self.store.close()

    def __enter__(self) -> Evidence:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing ---------------------------------------------------------------------------

    def validate(self, data: Any) -> Record:
        """Judge ``data`` by the plan in force on its date (without a valid date: today's);
        a refusal names that plan when the data dir holds more than one."""
        plans = self.plans
        day = plans_mod.iso_date(data.get("date")) if isinstance(data, dict) else None
        plan = plans.on(day)
        try:
            return validate(data, plan.framework)
        except ValidationError as exc:
            if len(plans) > 1:
                raise plans_mod.plan_error(exc, plan, day) from None
            raise

    def adopt(
        self,
        name_or_path: str,
        date_from: Any,
        maps: Iterable[str] = (),
        dry_run: bool = False,
        actor: str = "",
    ) -> plans_mod.AdoptionReport:
        """Put a plan in force from ``date_from``: every record and rating dated then or later
        is checked against it (with ``maps`` applied) and, if all fit, rewritten as new
        revisions in the one transaction that adds the plan; else AdoptionRefused, nothing
        changed. ``dry_run`` reports the same and changes nothing."""
        from evidence.ratings import list_ratings

        day = plans_mod.iso_date(date_from)
        if day is None:
            raise ValidationError("from", f"must be a date written YYYY-MM-DD (not {date_from!r})")
        new, text = plans_mod.load_plan_file(name_or_path)
        plans = self.plans
        latest = plans.latest
        if latest.valid_from is not None and day <= latest.valid_from:
            raise ValidationError(
                "from",
                f"{day} is not after {latest.valid_from}, when the plan in force "
                f"({latest.name}) started",
            )
        mapping = plans_mod.parse_map(list(maps), plans, new)
        report = plans_mod.AdoptionReport(new.name, new.title, day, mapping, dry_run=dry_run)

        def prepare(records):
            return plans_mod.prepare_adoption(
                report, new, mapping, records, list_ratings(self.store),
                self.store.list_figures(date_from=day),
            )  # fmt: skip

        try:
            self.store.adopt_plan(
                new.name,
                new.title,
                text,
                day,
                mapping,
                prepare,
                actor=actor,
                dry_run=dry_run,
                shipped=plans_mod.is_shipped(name_or_path),
            )
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            raise ValidationError(
                "plan",
                "another adoption (or another long write) holds the database; nothing was "
                "changed: try again when it has finished",
            ) from None
        report.adopted = not dry_run
        if not dry_run:
            self.sync_index()
        return report

    def create(self, data: dict[str, Any], actor: str = "") -> Record:
        """Validate and save a new record, then bring the index up to date.

        Its revision and timestamps are the server's, whatever ``data`` says."""
        plans = self.plans_version()
        record = self.validate(_without_server_keys(data))
        saved = self.store.add(record, actor, plans)
        self.sync_index()
        return saved

    def create_many(self, items: list[tuple[str, Any]], actor: str = "") -> list[Record]:
        """Validate every item first (naming the bad one), then save them all or none."""
        plans = self.plans_version()
        records = []
        for source, data in items:
            try:
                records.append(self.validate(_without_server_keys(data)))
            except ValidationError as exc:
                raise _in_source(exc, source) from None
        saved = self.store.add_many(records, actor, plans)
        self.sync_index()
        return saved

    def update(self, record_id: str, data: dict[str, Any], actor: str = "") -> Record:
        """Replace a record; ``data['revision']`` must be the revision the editor started from."""
        if not isinstance(data, dict):
            raise ValidationError("record", "must be a JSON object")
        if data.get("id") not in (None, "", record_id):
            raise ValidationError("id", "does not match the record being saved")
        if "revision" not in data:
            raise ValidationError("revision", "is required (the revision you started from)")
        kept = {k: v for k, v in data.items() if k not in ("created_at", "updated_at")}
        plans = self.plans_version()
        record = self.validate({**kept, "id": record_id})
        saved = self.store.update(record, data["revision"], actor, plans)
        self.sync_index()
        return saved

    def delete(self, record_id: str, actor: str = "") -> None:
        self.store.soft_delete(record_id, actor)
        self.sync_index()

    def restore(self, record_id: str, actor: str = "") -> Record:
        record = self.store.restore(record_id, actor)
        self.sync_index()
        return record

    def purge(self, record_id: str, actor: str = "") -> None:
        """Erasure: the record, its revisions, its index entry and its text in citations."""
        self.store.purge(record_id, actor, rewrite=self._rewrite_update)
        self.sync_index(wait=30.0)

    def _remake_update(self, update: Record) -> Record:
        """A saved learning update made again from what its sources allow now."""
        from . import saved_updates

        return saved_updates.remade(self, update)

    def _rewrite_update(self, update: Record) -> str:
        """A saved learning update's Markdown, made again (for erasure, which sets its fields)."""
        return self._remake_update(update).body

    def import_items(
        self, items: Iterable[tuple[str, Any]], actor: str = "", batch: int = 500
    ) -> tuple[int, int]:
        """Validate and add records not already present, in batches; return (added, skipped)."""
        added = skipped = 0
        chunk: list[Record] = []
        plans = self.plans_version()
        for source, data in items:
            try:
                chunk.append(self.validate(data))
            except ValidationError as exc:
                raise _in_source(exc, source) from None
            if len(chunk) >= batch:
                a, s = self.store.import_records(chunk, actor, plans)
                added, skipped, chunk = added + len(a), skipped + s, []
        if chunk:
            a, s = self.store.import_records(chunk, actor, plans)
            added, skipped = added + len(a), skipped + s
        # Each batch is committed (and queued for the index) on its own, so a killed import
        # keeps what it had saved; the index catches up at the end.
        self.index_after_import(added)
        return added, skipped

    def index_after_import(self, added: int) -> None:
        """Bring the index up to an import: in a few large commits, or, when the import at
        least doubles the evidence, by a (two-process) rebuild."""
        if added >= REBUILD_FROM and added >= self.index.doc_count():
            self.reindex()
        else:
            self.sync_index(wait=10.0, batch=5000)

    # --- the index -------------------------------------------------------------------------

    def sync_index(self, wait: float = 0.0, batch: int = 500) -> int:
        """Apply queued index work; leave it queued if another writer holds the index."""
        applied = 0
        while True:
            marker = utcnow()
            items = self.store.pending(batch)
            if not items:
                return applied
            upserts, deletes, purges = [], [], []
            for record_id, action in items:
                if action == "purge":  # erased, or a learning update that cited what was
                    purges.append(record_id)
                try:
                    upserts.append(self.store.get(record_id))
                except NotFound:
                    deletes.append(record_id)
            try:
                # Purging first rewrites the segments holding every earlier version (of an
                # erased record, and of the updates that quoted it); the live ones go back in.
                if purges:
                    self.index.purge(*purges)
                ok = self.index.apply(_coded(self.store, upserts), deletes, wait=wait)
            except IndexBusy:  # another writer holds the index: the work stays queued
                return applied
            except Exception as exc:  # noqa: BLE001 - an index failure must never lose a save
                self._index_failed(exc)
                return applied
            if not ok:
                return applied
            self.store.done(items, marker)
            applied += len(items)

    def _index_failed(self, exc: Exception) -> None:
        """Log an index write that failed (the change stays queued) and remember it for
        ``check``, which reports it until a ``check --repair``."""
        log.exception(
            "writing to the search index at %s failed; the change stays queued",
            self.data_dir / INDEX_DIR,
        )
        when = utcnow()[:19].replace("T", " ") + " UTC"
        error = " ".join(f"{type(exc).__name__}: {exc}".split())[:500]
        try:
            self.store.set_meta(INDEX_FAILURE, f"the last index write failed at {when}: {error}")
        except Exception:  # noqa: BLE001 - the save itself has succeeded
            log.exception("could not record the index failure")

    def check(self) -> CheckReport:
        """Compare the database with the index and the framework (index work still queued is
        applied first, as a search would: what is compared is what a search would read)."""
        # A lost or cut-short index is reported as such (not opened, which would make an
        # empty one, nor listed record by record): the cure is a rebuild.
        index_problem = search_index.inspect(self.data_dir / INDEX_DIR)
        failed = self.store.get_meta(INDEX_FAILURE) or ""
        if index_problem is None and not failed:  # after a failed write: list what is behind
            self.sync_index(wait=2.0, batch=5000)
        report = CheckReport(integrity=self.store.integrity(), pending=self.store.pending_count())
        report.index_failure = failed
        report.index = index_problem
        if report.index is None:
            try:
                in_index = self.index.contents()
            except IndexDamaged as exc:
                report.index = str(exc)
        if report.index is None:
            # A record is stale when its revision or its live attachments differ.
            held = attachments.live_ids(self.store)
            in_db = {i: (rev, held.get(i, ())) for i, rev in self.store.live_revisions().items()}
            # (Work still queued after the sync above, another writer holding the index, is
            # listed: a search would not see it yet either.)
            report.missing = sorted(set(in_db) - set(in_index))
            report.orphaned = sorted(set(in_index) - set(in_db))
            report.stale = sorted(i for i in set(in_db) & set(in_index) if in_db[i] != in_index[i])
        report.bad_references = self._bad_references()
        report.permissions = permission_problems(self.data_dir)
        found = attachments.check_files(self.store)
        report.files_missing, report.files_altered = found.missing, found.altered
        report.files_unreferenced = found.unreferenced
        return report

    def _bad_references(self) -> list[str]:
        problems = []
        for record in self.store.iter_records():
            try:
                self.validate(record.to_dict())
            except ValidationError as exc:
                problems.append(f"{record.id}: {exc}")
        return problems

    def repair(self, progress: Callable[[int], None] | None = None) -> CheckReport:
        """Bring the index back in step with the database, then check again.

        A missing or unreadable index is rebuilt (``progress`` as for :meth:`reindex`)."""
        make_private(self.data_dir)
        report = self.check()
        self.store.recount()
        self.store.set_meta(INDEX_FAILURE, "")  # a failure during this repair records it again
        if report.index:
            self.index.reset()
            self.reindex(progress)
        else:
            self.store.queue_all(report.missing + report.stale + report.orphaned)
            self.sync_index(wait=30.0, batch=5000)  # as an import does: fewer, larger commits
            self.index.tidy()  # merge the small segments single saves leave behind
        removed = attachments.remove_unreferenced(self.store) if report.files_unreferenced else []
        after = self.check()
        after.files_removed = removed
        return after

    def reindex(self, progress: Callable[[int], None] | None = None) -> int:
        """Rebuild the whole index from the database and swap it in.

        ``progress`` is called with the number of records indexed since its last call."""
        if search_index.inspect(self.data_dir / INDEX_DIR) is not None:
            self.index.reset()  # nothing to keep, and its live generation cannot be locked
        total = self.store.count()
        marker = utcnow()
        pending = self.store.pending(10**9)
        records = _coded_all(self.store, self.store.iter_records())
        count = self.index.rebuild(records, total=total, progress=progress)
        self.store.done(pending, marker)
        self.sync_index(wait=5.0)
        return count

    # --- learning updates ------------------------------------------------------------------

    def learning_update(
        self,
        date_from: Any,
        date_to: Any,
        audience: str = INTERNAL,
        objectives: list[str] | None = None,
        save: bool = False,
        actor: str = "",
        **options: Any,
    ) -> LearningUpdate:
        """For scripts and tests: the update these describe (``options``: ``intro``,
        ``featured``, ``annex``, as ``UpdateRequest.parse`` reads them), made and, with
        ``save``, saved as the command line, the web form and the API do."""
        from . import reporting, saved_updates  # paid for only by those who make updates
        from .updates.request import UpdateRequest

        asked = {"from": date_from, "to": date_to, "audience": audience, "objectives": objectives}
        prepared_by = "" if actor in ("", "cli") else actor
        request = UpdateRequest.parse({**asked, **options}, prepared_by=prepared_by)
        summary = reporting.make(self, request)
        record = saved_updates.save(self, summary, actor) if save else None
        return reporting.LearningUpdate(summary, record)

    # --- reading ---------------------------------------------------------------------------

    def get(self, record_id: str, audience: str = INTERNAL) -> Record:
        """A record as the audience may see it; NotFound when it may not see it at all."""
        record = self.store.get(record_id)
        shown = present(record, audience)
        if shown is None:
            raise NotFound(f"record {record_id}")
        return shown

    def list(
        self,
        filters: RecordFilter | None = None,
        audience: str = INTERNAL,
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[int, list[Record]]:
        """Records matching the filters that the audience may see, as it may see them."""
        total, records = self.store.list(
            self._visible(filters, audience), limit=limit, offset=offset
        )
        return total, [present(r, audience) for r in records]  # type: ignore[misc]

    def counts_by(self, column: str, filters: RecordFilter | None, audience: str) -> dict[str, int]:
        """How many records the audience may see have each value of ``column`` (type,
        locality, consent, indicator or quarter). Every count a page shows comes from here,
        ``facet_counts`` or ``indicator_quarters``: consent is applied in one place."""
        return self.store.counts_by(column, self._visible(filters, audience))

    def facet_counts(
        self, columns: tuple[str, ...], filters: RecordFilter | None, audience: str
    ) -> dict[str, dict[str, int]]:
        """Counts per value of each column, of the records the audience may see."""
        return self.store.facet_counts(columns, self._visible(filters, audience))

    def indicator_quarters(
        self, filters: RecordFilter | None, audience: str
    ) -> dict[tuple[str, str], int]:
        """Counts per (indicator, quarter), of the records the audience may see."""
        return self.store.indicator_quarters(self._visible(filters, audience))

    @staticmethod
    def _visible(filters: RecordFilter | None, audience: str) -> RecordFilter:
        filters = replace(filters) if filters is not None else RecordFilter()
        filters.consent = _allowed(filters.consent, audience)
        return filters

    def search(
        self,
        query: str,
        filters: dict[str, Any] | None = None,
        page: int = 1,
        per_page: int = 20,
        audience: str = INTERNAL,
        sort: str = "relevance",
    ) -> Results:
        """Full-text search as the audience may see it (consent applied inside the query);
        ``code:ID`` finds the code and the codes under it."""
        from .coding.codebook import family

        self.sync_index()
        return self.index.search(
            query or "", filters or {}, page=page, per_page=per_page, audience=audience,
            sort=sort, expand={"code": lambda code: family(self, code)},
        )  # fmt: skip


def _coded(store: Store, records: list[Record]) -> list[Record]:
    """The records with the codes of their excerpts and their live attachments, for their
    search documents."""
    ids = [r.id for r in records]
    codes = record_codes(store.conn, ids)
    held = attachments.of_records(store, ids)
    return [
        r.but(codes=codes.get(r.id, r.codes), attachments=held.get(r.id, r.attachments))
        if r.id in codes or r.id in held
        else r
        for r in records
    ]


def _coded_all(store: Store, records: Iterable[Record], batch: int = 1000) -> Iterable[Record]:
    """``_coded``, a batch at a time (a rebuild reads every record once)."""
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= batch:
            yield from _coded(store, chunk)
            chunk = []
    yield from _coded(store, chunk)


def _without_server_keys(data: Any) -> Any:
    """A new record's data without the revision and timestamps the server sets."""
    if not isinstance(data, dict):
        return data
    return {k: v for k, v in data.items() if k not in SERVER_KEYS}


def _in_source(exc: ValidationError, source: str) -> ValidationError:
    """The same refusal, with each field prefixed by the file (or line) it came from."""
    return ValidationError({f"{source}: {k}": v for k, v in exc.errors.items()})


def _allowed(requested: str | list[str] | None, audience: str) -> list[str]:
    allowed = list(visible_consents(audience))
    if requested in (None, "", []):
        return allowed
    wanted = [requested] if isinstance(requested, str) else list(requested)
    return [c for c in wanted if c in allowed] or ["\x00"]
