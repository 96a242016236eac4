"""The database schema, as sqlite-utils migrations (applied in order, each in a transaction).

The steps are listed here without importing sqlite-utils (a fifth of a second): opening a data
dir compares ``NAMES`` with those applied, and only a data dir to create or upgrade builds
sqlite-utils' ``Migrations`` from them (:func:`migrations`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database, Migrations

MIGRATION_SET = "wm2u-evidence"
_STEPS: list[Callable[[Database], None]] = []


def _step(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    _STEPS.append(fn)
    return fn


@functools.cache
def migrations() -> Migrations:
    """sqlite-utils' migrations of the schema, in order."""
    from sqlite_utils import Migrations

    found = Migrations(MIGRATION_SET)
    for fn in _STEPS:
        found()(fn)
    return found


@_step
def m001_records(db: Database) -> None:
    db["records"].create(
        {
            "id": str,
            "type": str,
            "title": str,
            "date": str,
            "authority": str,
            "locality": str,
            "author": str,
            "consent": str,
            "indicators": str,
            "activities": str,
            "tags": str,
            "people": str,
            "quotes": str,
            "body": str,
            "fields": str,
            "revision": int,
            "created_at": str,
            "updated_at": str,
            "deleted_at": str,
            "content_hash": str,
        },
        pk="id",
        not_null={"type", "title", "date", "consent", "revision"},
    )
    db["records"].create_index(["date"])
    db["records"].create_index(["type", "date"])
    db["records"].create_index(["locality"])
    db["records"].create_index(["content_hash"])
    db["record_indicators"].create(
        {"record_id": str, "code": str},
        pk=("record_id", "code"),
        foreign_keys=[("record_id", "records", "id")],
    )
    db["record_indicators"].create_index(["code", "record_id"])
    db["revisions"].create(
        {"record_id": str, "revision": int, "data": str, "saved_at": str, "saved_by": str},
        pk=("record_id", "revision"),
        foreign_keys=[("record_id", "records", "id")],
    )
    # Writes the search index still has to apply; filled in the same transaction as the write.
    db["index_queue"].create(
        {"record_id": str, "action": str, "queued_at": str},
        pk="record_id",
    )


@_step
def m002_people(db: Database) -> None:
    db["users"].create(
        {
            "id": int,
            "name": str,
            "role": str,
            "password_hash": str,
            "created_at": str,
            "disabled": int,
        },
        pk="id",
        not_null={"name", "role", "password_hash"},
    )
    db["users"].create_index(["name"], unique=True)
    db["tokens"].create(
        {
            "id": int,
            "user_id": int,
            "token_hash": str,
            "created_at": str,
            "last_used_at": str,
        },
        pk="id",
        foreign_keys=[("user_id", "users", "id")],
    )
    db["tokens"].create_index(["token_hash"], unique=True)
    db["audit"].create(
        {"id": int, "at": str, "actor": str, "action": str, "record_id": str, "detail": str},
        pk="id",
    )
    db["audit"].create_index(["at"])
    for event in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER audit_append_only_{event.lower()} BEFORE {event} ON audit "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
        )
    db["meta"].create({"key": str, "value": str}, pk="key")


@_step
def m003_ratings(db: Database) -> None:
    db["ratings"].create(
        {
            "id": int,
            "indicator": str,
            "period_from": str,
            "period_to": str,
            "progress": str,
            "confidence": str,
            "rationale": str,
            "records": str,
            "rated_by": str,
            "rated_at": str,
        },
        pk="id",
    )
    db["ratings"].create_index(["indicator", "period_to"])


@_step
def m004_sessions(db: Database) -> None:
    # One row a login (a device); the cookie carries the random id, the table keeps its hash.
    db["sessions"].create(
        {
            "id": str,
            "user_id": int,
            "created_at": str,
            "last_seen_at": str,
            "ended_at": str,
        },
        pk="id",
        foreign_keys=[("user_id", "users", "id")],
        if_not_exists=True,
    )
    db["sessions"].create_index(["user_id", "ended_at"], if_not_exists=True)


@_step
def m005_live_records_index(db: Database) -> None:
    # Browse, counts and coverage filter live records by type, consent, locality and date and
    # order by date: one index holding all of those answers them without reading the wide rows
    # (the body), and walks newest first for a page of records.
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_records_live ON records "
        "(deleted_at, date, id, type, consent, locality, authority)"
    )


@_step
def m006_tallies(db: Database) -> None:
    # Counts of live records kept by triggers, for the pages that count (see tally.py).
    from .tally import install

    install(db.conn)


@_step
def m007_citations(db: Database) -> None:
    # Which saved learning updates cite which records, kept by triggers from each update's
    # ``fields.cites``: a write to a cited record finds the updates to bring into line with it
    # in the same transaction (see ``Store._refresh_citing``).
    db.execute(
        "CREATE TABLE IF NOT EXISTS citations (record_id TEXT NOT NULL, update_id TEXT NOT NULL, "
        "PRIMARY KEY (record_id, update_id)) WITHOUT ROWID"
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_citations_update ON citations (update_id)")
    cites = (
        "INSERT OR IGNORE INTO citations (record_id, update_id) "
        "SELECT CAST(value AS TEXT), NEW.id FROM json_each(NEW.fields, '$.cites') "
        "WHERE NEW.type = 'learning_update' AND json_valid(NEW.fields)"
    )
    db.execute(
        "CREATE TRIGGER IF NOT EXISTS citations_insert AFTER INSERT ON records "
        f"WHEN NEW.type = 'learning_update' BEGIN {cites}; END"
    )
    db.execute(
        "CREATE TRIGGER IF NOT EXISTS citations_update AFTER UPDATE OF fields, type ON records "
        "WHEN OLD.type = 'learning_update' OR NEW.type = 'learning_update' BEGIN "
        f"DELETE FROM citations WHERE update_id = OLD.id; {cites}; END"
    )
    db.execute(
        "CREATE TRIGGER IF NOT EXISTS citations_delete AFTER DELETE ON records "
        "WHEN OLD.type = 'learning_update' BEGIN "
        "DELETE FROM citations WHERE update_id = OLD.id; END"
    )
    db.execute(
        "INSERT OR IGNORE INTO citations (record_id, update_id) "
        "SELECT CAST(j.value AS TEXT), r.id FROM records r, json_each(r.fields, '$.cites') j "
        "WHERE r.type = 'learning_update' AND json_valid(r.fields)"
    )


@_step
def m008_rating_consent(db: Database) -> None:
    # A rating is text about families too: it has a consent level and the people it names.
    # Ratings from before: internal if they link an internal record, else anonymised.
    db["ratings"].add_column("consent", str)
    db["ratings"].add_column("people", str)
    db.execute(
        "UPDATE ratings SET people = '[]', consent = CASE WHEN EXISTS ("
        "SELECT 1 FROM json_each(ratings.records) j JOIN records r ON r.id = j.value "
        "WHERE r.consent = 'internal') THEN 'internal' ELSE 'anonymised' END"
    )


@_step
def m009_plans(db: Database) -> None:
    # Every plan the data dir has used: the plan file's text (so a backup holds it), its name
    # and title, the date it came into force (NULL for the first: in force for every date
    # before the next one's start), and the map of retired codes and places its adoption
    # applied (JSON {"OLD": "NEW" or ""}), and whether it is one of the product's shipped
    # plans (whose text follows the product's copy). The first plan is copied in from meta
    # "framework" by the application (it alone can read the shipped files); no record changes.
    db.execute(
        "CREATE TABLE IF NOT EXISTS plans (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "title TEXT NOT NULL, valid_from TEXT, text TEXT NOT NULL, map TEXT NOT NULL "
        "DEFAULT '{}', adopted_at TEXT NOT NULL, adopted_by TEXT NOT NULL DEFAULT '', "
        "shipped INTEGER NOT NULL DEFAULT 0)"
    )
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS idx_plans_from ON plans (valid_from)")


@_step
def m010_figures(db: Database) -> None:
    # The data project's figures: one per measure, place and period; earlier values kept.
    db.execute(
        "CREATE TABLE IF NOT EXISTS figures (id INTEGER PRIMARY KEY, measure TEXT NOT NULL, "
        "authority TEXT NOT NULL, locality TEXT NOT NULL DEFAULT '', period_from TEXT NOT NULL, "
        "period_to TEXT NOT NULL, value REAL NOT NULL, source TEXT NOT NULL, note TEXT, "
        "revision INTEGER NOT NULL, updated_at TEXT, updated_by TEXT, "
        "UNIQUE (measure, authority, locality, period_from, period_to))"
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_figures_period ON figures (measure, period_to)")
    db.execute(
        "CREATE TABLE IF NOT EXISTS figure_revisions (figure_id INTEGER NOT NULL "
        "REFERENCES figures(id), revision INTEGER NOT NULL, value REAL NOT NULL, source TEXT, "
        "note TEXT, saved_at TEXT, saved_by TEXT, PRIMARY KEY (figure_id, revision))"
    )


@_step
def m011_derived_tally(db: Database) -> None:
    # The derived measures' counts and sums per (type, consent, place, month), kept by
    # triggers like the record tally (see tally.py): a page after a save no longer recounts
    # them from every record.
    from .tally import install

    install(db.conn)


@_step
def m012_citations_kept(db: Database) -> None:
    # A saved update's citations become every record it has cited since it was saved (its
    # ``fields.cites`` are those it cites now): a record withdrawn, then allowed again, is
    # cited again, and erasure finds every update that ever quoted a record. A citation goes
    # with its update (deleted, or no longer a learning update) and with an erased record.
    db.execute("DROP TRIGGER IF EXISTS citations_update")
    db.execute(
        "CREATE TRIGGER citations_update AFTER UPDATE OF fields, type ON records "
        "WHEN OLD.type = 'learning_update' OR NEW.type = 'learning_update' BEGIN "
        "DELETE FROM citations WHERE update_id = OLD.id AND NEW.type != 'learning_update'; "
        "INSERT OR IGNORE INTO citations (record_id, update_id) "
        "SELECT CAST(value AS TEXT), NEW.id FROM json_each(NEW.fields, '$.cites') "
        "WHERE NEW.type = 'learning_update' AND json_valid(NEW.fields); END"
    )


@_step
def m013_coding(db: Database) -> None:
    # The codebook (the team's codes; the plan's objectives and indicators are codes too, read
    # from the plans) and excerpts: passages of a record's text coded with codes. ``start``
    # and ``end`` count code points of ``source`` (``body``, later ``attachment:ID``); a
    # detached excerpt has them NULL and keeps its words.
    db.execute(
        "CREATE TABLE IF NOT EXISTS codes (id TEXT PRIMARY KEY, guid TEXT NOT NULL UNIQUE, "
        "name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '', colour TEXT, parent TEXT, "
        "codable INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_codes_parent ON codes (parent)")
    db.execute(
        "CREATE TABLE IF NOT EXISTS excerpts (id TEXT PRIMARY KEY, record_id TEXT NOT NULL "
        "REFERENCES records(id), source TEXT NOT NULL DEFAULT 'body', start INTEGER, "
        "\"end\" INTEGER, text TEXT NOT NULL, prefix TEXT NOT NULL DEFAULT '', "
        "suffix TEXT NOT NULL DEFAULT '', status TEXT NOT NULL DEFAULT 'exact', memo TEXT, "
        "author TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, updated_at TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_excerpts_record ON excerpts (record_id, start)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_excerpts_author ON excerpts (author)")
    db.execute(
        "CREATE TABLE IF NOT EXISTS excerpt_codes (excerpt_id TEXT NOT NULL "
        "REFERENCES excerpts(id), code_id TEXT NOT NULL, PRIMARY KEY (excerpt_id, code_id)) "
        "WITHOUT ROWID"
    )
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_excerpt_codes_code ON excerpt_codes (code_id, excerpt_id)"
    )


@_step
def m014_rating_excerpts(db: Database) -> None:
    # A rating may cite coded passages (excerpt ids, JSON) beside the records it links.
    if "excerpts" not in db["ratings"].columns_dict:  # run again, it changes nothing
        db.execute("ALTER TABLE ratings ADD COLUMN excerpts TEXT NOT NULL DEFAULT '[]'")


@_step
def m015_attachments(db: Database) -> None:
    # Files a record holds. The bytes live in the data dir's ``files/`` named by ``sha256``
    # (two records may hold one file); ``text`` is the text as kept, which ``attachment:ID``
    # excerpts count code points on; ``consent`` is the attachment's own (its record's may
    # narrow it further when read).
    db.execute(
        "CREATE TABLE IF NOT EXISTS attachments (id TEXT PRIMARY KEY, record_id TEXT NOT NULL "
        "REFERENCES records(id), name TEXT NOT NULL, kind TEXT NOT NULL, size INTEGER NOT NULL, "
        "sha256 TEXT NOT NULL, consent TEXT NOT NULL, text TEXT NOT NULL DEFAULT '', "
        "text_chars INTEGER NOT NULL DEFAULT 0, note TEXT, author TEXT NOT NULL DEFAULT '', "
        "created_at TEXT NOT NULL, deleted_at TEXT)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_attachments_record ON attachments (record_id)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_attachments_sha256 ON attachments (sha256)")


@_step
def m016_refi_guids(db: Database) -> None:
    # Which REFI-QDA guid became which record, excerpt or code here (kind: source, selection,
    # code), so that importing a project again changes nothing and a project imported into an
    # empty data dir exports back with the guids it came with.
    db.execute(
        "CREATE TABLE IF NOT EXISTS refi_guids (kind TEXT NOT NULL, guid TEXT NOT NULL, "
        "local_id TEXT NOT NULL, PRIMARY KEY (kind, guid)) WITHOUT ROWID"
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_refi_guids_local ON refi_guids (kind, local_id)")


@_step
def m017_records_seen_index(db: Database) -> None:
    # Counting passages joins each to its record for its state, consent, locality and type: an
    # index holding those answers by id without reading the wide row (a locality stored after
    # the body is behind its overflow pages): a big code's counts in a third of the time.
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_records_seen ON records "
        "(id, deleted_at, consent, locality, authority, type, date)"
    )


@_step
def m018_excerpt_tally(db: Database) -> None:
    # The body's excerpts per code, consent, locality and attachment, kept by triggers (see
    # tally.py): the codebook's counts and a code's total no longer recount every passage
    # after a write. An attachment's passages are counted apart, found by a partial index.
    # (The tally itself is made by m021, which widens it: made here, it would be made twice.)
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_excerpts_of_attachments ON excerpts (record_id) "
        "WHERE source != 'body'"
    )


@_step
def m019_retention(db: Database) -> None:
    # Records an admin kept past the retention period: why, and the date to look again.
    db.execute(
        "CREATE TABLE IF NOT EXISTS retention_kept (record_id TEXT PRIMARY KEY "
        "REFERENCES records(id) ON DELETE CASCADE, kept_until TEXT NOT NULL, "
        "reason TEXT NOT NULL, kept_by TEXT NOT NULL DEFAULT '', kept_at TEXT NOT NULL)"
    )


@_step
def m020_stories(db: Database) -> None:
    # (numbered after main's m017–m019, merged while this was built: it is applied after them)
    # Families' own stories. A record says who wrote it (``origin``) and, for a family's story,
    # whether an editor has accepted it (``status``); a submitted story's ``consent`` column is
    # ``internal`` (every count and query outside the team filters on it) and the consent the
    # team reads is ``consent_chosen``. Invitations and receipts keep only their tokens' hashes;
    # ``stories.consent`` is the widest the family allowed (editors may narrow, never widen);
    # how to reach a family is kept apart, for the team, and erased with the story.
    columns = db["records"].columns_dict
    for name in ("origin", "status", "consent_chosen"):
        if name not in columns:
            db.execute(f"ALTER TABLE records ADD COLUMN {name} TEXT")
    db.execute(
        "CREATE TABLE IF NOT EXISTS invitations (id TEXT PRIMARY KEY, token_hash TEXT NOT NULL "
        "UNIQUE, prompt TEXT NOT NULL, authority TEXT NOT NULL DEFAULT '', locality TEXT NOT "
        "NULL DEFAULT '', indicators TEXT NOT NULL DEFAULT '[]', expires TEXT NOT NULL, "
        "uses INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0, revoked_at TEXT, "
        "created_at TEXT NOT NULL, created_by TEXT NOT NULL DEFAULT '')"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS stories (record_id TEXT PRIMARY KEY REFERENCES records(id), "
        "invitation_id TEXT NOT NULL, consent TEXT NOT NULL, receipt_hash TEXT NOT NULL UNIQUE, "
        "sent_at TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_stories_invitation ON stories (invitation_id)")
    db.execute(
        "CREATE TABLE IF NOT EXISTS story_contacts (record_id TEXT PRIMARY KEY "
        "REFERENCES records(id), contact TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_records_status ON records (status)")


@_step
def m021_code_page_tally(db: Database) -> None:
    # A code's page from aggregates kept by triggers (see code_tally.py): the excerpt tally
    # by authority and record type too, with the records the passages come from (a
    # (code, record) link count moves them), and the pairs of codes on one passage. The first
    # view of a big code after a write no longer counts its 150,000 passages.
    from .code_tally import install

    install(db.conn)


@_step
def m022_msc_rounds(db: Database) -> None:
    # Most Significant Change rounds (see msc.py): a round's domains, panel and candidates are
    # small lists kept with it; its choices apart, found by their story for its feedback. No
    # foreign key to records: an erased story leaves its place ("a story since erased").
    db.execute(
        "CREATE TABLE IF NOT EXISTS msc_rounds (id TEXT PRIMARY KEY, title TEXT NOT NULL, "
        "period_from TEXT NOT NULL, period_to TEXT NOT NULL, question TEXT NOT NULL, "
        "level TEXT NOT NULL, parent TEXT, state TEXT NOT NULL, domains TEXT NOT NULL, "
        "panel TEXT NOT NULL, candidates TEXT NOT NULL, created_by TEXT NOT NULL DEFAULT '', "
        "created_at TEXT NOT NULL, updated_at TEXT NOT NULL, closed_at TEXT)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_msc_rounds_parent ON msc_rounds (parent)")
    db.execute(
        "CREATE TABLE IF NOT EXISTS msc_choices (round_id TEXT NOT NULL REFERENCES "
        "msc_rounds(id) ON DELETE CASCADE, domain TEXT NOT NULL, record_id TEXT, "
        "reasons TEXT NOT NULL, votes INTEGER, dissent TEXT NOT NULL DEFAULT '', "
        "told_by TEXT NOT NULL DEFAULT '', written_by TEXT NOT NULL DEFAULT '', "
        "told_on TEXT, told_where TEXT NOT NULL DEFAULT '', read_back INTEGER, "
        "recorded_by TEXT NOT NULL DEFAULT '', recorded_at TEXT NOT NULL, "
        "PRIMARY KEY (round_id, domain))"
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_msc_choices_record ON msc_choices (record_id)")


@_step
def m023_excerpt_memos_index(db: Database) -> None:
    # The memos alone, for erasure to cut an erased record's words from (coding.cut_memos):
    # it read every excerpt's row, 0.2–0.9 s at 500,000 excerpts, of an erasure's 3 s.
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_excerpts_memos ON excerpts (id, memo) "
        "WHERE memo IS NOT NULL AND memo != ''"
    )


NAMES = tuple(fn.__name__ for fn in _STEPS)  # every step, in order
