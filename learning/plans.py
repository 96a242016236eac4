"""Plans over time: which plan is in force on a date, what a mapping does, what an adoption
would change.

A data dir holds every plan it has used (``evidence.plans``: the file's text, name, title,
start and the map its adoption applied). The first plan has no start: it is in force for every
date before the next one's, so no record is ever too old for its data dir. A record is judged
by the plan in force on its date; one without a valid date by the plan in force today.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from evidence.model import Record, ValidationError
from evidence.plans import Adoption, PlanRow
from evidence.validate import validate

from . import framework as framework_mod
from .framework import ACTIVITY_CODE, INDICATOR_CODE, Framework

PLACE_KEYS = ("authority", "locality")
CODE_KEYS = ("indicators", "activities")
# The fields whose refusal depends on the plan: their message names the plan that refused.
PLAN_FIELDS = ("type", "indicators", "activities", "authority", "locality")


def today() -> str:
    return dt.date.today().isoformat()


def long_date(day: str) -> str:
    """2024-09-01 → 1 September 2024."""
    d = dt.date.fromisoformat(day)
    return f"{d.day} {d.strftime('%B')} {d.year}"


def iso_date(value: Any) -> str | None:
    """``value`` as an ISO date, or None when it is not one."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            return None
    return None


@functools.lru_cache(maxsize=32)
def _parse(text: str, source: str) -> Framework:
    return framework_mod.parse(text, source=source)


def parse_plan_text(text: str, source: str) -> Framework:
    """A plan file's text as a Framework (parsed once per process for the same text)."""
    return _parse(text, source)


@dataclass(frozen=True)
class Plan:
    """A plan held by a data dir, with the dates it is in force (``to`` None: still in force)."""

    name: str
    title: str
    valid_from: str | None
    valid_to: str | None
    framework: Framework
    map: dict[str, str] = field(default_factory=dict)
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "from": self.valid_from,
            "to": self.valid_to,
        }

    def framework_dict(self) -> dict[str, Any]:
        """The plan as ``/api/framework`` answers it, with the dates it is in force."""
        return {
            **self.framework.to_dict(),
            "in_force": {"from": self.valid_from, "to": self.valid_to},
        }

    def label(self) -> str:
        """How a page names it: title and the dates in force."""
        start = long_date(self.valid_from) if self.valid_from else "the start"
        end = long_date(self.valid_to) if self.valid_to else "now"
        return f"{self.title} (in force from {start} to {end})"


class PlanSet:
    """Every plan a data dir holds, oldest first."""

    def __init__(self, rows: Iterable[PlanRow]) -> None:
        rows = list(rows)
        plans = []
        for index, row in enumerate(rows):
            nxt = rows[index + 1].valid_from if index + 1 < len(rows) else None
            day_before = (
                (dt.date.fromisoformat(nxt) - dt.timedelta(days=1)).isoformat() if nxt else None
            )
            fw = parse_plan_text(row.text, f"plan {row.name} (held in the database)")
            plans.append(
                Plan(row.name, row.title, row.valid_from, day_before, fw, row.map, row.text)
            )
        self.plans: list[Plan] = plans
        self._combined: Framework | None = None

    def __len__(self) -> int:
        return len(self.plans)

    def __iter__(self) -> Iterator[Plan]:
        return iter(self.plans)

    @property
    def latest(self) -> Plan:
        return self.plans[-1]

    def on(self, day: str | None) -> Plan:
        """The plan in force on ``day`` (an ISO date; None: today)."""
        day = day or today()
        found = self.plans[0]
        for plan in self.plans[1:]:
            if plan.valid_from is not None and plan.valid_from <= day:
                found = plan
        return found

    def index_of(self, plan: Plan) -> int:
        return self.plans.index(plan)

    def forward(self, record: Record, to: Plan) -> Record:
        """``record`` with the codes and places it would have under ``to``: the maps of the
        plans adopted after the record's date, up to and including ``to``, applied in turn."""
        start = self.index_of(self.on(record.date))
        end = self.index_of(to)
        for plan in self.plans[start + 1 : end + 1]:
            if plan.map:
                record = apply_map(record, plan.map, plan.framework)
        return record

    def mapped_into(self, codes: Iterable[str], to: Plan) -> set[str]:
        """Every earlier code that maps (through the adoptions up to ``to``) onto ``codes``."""
        wanted = set(codes)
        found = set(wanted)
        for plan in reversed(self.plans[: self.index_of(to) + 1]):
            found |= {old for old, new in plan.map.items() if new in found}
        return found

    def combined(self) -> Framework:
        """The plan in force today, with the indicators, activities, places and record types
        of every other plan held added: what filters and forms offer, so that records of
        every plan can be found and edited. An activity not in every plan is marked with the
        plans that have it."""
        if self._combined is None:
            self._combined = _combine(self.on(None).framework, self.plans)
        return self._combined

    def codes(self) -> dict[str, dict[str, list[str]]]:
        """Every indicator, activity, record type, authority and locality of every plan, with
        the names of the plans that have it (for filters and forms across plans)."""
        out: dict[str, dict[str, list[str]]] = {
            k: {} for k in ("indicators", "activities", "record_types", "authorities", "localities")
        }
        for plan in self.plans:
            fw = plan.framework
            for kind, names in (
                ("indicators", fw.indicators),
                ("activities", fw.activities),
                ("record_types", fw.record_types),
                ("authorities", fw.authorities),
                ("localities", fw.localities()),
            ):
                for name in names:
                    out[kind].setdefault(name, []).append(plan.name)
        return out


def _combine(base: Framework, plans: list[Plan]) -> Framework:
    if len(plans) < 2:
        return base
    holders: dict[str, list[str]] = {}
    for plan in plans:
        for code in plan.framework.activities:
            holders.setdefault(code, []).append(plan.name)
    everywhere = len(plans)

    def marked(activity):
        names = holders[activity.code]
        if len(names) == everywhere:
            return activity
        return replace(activity, text=f"({' and '.join(names)} only) {activity.text}")

    objectives = {o.code: o for o in base.objectives}
    order = [o.code for o in base.objectives]
    for plan in reversed(plans):  # the latest plan's wording first, then earlier plans'
        for o in plan.framework.objectives:
            if o.code not in objectives:
                objectives[o.code] = o
                order.append(o.code)
                continue
            have = objectives[o.code]
            known_i = {i.code for i in have.indicators}
            known_a = {a.code for a in have.activities}
            objectives[o.code] = replace(
                have,
                indicators=have.indicators
                + tuple(i for i in o.indicators if i.code not in known_i),
                activities=have.activities
                + tuple(a for a in o.activities if a.code not in known_a),
            )
    merged = []
    for code in sorted(order, key=lambda c: (len(c), c)):
        o = objectives[code]
        acts = tuple(sorted((marked(a) for a in o.activities), key=lambda a: a.code))
        inds = tuple(sorted(o.indicators, key=lambda i: (len(i.code), i.code)))
        merged.append(replace(o, activities=acts, indicators=inds))
    authorities = dict(base.authorities)
    record_types = dict(base.record_types)
    for plan in reversed(plans):
        for name, locs in plan.framework.authorities.items():
            have = authorities.get(name, ())
            authorities[name] = have + tuple(loc for loc in locs if loc not in have)
        for name, rt in plan.framework.record_types.items():
            record_types.setdefault(name, rt)
    return replace(
        base, objectives=tuple(merged), authorities=authorities, record_types=record_types
    )


def apply_map(record: Record, mapping: dict[str, str], framework: Framework) -> Record:
    """``record`` with each mapped code and place replaced (``OLD=`` drops a code)."""
    changes: dict[str, Any] = {}
    for key in CODE_KEYS:
        codes = list(getattr(record, key))
        new = [mapping.get(c, c) for c in codes]
        new = list(dict.fromkeys(c for c in new if c))
        if new != codes:
            changes[key] = new
    authority = mapping.get(record.authority or "", record.authority) if record.authority else ""
    locality = mapping.get(record.locality or "", record.locality) if record.locality else ""
    if locality and locality != record.locality:
        authority = framework.authority_of(locality) or authority
    if (authority or "") != (record.authority or ""):
        changes["authority"] = authority
    if (locality or "") != (record.locality or ""):
        changes["locality"] = locality
    return replace(record, **changes) if changes else record


def describe_changes(old: Record, new: Record) -> list[str]:
    """``activities: SO2-D → SO1-C``, one line a field that changed."""
    lines = []
    for key in (*CODE_KEYS, *PLACE_KEYS):
        a, b = getattr(old, key), getattr(new, key)
        if a != b:
            show = (
                (lambda v: ", ".join(v) or "none") if key in CODE_KEYS else (lambda v: v or "none")
            )
            lines.append(f"{key}: {show(a)} → {show(b)}")
    return lines


def plan_error(exc: ValidationError, plan: Plan, day: str | None) -> ValidationError:
    """The same refusal, each plan-dependent field's message naming the plan that refused."""
    when = f"on {day}" if day else "today"
    errors = {
        key: (
            f"{msg} (under {plan.name}, the plan in force {when})"
            if key in PLAN_FIELDS or key.startswith("fields.")
            else msg
        )
        for key, msg in exc.errors.items()
    }
    return ValidationError(errors)


# --- adoption ------------------------------------------------------------------------------


class AdoptionRefused(ValidationError):
    """An adoption that would leave records, ratings or figures invalid (or make two figures
    one); ``report`` says which and why."""

    def __init__(self, report: AdoptionReport) -> None:
        self.report = report
        super().__init__({p.key: p.message for p in report.problems})


@dataclass(frozen=True)
class Problem:
    id: str
    field: str
    message: str

    @property
    def key(self) -> str:
        return f"{self.id}.{self.field}"


@dataclass
class Rewrite:
    id: str
    kind: str  # "record" or "rating"
    changes: list[str]


@dataclass
class AdoptionReport:
    """What an adoption did, or would do (``dry_run``), or why it is refused."""

    name: str
    title: str
    valid_from: str
    mapping: dict[str, str]
    checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    rewrites: list[Rewrite] = field(default_factory=list)
    dry_run: bool = False
    adopted: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        head = f"{self.name} ({self.title}) from {self.valid_from}"
        if self.problems:
            out = [f"Refused: adopting {head} would leave {len(self.problems)} problem(s):"]
            out += [f"  {p.id}: {p.field}: {p.message}" for p in self.problems]
            out.append("Nothing was changed. Map retired codes and places with --map OLD=NEW.")
            return out
        verb = "Would adopt" if self.dry_run else "Adopted"
        out = [f"{verb} {head}; checked {self.checked} record(s) and rating(s) dated from then."]
        if self.rewrites:
            out.append(
                ("Would rewrite" if self.dry_run else "Rewrote")
                + f" {len(self.rewrites)} as new revisions:"
            )
            for r in self.rewrites:
                out.append(f"  {r.kind} {r.id}: " + "; ".join(r.changes))
        else:
            out.append("No record needs rewriting.")
        if self.dry_run:
            out.append("Dry run: nothing was changed.")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "from": self.valid_from,
            "map": self.mapping,
            "checked": self.checked,
            "dry_run": self.dry_run,
            "adopted": self.adopted,
            "problems": [
                {"id": p.id, "field": p.field, "message": p.message} for p in self.problems
            ],
            "rewrites": [{"id": r.id, "kind": r.kind, "changes": r.changes} for r in self.rewrites],
        }


def is_shipped(name_or_path: str) -> bool:
    """Whether ``name_or_path`` names one of the product's shipped plans."""
    return framework_mod.resolve(name_or_path).parent == framework_mod.FRAMEWORKS_DIR


def load_plan_file(name_or_path: str) -> tuple[Framework, str]:
    """A shipped plan by name, or a plan file by path: the Framework and the file's text
    (FrameworkError with the line for a malformed file)."""
    path = framework_mod.resolve(name_or_path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise framework_mod.FrameworkError(
            f"cannot read the file: {exc}", source=str(path)
        ) from None
    return framework_mod.parse(text, source=str(path)), text


def parse_map(items: Iterable[str], plans: PlanSet, new: Framework) -> dict[str, str]:
    """``OLD=NEW`` items as a map; each OLD must be a code, authority or locality of a plan
    held, each NEW one of the same kind in the new plan (or empty: drop the code)."""
    known = plans.codes()
    mapping: dict[str, str] = {}
    errors: dict[str, str] = {}
    for item in items:
        if not isinstance(item, str) or "=" not in item:
            errors[f"map {str(item)[:60]}"] = "must be written OLD=NEW (OLD= drops a code)"
            continue
        old, new_value = (part.strip() for part in item.split("=", 1))
        kind = _kind(old, known)
        if kind is None:
            errors[f"map {old[:60]}"] = (
                f"{old!r} is no indicator, activity, authority or locality of any plan held"
            )
            continue
        problem = _target_problem(kind, new_value, new)
        if problem:
            errors[f"map {old[:60]}"] = problem
            continue
        if old in mapping and mapping[old] != new_value:
            errors[f"map {old[:60]}"] = f"is mapped twice ({mapping[old]!r} and {new_value!r})"
            continue
        mapping[old] = new_value
    if errors:
        raise ValidationError(errors)
    return mapping


def _kind(value: str, known: dict[str, dict[str, list[str]]]) -> str | None:
    for kind in ("indicators", "activities", "authorities", "localities"):
        if value in known[kind]:
            return kind
    return None


def _target_problem(kind: str, value: str, new: Framework) -> str | None:
    if value == "":
        if kind in ("indicators", "activities"):
            return None
        return f"a {kind[:-1].replace('ie', 'y')} cannot be dropped; map it to one of {new.name}"
    pattern = {"indicators": INDICATOR_CODE, "activities": ACTIVITY_CODE}.get(kind)
    targets: Any = {
        "indicators": new.indicators,
        "activities": new.activities,
        "authorities": new.authorities,
        "localities": new.localities(),
    }[kind]
    if value not in targets:
        what = {"indicators": "indicator", "activities": "activity"}.get(kind, kind[:-1])
        what = "locality" if kind == "localities" else what
        hint = "" if pattern is None or pattern.match(value) else " (and not written like one)"
        return f"{value!r} is no {what} of {new.name}{hint}"
    return None


def prepare_adoption(
    report: AdoptionReport,
    new: Framework,
    mapping: dict[str, str],
    records: Iterable[Record],
    ratings: list[dict[str, Any]],
    figures: Iterable[Any] = (),
) -> Adoption:
    """Check each record and rating dated from the adoption against the new plan, mapped;
    fill ``report``; return what to rewrite (raise AdoptionRefused if anything would be
    invalid)."""
    adoption = Adoption()
    for record in records:
        report.checked += 1
        moved = apply_map(record, mapping, new)
        try:
            validate(moved.to_dict(), new)
        except ValidationError as exc:
            for key, message in exc.errors.items():
                value = _value(record, key)
                report.problems.append(Problem(record.id, key, f"{message} (value: {value})"))
            continue
        if moved != record:
            adoption.records.append(moved)
            report.rewrites.append(Rewrite(record.id, "record", describe_changes(record, moved)))
    for rating in ratings:
        if str(rating.get("period_to") or "") < report.valid_from:
            continue
        report.checked += 1
        code = rating["indicator"]
        new_code = mapping.get(code, code)
        if new_code not in new.indicators:
            report.problems.append(
                Problem(
                    f"rating {rating['id']}",
                    "indicator",
                    f"unknown indicator code {new_code or code!r} in {new.name}",
                )
            )
        elif new_code != code:
            adoption.ratings.append((int(rating["id"]), new_code))
            report.rewrites.append(
                Rewrite(str(rating["id"]), "rating", [f"indicator: {code} → {new_code}"])
            )
    _check_figures(report, adoption, new, mapping, figures)
    if report.problems:
        raise AdoptionRefused(report)
    return adoption


def _check_figures(report, adoption, new: Framework, mapping: dict[str, str], figures) -> None:
    """Figures dated (by ``period_to``) from the adoption must fit the new plan too: a known
    measure and place, a mapped place moving the figure with it, and no two figures becoming
    one (one figure per measure, place and period)."""
    from evidence.figures import validate_figure

    landing: dict[tuple[str, ...], list[Any]] = {}  # where each figure is after the adoption
    for figure in figures:
        if figure.period_to < report.valid_from:
            continue
        report.checked += 1
        data = {**figure.to_dict(), **_mapped_place(figure, mapping, new)}
        for key in ("revision", "suppressed", "derived"):
            data.pop(key, None)
        try:
            moved = validate_figure(data, lambda _day: new)
        except ValidationError as exc:
            for key, message in exc.errors.items():
                report.problems.append(Problem(_figure_label(figure), key, message))
            continue
        landing.setdefault(_figure_key(moved), []).append(figure)
        if (moved.authority, moved.locality) != (figure.authority, figure.locality):
            adoption.figures.append((figure, moved))
            change = f"place: {figure.place} → {moved.place}"
            name = _figure_label(figure).removeprefix("figure ")  # the kind is printed before it
            report.rewrites.append(Rewrite(name, "figure", [change]))
    for key, together in landing.items():
        if len(together) > 1:
            report.problems.append(_merged_figures(key, together, new))


def _mapped_place(figure: Any, mapping: dict[str, str], new: Framework) -> dict[str, str]:
    """A figure's authority and locality with the map applied (a comparator stays one)."""
    from evidence.figures import COMPARATOR

    authority = mapping.get(figure.authority, figure.authority)
    locality = mapping.get(figure.locality, figure.locality) if figure.locality else ""
    if locality and locality != figure.locality and authority != COMPARATOR:
        authority = new.authority_of(locality) or authority
    return {"authority": authority, "locality": locality}


def _figure_key(figure: Any) -> tuple[str, ...]:
    """What the figures table keeps unique: one figure per measure, place and period."""
    return (figure.measure, figure.authority, figure.locality, figure.period_from,
            figure.period_to)  # fmt: skip


def _figure_label(figure: Any) -> str:
    """How a report names a figure: ``figure children_on_cpr Barony 2025-03-31``."""
    return f"figure {figure.measure} {figure.place} {figure.period_to}"


def _merged_figures(key: tuple[str, ...], together: list[Any], new: Framework) -> Problem:
    """The refusal when the map makes several figures one: adding them up is not generally
    right (a rate, a percentage, a count withheld), so the admin decides."""
    _, authority, locality, _, period_to = key
    others = ", ".join(_figure_label(f) for f in together[:-1])
    message = (
        f"would become {locality or authority}'s, as would {others}: a place has one figure "
        f"per measure and period, and figures are not added up; map these places to "
        f"different ones of {new.name}, or adopt the plan from a day after {period_to}"
    )
    return Problem(_figure_label(together[-1]), "locality" if locality else "authority", message)


def _value(record: Record, key: str) -> str:
    if key.startswith("fields."):
        return repr(record.fields.get(key[7:]))
    value = getattr(record, key, None)
    if isinstance(value, list):
        return ", ".join(value) or "none"
    return repr(value) if value else "none"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
