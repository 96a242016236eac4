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


def _record(**overrides):
    return validate(record_data(**overrides), FW)


def test_the_format_is_read_from_the_content_not_the_name(tmp_path):
    record = _record(id="fmt-cafe", title="Le café")
    cases = {
        "export": "\ufeff \n" + transfer.to_json([record]),  # a BOM and white space first
        "records.csv": json.dumps([record.to_dict()]),
        "backup.json": "\ufeff" + transfer.to_csv([record]),
        "backup.txt": transfer.to_csv([record]),
        "story.json": transfer.to_markdown(record),
    }
    expected = {
        "export": "json",
        "records.csv": "json",
        "backup.json": "csv",
        "backup.txt": "csv",
        "story.json": "md",
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        assert transfer.detect_format(path) == expected[name], name
        ((_, data),) = list(transfer.read_path(path))
        assert validate(data, FW).title == "Le café" and data["id"] == "fmt-cafe", name
    folder = tmp_path / "folder.json"
    folder.mkdir()
    (folder / "a.md").write_text(transfer.to_markdown(record), encoding="utf-8")
    assert transfer.detect_format(folder) == "md"
    assert [validate(d, FW).id for _, d in transfer.read_path(folder)] == [record.id]


def test_the_extension_decides_only_what_the_content_does_not(tmp_path):
    sheet = tmp_path / "hand-made.csv"  # a column of its own: not an export's header
    sheet.write_text("type,title,my notes\nfamily_story,Hi,x\n", encoding="utf-8")
    assert transfer.detect_format(sheet) == "csv"
    broken = tmp_path / "broken.json"
    broken.write_text("oops", encoding="utf-8")
    assert transfer.detect_format(broken) == "json"
    try:
        list(transfer.read_path(broken))
    except transfer.ValidationError as exc:
        assert "not valid JSON" in str(exc.errors)
    else:
        raise AssertionError("junk named .json was read")
    plain = tmp_path / "notes"
    plain.write_text("just words\n", encoding="utf-8")
    assert transfer.detect_format(plain) == "md"


def test_csv_is_read_with_or_without_a_byte_order_mark(tmp_path):
    record = _record(id="csv-cafe", title="café", people=["Zoë"])
    text = transfer.to_csv([record])
    for name, encoding in (("bom.csv", "utf-8-sig"), ("plain.csv", "utf-8")):
        path = tmp_path / name
        path.write_text(text, encoding=encoding, newline="")
        ((_, data),) = list(transfer.read_path(path))
        assert "\ufeffid" not in data and data["id"] == record.id, name
        assert validate(data, FW).title == "café" and data["people"] == ["Zoë"], name
    assert (tmp_path / "bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    ((_, data),) = list(transfer.parse_csv("\ufeff" + text))  # a BOM left in the text, too
    assert data["id"] == record.id
