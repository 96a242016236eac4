"""Families' pages (no login: the link is the key) and the editors' invitations pages.

``/tell/TOKEN`` is the form, ``/my-story/RECEIPT`` the receipt; ``/invitations`` lists and
makes invitations, ``/invitations/ID/flyer`` prints one, ``/invitations/queue`` holds the
stories waiting for an editor. Views parse, call one service function and render.
"""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from evidence import stories as story_store
from evidence.model import NotFound, ValidationError
from evidence.signification import TRIAD_CORNERS
from evidence.stories import Closed
from evidence.validate import whole_number
from learning.http.access import role_required
from learning.http.state import evidence
from learning.stories import invitations, picture, telling

from .forms import indicator_groups
from .ratelimit import Limit, SendLimiter

bp = Blueprint("tell", __name__)
LIMITER = "wm2u-tell-limiter"
DEFAULT_PER_HOUR = 20
FIELD_LABELS = {
    "body": "Your story", "title": "A title", "what_changed": "What changed for you",
    "consent": "Who may read it", "triad": "What made the difference", "slider1": "How much",
    "slider2": "How you feel now", "people": "Names to keep out", "contact": "How to reach you",
}  # fmt: skip


def _closed_page(why: str, status: int) -> tuple[str, int]:
    return render_template("tell/closed.html", why=why), status


@bp.route("/tell/<token>", methods=["GET", "POST"])
def tell(token: str):
    """The form a family fills in from an invitation's link."""
    ev = evidence()
    try:
        invitation = telling.opened(ev, token)
    except NotFound:
        return _closed_page("unknown", 404)
    except Closed as exc:
        return _closed_page(exc.why, 410)
    if request.method == "GET":
        return render_template("tell/form.html", invitation=invitation, values={}, errors={},
                               labels=FIELD_LABELS, words=telling.CONSENT_WORDS)  # fmt: skip
    limiter: SendLimiter = current_app.extensions[LIMITER]
    address = request.remote_addr or ""
    if limiter.blocked(address):
        return _closed_page("busy", 429)
    asked = telling.StoryRequest.parse(request.form)
    try:
        sent = telling.send(ev, token, asked)
    except Closed as exc:
        return _closed_page(exc.why, 410)
    except ValidationError as exc:
        return render_template("tell/form.html", invitation=invitation, values=request.form,
                               errors=exc.errors, labels=FIELD_LABELS,
                               words=telling.CONSENT_WORDS), 422  # fmt: skip
    limiter.sent(address)
    receipt = None
    if sent is not None:
        receipt = _full_link(sent.receipt)
    return render_template("tell/thanks.html", receipt=receipt)


@bp.route("/my-story/<receipt>", methods=["GET", "POST"])
def my_story(receipt: str):
    """A family's receipt: what they sent, how it has been used, withdraw or delete it."""
    ev = evidence()
    try:
        telling.receipt(ev, receipt)  # an unknown receipt is a 404 whatever was posted
        if request.method == "POST":
            action = request.form.get("action")
            if action == "delete":
                telling.delete(ev, receipt)
                return render_template("tell/deleted.html")
            if action != "withdraw":
                return _closed_page("no-action", 422)
            telling.withdraw(ev, receipt)
        shown = telling.receipt(ev, receipt)
    except NotFound:
        return _closed_page("unknown-receipt", 404)
    return render_template("tell/receipt.html", receipt=shown, words=telling.CONSENT_WORDS)


@bp.route("/invitations", methods=["GET", "POST"])
@role_required("editor")
def index():
    """Every invitation; the form to make one (its link shown once, after)."""
    ev = evidence()
    made, errors = None, {}
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in ("prompt", "authority", "locality",
                                                      "expires", "uses")}  # fmt: skip
        form["indicators"] = request.form.getlist("indicators")
        try:
            made = invitations.invite(ev, invitations.InviteRequest(**form), current_user.name)
        except ValidationError as exc:
            errors = exc.errors
    try:
        period = invitations.read_back(ev, request.args.get("from"), request.args.get("to"))
    except ValidationError:
        period = invitations.read_back(ev, None, None)  # a bad period: the year to today
    page = render_template(
        "tell/invitations.html", invitations=invitations.listed(ev), made=made, errors=errors,
        values=request.form, today=dt.date.today().isoformat(), full_link=_full_link,
        framework=ev.framework, indicator_groups=indicator_groups, period=period,
        corners=TRIAD_CORNERS, poles=picture.SLIDER_POLES,
    )  # fmt: skip
    return (page, 422) if errors else page


@bp.route("/invitations/<invitation_id>/revoke", methods=["POST"])
@role_required("editor")
def revoke(invitation_id: str):
    """Close an invitation for good."""
    try:
        invitations.revoke(evidence(), invitation_id, current_user.name)
    except NotFound:
        abort(404)
    return redirect(url_for("tell.index"))


def _full_link(link: str) -> str:
    return invitations.full_link(link, request.host_url, current_app.config.get("BASE_URL"))


@bp.route("/invitations/<invitation_id>/flyer")
@role_required("editor")
def flyer(invitation_id: str):
    """The A5 flyer to print (``?format=png``: its QR code); needs the link's ``token``,
    which only the editor who made the invitation was shown."""
    token = request.args.get("token", "")
    try:
        invitation = story_store.invitation_by_token(evidence().store, token)
    except NotFound:
        invitation = None
    if invitation is None or invitation.id != invitation_id:
        abort(404, "No such invitation with that link (a link is shown once, when it is made)")
    link = _full_link(story_store.TELL_PREFIX + token)
    if request.args.get("format") == "png":
        return Response(invitations.qr_png(link), mimetype="image/png")
    return render_template("tell/flyer.html", invitation=invitation, link=link,
                           qr=invitations.qr_data_uri(link))  # fmt: skip


@bp.route("/invitations/queue", methods=["GET", "POST"])
@role_required("editor")
def queue():
    """The stories families sent that wait for an editor; accepting one makes it evidence."""
    ev = evidence()
    errors = {}
    if request.method == "POST":
        record_id = request.form.get("record_id", "")
        try:
            record = ev.get(record_id)
            ev.update(record_id, {**record.to_dict(), "status": "accepted"}, current_user.name)
            return redirect(url_for("tell.queue"))
        except NotFound:
            abort(404)
        except ValidationError as exc:
            errors = {record_id: exc.message}
    page = render_template("tell/queue.html", waiting=story_store.submitted_stories(ev.store),
                           errors=errors)  # fmt: skip
    return (page, 422) if errors else page


def init_app(app) -> None:
    """The per-address limit on stories sent (WM2U_TELL_PER_ADDRESS_HOUR, default 20)."""
    from learning import ConfigError

    per_hour = app.config.get("TELL_PER_ADDRESS_HOUR", DEFAULT_PER_HOUR)
    if isinstance(per_hour, str):
        per_hour = whole_number(per_hour.strip())
    if isinstance(per_hour, bool) or not isinstance(per_hour, int) or per_hour < 1:
        raise ConfigError(
            "WM2U_TELL_PER_ADDRESS_HOUR (stories one address may send in an hour) must be a "
            f"whole number, 1 or more, not {app.config.get('TELL_PER_ADDRESS_HOUR')!r}"
        )
    app.extensions[LIMITER] = SendLimiter(Limit(per_hour, 3600))
    app.register_blueprint(bp)
