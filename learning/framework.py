"""The learning framework: a plan's objectives, indicators, activities, places and record types.

The framework is data (YAML, shipped in ``learning/frameworks/``), validated when it is loaded
into the small typed objects below. A malformed file is refused with its line and the problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .measures import Measure, parse_measures

FRAMEWORKS_DIR = Path(__file__).parent / "frameworks"
DEFAULT_RECORD_TYPES = Path(__file__).parent / "record_types.yaml"
DEFAULT_FRAMEWORK = "wm2u-2024-2026"

OBJECTIVE_CODE = re.compile(r"^SO\d+$")
INDICATOR_CODE = re.compile(r"^(SO\d+)\.(\d+)$")
ACTIVITY_CODE = re.compile(r"^(SO\d+)-([A-Z])$")
FIELD_TYPES = {"string", "text", "integer", "number", "list", "date", "ids"}


class FrameworkError(Exception):
    """A framework file that cannot be used; carries the file, line and problem."""

    def __init__(self, message: str, line: int | None = None, source: str = "") -> None:
        self.message = message
        self.line = line
        self.source = source
        where = source or "framework"
        if line is not None:
            where = f"{where}, line {line}"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Target:
    """A numeric target of a key activity, and how evidence is counted against it."""

    label: str
    value: float
    record_type: str | None = None
    where: dict[str, Any] = field(default_factory=dict)
    authority: str | None = None
    count: str = "records"  # or "localities": how many distinct localities have such records


@dataclass(frozen=True)
class Activity:
    code: str
    objective: str
    text: str
    owners: tuple[str, ...] = ()
    owner_text: str = ""
    timescale: str = ""
    success_criteria: tuple[str, ...] = ()
    targets: tuple[Target, ...] = ()


@dataclass(frozen=True)
class Indicator:
    code: str
    objective: str
    text: str


@dataclass(frozen=True)
class Objective:
    code: str
    text: str
    indicators: tuple[Indicator, ...] = ()
    activities: tuple[Activity, ...] = ()


@dataclass(frozen=True)
class Outcome:
    code: str
    text: str


@dataclass(frozen=True)
class FieldSpec:
    """One type-specific field of a record type."""

    name: str
    type: str
    label: str
    required: bool = False
    choices: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    help: str = ""


@dataclass(frozen=True)
class RecordType:
    name: str
    label: str
    fields: tuple[FieldSpec, ...] = ()
    description: str = ""

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class Framework:
    """A whole plan; lookups by code are dictionaries built once at load."""

    name: str
    title: str
    period_from: str
    period_to: str
    source: str
    outcomes: tuple[Outcome, ...]
    objectives: tuple[Objective, ...]
    authorities: dict[str, tuple[str, ...]]
    record_types: dict[str, RecordType]
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    measures: tuple[Measure, ...] = ()

    def measure(self, code: str) -> Measure | None:
        return next((m for m in self.measures if m.code == code), None)

    @property
    def indicators(self) -> dict[str, Indicator]:
        return {i.code: i for o in self.objectives for i in o.indicators}

    @property
    def activities(self) -> dict[str, Activity]:
        return {a.code: a for o in self.objectives for a in o.activities}

    def objective(self, code: str) -> Objective | None:
        return next((o for o in self.objectives if o.code == code), None)

    def localities(self) -> list[str]:
        return [loc for locs in self.authorities.values() for loc in locs]

    def authority_of(self, locality: str) -> str | None:
        return next((a for a, locs in self.authorities.items() if locality in locs), None)

    def to_dict(self) -> dict[str, Any]:
        """The framework as JSON-ready data (the shape of ``/api/framework``)."""
        return {
            "name": self.name,
            "title": self.title,
            "period": {"from": self.period_from, "to": self.period_to},
            "source": self.source,
            "outcomes": [{"code": o.code, "text": o.text} for o in self.outcomes],
            "objectives": [_objective_dict(o) for o in self.objectives],
            "authorities": [
                {"name": name, "localities": list(locs)} for name, locs in self.authorities.items()
            ],
            "record_types": {name: _record_type_dict(rt) for name, rt in self.record_types.items()},
            "measures": [m.to_dict() for m in self.measures],
        }


def _objective_dict(o: Objective) -> dict[str, Any]:
    return {
        "code": o.code,
        "text": o.text,
        "indicators": [{"code": i.code, "text": i.text} for i in o.indicators],
        "activities": [
            {
                "code": a.code,
                "text": a.text,
                "owners": list(a.owners),
                "owner_text": a.owner_text,
                "timescale": a.timescale,
                "success_criteria": list(a.success_criteria),
                "targets": [
                    {
                        "label": t.label,
                        "value": t.value,
                        "record_type": t.record_type,
                        "where": dict(t.where),
                        "authority": t.authority,
                        "count": t.count,
                    }
                    for t in a.targets
                ],
            }
            for a in o.activities
        ],
    }


def _record_type_dict(rt: RecordType) -> dict[str, Any]:
    return {
        "label": rt.label,
        "description": rt.description,
        "fields": [
            {
                "name": f.name,
                "type": f.type,
                "label": f.label,
                "required": f.required,
                "choices": list(f.choices),
                "min": f.min,
                "max": f.max,
                "help": f.help,
            }
            for f in rt.fields
        ],
    }


# --- loading -------------------------------------------------------------------------------


# libyaml's parser when PyYAML was built with it (ten times faster: every command reads the
# plans); the constructors, resolvers and marks are PyYAML's own either way.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SAFE_LOADER):  # type: ignore[misc, valid-type]
    """A safe loader that remembers the line of every mapping, for error messages."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    # PyYAML keeps the last of two equal keys silently; in a plan that hides a mistake.
    seen: set[str] = set()
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
            if key.value in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key.value!r}",
                    key.start_mark,
                )
            seen.add(key.value)
    mapping = _LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {
        k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)
    }
    return mapping


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> list:
    items = _LineList(loader.construct_sequence(node, deep=True))
    items.line = node.start_mark.line + 1
    items.item_lines = [n.start_mark.line + 1 for n in node.value]
    return items


class _LineDict(dict):
    line: int = 0
    key_lines: dict[str, int] = {}


class _LineList(list):
    line: int = 0
    item_lines: list[int] = []

    def line_of(self, index: int) -> int | None:
        return self.item_lines[index] if index < len(self.item_lines) else self.line or None


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
# Dates stay strings: the framework compares them as ISO text.
_LineLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _default_record_types() -> dict[str, Any]:
    return dict(yaml.load(DEFAULT_RECORD_TYPES.read_text(encoding="utf-8"), Loader=_LineLoader))


def available_frameworks() -> list[str]:
    """Names of the plans shipped with the product."""
    return sorted(p.stem for p in FRAMEWORKS_DIR.glob("*.yaml"))


def resolve(name_or_path: str | None) -> Path:
    """Find a shipped framework by name, or a framework file by path."""
    name_or_path = name_or_path or DEFAULT_FRAMEWORK
    shipped = FRAMEWORKS_DIR / f"{name_or_path}.yaml"
    if shipped.exists():
        return shipped
    path = Path(name_or_path)
    if path.is_file():
        return path
    names = ", ".join(available_frameworks())
    raise FrameworkError(f"no framework called {name_or_path!r} (shipped: {names})")


def load(name_or_path: str | None = None) -> Framework:
    """Load and validate a framework by shipped name or path."""
    path = resolve(name_or_path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkError(f"cannot read the file: {exc}", source=str(path)) from None
    return parse(text, source=str(path))


def parse(text: str, source: str = "framework") -> Framework:
    """Parse and validate framework YAML text."""
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise FrameworkError(f"not valid YAML: {problem}", line, source) from None
    if not isinstance(data, dict):
        raise FrameworkError("the file must be a mapping of keys to values", 1, source)
    return _Builder(source).framework(data)


class _Builder:
    """Turns parsed YAML into a Framework, checking every part on the way."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, node: Any, message: str, key: str | None = None) -> FrameworkError:
        line = getattr(node, "line", None) or None
        if key is not None and isinstance(node, _LineDict):
            line = node.key_lines.get(key, line)
        return FrameworkError(message, line, self.source)

    def fail_item(self, items: list, index: int, message: str) -> FrameworkError:
        line = items.line_of(index) if isinstance(items, _LineList) else None
        return FrameworkError(message, line, self.source)

    def mappings(self, node: dict, key: str, what: str, required: bool = False) -> list[dict]:
        """The list under ``key``, each item checked to be a mapping."""
        items = self.seq(node, key, required)
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise self.fail_item(items, index, f"each {what} must be a mapping")
        return items

    def req(self, node: dict, key: str, kind: type | tuple = str) -> Any:
        if key not in node or node[key] in (None, ""):
            raise self.fail(node, f"'{key}' is required")
        value = node[key]
        if not isinstance(value, kind):
            raise self.fail(node, f"'{key}' has the wrong type", key)
        return value

    def seq(self, node: dict, key: str, required: bool = False) -> list:
        value = node.get(key)
        if value is None:
            if required:
                raise self.fail(node, f"'{key}' is required")
            return []
        if not isinstance(value, list):
            raise self.fail(node, f"'{key}' must be a list", key)
        return value

    def framework(self, data: dict) -> Framework:
        period = data.get("period") or {}
        if not isinstance(period, dict):
            raise self.fail(data, "'period' must have 'from' and 'to'", "period")
        nodes = self.mappings(data, "objectives", "objective", True)
        objectives = tuple(self.objective(o) for o in nodes)
        self.unique([(o.code, n) for o, n in zip(objectives, nodes, strict=True)], "objective")
        indicator_nodes = [i for n in nodes for i in n["indicators"]]
        indicators = [i for o in objectives for i in o.indicators]
        self.unique(
            [(i.code, n) for i, n in zip(indicators, indicator_nodes, strict=True)], "indicator"
        )
        activity_nodes = [a for n in nodes for a in self.seq(n, "activities")]
        activities = [a for o in objectives for a in o.activities]
        self.unique(
            [(a.code, n) for a, n in zip(activities, activity_nodes, strict=True)], "activity"
        )
        authorities = self.authorities(data)
        record_types = self.record_types(data)
        for activity, anode in zip(activities, activity_nodes, strict=True):
            self.check_targets(activity, anode, record_types, authorities)
        outcomes = [
            Outcome(str(self.req(node, "code", (str, int))), self.req(node, "text"))
            for node in self.mappings(data, "outcomes", "outcome")
        ]
        return Framework(
            name=self.req(data, "name"),
            title=self.req(data, "title"),
            period_from=str(period.get("from", "")),
            period_to=str(period.get("to", "")),
            source=str(data.get("source", "")),
            outcomes=tuple(outcomes),
            objectives=objectives,
            authorities=authorities,
            record_types=record_types,
            raw=dict(data),
            measures=parse_measures(self, data, {i.code for i in indicators}),
        )

    def unique(self, items: list[tuple[str, dict]], what: str) -> None:
        """Refuse a code used twice, at the line of its second use."""
        seen: set[str] = set()
        for code, node in items:
            if code in seen:
                raise self.fail(node, f"the {what} code {code} is used twice", "code")
            seen.add(code)

    def objective(self, node: dict) -> Objective:
        code = self.req(node, "code")
        if not OBJECTIVE_CODE.match(code):
            raise self.fail(node, f"objective code {code!r} is not of the form SO1", "code")
        indicators = []
        for inode in self.mappings(node, "indicators", "indicator", True):
            icode = self.req(inode, "code")
            m = INDICATOR_CODE.match(icode)
            if not m or m.group(1) != code:
                raise self.fail(inode, f"indicator code {icode!r} must be {code}.N", "code")
            indicators.append(Indicator(icode, code, self.req(inode, "text")))
        activities = [
            self.activity(anode, code) for anode in self.mappings(node, "activities", "activity")
        ]
        return Objective(code, self.req(node, "text"), tuple(indicators), tuple(activities))

    def activity(self, node: dict, objective: str) -> Activity:
        code = self.req(node, "code")
        m = ACTIVITY_CODE.match(code)
        if not m or m.group(1) != objective:
            raise self.fail(node, f"activity code {code!r} must be {objective}-X", "code")
        owners = self.seq(node, "owners")
        criteria = self.seq(node, "success_criteria")
        if not all(isinstance(c, str) for c in criteria):
            raise self.fail(node, "each success criterion must be text", "success_criteria")
        targets = []
        for tnode in self.mappings(node, "targets", "target"):
            value = self.req(tnode, "value", (int, float))
            where = tnode.get("where") or {}
            if not isinstance(where, dict):
                raise self.fail(tnode, "'where' must be a mapping of field to value", "where")
            for key in ("record_type", "authority"):
                if tnode.get(key) is not None and not isinstance(tnode[key], str):
                    raise self.fail(tnode, f"'{key}' of a target must be a name", key)
            targets.append(
                Target(
                    label=self.req(tnode, "label"),
                    value=value,
                    record_type=tnode.get("record_type"),
                    where=dict(where),
                    authority=tnode.get("authority"),
                    count=self.target_count(tnode),
                )
            )
        return Activity(
            code=code,
            objective=objective,
            text=self.req(node, "text"),
            owners=tuple(str(o) for o in owners),
            owner_text=str(node.get("owner_text") or "/".join(str(o) for o in owners)),
            timescale=str(node.get("timescale") or ""),
            success_criteria=tuple(criteria),
            targets=tuple(targets),
        )

    def target_count(self, node: dict) -> str:
        count = node.get("count", "records")
        if count not in ("records", "localities"):
            raise self.fail(node, "'count' must be records or localities", "count")
        return count

    def check_targets(self, activity, node, record_types, authorities) -> None:
        for target, tnode in zip(activity.targets, self.seq(node, "targets"), strict=True):
            if target.record_type and target.record_type not in record_types:
                raise self.fail(
                    tnode, f"unknown record type {target.record_type!r} in a target", "record_type"
                )
            if target.authority and target.authority not in authorities:
                raise self.fail(
                    tnode, f"unknown authority {target.authority!r} in a target", "authority"
                )
            if target.record_type:
                self.check_where(target, tnode, record_types[target.record_type])

    def check_where(self, target: Target, node: dict, record_type: RecordType) -> None:
        """A target counts records by their type-specific fields; each must exist and fit."""
        where = node.get("where")
        for name, value in target.where.items():
            spec = record_type.field(name)
            if spec is None:
                raise self.fail(
                    where, f"record type {record_type.name!r} has no field {name!r}", name
                )
            if spec.choices and str(value) not in spec.choices:
                allowed = ", ".join(spec.choices)
                raise self.fail(
                    where, f"{value!r} is not a choice of field {name!r} (use {allowed})", name
                )

    def authorities(self, data: dict) -> dict[str, tuple[str, ...]]:
        result: dict[str, tuple[str, ...]] = {}
        seen: set[str] = set()
        for node in self.mappings(data, "authorities", "authority", True):
            name = self.req(node, "name")
            if name in result:
                raise self.fail(node, f"the authority {name} is listed twice", "name")
            locs = self.seq(node, "localities", True)
            for index, loc in enumerate(locs):
                if not isinstance(loc, str) or not loc:
                    raise self.fail_item(locs, index, "each locality must be a name")
                if loc in seen:
                    raise self.fail_item(locs, index, f"the locality {loc} is listed twice")
                seen.add(loc)
            result[name] = tuple(locs)
        return result

    def record_types(self, data: dict) -> dict[str, RecordType]:
        node = data.get("record_types") or {}
        if not isinstance(node, dict):
            raise self.fail(data, "'record_types' must map each type to its fields", "record_types")
        merged = _default_record_types()
        for name, tnode in node.items():
            if isinstance(tnode, dict) and name in merged:
                base = dict(merged[name])
                extra = tnode.get("fields") or {}
                fields = _LineDict(dict(base.get("fields") or {}))
                if isinstance(extra, dict):
                    fields.update(extra)
                    fields.line = getattr(extra, "line", 0)
                    fields.key_lines = getattr(extra, "key_lines", {})
                base.update({k: v for k, v in tnode.items() if k != "fields"})
                base["fields"] = fields if isinstance(extra, dict) else extra
                tnode = _LineDict(base)
                tnode.line = getattr(node[name], "line", 0)
            merged[name] = tnode
        result = {}
        for name, tnode in merged.items():
            if not isinstance(tnode, dict):
                raise self.fail(node, f"record type {name!r} must be a mapping", name)
            fields_node = tnode.get("fields") or {}
            if not isinstance(fields_node, dict):
                raise self.fail(tnode, "'fields' must map each field name to its spec", "fields")
            fields = tuple(
                self.field_spec(fname, fnode, fields_node) for fname, fnode in fields_node.items()
            )
            result[name] = RecordType(
                name=name,
                label=str(tnode.get("label") or name.replace("_", " ").capitalize()),
                fields=fields,
                description=str(tnode.get("description") or ""),
            )
        return result

    def field_spec(self, name: str, node: Any, parent: dict) -> FieldSpec:
        if isinstance(node, str):  # the shorthand `name: type`; its line is the parent's key
            node = _LineDict(type=node)
            node.line = parent.key_lines.get(name, 0) if isinstance(parent, _LineDict) else 0
        if not isinstance(node, dict):
            raise self.fail(parent, f"field {name!r} must be a type or a mapping", name)
        ftype = node.get("type", "string")
        if ftype not in FIELD_TYPES:
            allowed = ", ".join(sorted(FIELD_TYPES))
            message = f"field {name!r} has unknown type {ftype!r} (use {allowed})"
            raise self.fail(node, message, "type")
        choices = node.get("choices") or []
        if not isinstance(choices, list):
            raise self.fail(node, f"'choices' of field {name!r} must be a list", "choices")
        for bound in ("min", "max"):
            if node.get(bound) is not None and not isinstance(node[bound], (int, float)):
                raise self.fail(node, f"'{bound}' of field {name!r} must be a number", bound)
        return FieldSpec(
            name=name,
            type=ftype,
            label=str(node.get("label") or name.replace("_", " ").capitalize()),
            required=bool(node.get("required", False)),
            choices=tuple(str(c) for c in choices),
            min=node.get("min"),
            max=node.get("max"),
            help=str(node.get("help") or ""),
        )
