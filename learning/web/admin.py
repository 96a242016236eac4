"""People (add, change role, disable, API tokens) and the audit log: admins only."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from evidence import accounts
from evidence.model import NotFound, ValidationError
from learning.http.access import role_required
from learning.http.state import evidence

from .common import Pagination, page_number

bp = Blueprint("admin", __name__, url_prefix="/admin")
AUDIT_PER_PAGE = 50


def _users_page(
    errors: dict[str, str] | None = None,
    values: dict | None = None,
    token: tuple[str, str] | None = None,
    status: int = 200,
):
    users = accounts.list_users(evidence().store)
    page = render_template(
        "admin/users.html",
        users=users,
        roles=accounts.ROLES,
        errors=errors or {},
        values=values or {},
        token=token,
    )
    return page, status


@bp.route("/users", methods=["GET", "POST"])
@role_required("admin")
def users():
    if request.method != "POST":
        return _users_page()
    values = {"name": request.form.get("name", "").strip(), "role": request.form.get("role", "")}
    try:
        accounts.add_user(
            evidence().store,
            values["name"],
            values["role"],
            request.form.get("password", ""),
            actor=current_user.name,
        )
    except ValidationError as exc:
        return _users_page(exc.errors, values, status=422)
    flash(f"{values['name']} can now log in as {values['role']}.", "success")
    return redirect(url_for("admin.users"))


def _named_user(name: str) -> accounts.User:
    try:
        return accounts.get_user(evidence().store, name)
    except NotFound:
        abort(404)


@bp.route("/users/<name>/role", methods=["POST"])
@role_required("admin")
def change_role(name: str):
    user = _named_user(name)
    role = request.form.get("role", "")
    if user.name == current_user.name and role != "admin":
        flash("You cannot take away your own admin role; ask another admin.", "error")
        return redirect(url_for("admin.users"))
    try:
        accounts.set_role(evidence().store, user.name, role, actor=current_user.name)
    except ValidationError as exc:
        return _users_page({"role": exc.message}, status=422)
    flash(f"{user.name} is now {role}.", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<name>/disable", methods=["POST"])
@role_required("admin")
def disable(name: str):
    user = _named_user(name)
    disabled = request.form.get("disabled", "1") == "1"
    if user.name == current_user.name and disabled:
        flash("You cannot disable your own account.", "error")
        return redirect(url_for("admin.users"))
    accounts.set_disabled(evidence().store, user.name, disabled, actor=current_user.name)
    flash(f"{user.name} {'can no longer' if disabled else 'can again'} log in.", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<name>/token", methods=["POST"])
@role_required("admin")
def token(name: str):
    user = _named_user(name)
    if user.disabled:
        flash(f"{user.name} is disabled; enable the account before making a token.", "error")
        return redirect(url_for("admin.users"))
    secret = accounts.create_token(evidence().store, user.name, actor=current_user.name)
    # Shown once, in this answer only (never flashed: the session cookie is not secret).
    return _users_page(token=(user.name, secret))


@bp.route("/audit")
@role_required("admin")
def audit():
    page = page_number()
    total, lines = evidence().store.audit_log(AUDIT_PER_PAGE, (page - 1) * AUDIT_PER_PAGE)
    return render_template(
        "admin/audit.html",
        lines=lines,
        pagination=Pagination(page, AUDIT_PER_PAGE, total, "admin.audit", {}),
    )
