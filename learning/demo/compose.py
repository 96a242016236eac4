"""Writing one planned record: its builder by type, a unique title, the people it names, and
its fields fitted to the type's specs."""

from __future__ import annotations

import random
import re
from typing import Any

from learning.updates.wording import MONTHS

from .family import _cafe, _family_story, _vble
from .phrases import _names_allowed, _one
from .plan import Skeleton, _Planner
from .programme import _event, _fund, _generic, _test_of_change
from .writer import _cap, _Writer


def _compose(
    sk: Skeleton, framework: Any, rng: random.Random, titles: set[str], planner: _Planner
) -> dict:
    writer = _Writer(rng, sk, framework, _names_allowed(rng, sk.consent))
    build = {
        "family_story": _family_story,
        "cafe_conversation": _cafe,
        "vble_evaluation": _vble,
        "event": _event,
        "test_of_change": _test_of_change,
        "fund_decision": _fund,
    }.get(sk.type, _generic)
    title_options, paragraphs, quotes, tags, fields = build(sk, writer, rng)
    title = ""
    for _ in range(12):
        point = writer.checkpoint()
        title = _cap(_one(rng, writer, title_options))
        if title and title not in titles:
            break
        writer.restore(point)
    if title in titles:
        title = f"{title} ({MONTHS[sk.date.month - 1]} {sk.date.year})"
    titles.add(title)
    body = "\n\n".join(p for p in paragraphs if p)
    people = _named(writer.people, title, body, quotes)
    rtype = framework.record_types.get(sk.type)
    return {
        "type": sk.type,
        "title": title,
        "date": sk.date.isoformat(),
        "authority": sk.authority,
        "locality": sk.locality,
        "author": planner.author(sk),
        "consent": sk.consent,
        "indicators": list(sk.indicators),
        "activities": list(sk.activities),
        "tags": sorted(dict.fromkeys(t for t in tags if t))[:5],
        "people": people,
        "quotes": quotes,
        "body": body,
        "fields": _fit_fields(fields, rtype, sk, rng) if rtype is not None else {},
    }


def _named(people: list[str], title: str, body: str, quotes: list[str]) -> list[str]:
    """The people a record really names, each as it appears in the title, body or quotes:
    the whole name, or the first name alone when only that made it into the text."""
    text = "\n".join([title, body, *quotes])
    out = []
    for person in people:
        for form in (person, person.split()[0]):
            if re.search(rf"(?<!\w){re.escape(form)}(?!\w)", text):
                out.append(form)
                break
    return list(dict.fromkeys(out))


def _default_number(spec: Any, rng: random.Random) -> int:
    low = int(spec.min) if spec.min is not None else 1
    high = int(spec.max) if spec.max is not None else max(low, 5) + 5
    return rng.randint(low, max(low, high))


def _fit_fields(values: dict, rtype: Any, sk: Skeleton, rng: random.Random) -> dict:
    """The type's fields as its specs allow: unknown ones dropped, numbers within bounds,
    required ones the demo does not know given a plausible value."""
    out: dict[str, Any] = {}
    for spec in rtype.fields:
        value = values.get(spec.name)
        if spec.type in ("integer", "number"):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                value = _default_number(spec, rng) if spec.required else None
            if value is not None:
                if spec.min is not None:
                    value = max(value, spec.min)
                if spec.max is not None:
                    value = min(value, spec.max)
                if spec.type == "integer":
                    value = int(value)
        elif spec.type in ("list", "ids"):
            value = list(value) if isinstance(value, list) else ([] if spec.type == "ids" else None)
        elif spec.type == "date":
            value = (
                value
                if isinstance(value, str)
                else (sk.date.isoformat() if spec.required else None)
            )
        else:
            if spec.choices and value not in spec.choices:
                value = rng.choice(spec.choices) if (spec.required or value is not None) else None
            if value is None and spec.required:
                value = spec.label or spec.name
            if isinstance(value, str):
                value = value[:5000] if spec.type == "text" else value[:200]
        if value not in (None, "", []):
            out[spec.name] = value
    return out
