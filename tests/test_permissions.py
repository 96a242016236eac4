"""Every route, for every role: anonymous, viewer, editor and admin get what the roles allow.

The matrix must name every (method, rule) of ``app.url_map``: a new route without an entry
fails ``test_matrix_covers_every_route``.
"""

from __future__ import annotations

import pytest

from tests.web_helpers import csrf_token

pytest_plugins = ["tests.web_fixtures"]

ROLES = ("anonymous", "viewer", "editor", "admin")

# (method, rule, path to request, form or JSON body, expected status for anonymous, viewer,
# editor and admin). Ordered so that the entries that change things come after those that
# read them; logout comes last.
MATRIX = [
    ("GET", "/static/<path:filename>", "/static/wm2u.css", None, "200 200 200 200"),
    ("GET", "/login", "/login", None, "200 302 302 302"),
    ("POST", "/login", "/login", {"name": "nobody", "password": "x"}, "401 401 401 401"),
    ("GET", "/", "/", None, "302 200 200 200"),
    ("GET", "/framework", "/framework", None, "302 200 200 200"),
    ("GET", "/indicators/<code>", "/indicators/SO1.1", None, "302 200 200 200"),
    ("POST", "/indicators/<code>/ratings", "/indicators/SO1.1/ratings", {}, "302 403 422 422"),
    ("GET", "/measures", "/measures", None, "302 200 200 200"),
    ("GET", "/measures/<code>", "/measures/children_on_cpr", None, "302 200 200 200"),
    ("GET", "/measures/<code>/chart.svg", "/measures/children_on_cpr/chart.svg", None,
     "302 200 200 200"),
    ("GET", "/measures/<code>/figures.csv", "/measures/children_on_cpr/figures.csv", None,
     "302 200 200 200"),
    ("POST", "/measures/<code>/figures", "/measures/children_on_cpr/figures", {},
     "302 403 422 422"),
    ("GET", "/codes", "/codes", None, "302 200 200 200"),
    ("POST", "/codes", "/codes", {}, "302 403 422 422"),
    ("GET", "/codes/agreement", "/codes/agreement", None, "302 403 200 200"),
    ("GET", "/codes/<code_id>", "/codes/SO1.1", None, "302 200 200 200"),
    ("GET", "/codes/<code_id>/summary", "/codes/SO1.1/summary?format=docx", None,
     "302 200 200 200"),
    ("POST", "/codes/<code_id>/change", "/codes/SO1.1/change", {}, "302 403 422 422"),
    ("POST", "/codes/<code_id>/merge", "/codes/SO1.1/merge", {}, "302 403 422 422"),
    ("POST", "/codes/<code_id>/delete", "/codes/NOPE/delete", {}, "302 403 404 404"),
    # Most Significant Change: viewers read closed rounds (an unknown one is a 404 page);
    # editors run rounds.
    ("GET", "/msc", "/msc", None, "302 200 200 200"),
    ("POST", "/msc", "/msc", {}, "302 403 422 422"),
    ("GET", "/msc/<round_id>", "/msc/NOPE", None, "302 404 404 404"),
    ("POST", "/msc/<round_id>/change", "/msc/NOPE/change", {}, "302 403 404 404"),
    ("POST", "/msc/<round_id>/choices", "/msc/NOPE/choices", {}, "302 403 404 404"),
    ("POST", "/msc/<round_id>/close", "/msc/NOPE/close", {}, "302 403 404 404"),
    ("GET", "/records", "/records", None, "302 200 200 200"),
    ("GET", "/records/new", "/records/new?type=family_story", None, "302 403 200 200"),
    ("POST", "/records/new", "/records/new?type=family_story", {}, "302 403 422 422"),
    ("GET", "/records/<record_id>", "/records/{public}", None, "302 200 200 200"),
    ("GET", "/records/code-colours.css", "/records/code-colours.css", None, "302 200 200 200"),
    ("POST", "/records/<record_id>/code", "/records/{public}/code", {}, "302 403 422 422"),
    ("POST", "/records/<record_id>/excerpts/<excerpt_id>/change",
     "/records/{public}/excerpts/NOPE/change", {}, "302 403 404 404"),
    ("POST", "/records/<record_id>/excerpts/<excerpt_id>/delete",
     "/records/{public}/excerpts/NOPE/delete", {}, "302 403 404 404"),
    ("POST", "/records/<record_id>/attachments", "/records/{public}/attachments", {},
     "302 403 422 422"),
    ("GET", "/records/<record_id>/edit", "/records/{public}/edit", None, "302 403 200 200"),
    ("POST", "/records/<record_id>/edit", "/records/{public}/edit", {}, "302 403 422 422"),
    ("GET", "/records/<record_id>/history", "/records/{public}/history", None, "302 403 200 200"),
    ("GET", "/records/<record_id>/erase", "/records/{public}/erase", None, "302 403 403 200"),
    ("POST", "/records/<record_id>/erase", "/records/{public}/erase", {}, "302 403 403 422"),
    ("GET", "/search", "/search?q=breakfast", None, "302 200 200 200"),
    ("GET", "/learning-updates", "/learning-updates", None, "302 200 200 200"),
    ("GET", "/learning-updates/new", "/learning-updates/new", None, "302 403 200 200"),
    ("POST", "/learning-updates/new", "/learning-updates/new", {}, "302 403 422 422"),
    ("GET", "/admin/users", "/admin/users", None, "302 403 403 200"),
    ("POST", "/admin/users", "/admin/users", {}, "302 403 403 422"),
    ("POST", "/admin/users/<name>/role",
     "/admin/users/viewer/role", {"role": "viewer"}, "302 403 403 302"),
    ("POST", "/admin/users/<name>/disable", "/admin/users/nobody/disable", {}, "302 403 403 404"),
    ("POST", "/admin/users/<name>/token", "/admin/users/nobody/token", {}, "302 403 403 404"),
    ("GET", "/admin/audit", "/admin/audit", None, "302 403 403 200"),
    ("GET", "/admin/people", "/admin/people", None, "302 403 403 200"),
    ("POST", "/admin/people/preview", "/admin/people/preview", {}, "302 403 403 422"),
    ("POST", "/admin/people/export", "/admin/people/export", {}, "302 403 403 422"),
    ("POST", "/admin/people/erase", "/admin/people/erase", {}, "302 403 403 422"),
    ("GET", "/admin/retention", "/admin/retention", None, "302 403 403 200"),
    ("POST", "/admin/retention/<record_id>/keep", "/admin/retention/NOPE/keep", {},
     "302 403 403 422"),
    ("GET", "/admin/plans", "/admin/plans", None, "302 403 403 200"),
    ("POST", "/admin/plans", "/admin/plans", {}, "302 403 403 422"),
    ("GET", "/api/framework", "/api/framework", None, "401 200 200 200"),
    ("GET", "/api/frameworks", "/api/frameworks", None, "401 200 200 200"),
    ("GET", "/api/openapi.json", "/api/openapi.json", None, "401 200 200 200"),
    ("GET", "/api/records", "/api/records", None, "401 200 200 200"),
    ("POST", "/api/records", "/api/records", {}, "401 403 422 422"),
    ("GET", "/api/records/<record_id>", "/api/records/{public}", None, "401 200 200 200"),
    ("PUT", "/api/records/<record_id>", "/api/records/{public}", {}, "401 403 422 422"),
    ("DELETE", "/api/records/<record_id>", "/api/records/NOPE", None, "401 403 404 404"),
    ("GET", "/api/records/<record_id>/revisions",
     "/api/records/{public}/revisions", None, "401 403 200 200"),
    ("GET", "/api/search", "/api/search?q=breakfast", None, "401 200 200 200"),
    ("GET", "/api/measures", "/api/measures", None, "401 200 200 200"),
    ("GET", "/api/figures", "/api/figures", None, "401 200 200 200"),
    ("POST", "/api/figures", "/api/figures", {}, "401 403 422 422"),
    ("GET", "/api/indicators/<code>/ratings",
     "/api/indicators/SO1.1/ratings", None, "401 200 200 200"),
    ("POST", "/api/indicators/<code>/ratings",
     "/api/indicators/SO1.1/ratings", {}, "401 403 422 422"),
    ("GET", "/api/codes", "/api/codes", None, "401 200 200 200"),
    ("POST", "/api/codes", "/api/codes", {}, "401 403 422 422"),
    ("GET", "/api/codes/export.qdc", "/api/codes/export.qdc", None, "401 200 200 200"),
    ("GET", "/api/export.qdpx", "/api/export.qdpx?audience=internal", None, "401 403 200 200"),
    ("GET", "/api/codes/<code_id>", "/api/codes/SO1.1", None, "401 200 200 200"),
    ("PUT", "/api/codes/<code_id>", "/api/codes/SO1.1", {}, "401 403 422 422"),
    ("DELETE", "/api/codes/<code_id>", "/api/codes/NOPE", None, "401 403 404 404"),
    ("POST", "/api/codes/<code_id>/merge", "/api/codes/NOPE/merge", {}, "401 403 404 404"),
    ("GET", "/api/records/<record_id>/excerpts",
     "/api/records/{public}/excerpts", None, "401 200 200 200"),
    ("POST", "/api/records/<record_id>/excerpts",
     "/api/records/{public}/excerpts", {}, "401 403 422 422"),
    ("GET", "/api/excerpts", "/api/excerpts?code=SO1", None, "401 200 200 200"),
    ("GET", "/api/excerpts/<excerpt_id>", "/api/excerpts/NOPE", None, "401 404 404 404"),
    ("PUT", "/api/excerpts/<excerpt_id>", "/api/excerpts/NOPE", {}, "401 403 404 404"),
    ("DELETE", "/api/excerpts/<excerpt_id>", "/api/excerpts/NOPE", None, "401 403 404 404"),
    ("POST", "/api/records/<record_id>/attachments",
     "/api/records/{public}/attachments", {}, "401 403 422 422"),
    ("GET", "/api/records/<record_id>/attachments",
     "/api/records/{public}/attachments", None, "401 200 200 200"),
    ("GET", "/api/attachments/<attachment_id>", "/api/attachments/NOPE", None, "401 404 404 404"),
    ("GET", "/api/attachments/<attachment_id>/file",
     "/api/attachments/NOPE/file", None, "401 404 404 404"),
    ("GET", "/api/attachments/<attachment_id>/text",
     "/api/attachments/NOPE/text", None, "401 404 404 404"),
    ("DELETE", "/api/attachments/<attachment_id>",
     "/api/attachments/NOPE", None, "401 403 404 404"),
    ("GET", "/api/msc/rounds", "/api/msc/rounds", None, "401 200 200 200"),
    ("POST", "/api/msc/rounds", "/api/msc/rounds", {}, "401 403 422 422"),
    ("GET", "/api/msc/rounds/<round_id>", "/api/msc/rounds/NOPE", None, "401 404 404 404"),
    ("PUT", "/api/msc/rounds/<round_id>", "/api/msc/rounds/NOPE", {}, "401 403 404 404"),
    ("POST", "/api/msc/rounds/<round_id>/close", "/api/msc/rounds/NOPE/close", None,
     "401 403 404 404"),
    ("POST", "/api/msc/rounds/<round_id>/choices", "/api/msc/rounds/NOPE/choices", {},
     "401 403 404 404"),
    ("GET", "/api/learning-updates", "/api/learning-updates", None, "401 200 200 200"),
    ("POST", "/api/learning-updates", "/api/learning-updates", {}, "401 403 422 422"),
    ("GET", "/api/learning-updates/<record_id>",
     "/api/learning-updates/{public}", None, "401 404 404 404"),
    ("GET", "/msc/<round_id>/pack", "/msc/NOPE/pack", None, "302 404 404 404"),
    # Families' stories: the two pages a family opens need no login (an unknown link is a 404
    # for everyone, not a login page); the invitations are the editors'.
    ("GET", "/tell/<token>", "/tell/NOPE", None, "404 404 404 404"),
    ("POST", "/tell/<token>", "/tell/NOPE", {}, "404 404 404 404"),
    ("GET", "/my-story/<receipt>", "/my-story/NOPE", None, "404 404 404 404"),
    ("POST", "/my-story/<receipt>", "/my-story/NOPE", {"action": "withdraw"}, "404 404 404 404"),
    ("GET", "/invitations", "/invitations", None, "302 403 200 200"),
    ("POST", "/invitations", "/invitations", {}, "302 403 422 422"),
    ("POST", "/invitations/<invitation_id>/revoke", "/invitations/NOPE/revoke", {},
     "302 403 404 404"),
    ("GET", "/invitations/<invitation_id>/flyer", "/invitations/NOPE/flyer", None,
     "302 403 404 404"),
    ("GET", "/invitations/queue", "/invitations/queue", None, "302 403 200 200"),
    ("POST", "/invitations/queue", "/invitations/queue", {}, "302 403 404 404"),
    ("GET", "/api/invitations", "/api/invitations", None, "401 403 200 200"),
    ("POST", "/api/invitations", "/api/invitations", {}, "401 403 422 422"),
    ("DELETE", "/api/invitations/<invitation_id>", "/api/invitations/NOPE", None,
     "401 403 404 404"),
    ("POST", "/records/<record_id>/delete", "/records/{anonymised}/delete", {}, "302 403 302 302"),
    ("POST", "/records/<record_id>/restore",
     "/records/{anonymised}/restore", {}, "302 403 403 302"),
    ("POST", "/logout", "/logout", {}, "302 302 302 302"),
]  # fmt: skip


def test_matrix_covers_every_route(app) -> None:
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    listed = [(method, rule) for method, rule, *_ in MATRIX]
    assert len(listed) == len(set(listed)), "a route is listed twice"
    assert routes - set(listed) == set(), "routes missing from the permission matrix"
    assert set(listed) - routes == set(), "the matrix lists routes that do not exist"


@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_every_role(as_role, seed, role: str) -> None:
    client = as_role(None if role == "anonymous" else role)
    token = csrf_token(client, "/login")
    failures = []
    for method, rule, path, body, codes in MATRIX:
        expected = dict(zip(ROLES, map(int, codes.split()), strict=True))
        url = path.format(public=seed.public, anonymised=seed.anonymised)
        if rule.startswith("/api/"):
            response = client.open(url, method=method, json=body, headers={"X-CSRFToken": token})
        elif method == "POST":
            response = client.post(url, data={**body, "csrf_token": token})
        else:
            response = client.get(url)
        response.close()  # static files are streamed from an open file
        if response.status_code != expected[role]:
            failures.append(f"{method} {url}: {response.status_code}, expected {expected[role]}")
        if role == "anonymous" and expected[role] == 302 and rule not in ("/logout",):
            assert "/login?next=" in response.headers["Location"], url
        if rule.startswith("/api/") and response.status_code >= 400:
            assert response.is_json and set(response.json["error"]) == {"code", "message", "fields"}
    assert not failures, "\n".join(failures)
