"""What changed between two plans: one section a kind of thing the plan lists.

Each section is a function from a Framework to ``{key: {attribute: value}}``; the diff of
two plans compares those, key by key and attribute by attribute. A new kind of thing in plan
files (``measures`` already, when the files list them) is one more entry in ``SECTIONS``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .framework import Framework

Items = dict[str, dict[str, Any]]


def _objectives(fw: Framework) -> Items:
    return {o.code: {"text": o.text} for o in fw.objectives}


def _indicators(fw: Framework) -> Items:
    return {code: {"text": i.text} for code, i in fw.indicators.items()}


def _activities(fw: Framework) -> Items:
    return {
        code: {
            "text": a.text,
            "owners": list(a.owners),
            "timescale": a.timescale,
            "success_criteria": list(a.success_criteria),
            "targets": [f"{t.label}: {t.value:g}" for t in a.targets],
        }
        for code, a in fw.activities.items()
    }


def _authorities(fw: Framework) -> Items:
    return {name: {"localities": list(locs)} for name, locs in fw.authorities.items()}


def _localities(fw: Framework) -> Items:
    return {loc: {"authority": name} for name, locs in fw.authorities.items() for loc in locs}


def _record_types(fw: Framework) -> Items:
    out: Items = {}
    for name, rt in fw.record_types.items():
        item: dict[str, Any] = {"label": rt.label, "fields": [f.name for f in rt.fields]}
        for f in rt.fields:
            spec = f"{f.type}" + (" required" if f.required else "")
            spec += f" ({', '.join(f.choices)})" if f.choices else ""
            item[f"field {f.name}"] = spec
        out[name] = item
    return out


def _measures(fw: Framework) -> Items:
    measures = fw.raw.get("measures") or []
    out: Items = {}
    for m in measures if isinstance(measures, list) else []:
        if isinstance(m, dict) and m.get("code"):
            out[str(m["code"])] = {k: v for k, v in m.items() if k != "code"}
    return out


SECTIONS: list[tuple[str, str, Callable[[Framework], Items]]] = [
    ("objectives", "Objectives", _objectives),
    ("indicators", "Indicators", _indicators),
    ("activities", "Activities", _activities),
    ("authorities", "Authorities", _authorities),
    ("localities", "Localities", _localities),
    ("record_types", "Record types", _record_types),
    ("measures", "Measures", _measures),
]


def diff(a: Framework, b: Framework) -> dict[str, Any]:
    """What changed from plan ``a`` to plan ``b``, as JSON-ready data."""
    sections: dict[str, Any] = {}
    for key, _, items_of in SECTIONS:
        old, new = items_of(a), items_of(b)
        changed = []
        for code in (c for c in new if c in old):
            for attr in dict.fromkeys([*old[code], *new[code]]):
                before, after = old[code].get(attr), new[code].get(attr)
                if before != after:
                    entry: dict[str, Any] = {
                        "key": code,
                        "field": attr,
                        "from": before,
                        "to": after,
                    }
                    if isinstance(before, list) or isinstance(after, list):
                        before, after = before or [], after or []
                        entry["added"] = [x for x in after if x not in before]
                        entry["removed"] = [x for x in before if x not in after]
                    changed.append(entry)
        sections[key] = {
            "added": [{"key": c, **new[c]} for c in new if c not in old],
            "removed": [{"key": c, **old[c]} for c in old if c not in new],
            "changed": changed,
        }
    return {"from": a.name, "to": b.name, "sections": sections}


def summary(d: dict[str, Any]) -> str:
    """One line: how many things each section added, removed and changed."""
    parts = []
    for key, label, _ in SECTIONS:
        s = d["sections"][key]
        counts = [
            f"{len(s[k])} {k}"
            for k in ("added", "removed", "changed")
            if s[k]  # e.g. "2 added"
        ]
        if counts:
            parts.append(f"{label.lower()}: {', '.join(counts)}")
    return "; ".join(parts) or "no changes"


def _short(value: Any, limit: int = 160) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value or "")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def lines(d: dict[str, Any]) -> list[str]:
    """The diff as text, section by section (``+`` added, ``-`` removed, ``~`` changed)."""
    out = [f"Changes from {d['from']} to {d['to']}:"]
    for key, label, _ in SECTIONS:
        s = d["sections"][key]
        if not (s["added"] or s["removed"] or s["changed"]):
            continue
        out.append(f"{label}:")
        for item in s["added"]:
            out.append(f"  + {item['key']}" + _about(item))
        for item in s["removed"]:
            out.append(f"  - {item['key']}" + _about(item))
        for c in s["changed"]:
            field = c["field"].replace("_", " ")
            if "added" in c:
                parts = [f"+ {_short(x)}" for x in c["added"]] + [
                    f"- {_short(x)}" for x in c["removed"]
                ]
                out.append(f"  ~ {c['key']} {field}: " + "; ".join(parts or ["reordered"]))
            else:
                out.append(f"  ~ {c['key']} {field}: {_short(c['from'])} → {_short(c['to'])}")
    if len(out) == 1:
        out.append("  no changes")
    return out


def _about(item: dict[str, Any]) -> str:
    for attr in ("text", "authority", "label", "name"):
        if item.get(attr):
            return f": {_short(item[attr])}"
    if item.get("localities"):
        return f": {_short(item['localities'])}"
    return ""
