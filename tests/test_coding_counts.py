"""A code's counts come from SQL aggregates (#21 at 100k records): they must be the counts a
plain walk over every passage gives, for the team and for readers outside it.

A small data dir of records in several places, types and consent levels, passages coded with a
tree of codes (some passages detached by an edit, one record soft-deleted), made at random from
a few seeds. ``wm2u codes summary`` (a separate process) must write, for the editor's audience
and the viewer's, exactly the document made from every passage the audience may see, read one
record at a time, and ``GET /api/excerpts?code=`` must give the same ``total``.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import replace
from hashlib import sha256
from pathlib import Path

import pytest
import requests

from evidence import accounts, attachments, coding
from evidence.anchoring import anchor_for
from evidence.attachments import Attachment
from evidence.coding import Code, Excerpt, ExcerptFilter
from evidence.model import NotFound
from learning.coding import codebook, excerpts, reports
from learning.coding.summary import CodeInfo, Passage, render_markdown, summarise_code
from learning.services import Evidence, initialise
from tests.builders import record_data
from tests.test_hardening_support import ok, wm2u
from tests.web_helpers import PASSWORD, make_app, served

TEAM_CODES = [
    Code("voice", "Being heard"),
    Code("heard", "Heard at school", parent="voice"),
    Code("heard-early", "Heard early on", parent="heard"),
    Code("asked", "Asked first", parent="voice"),
    Code("money", "Money worries"),
]
PLACES = [("Dundee", "Lochee"), ("Dundee", "Coldside"), ("Clackmannanshire", "Alloa"),
          ("Dundee", None)]  # fmt: skip
TYPES = {
    "family_story": {"family": "the Kerr family", "what_changed": "Calmer mornings."},
    "event": {"scope": "local", "participants": 12, "rating": 4},
}
WORDS = ("Sarah Kerr said the café listened and Tom McKay stayed for tea while the children "
         "played and the worker asked what would help next week at the school gate").split()  # fmt: skip
AUDIENCES = {"editor": "internal", "viewer": "external"}


def _body(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(25, 45))) + "."


def _build(data_dir: Path, seed: int) -> dict[str, str]:
    """Records, codes and passages at random; an edit detaches some, one record is deleted."""
    rng = random.Random(seed)
    initialise(data_dir)
    with Evidence(data_dir) as ev:
        for code in TEAM_CODES:
            coding.add_code(ev.store, code, str(uuid.uuid4()), "test")
        records = []
        for _ in range(14):
            authority, locality = rng.choice(PLACES)
            type_ = rng.choice(list(TYPES))
            records.append(ev.create(record_data(
                type=type_, fields=TYPES[type_], authority=authority, locality=locality,
                consent=rng.choice(["internal", "anonymised", "public"]), body=_body(rng),
                date=f"2025-0{rng.randint(1, 3)}-1{rng.randint(0, 9)}",
                people=["Sarah Kerr", "Tom McKay"]), "test"))  # fmt: skip
        codable = [c.id for c in TEAM_CODES] + ["SO1.1"]
        batch = []
        for _ in range(70):
            record = rng.choice(records)
            first = rng.randrange(0, len(record.body) - 30)
            anchor = anchor_for(record.body, first, first + rng.randint(5, 30))
            picked = sorted(set(rng.sample(codable, rng.randint(1, 3))))
            batch.append(Excerpt("", record.id, anchor.text, picked, "body", anchor.start,
                                 anchor.end, anchor.prefix, anchor.suffix, "exact", None,
                                 rng.choice(["ann", "bob"])))  # fmt: skip
        for record in records[5:8]:  # one passage holding three codes of one branch
            anchor = anchor_for(record.body, 0, 12)
            batch.append(Excerpt("", record.id, anchor.text, ["heard", "heard-early", "voice"],
                                 "body", anchor.start, anchor.end, anchor.prefix, anchor.suffix,
                                 "exact", None, "ann"))  # fmt: skip
        coding.add_excerpts(ev.store, batch)
        _attach_coded(ev, records[5], batch[0].codes)
        for record in records[:2]:  # a whole rewrite: their passages are detached
            ev.update(record.id, {**record.to_dict(), "body": "Nothing of the old words."}, "t")
        ev.delete(records[2].id, "test")
        tokens = {}
        for role in AUDIENCES:
            accounts.add_user(ev.store, role, role, PASSWORD)
            tokens[role] = accounts.create_token(ev.store, role)
    return tokens


def _attach_coded(ev: Evidence, record, codes: list[str]) -> None:
    """Two attachments of a record (one the team's alone), each with passages coded like one
    of the body's and with a sub-code: counted apart from the body's, a record once."""
    text = "Notes from the café. Sarah Kerr said the worker listened."
    for consent in ("internal", "public"):
        held = attachments.add(
            ev.store,
            Attachment(
                "",
                record.id,
                f"{consent}.txt",
                "text",
                len(text),
                sha256(text.encode()).hexdigest(),
                consent,
                text,
                len(text),
            ),
            text.encode(),
        )
        batch = [
            Excerpt(
                "",
                record.id,
                text[start:end],
                picked,
                f"attachment:{held.id}",
                start,
                end,
                status="exact",
                author="ann",
            )
            for start, end, picked in ((0, 19, codes), (21, 57, ["heard-early", "voice"]))
        ]
        coding.add_excerpts(ev.store, batch)  # fmt: skip


def _every_passage(ev: Evidence, codes: set[str], audience: str) -> list[Passage]:
    """Every passage coded with ``codes`` the audience may see, record by record, in the
    store's order (newest records first, then the text's order)."""
    found = []
    for record_id in ev.store.live_revisions():
        try:
            heading = ev.get(record_id, audience)
        except NotFound:
            continue
        stored = {x.id: x for x in coding.excerpts_of_records(ev.store, [record_id])[record_id]}
        for e in excerpts.of_record(ev, record_id, audience):
            if codes & set(e["codes"]):
                passage = Passage(e["id"], heading.id, heading.title, heading.type,
                                  heading.date, heading.locality or "", heading.authority or "",
                                  e["text"], tuple(e["codes"]))  # fmt: skip
                # The stored place (a reader outside the team counts on the text they see,
                # names replaced): the body's and an attachment's passages interleave by it.
                start = stored[e["id"]].start
                text_order = (start is not None, start or 0, e["id"])
                found.append((passage, text_order))
    found.sort(key=lambda item: (item[0].record, item[1]))
    found.sort(key=lambda item: item[0].date, reverse=True)  # stable: the rest kept
    return [passage for passage, _ in found]


def _expected(data_dir: Path) -> dict:
    """Per code and role: the summary made from every passage, and how many passages."""
    with Evidence(data_dir) as ev:
        known = codebook.all_codes(ev)
        infos = {c.id: CodeInfo(c.id, c.name, c.description, c.colour or "", c.parent)
                 for c in known.values()}  # fmt: skip
        labels = {n: spec.label for n, spec in ev.reading_framework.record_types.items()}
        expected = {}
        for code in ("voice", "heard", "money", "SO1"):
            family = set(codebook.family(ev, code))
            for role, audience in AUDIENCES.items():
                passages = _every_passage(ev, family, audience)
                summary = summarise_code(infos[code], infos, passages, (None, None), audience,
                                         "cli", labels)  # fmt: skip
                own = len(_every_passage(ev, {code}, audience))
                expected[(code, role)] = (render_markdown(summary), passages, own)
    return expected


def _agree(data_dir: Path, tokens: dict[str, str], tmp_path: Path) -> dict:
    """The CLI's summaries, the API's totals and the codebook's counts, against every passage."""
    expected = _expected(data_dir)
    with served(make_app(data_dir)) as base:
        for (code, role), (document, passages, own) in expected.items():
            out = tmp_path / f"{code}-{role}.md"
            ok(wm2u(data_dir, "codes", "summary", code, "--audience", AUDIENCES[role],
                    "--format", "md", "--out", str(out)))  # fmt: skip
            assert out.read_text(encoding="utf-8") == document, (code, role)
            headers = {"Authorization": f"Bearer {tokens[role]}"}
            for place in (None, "Lochee"):
                answer = requests.get(f"{base}/api/excerpts", headers=headers, timeout=60,
                                      params={"code": code, "locality": place})  # fmt: skip
                wanted = [p for p in passages if place in (None, p.locality)]
                assert answer.json()["total"] == len(wanted), (code, role, place)
            counts = requests.get(f"{base}/api/codes", headers=headers, timeout=60).json()
            assert {c["id"]: c["excerpts"] for c in counts["codes"]}[code] == own, (code, role)
    return expected


@pytest.mark.parametrize("seed", [1, 2])
def test_counts_table_and_quotes_agree_with_every_passage_for_editor_and_viewer(tmp_path, seed):
    data_dir = tmp_path / "instance"
    tokens = _build(data_dir, seed)
    expected = _agree(data_dir, tokens, tmp_path)
    editor, viewer = (len(expected[("voice", role)][1]) for role in ("editor", "viewer"))
    assert 0 < viewer < editor  # internal, detached and deleted passages: the team's alone
    # Writes of every kind: the counts follow (the excerpt tally is kept by triggers).
    with Evidence(data_dir) as ev:
        live = list(ev.store.live_revisions())
        record = ev.store.get(live[3])
        ev.update(record.id, {**record.to_dict(), "consent": "internal", "locality": "Alloa",
                              "authority": "Clackmannanshire"}, "t")  # fmt: skip
        first = coding.find_excerpts(ev.store, ExcerptFilter(codes=["money", "voice"]))[1]
        excerpts.delete(ev, first[0].id, "t")
        deleted = ev.store.conn.execute("SELECT id FROM records WHERE deleted_at IS NOT NULL")
        ev.restore(deleted.fetchone()[0], "t")
        ev.purge(live[4], "t")
        for record in map(ev.store.get, live[5:9]):  # records of another type
            other = "event" if record.type == "family_story" else "family_story"
            ev.update(record.id, {**record.to_dict(), "type": other, "fields": TYPES[other]}, "t")
    ok(wm2u(data_dir, "codes", "merge", "asked", "--into", "heard"))
    ok(wm2u(data_dir, "check"))  # the tally agrees with the passages
    assert _agree(data_dir, tokens, tmp_path) != expected


def test_a_big_codes_walk_quotes_the_same_passages_as_a_small_codes_numbering(tmp_path):
    """A branch with more than a few thousand passages picks its quotes by walking each place
    and type's records oldest first; it must pick what numbering every passage picks."""
    data_dir = tmp_path / "instance"
    _build(data_dir, 3)
    with Evidence(data_dir) as ev:
        for code in ("voice", "money"):
            for consents in (("internal", "anonymised", "public"), ("anonymised", "public")):
                f = ExcerptFilter(codes=codebook.family(ev, code), consents=consents)
                counted = coding.branch_counts(ev.store, f, 2)
                walked = ev.store.conn.execute(
                    *coding._oldest_per_group(f, counted.groups, 2, None)
                ).fetchall()
                assert counted.quoted and sorted(walked) == sorted(counted.quoted)


@pytest.mark.parametrize("seed", [3, 5, 6])
def test_quotes_found_from_a_branchs_records_are_the_ones_numbering_every_passage_finds(
    tmp_path, seed
):
    """A code of a few thousand records picks its quotes from each place and type's first
    records (the tallies' links): the same passages as numbering them all, for the team and for
    readers outside it, over a period too; where a record's first passages are hidden from the
    reader (an attachment of the team's) it gives way rather than quote fewer."""
    data_dir = tmp_path / "instance"
    _build(data_dir, seed)
    with Evidence(data_dir) as ev:
        for code in ("voice", "money", "heard"):
            for consents in (("internal", "anonymised", "public"), ("anonymised", "public")):
                for period in ((None, None), ("2025-02-01", None), (None, "2025-02-15")):
                    f = ExcerptFilter(codes=codebook.family(ev, code), consents=consents,
                                      date_from=period[0], date_to=period[1])  # fmt: skip
                    counted = coding.branch_counts(ev.store, f, 2)
                    where, params = coding._where(replace(f, codes=None))
                    joined = (
                        "FROM (SELECT DISTINCT excerpt_id FROM excerpt_codes WHERE code_id IN "
                        f"({', '.join('?' * len(f.codes))})) b CROSS JOIN excerpts e CROSS JOIN "
                        f"records r WHERE e.id = b.excerpt_id AND r.id = e.record_id AND {where}"
                    )
                    numbered = ev.store.conn.execute(*coding._oldest_per_group(
                        f, counted.groups, 2, (joined, [*f.codes, *params])
                    )).fetchall()  # fmt: skip
                    found = coding._oldest_by_records(ev.store, f, f.codes, counted.groups, 2)
                    if "internal" in consents:
                        assert found is not None  # the team sees every passage it holds
                    if found is not None:
                        assert sorted(found[0]) == sorted(numbered)
                    assert sorted(counted.quoted) == sorted(numbered)
                    walk, walk_params = coding._where(f, walk=True)
                    for record_id, n in counted.quoted_records.items():
                        assert n == ev.store.conn.execute(
                            "SELECT count(*) FROM records r CROSS JOIN excerpts e WHERE r.id = ? "
                            f"AND e.record_id = r.id AND {walk}", [record_id, *walk_params]
                        ).fetchone()[0]  # fmt: skip
                    assert set(counted.quoted_records) == {row[1] for row in numbered}


@pytest.mark.parametrize(
    ("table", "wrong"),
    [
        ("excerpt_tally", "n = n + 7"),
        ("excerpt_tally", "records = records + 1"),
        ("code_records", "attached = attached + 1"),
        ("excerpt_pairs", "n = n + 2"),
    ],
)
def test_check_finds_a_code_tally_out_of_step_and_repair_recounts_it(tmp_path, table, wrong):
    data_dir = tmp_path / "instance"
    tokens = _build(data_dir, 4)
    with Evidence(data_dir) as ev, ev.store.write() as conn:
        column = "other" if table == "excerpt_pairs" else "code"
        conn.execute(f"UPDATE {table} SET {wrong} WHERE {column} = 'voice'")
    found = wm2u(data_dir, "check")
    assert found.returncode == 1 and table in found.stdout + found.stderr
    ok(wm2u(data_dir, "check", "--repair"))
    ok(wm2u(data_dir, "check"))
    _agree(data_dir, tokens, tmp_path)


def _summaries(ev: Evidence) -> dict:
    """The summaries a long-running reader (a server's process) makes, as the CLI's."""
    return {
        (code, role): render_markdown(
            reports.code_summary(ev, code, (None, None), AUDIENCES[role], "cli")
        )
        for code in ("voice", "heard", "money", "SO1")
        for role in AUDIENCES
    }


def _writes(data_dir: Path) -> list:
    """Writes of every kind a branch's overlaps depend on, each in its own process or here."""
    with Evidence(data_dir) as ev:
        live = list(ev.store.live_revisions())
        held = coding.find_excerpts(ev.store, ExcerptFilter(codes=["heard"]))[1]

    def recode(excerpt, codes):
        with Evidence(data_dir) as ev:
            coding.change_excerpt(ev.store, replace(excerpt, codes=codes), actor="t")

    def new_passage(record_id, codes):
        with Evidence(data_dir) as ev:
            body = ev.store.get(record_id).body
            anchor = anchor_for(body, 0, 9)
            coding.add_excerpt(ev.store, Excerpt("", record_id, anchor.text, codes, "body",
                                                 anchor.start, anchor.end, anchor.prefix,
                                                 anchor.suffix), actor="t")  # fmt: skip

    def changed(record_id, **values):
        with Evidence(data_dir) as ev:
            record = ev.store.get(record_id)
            ev.update(record_id, {**record.to_dict(), **values}, "t")

    def retyped(record_id):
        with Evidence(data_dir) as ev:
            was = ev.store.get(record_id).type
        now = "event" if was == "family_story" else "family_story"
        changed(record_id, type=now, fields=TYPES[now])

    return [
        lambda: recode(held[0], sorted({*held[0].codes, "heard-early", "money"})),
        lambda: recode(held[1], ["asked", "heard", "voice"]),
        lambda: new_passage(held[2].record, ["heard-early"]),
        lambda: new_passage(live[6], ["voice", "money"]),
        lambda: changed(live[7], consent="public", locality="Alloa", authority="Clackmannanshire"),
        lambda: changed(held[3].record, consent="internal"),
        lambda: retyped(live[8]),
        lambda: ok(wm2u(data_dir, "delete", held[4].record)),
        lambda: ok(wm2u(data_dir, "codes", "merge", "heard-early", "--into", "voice")),
    ]


def test_a_long_running_readers_branch_counts_follow_every_write(tmp_path):
    """A server's process remembers a branch's overlaps (a passage with a code and its
    sub-code) between writes: after each write of any kind it must count what a walk counts."""
    data_dir = tmp_path / "instance"
    _build(data_dir, 5)
    with Evidence(data_dir) as reader:
        assert _summaries(reader) == {key: doc for key, (doc, *_) in _expected(data_dir).items()}
        for write in _writes(data_dir):
            write()
            expected = {key: doc for key, (doc, *_) in _expected(data_dir).items()}
            assert _summaries(reader) == expected
