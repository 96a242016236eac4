"""Validation: every way a record can be wrong is refused with the field named."""

from __future__ import annotations

import pytest

from evidence.model import ValidationError
from evidence.validate import validate
from learning import framework
from tests.builders import record_data

FW = framework.load()


def test_a_valid_record_comes_back_clean():
    record = validate(record_data(title="  Spaces around  ", tags=["School", "school"]), FW)
    assert record.title == "Spaces around"
    assert record.tags == ["school"]
    assert record.authority == "Dundee"


def test_locality_fills_in_its_authority():
    data = record_data(locality="Alloa")
    data.pop("authority")
    assert validate(data, FW).authority == "Clackmannanshire"


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"type": "poem"}, "type", "unknown record type"),
        ({"type": None}, "type", "required"),
        ({"title": ""}, "title", "required"),
        ({"title": "x" * 301}, "title", "too long"),
        ({"title": 5}, "title", "text"),
        ({"date": "2024-02-30"}, "date", "not a date"),
        ({"date": "14/03/2025"}, "date", "YYYY-MM-DD"),
        ({"date": None}, "date", "required"),
        ({"consent": "secret"}, "consent", "one of"),
        ({"consent": None}, "consent", "required"),
        ({"indicators": []}, "indicators", "at least one"),
        ({"indicators": ["SO9.9"]}, "indicators", "unknown indicator code SO9.9"),
        ({"indicators": "SO1.1"}, "indicators", "list"),
        ({"activities": ["SO1-Z"]}, "activities", "unknown activity code"),
        ({"authority": "Fife"}, "authority", "unknown authority"),
        ({"locality": "Alloa"}, "locality", "not in Dundee"),
        ({"locality": "Atlantis"}, "locality", "unknown locality"),
        ({"people": [1, 2]}, "people", "text"),
        ({"fields": {"family": "x", "colour": "red"}}, "fields.colour", "not a field"),
        ({"fields": []}, "fields", "mapping"),
        ({"colour": "red"}, "colour", "not a record key"),
        ({"revision": -1}, "revision", "whole number"),
        ({"id": "../etc/passwd"}, "id", "letters"),
    ],
)
def test_bad_input_names_the_field(overrides, field, words):
    with pytest.raises(ValidationError) as info:
        validate(record_data(**overrides), FW)
    assert field in info.value.errors
    assert words in info.value.errors[field]


@pytest.mark.parametrize(
    ("record_type", "fields", "field", "words"),
    [
        ("cafe_conversation", {"families": "3"}, "fields.families", "whole number"),
        ("cafe_conversation", {"families": 2.5}, "fields.families", "whole number"),
        ("cafe_conversation", {"families": True}, "fields.families", "whole number"),
        ("cafe_conversation", {"families": -1}, "fields.families", "at least 0"),
        ("cafe_conversation", {"themes": "food"}, "fields.themes", "list"),
        ("vble_evaluation", {"confidence_after": 6}, "fields.confidence_after", "at most 5"),
        ("event", {"scope": "global"}, "fields.scope", "one of local, national, thematic"),
        ("event", {"rating": float("nan")}, "fields.rating", "finite"),
        ("test_of_change", {"status": "done"}, "fields.status", "one of"),
        ("fund_decision", {"amount_gbp": "lots"}, "fields.amount_gbp", "number"),
        ("learning_update", {"period_from": "soon"}, "fields.period_from", "YYYY-MM-DD"),
        ("learning_update", {"cites": ["ok", "not ok!"]}, "fields.cites", "record ids"),
        # The door's rules (evidence/validate.py): what the store, sums and charts hold.
        ("fund_decision", {"amount_gbp": 10**400}, "fields.amount_gbp", "too large"),
        ("fund_decision", {"amount_gbp": 1e308}, "fields.amount_gbp", "too large"),
        ("fund_decision", {"amount_gbp": 10_000_000.01}, "fields.amount_gbp", "at most 10000000"),
        ("fund_decision", {"amount_gbp": 0.125}, "fields.amount_gbp", "2 decimal places"),
        ("fund_decision", {"amount_gbp": 0.1 + 0.2}, "fields.amount_gbp", "2 decimal places"),
        ("event", {"rating": float("inf")}, "fields.rating", "finite"),
        ("learning_update", {"period_to": "2200-01-01"}, "fields.period_to", "1900–2199"),
        ("family_story", {"what_changed": "\ufffe"}, "fields.what_changed", "U+FFFE"),
    ],
)
def test_type_specific_fields_are_checked(record_type, fields, field, words):
    with pytest.raises(ValidationError) as info:
        validate(record_data(type=record_type, fields=fields), FW)
    assert words in info.value.errors[field]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"authority": ["Dundee"]}, "authority"), ({"authority": "Dun\uffffdee"}, "authority"),
     ({"locality": 5}, "locality")],
)  # fmt: skip
def test_a_place_that_is_not_text_names_its_own_field(overrides, field):
    with pytest.raises(ValidationError) as info:
        validate(record_data(**overrides), FW)
    assert set(info.value.errors) == {field}


@pytest.mark.parametrize("amount", [0, 0.01, 250.5, 9_999_999.99, 10_000_000])
def test_amounts_within_the_door_are_kept_as_given(amount):
    record = validate(record_data(type="fund_decision", fields={"amount_gbp": amount}), FW)
    assert record.fields["amount_gbp"] == amount


def test_every_problem_is_reported_at_once():
    with pytest.raises(ValidationError) as info:
        validate(record_data(title="", date="nope", consent="x"), FW)
    assert {"title", "date", "consent"} <= set(info.value.errors)


def test_not_a_mapping_is_refused():
    with pytest.raises(ValidationError) as info:
        validate(["a list"], FW)
    assert info.value.field == "record"


def test_typed_fields_survive():
    record = validate(
        record_data(
            type="cafe_conversation",
            fields={
                "venue": "Lochee library",
                "families": 6,
                "practitioners": 3,
                "themes": ["food", "school"],
                "actions": ["Ask about the bus"],
            },
        ),
        FW,
    )
    assert record.fields["families"] == 6
    assert record.fields["themes"] == ["food", "school"]
