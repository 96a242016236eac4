"""Invitations in the JSON API (editors): make one (its link answered once), list, revoke."""

from __future__ import annotations

from flask import Response, jsonify, url_for
from flask_login import current_user

from evidence.model import NotFound
from evidence.validate import ID_PATTERN
from learning.http.errors import ApiError
from learning.http.state import evidence
from learning.stories import invitations

from .openapi import described
from .routes import bp, json_body

LIST = ({"type": "object", "properties": {"invitations": {"type": "array",
                                                          "items": "Invitation"}}},
        "Every invitation, newest first, without links")  # fmt: skip


@bp.route("/invitations", methods=["POST"])
@described(
    "Invite families to tell their story (editor): the link is in this answer alone",
    {201: ("Invitation", "The invitation, with its link")},
    body="InvitationInput",
    role="editor",
)
def create_invitation():
    asked = invitations.InviteRequest.parse(json_body())
    made = invitations.invite(evidence(), asked, current_user.name)
    response = jsonify(made.to_dict())
    response.status_code = 201
    return response


@bp.route("/invitations")
@described("Every invitation, without links (editor)", {200: LIST}, role="editor")
def list_invitations():
    return jsonify({"invitations": [i.to_dict() for i in invitations.listed(evidence())]})


@bp.route("/invitations/<invitation_id>", methods=["DELETE"])
@described("Revoke an invitation (editor)", {204: (None, "Revoked")}, role="editor")
def revoke_invitation(invitation_id: str):
    if not ID_PATTERN.match(invitation_id):
        raise ApiError(404, f"No invitation {invitation_id[:64]!r}")
    try:
        invitations.revoke(evidence(), invitation_id, current_user.name)
    except NotFound:
        raise ApiError(404, f"No invitation {invitation_id!r}") from None
    response = Response(status=204)
    response.headers["Link"] = f"<{url_for('api.list_invitations')}>; rel=collection"
    return response
