"""Adopting a reviewed plan from a date (admins): choose the plan, the date and the map of
retired codes and places, preview what it would change, then adopt it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from evidence.model import ValidationError
from learning import framework as framework_mod
from learning import plandiff
from learning.framework import FrameworkError
from learning.http.access import role_required
from learning.http.state import evidence
from learning.plans import AdoptionRefused, load_plan_file

from .forms import field_id

bp = Blueprint("plans", __name__, url_prefix="/admin")


def _page(values: dict[str, Any], errors: dict[str, str], report=None, diff=None, status=200):
    ev = evidence()
    page = render_template(
        "admin/plans.html",
        plans=list(ev.plans),
        shipped=framework_mod.available_frameworks(),
        values=values,
        errors=errors,
        report=report,
        d=diff,
        field_id=field_id,
    )
    return page, status


@bp.route("/plans", methods=["GET", "POST"])
@role_required("admin")
def plans():
    if request.method != "POST":
        return _page({"plan": framework_mod.DEFAULT_FRAMEWORK, "from": "", "map": ""}, {})
    values = {
        "plan": request.form.get("plan", "").strip(),
        "from": request.form.get("from", "").strip(),
        "map": request.form.get("map", ""),
    }
    dry_run = request.form.get("action") != "adopt"
    errors: dict[str, str] = {}
    if values["plan"] not in framework_mod.available_frameworks():
        errors["plan"] = f"choose one of {', '.join(framework_mod.available_frameworks())}"
    if errors:
        return _page(values, errors, status=422)
    maps = [line.strip() for line in values["map"].replace(",", "\n").splitlines() if line.strip()]
    ev = evidence()
    diff = None
    try:
        new, _ = load_plan_file(values["plan"])
        diff = plandiff.diff(ev.plans.latest.framework, new)
        report = ev.adopt(values["plan"], values["from"], maps, dry_run, current_user.name)
    except AdoptionRefused as exc:
        return _page(
            values,
            {"map": "the adoption would be refused: the problems are listed below"},
            exc.report,
            diff,
            status=422,
        )
    except ValidationError as exc:
        errors = {("map" if k.startswith("map ") else k): v for k, v in exc.errors.items()}
        return _page(values, errors, diff=diff, status=422)
    except FrameworkError as exc:
        return _page(values, {"plan": str(exc)}, status=422)
    if dry_run:
        return _page(values, {}, report, diff)
    flash(" ".join(report.lines()[:2]), "success")
    return redirect(url_for("framework.overview"))
