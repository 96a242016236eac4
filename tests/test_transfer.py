"""Markdown, JSON and CSV: whatever a record says comes back exactly after export and import."""

from __future__ import annotations

import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence import transfer
from evidence.validate import validate
from learning import framework
from tests.builders import record_data

FW = framework.load()

# Text people type, including what trips YAML and CSV up: "yes", "null", "1e3", colons,
# quotes, leading dashes and equals signs, hashes, accents, emoji and line breaks.
tricky = st.sampled_from(
    [
        "yes",
        "no",
        "null",
        "~",
        "1e3",
        "0x10",
        "- item",
        "=1+1",
        "@home",
        "# heading",
        "a: b",
        "'quoted'",
        '"double"',
        "---",
        "café",
        "Ünïcödé 🙂",
        "tab\there",
        "line\nbreak",
        "  ",
    ]
)
words = st.text(alphabet=string.ascii_letters + string.digits + " .,;:'\"!?-=+@#é", max_size=40)
text = st.one_of(tricky, words)
line = text.map(lambda s: " ".join(s.split()))


@st.composite
def records(draw):
    title = draw(line.filter(str.strip))
    data = record_data(
        title=title,
        body=draw(text),
        tags=draw(st.lists(line.filter(str.strip), max_size=3)),
        people=draw(st.lists(line.filter(str.strip), max_size=3)),
        quotes=draw(st.lists(text.filter(str.strip), max_size=3)),
        consent=draw(st.sampled_from(["internal", "anonymised", "public"])),
        fields={"family": draw(line), "what_changed": draw(text)},
    )
    return validate(data, FW)


def comparable(record):
    data = record.to_dict()
    data["fields"] = {k: v for k, v in data["fields"].items() if v not in ("", None, [])}
    return data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_markdown_round_trip(record):
    back = validate(transfer.parse_markdown(transfer.to_markdown(record)), FW)
    assert comparable(back) == comparable(record)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_csv_round_trip(record):
    rows = list(transfer.parse_csv(transfer.to_csv([record])))
    assert len(rows) == 1
    back = validate(rows[0][1], FW)
    assert comparable(back) == comparable(record)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_json_round_trip(record):
    (data,) = transfer.parse_json(transfer.to_json([record]))
    assert comparable(validate(data, FW)) == comparable(record)


def test_json_accepts_a_bare_list_and_refuses_junk():
    assert transfer.parse_json(json.dumps([record_data()]))[0]["type"] == "family_story"
    for junk in ("[1, 2]", "{not json", '"text"'):
        try:
            transfer.parse_json(junk, "x.json")
        except Exception as exc:  # noqa: BLE001 - the point is which exception
            assert type(exc).__name__ == "ValidationError"
            assert exc.field == "x.json"
        else:
            raise AssertionError(f"{junk!r} was accepted")
