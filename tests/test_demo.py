"""The demo data set: valid against the shipped plans, deterministic, complete and readable."""

from __future__ import annotations

import collections
import datetime as dt
import json
import re

import pytest

from evidence.model import CONSENT_LEVELS
from evidence.validate import validate
from learning import framework as framework_mod
from learning.demo import DEMO_USERS, generate

KEYS = {
    "id",
    "type",
    "title",
    "date",
    "authority",
    "locality",
    "author",
    "consent",
    "indicators",
    "activities",
    "tags",
    "people",
    "quotes",
    "body",
    "fields",
}
CROCKFORD = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
GENERATED_TYPES = [
    "family_story",
    "cafe_conversation",
    "vble_evaluation",
    "event",
    "test_of_change",
    "fund_decision",
]


@pytest.fixture(scope="module")
def fw():
    """The default shipped framework."""
    return framework_mod.load()


@pytest.fixture(scope="module")
def records(fw):
    return generate(fw)


def _text(record: dict) -> str:
    return "\n".join([record["title"], record["body"], *record["quotes"]])


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


# --- validity ------------------------------------------------------------------------------
def test_every_record_passes_validation(fw, records):
    for record in records:
        assert set(record) == KEYS
        clean = validate(record, fw)
        assert clean.id == record["id"]
        # Nothing the demo sends is dropped or changed by validation.
        assert clean.fields == record["fields"], record["id"]
        assert clean.tags == record["tags"]


@pytest.mark.parametrize("name", framework_mod.available_frameworks())
def test_valid_and_complete_for_every_shipped_plan(name):
    plan = framework_mod.load(name)
    records = generate(plan, count=300, seed=7)
    for record in records:
        validate(record, plan)
    assert {r["locality"] for r in records} >= set(plan.localities())
    assert {c for r in records for c in r["indicators"]} == set(plan.indicators)
    assert {c for r in records for c in r["activities"]} == set(plan.activities)


def test_codes_and_places_come_from_the_framework_handed_in():
    plan = framework_mod.parse(
        """
name: tiny
title: A tiny plan
objectives:
  - code: SO1
    text: Families lead.
    indicators:
      - {code: SO1.1, text: Families have voice.}
    activities:
      - {code: SO1-A, text: Café conversations with families., owners: [AB]}
  - code: SO2
    text: Scale.
    indicators:
      - {code: SO2.1, text: Practitioners are confident.}
authorities:
  - name: Fife
    localities: [Kirkcaldy, Levenmouth]
record_types:
  event:
    fields:
      venue: {type: string, label: Venue, required: true}
  home_visit:
    label: Home visit
    fields:
      minutes: {type: integer, label: Minutes, min: 10, max: 120, required: true}
      mood: {type: string, label: Mood, choices: [calm, tense], required: true}
""",
        source="tiny",
    )
    records = generate(plan, count=40, seed=1)
    for record in records:
        validate(record, plan)
        assert record["authority"] == "Fife"
    assert {r["locality"] for r in records} == {"Kirkcaldy", "Levenmouth"} | (
        {""} if any(r["locality"] == "" for r in records) else set()
    )
    assert {c for r in records for c in r["indicators"]} == {"SO1.1", "SO2.1"}
    assert all(r["fields"].get("venue") for r in records if r["type"] == "event")
    visits = [r for r in records if r["type"] == "home_visit"]
    assert visits and all(10 <= r["fields"]["minutes"] <= 120 for r in visits)


# --- determinism and ids -------------------------------------------------------------------
def test_same_arguments_give_byte_identical_output(fw, records):
    again = generate(fw)
    assert json.dumps(again, sort_keys=True) == json.dumps(records, sort_keys=True)
    other = generate(fw, seed=2025)
    assert [r["id"] for r in other] != [r["id"] for r in records]


def test_ids_are_unique_sortable_and_encode_the_date(records):
    ids = [r["id"] for r in records]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    for record in records:
        assert CROCKFORD.match(record["id"]), record["id"]
        ms = 0
        for ch in record["id"][:10]:
            ms = ms * 32 + "0123456789ABCDEFGHJKMNPQRSTVWXYZ".index(ch)
        y, m, d = map(int, record["date"].split("-"))
        noon = dt.datetime(y, m, d, 12, tzinfo=dt.UTC)
        assert ms == int(noon.timestamp() * 1000)


@pytest.mark.parametrize("count", [0, 1, 5, 37, 600])
def test_count_is_honoured(fw, count):
    assert len(generate(fw, count=count)) == count


def test_bad_arguments_are_refused(fw):
    with pytest.raises(ValueError):
        generate(fw, count=-1)
    with pytest.raises(ValueError):
        generate(fw, start="2026-01-01", end="2025-01-01")


# --- coverage ------------------------------------------------------------------------------
def test_every_type_locality_indicator_and_consent_appears(fw, records):
    types = {r["type"] for r in records}
    assert types == set(GENERATED_TYPES)
    assert "learning_update" not in types
    assert {r["locality"] for r in records} >= set(fw.localities())
    assert {r["authority"] for r in records} == set(fw.authorities)
    assert {c for r in records for c in r["indicators"]} == set(fw.indicators)
    assert {c for r in records for c in r["activities"]} == set(fw.activities)
    assert {r["consent"] for r in records} == set(CONSENT_LEVELS)


def test_consent_levels_are_roughly_30_50_20(records):
    counts = collections.Counter(r["consent"] for r in records)
    share = {k: v / len(records) for k, v in counts.items()}
    assert 0.22 <= share["internal"] <= 0.38
    assert 0.40 <= share["anonymised"] <= 0.60
    assert 0.13 <= share["public"] <= 0.27


def test_small_sets_still_cover_what_they_can(fw):
    records = generate(fw, count=20, seed=3)
    assert {r["type"] for r in records} == set(GENERATED_TYPES)
    assert {r["consent"] for r in records} == set(CONSENT_LEVELS)
    assert {c for r in records for c in r["indicators"]} == set(fw.indicators)


def test_dates_span_the_window_with_peaks_and_gaps(records):
    dates = sorted(r["date"] for r in records)
    assert dates[0] >= "2024-09-01" and dates[-1] <= "2026-06-30"
    assert dates[0] < "2024-10-01" and dates[-1] > "2026-05-01"
    months = collections.Counter(d[:7] for d in dates)
    assert len(months) >= 20
    assert max(months.values()) >= 2 * min(months.values())
    # Christmas and the summer holidays are quieter than November and March.
    assert months["2024-11"] + months["2025-03"] > 2 * (months["2024-12"] + months["2025-07"])


def test_dates_respect_a_custom_window(fw):
    records = generate(fw, count=50, start="2025-01-01", end="2025-03-31")
    assert all("2025-01-01" <= r["date"] <= "2025-03-31" for r in records)


# --- codes fit the record type -------------------------------------------------------------
def test_codes_are_plausible_for_each_type(fw, records):
    by_type = collections.defaultdict(list)
    for r in records:
        by_type[r["type"]].append(r)
    vble = by_type["vble_evaluation"]
    assert sum("SO2.1" in r["indicators"] for r in vble) / len(vble) > 0.9
    assert sum("SO2-A" in r["activities"] for r in vble) / len(vble) > 0.7
    fund = by_type["fund_decision"]
    assert all({"SO1.1", "SO1.2"} & set(r["indicators"]) for r in fund)
    assert sum("SO2-C" in r["activities"] for r in fund) / len(fund) > 0.7
    for r in records:
        objectives = {fw.indicators[c].objective for c in r["indicators"]}
        for code in r["activities"]:
            # An activity comes with evidence for an indicator of its own objective
            # (coverage may add the odd exception).
            if fw.activities[code].objective not in objectives:
                assert r["type"] not in ("vble_evaluation",), r


# --- type-specific fields ------------------------------------------------------------------
def test_type_specific_fields(records):
    for r in records:
        f = r["fields"]
        if r["type"] == "family_story":
            assert re.fullmatch(r"the [A-Z][a-z]+ family", f["family"])
            assert f["what_changed"] and f["what_changed"] in r["body"]
        elif r["type"] == "cafe_conversation":
            assert f["venue"] and f["families"] > 0 and f["practitioners"] > 0
            assert f["themes"] and f["actions"]
        elif r["type"] == "vble_evaluation":
            assert 1 <= f["confidence_before"] <= 5 and 1 <= f["confidence_after"] <= 5
            assert f["participants"] > 0 and f["cohort"]
        elif r["type"] == "event":
            assert f["scope"] in ("local", "national", "thematic")
            assert 1 <= f["rating"] <= 5 and f["participants"] > 0
        elif r["type"] == "test_of_change":
            assert f["status"] in ("idea", "testing", "embedded", "stopped")
            assert f["change"] and f["learning"]
        elif r["type"] == "fund_decision":
            assert f["panel"] and f["amount_gbp"] >= 0
            assert f["families_on_panel"] > 0 and f["practitioners_on_panel"] > 0


def test_confidence_usually_rises_after_a_vble(records):
    vble = [r["fields"] for r in records if r["type"] == "vble_evaluation"]
    rose = sum(f["confidence_after"] > f["confidence_before"] for f in vble)
    assert rose / len(vble) >= 0.8


def test_most_panels_are_at_least_50_50_but_not_all(records):
    panels = [r["fields"] for r in records if r["type"] == "fund_decision"]
    balanced = [f["families_on_panel"] >= f["practitioners_on_panel"] for f in panels]
    assert sum(balanced) / len(panels) >= 0.8
    assert not all(balanced)


def test_every_event_scope_and_test_status_appears(records):
    assert {r["fields"]["scope"] for r in records if r["type"] == "event"} == {
        "local",
        "national",
        "thematic",
    }
    assert {r["fields"]["status"] for r in records if r["type"] == "test_of_change"} == {
        "idea",
        "testing",
        "embedded",
        "stopped",
    }


# --- people, text and authors ----------------------------------------------------------------
def test_every_named_person_appears_in_the_record_text(records):
    for r in records:
        text = _text(r)
        for person in r["people"]:
            assert re.search(rf"(?<!\w){re.escape(person)}(?!\w)", text), (person, r["id"])


def test_some_records_name_people_and_some_name_nobody(records):
    named = [r for r in records if r["people"]]
    assert 0.4 * len(records) < len(named) < 0.9 * len(records)
    assert any(" " in p for r in named for p in r["people"])  # full names
    assert any(" " not in p for r in named for p in r["people"])  # first names
    for consent in CONSENT_LEVELS:
        assert any(r["people"] for r in named if r["consent"] == consent)


def test_no_unlisted_name_is_left_in_an_anonymised_record(records):
    """Redaction only replaces listed names, so no demo first name may appear unlisted."""
    from learning import demo

    first_names = set(demo.WOMEN) | set(demo.MEN) | set(demo.CHILDREN)
    for r in records:
        listed = {part for p in r["people"] for part in p.split()}
        words = set(re.findall(r"[A-Z][a-z]+", "\n".join([_text(r), *_strings(r["fields"])])))
        assert not (words & first_names) - listed, r["id"]


def test_text_reads_like_field_notes(records):
    for r in records:
        text = _text(r).lower()
        assert "lorem" not in text and "ipsum" not in text
        assert "{" not in text and "}" not in text, r["id"]
        blocks = [b for b in r["body"].split("\n\n") if b.strip()]
        prose = [b for b in blocks if not re.match(r"(\*\*[^*]+\*\*$|- |> )", b)]
        prose = [b for b in prose if not b.endswith(":")]  # "As Sarah put it:" before a quote
        assert 2 <= len(prose) <= 5, r["id"]
        assert r["title"][0].isupper()
        for s in _strings(r["fields"]):
            assert "{" not in s
    assert any("\n- " in r["body"] for r in records)  # some bullet lists
    titles = [r["title"] for r in records]
    assert len(set(titles)) == len(titles)


def test_text_is_varied_not_templated(records):
    bodies = [r["body"] for r in records]
    assert len(set(bodies)) == len(bodies)
    first_paragraphs = collections.Counter(b.split("\n\n")[0] for b in bodies)
    assert first_paragraphs.most_common(1)[0][1] <= 5
    sentences = collections.Counter(
        s for b in bodies for s in re.split(r"(?<=[.!?])\s+", b) if len(s) > 40
    )
    assert len(sentences) > 1500


def test_quotes_are_first_person_words(records):
    quotes = [q for r in records for q in r["quotes"]]
    assert len(quotes) > len(records)
    first_person = [q for q in quotes if re.search(r"\b(I|I'm|I've|I'd|we|We|me|my|My|us)\b", q)]
    assert len(first_person) / len(quotes) > 0.75


def test_tags_are_lowercase_from_a_small_vocabulary(records):
    tags = collections.Counter(t for r in records for t in r["tags"])
    assert all(t == t.lower() for t in tags)
    assert 8 <= len(tags) <= 20
    assert {"housing", "money", "school", "childcare", "mental health", "food", "data"} <= set(tags)


def test_authors_are_staff_initials_from_the_plan(fw, records):
    authors = {r["author"] for r in records}
    assert all(re.fullmatch(r"[A-Z]{2}", a) for a in authors)
    assert {"GL", "SD"} <= authors
    owners = {o for a in fw.activities.values() for o in a.owners}
    assert authors <= owners


def test_scottish_places_and_programme_words(records):
    text = "\n".join(_text(r) for r in records)
    for words in (
        "Columba 1400",
        "Make it Happen Fund",
        "MIHF",
        "LCPP",
        "café",
        "VBLE",
        "System Dynamic Model",
        "Oversight Board",
        "Whitfield",
        "Alloa",
    ):
        assert words in text, words


# --- demo users ----------------------------------------------------------------------------
def test_demo_users():
    assert [(name, role) for name, role, _ in DEMO_USERS] == [
        ("admin", "admin"),
        ("editor", "editor"),
        ("viewer", "viewer"),
    ]
    passwords = [p for _, _, p in DEMO_USERS]
    assert len(set(passwords)) == 3
    assert all(len(p) >= 8 for p in passwords)


# --- the demo's codebook and coded passages -------------------------------------------------
def _contrast_on_white(colour: str) -> float:
    """WCAG contrast ratio of ``#RRGGBB`` against white."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def test_the_demo_codebook_is_themes_under_folders_with_readable_colours():
    from learning.demo.passages import themes

    codes = themes()
    folders = [c for c in codes if not c.codable]
    found = [c for c in codes if c.codable]
    assert 3 <= len(folders) <= 5 and 18 <= len(found) <= 24
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", c.id) for c in codes)
    assert len({c.id for c in codes}) == len(codes)
    assert {c.parent for c in found} == {f.id for f in folders}
    assert {"money-worries", "being-listened-to", "trust", "peer-support"} <= {c.id for c in found}
    colours = [c.colour.upper() for c in codes]
    assert len(set(colours)) == len(colours)
    for code in codes:  # a left border must stand out on white (WCAG 1.4.11: 3:1)
        assert _contrast_on_white(code.colour) >= 3, (code.id, code.colour)
        assert code.description and code.name


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """``wm2u init`` and ``wm2u demo`` in a process of their own, served by waitress."""
    from tests.test_hardening_support import Server, ok, wm2u

    data_dir = tmp_path_factory.mktemp("demo") / "data"
    ok(wm2u(data_dir, "init"))
    loaded = ok(wm2u(data_dir, "demo"))
    tokens = {role: ok(wm2u(data_dir, "token", "create", role)).stdout.strip()
              for role in ("editor", "viewer")}  # fmt: skip
    server = Server(data_dir, data_dir.parent / "server.log", tokens["editor"]).start()
    try:
        yield server, tokens, loaded.stdout
    finally:
        server.stop()


def _every(server, path: str, token: str) -> list[dict]:
    """Every item of a paged list of excerpts, as the token's user sees it."""
    items, page = [], 1
    while True:
        answer = server.request("GET", f"{path}&per_page=100&page={page}", token)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        items += body["excerpts"]
        if page * 100 >= body["total"]:
            return items
        page += 1


@pytest.fixture(scope="module")
def demo_excerpts(demo_server):
    server, tokens, _ = demo_server
    return {role: _every(server, "/api/excerpts?", token) for role, token in tokens.items()}


def test_wm2u_demo_adds_the_codebook_and_a_few_hundred_passages(demo_server, demo_excerpts):
    server, tokens, printed = demo_server
    assert "Demo codebook: 25 codes added" in printed
    codes = {c["id"]: c for c in server.request("GET", "/api/codes").json()["codes"]}
    assert codes["money-worries"]["parent"] == "what-families-live-with"
    assert codes["how-help-felt"]["codable"] is False
    assert codes["being-listened-to"]["colour"].startswith("#")
    team = [c for c in codes.values() if c["codable"] and not c["id"].startswith("SO")]
    assert all(c["excerpts"] > 0 for c in team), [c["id"] for c in team if not c["excerpts"]]
    excerpts = demo_excerpts["editor"]
    assert 250 <= len(excerpts) <= 900
    assert {e["author"] for e in excerpts} == {"editor", "evaluator", "admin"}
    assert any(c.startswith("SO") for e in excerpts for c in e["codes"])  # indicators too
    assert 5 <= sum(1 for e in excerpts if e["memo"]) <= 60
    found = server.request("GET", "/api/search?q=code:being-listened-to").json()
    assert found["total"] > 10  # the index caught up with the coding


def test_every_demo_excerpt_is_its_records_words(demo_server, demo_excerpts):
    server, _, _ = demo_server
    bodies: dict[str, str] = {}
    assert demo_excerpts["editor"]
    for excerpt in demo_excerpts["editor"]:
        record, source = excerpt["record"]["id"], excerpt["source"]
        key = source if source != "body" else record
        if key not in bodies and source == "body":
            bodies[key] = server.request("GET", f"/api/records/{record}").json()["body"]
        elif key not in bodies:  # a passage of an attachment's text
            attachment = source.removeprefix("attachment:")
            bodies[key] = server.request("GET", f"/api/attachments/{attachment}/text").text
        body = bodies[key]
        assert excerpt["status"] == "exact"
        assert body[excerpt["start"] : excerpt["end"]] == excerpt["text"], excerpt
        assert excerpt["text"] == excerpt["text"].strip() and len(excerpt["text"].split()) >= 2


def test_viewers_see_no_demo_passage_of_an_internal_record_and_no_memo(demo_server, demo_excerpts):
    server, _, _ = demo_server
    consent = {}
    for excerpt in demo_excerpts["editor"]:
        record = excerpt["record"]["id"]
        if record not in consent:
            consent[record] = server.request("GET", f"/api/records/{record}").json()["consent"]
    assert "internal" in consent.values()  # there is something to hide
    seen = demo_excerpts["viewer"]
    assert 0 < len(seen) < len(demo_excerpts["editor"])
    assert all(consent[e["record"]["id"]] != "internal" for e in seen)
    assert all(e.get("memo") is None for e in seen)
    hidden = {e["id"] for e in demo_excerpts["editor"]} - {e["id"] for e in seen}
    assert hidden == {
        e["id"] for e in demo_excerpts["editor"] if consent[e["record"]["id"]] == "internal"
    }


def test_some_demo_records_have_two_coders_who_agree_in_part(demo_excerpts):
    from learning.coding.agreement import Coded, agreement

    excerpts = demo_excerpts["editor"]
    coders: dict[str, set[str]] = collections.defaultdict(set)
    for excerpt in excerpts:
        coders[excerpt["record"]["id"]].add(excerpt["author"])
    both = [r for r, who in coders.items() if {"editor", "evaluator"} <= who]
    assert len(both) >= 15
    coded = [Coded(e["record"]["id"], "body", code, e["author"], e["start"], e["end"])
             for e in excerpts for code in e["codes"]]  # fmt: skip
    lengths = {(e["record"]["id"], "body"): 10**4 for e in excerpts}
    result = agreement("editor", "evaluator", lengths, coded)
    assert result["records"] == len(both)
    kappas = [c["kappa"] for c in result["codes"] if c["kappa"] is not None]
    assert any(0.3 < k < 0.95 for k in kappas)  # partial agreement: something to show
    assert result["disagreements"]


def test_wm2u_demo_again_codes_nothing_twice(demo_server, demo_excerpts):
    from tests.test_hardening_support import ok, wm2u

    server, _, _ = demo_server
    again = ok(wm2u(server.data_dir, "demo")).stdout
    assert "Demo codebook: 0 codes added, 0 coded passages." in again
    total = server.request("GET", "/api/excerpts?per_page=1").json()["total"]
    assert total == len(demo_excerpts["editor"])


def test_the_demo_chooses_the_same_whole_sentences_every_time(fw, records):
    from learning.demo.passages import choose, themes

    stored = [validate(r, fw) for r in records]
    passages = choose(stored, themes())
    assert passages == choose(stored, themes())
    bodies = {r.id: r.body for r in stored}
    for p in passages:
        body = bodies[p.record]
        assert p.start == 0 or not body[p.start - 1].isalnum(), body[p.start - 5 : p.end]
        assert p.end == len(body) or not body[p.end].isalnum(), body[p.start : p.end + 5]


def test_the_demo_has_two_locality_rounds_and_one_above_them_closed_with_reasons(demo_server):
    server, tokens, printed = demo_server
    assert "Demo Most Significant Change: 3 rounds closed" in printed
    listed = server.request("GET", "/api/msc/rounds", tokens["viewer"]).json()["rounds"]
    assert sorted(r["level"] for r in listed) == ["Authorities", "Locality", "Locality"]
    assert {r["state"] for r in listed} == {"closed"}  # viewers read them: closed ones
    above = next(r for r in listed if r["level"] == "Authorities")
    assert sorted(r["parent"] for r in listed if r["parent"]) == [above["id"], above["id"]]
    shown = {r["id"]: server.request("GET", f"/api/msc/rounds/{r['id']}", tokens["editor"]).json()
             for r in listed}  # fmt: skip
    choices = [c for r in shown.values() for c in r["choices"]]
    assert len(choices) == 6 and all(c["record"] for c in choices)
    assert all(c["reasons"].count(". ") >= 1 and c["reasons"].endswith(".") for c in choices)
    assert all(c["votes"] and c["read_back"] is True and c["told_by"] for c in choices)
    assert any(c["dissent"] for c in shown[above["id"]]["choices"])
    below = {c["record"] for r in shown.values() if r["parent"] for c in r["choices"]}
    assert {c["record"] for c in shown[above["id"]]["candidates"]} == below
    for r in shown.values():  # a panel with families reads no internal story
        for c in r["candidates"]:
            story = server.request("GET", f"/api/records/{c['record']}", tokens["editor"]).json()
            assert story["consent"] in ("anonymised", "public") and story["type"] == "family_story"
    seen = server.request("GET", f"/api/msc/rounds/{above['id']}", tokens["viewer"]).json()
    assert all(set(m) == {"role"} for m in seen["panel"])
