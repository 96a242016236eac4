"""The record form: its fields are named as the JSON keys, type-specific ones ``fields.NAME``.

Lists a person types (tags, people, quotes, list fields) are textareas with one item a line;
indicators and activities are repeated checkboxes. ``values`` is what the form shows (the
text as typed, so nothing is lost when a save is refused); ``record_data`` turns it into the
API's record shape for the service layer, which does all the checking.
"""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from evidence.model import Record
from evidence.validate import whole_number
from learning.framework import FieldSpec, RecordType

TEXT_KEYS = ("title", "date", "authority", "locality", "author", "consent", "body")
LINE_KEYS = ("tags", "people", "quotes")
CHECKBOX_KEYS = ("indicators", "activities")


def field_name(spec: FieldSpec) -> str:
    return f"fields.{spec.name}"


def blank_values(author: str = "") -> dict[str, Any]:
    values: dict[str, Any] = {key: "" for key in (*TEXT_KEYS, *LINE_KEYS)}
    values.update(indicators=[], activities=[], author=author)
    return values


def values_from_record(record: Record, record_type: RecordType) -> dict[str, Any]:
    """What the edit form shows for a saved record."""
    values: dict[str, Any] = {key: getattr(record, key) or "" for key in TEXT_KEYS}
    values.update({key: "\n".join(getattr(record, key)) for key in LINE_KEYS})
    values.update(indicators=list(record.indicators), activities=list(record.activities))
    for spec in record_type.fields:
        value = record.fields.get(spec.name)
        if isinstance(value, list):
            value = "\n".join(map(str, value))
        elif isinstance(value, float) and value.is_integer() and spec.type == "integer":
            value = int(value)
        values[field_name(spec)] = "" if value is None else str(value)
    values["revision"] = str(record.revision)
    return values


def values_from_form(form: MultiDict, record_type: RecordType) -> dict[str, Any]:
    """The form as it was sent, to show again if the save is refused."""
    values: dict[str, Any] = {key: form.get(key, "") for key in (*TEXT_KEYS, *LINE_KEYS)}
    values.update({key: form.getlist(key) for key in CHECKBOX_KEYS})
    for spec in record_type.fields:
        values[field_name(spec)] = form.get(field_name(spec), "")
    values["revision"] = form.get("revision", "")
    return values


def record_data(values: dict[str, Any], record_type: RecordType) -> dict[str, Any]:
    """The record (the API's shape) that the form's values describe."""
    data: dict[str, Any] = {"type": record_type.name}
    for key in TEXT_KEYS:
        data[key] = values.get(key, "")
    for key in LINE_KEYS:
        data[key] = lines(values.get(key, ""))
    for key in CHECKBOX_KEYS:
        data[key] = [v for v in values.get(key, []) if v]
    data["fields"] = {
        spec.name: field_value(spec, values.get(field_name(spec), ""))
        for spec in record_type.fields
    }
    data["fields"] = {k: v for k, v in data["fields"].items() if v not in (None, "", [])}
    revision = str(values.get("revision", "")).strip()
    if revision:
        number = whole_number(revision)
        data["revision"] = revision if number is None else number
    return data


def lines(text: str) -> list[str]:
    return [line.strip() for line in str(text).splitlines() if line.strip()]


def field_value(spec: FieldSpec, text: str) -> Any:
    """A typed field's value from its text; text that is not a number is left for the check."""
    text = str(text).strip()
    if not text:
        return None
    if spec.type in ("list", "ids"):
        return lines(text)
    if spec.type in ("integer", "number"):
        cleaned = text.replace(",", "").replace("£", "").strip()
        try:
            return int(cleaned)
        except ValueError:
            pass
        try:
            return float(cleaned)
        except ValueError:
            return text
    return text


def indicator_groups(framework: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    """Indicator checkboxes, grouped under their objective."""
    return [
        (f"{o.code}: {o.text}", [(i.code, i.text) for i in o.indicators])
        for o in framework.objectives
    ]


def activity_groups(framework: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    return [(o.code, [(a.code, a.text) for a in o.activities]) for o in framework.objectives]


def choice_options(spec: FieldSpec) -> list[tuple[str, str, str]]:
    return [(choice, choice.capitalize(), "") for choice in spec.choices]


def field_id(name: str) -> str:
    """An HTML id for a form field (``fields.venue`` → ``fields-venue``)."""
    return name.replace(".", "-").replace("_", "-")


# What the form templates call.
FORM_HELPERS = {
    "field_id": field_id,
    "indicator_groups": indicator_groups,
    "activity_groups": activity_groups,
    "choice_options": choice_options,
}
