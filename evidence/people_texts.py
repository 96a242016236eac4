"""The texts beside the records that can name a person: how families who sent a story may be
reached, invitations' prompts, Most Significant Change rounds and their choices, the
codebook and the audit log's details.

Each place has a finder (a ``Mention`` per text naming the person, for subject access and
the dry run) and a rewriter (inside the erasure's one transaction): the same ``Scope`` decides
which forms of the name count, so what subject access shows is what erasure replaces.
A round's texts count every part of the name when its panel (or the chosen story) lists the
person; codes, prompts and the audit, which list nobody, count the whole name and parts no
other listed person has.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from . import stories
from .people import Mention, Scope, strings

if TYPE_CHECKING:
    from .store import Store

Scrub = Callable[[str, list[str]], str]  # a text and the names to replace -> the text without

_CHOICE_TEXTS = ("reasons", "dissent", "told_by", "written_by", "told_where")
_ROUND_TEXTS = ("title", "question", "level")
_STORY_TEXTS = ("title", "body", "fields")  # a story's words (not its people or signification)
_APPEND_ONLY = "audit_append_only_update"  # the trigger that keeps the audit append-only


def _found(kind: str, id_: str, field: str, text: str, where: str, scope: Scope,
           listed: tuple[str, ...], record_id: str | None = None) -> list[Mention]:  # fmt: skip
    if not scope.finds(text, listed):
        return []
    return [Mention(kind, id_, field, text, f"{where}, {field}", record_id, listed)]


def _people(raw: str | None) -> tuple[str, ...]:
    return tuple(str(p) for p in json.loads(raw or "[]"))


def in_stories(store: Store, scope: Scope) -> list[Mention]:
    """How to reach the family who sent a story and, where that names the person, the story
    they sent in their words as sent (its texts naming them are found as a record's too)."""
    found = []
    rows = store.conn.execute(
        "SELECT c.record_id, c.contact, coalesce(s.invitation_id, ''), r.people "
        "FROM story_contacts c JOIN records r ON r.id = c.record_id "
        "LEFT JOIN stories s ON s.record_id = c.record_id"
    ).fetchall()
    for record_id, contact, invitation, people in rows:
        listed = _people(people)
        where = f"story {record_id} sent through invitation {invitation}"
        contacts = _found("story", record_id, "contact", contact, f"{where}, how to reach them",
                          scope, listed, record_id)  # fmt: skip
        if contacts:
            found += contacts + _sent(store, scope, record_id, listed, f"{where}, as sent")
    return found


def _sent(
    store: Store, scope: Scope, record_id: str, listed: tuple[str, ...], where: str
) -> list[Mention]:
    """The words of a story the person sent that do not name them (those that do are found
    in the records): theirs all the same."""
    data = stories.as_sent(store, record_id).to_dict()
    return [
        Mention("story", record_id, path, text, f"{where}, {path}", record_id, listed)
        for key in _STORY_TEXTS
        for path, text in strings(data.get(key), key)
        if text.strip() and not scope.finds(text, listed)
    ]


def in_invitations(store: Store, scope: Scope) -> list[Mention]:
    """What an invitation asked families (an editor's words)."""
    found = []
    for invitation_id, prompt in store.conn.execute("SELECT id, prompt FROM invitations"):
        where = f"invitation {invitation_id}"
        found += _found("invitation", invitation_id, "prompt", prompt, where, scope, ())
    return found


def _round_texts(title, question, level, domains, panel) -> Iterator[tuple[str, str]]:
    yield from zip(_ROUND_TEXTS, (title, question, level), strict=True)
    for n, domain in enumerate(json.loads(domains), 1):
        yield f"domain {n}", domain.get("name", "")
    for n, member in enumerate(json.loads(panel), 1):
        yield f"panel member {n}", member.get("name", "")


def _panel(raw: str) -> tuple[str, ...]:
    return tuple(str(m.get("name", "")) for m in json.loads(raw))


def in_rounds(store: Store, scope: Scope) -> list[Mention]:
    """Most Significant Change rounds: their panel, title, question, domains, and each
    choice's reasons, dissent and verification (who told it, who wrote it, where)."""
    found = []
    panels = {}
    rows = store.conn.execute(
        "SELECT id, title, question, level, domains, panel FROM msc_rounds"
    ).fetchall()
    for round_id, *texts in rows:
        panels[round_id] = _panel(texts[-1])
        where = f"Most Significant Change round {round_id}"
        for path, text in _round_texts(*texts):
            found += _found("msc", round_id, path, text, where, scope, panels[round_id])
    choices = store.conn.execute(
        "SELECT c.round_id, c.domain, c.record_id, r.people, "
        f"{', '.join('c.' + t for t in _CHOICE_TEXTS)} FROM msc_choices c "
        "LEFT JOIN records r ON r.id = c.record_id"
    )
    for round_id, domain, _record, people, *texts in choices:
        listed = (*panels.get(round_id, ()), *_people(people))
        where = f"Most Significant Change round {round_id}, choice in {domain}"
        for path, text in zip(_CHOICE_TEXTS, texts, strict=True):
            found += _found("msc", round_id, path, text, where, scope, listed)
    return found


def in_codes(store: Store, scope: Scope) -> list[Mention]:
    """The team's codes: their names and descriptions."""
    found = []
    for code_id, name, description in store.conn.execute("SELECT id, name, description FROM codes"):
        for path, text in (("name", name), ("description", description)):
            found += _found("code", code_id, path, text, f"code {code_id}", scope, ())
    return found


def in_audit(store: Store, scope: Scope) -> list[Mention]:
    """The audit log's details (what was done; who did it is a user's name, kept)."""
    found = []
    for audit_id, at, action, detail in store.conn.execute(
        "SELECT id, at, action, detail FROM audit WHERE detail != ''"
    ):
        where = f"audit log line {audit_id} ({action}, {at})"
        found += _found("audit", str(audit_id), "detail", detail, where, scope, ())
    return found


FINDERS = (in_stories, in_invitations, in_rounds, in_codes, in_audit)


def rewrite(conn: sqlite3.Connection, person: Scope, scrub: Scrub) -> None:
    """Every text beside the records naming the person, scrubbed (in the caller's write)."""
    _rewrite_contacts(conn, person, scrub)
    _rewrite_invitations(conn, person, scrub)
    _rewrite_rounds(conn, person, scrub)
    _rewrite_choices(conn, person, scrub)
    _rewrite_codes(conn, person, scrub)
    _rewrite_audit(conn, person, scrub)


def _rewrite_contacts(conn: sqlite3.Connection, person: Scope, scrub: Scrub) -> None:
    rows = conn.execute(
        "SELECT c.record_id, c.contact, r.people FROM story_contacts c "
        "JOIN records r ON r.id = c.record_id"
    ).fetchall()
    for record_id, contact, people in rows:
        # An address holding the name is replaced whole by the matcher (tmckay82@…).
        new = scrub(contact, person.names_for(_people(people)))
        if new != contact:
            conn.execute(
                "UPDATE story_contacts SET contact = ? WHERE record_id = ?", [new, record_id]
            )


def _rewrite_invitations(conn: sqlite3.Connection, person: Scope, scrub: Scrub) -> None:
    names = person.names_for(())
    for invitation_id, prompt in conn.execute("SELECT id, prompt FROM invitations").fetchall():
        if (new := scrub(prompt, names)) != prompt:
            conn.execute("UPDATE invitations SET prompt = ? WHERE id = ?", [new, invitation_id])


def _rewrite_rounds(conn: sqlite3.Connection, person: Scope, scrub: Scrub) -> None:
    """A panel member named as them keeps their place and role (the panel's balance), not
    their name; a closed round is rewritten too: erasure wins over a frozen round."""
    rows = conn.execute(
        "SELECT id, title, question, level, domains, panel, candidates FROM msc_rounds"
    ).fetchall()
    for round_id, title, question, level, domains, panel, held in rows:
        names = person.names_for(_panel(panel))
        texts = [scrub(t, names) for t in (title, question, level)]
        new_domains = [{**d, "name": scrub(d.get("name", ""), names)} for d in json.loads(domains)]
        new_panel = [{**m, "name": scrub(m.get("name", ""), names)} for m in json.loads(panel)]
        if (
            texts == [title, question, level]
            and new_domains == json.loads(domains)
            and (new_panel == json.loads(panel))
        ):
            continue
        moved = _domain_ids(new_domains, json.loads(domains))
        candidates = [{**c, "domain": moved.get(c.get("domain"), c.get("domain"))}
                      for c in json.loads(held or "[]")]  # fmt: skip
        conn.execute(
            "UPDATE msc_rounds SET title = ?, question = ?, level = ?, domains = ?, panel = ?, "
            "candidates = ? WHERE id = ?",
            [*texts, json.dumps(new_domains, ensure_ascii=False),
             json.dumps(new_panel, ensure_ascii=False),
             json.dumps(candidates, ensure_ascii=False), round_id],
        )  # fmt: skip
        for old, new in moved.items():
            conn.execute("UPDATE msc_choices SET domain = ? WHERE round_id = ? AND domain = ?",
                         [new, round_id, old])  # fmt: skip


def _domain_ids(domains: list[dict], before: list[dict]) -> dict[str, str]:
    """A domain whose name held the person gets an id made from its scrubbed name (its id was
    made from the name: the name would stay in it); ``domains`` is changed in place. Returns
    the old id of each domain moved and its new one."""
    moved: dict[str, str] = {}
    taken = {d.get("id") for d in domains}
    for d, old in zip(domains, before, strict=True):
        if d.get("name") == old.get("name"):
            continue
        base = re.sub(r"[^a-z0-9]+", "-", str(d.get("name", "")).lower()).strip("-")[:64]
        new, n = base or "domain", 2
        while new in taken:
            new, n = f"{base or 'domain'}-{n}", n + 1
        taken.add(new)
        moved[d["id"]] = d["id"] = new
    return moved


def _rewrite_choices(conn: sqlite3.Connection, person: Scope, scrub: Scrub) -> None:
    panels = {i: _panel(p) for i, p in conn.execute("SELECT id, panel FROM msc_rounds")}
    rows = conn.execute(
        f"SELECT c.round_id, c.domain, r.people, {', '.join('c.' + t for t in _CHOICE_TEXTS)} "
        "FROM msc_choices c LEFT JOIN records r ON r.id = c.record_id"
    ).fetchall()
    for round_id, domain, people, *texts in rows:
        names = person.names_for((*panels.get(round_id, ()), *_people(people)))
        new = [scrub(t or "", names) for t in texts]
        if new != [t or "" for t in texts]:
            sets = ", ".join(f"{t} = ?" for t in _CHOICE_TEXTS)
            conn.execute(
                f"UPDATE msc_choices SET {sets} WHERE round_id = ? AND domain = ?",
                [*new, round_id, domain],
            )


def _rewrite_codes(conn: sqlite3.Connection, person: Scope, scrub: Scrub) -> None:
    names = person.names_for(())
    rows = conn.execute("SELECT id, name, description FROM codes").fetchall()
    for code_id, name, description in rows:
        new = [scrub(name, names), scrub(description, names)]
        if new != [name, description]:
            conn.execute("UPDATE codes SET name = ?, description = ? WHERE id = ?", [*new, code_id])


def _rewrite_audit(conn: sqlite3.Connection, person: Scope, scrub: Scrub) -> None:
    """The audit is append-only (triggers refuse an UPDATE): the one exception, a detail that
    names an erased person, lifts the trigger and puts it back in the same transaction, so a
    crash leaves the log append-only and unchanged."""
    names = person.names_for(())
    rows = conn.execute("SELECT id, detail FROM audit WHERE detail != ''").fetchall()
    changed = [(new, i) for i, detail in rows if (new := scrub(detail, names)) != detail]
    if not changed:
        return
    row = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", [_APPEND_ONLY]
    ).fetchone()
    if row:
        conn.execute(f"DROP TRIGGER {_APPEND_ONLY}")
    conn.executemany("UPDATE audit SET detail = ? WHERE id = ?", changed)
    if row:
        conn.execute(row[0])
