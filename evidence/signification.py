"""A family's own reading of their story (self-signification): a triad and two sliders.

Stored as ``fields.signification`` = ``{"triad": [effort, people, service] or null,
"slider1": x or null, "slider2": y or null}``; null is "not sure". The form sends strings:
``0.6,0.3,0.1`` or ``not-sure`` for the triad, a number from 0 to 1 or ``not-sure`` for each
slider.
"""

from __future__ import annotations

import math
from typing import Any

from .model import ValidationError

NOT_SURE = "not-sure"
FIELD = "signification"
TRIAD_CORNERS = ("our own effort", "people around us", "a service")
SLIDERS = ("slider1", "slider2")
_SUM_SLACK = 0.011  # shares written to two decimals (1/3 as 0.33) still add up to 1


def _share(text: str, name: str) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ValidationError(name, "must be numbers from 0 to 1, or not-sure") from None
    if not math.isfinite(value) or not 0 <= value <= 1:
        raise ValidationError(name, "must be numbers from 0 to 1, or not-sure")
    return round(value, 4)


def triad_from_text(text: Any) -> list[float] | None:
    """The triad as the form sends it (``a,b,c`` adding up to 1, or ``not-sure``)."""
    if text in (None, "", NOT_SURE):
        return None
    parts = str(text).split(",")
    if len(parts) != 3:
        raise ValidationError("triad", "must be three shares separated by commas, or not-sure")
    shares = [_share(p.strip(), "triad") for p in parts]
    if abs(sum(shares) - 1) > _SUM_SLACK:
        raise ValidationError("triad", "the three shares must add up to 1")
    return shares


def slider_from_text(text: Any, name: str) -> float | None:
    """A slider as the form sends it (a number from 0 to 1, or ``not-sure``)."""
    if text in (None, "", NOT_SURE):
        return None
    return _share(str(text).strip(), name)


def from_form(form: Any) -> dict[str, Any]:
    """The signification from the form's ``triad``, ``slider1`` and ``slider2``."""
    return {
        "triad": triad_from_text(form.get("triad")),
        **{name: slider_from_text(form.get(name), name) for name in SLIDERS},
    }


def clean(value: Any) -> dict[str, Any]:
    """A stored signification checked (an editor's PUT, an import): the same shape back."""
    where = f"fields.{FIELD}"
    if not isinstance(value, dict) or set(value) - {"triad", *SLIDERS}:
        raise ValidationError(where, "must be {triad, slider1, slider2}")
    triad = value.get("triad")
    try:
        if triad is not None:
            if not isinstance(triad, list):
                raise ValidationError("triad", "must be three shares or null")
            triad = triad_from_text(",".join(str(share) for share in triad))
        sliders = {name: slider_from_text(value.get(name), name) for name in SLIDERS}
    except ValidationError as exc:
        raise ValidationError(f"{where}.{exc.field}", exc.message) from None
    return {"triad": triad, **sliders}
