"""Every route, for every role: anonymous, viewer, editor and admin get what the roles allow.

The matrix must name every (method, rule) of ``app.url_map``: a new route without an entry
fails ``test_matrix_covers_every_route``.
"""

from __future__ import annotations

import pytest

from tests.web_fixtures import (  # noqa: F401
    app,
    as_role,
    client,
    csrf_token,
    data_copy,
    seed,
    seed_dir,
)

A, V, E, AD = "anonymous", "viewer", "editor", "admin"
PAGE_ALL = {A: 302, V: 200, E: 200, AD: 200}
PAGE_EDITOR = {A: 302, V: 403, E: 200, AD: 200}
PAGE_ADMIN = {A: 302, V: 403, E: 403, AD: 200}
API_ALL = {A: 401, V: 200, E: 200, AD: 200}

# (method, rule, path, body, expected status by role). Ordered so that the entries that
# change things come after the ones that read them; logout comes last.
MATRIX = [
    ("GET", "/static/<path:filename>", "/static/wm2u.css", None, {A: 200, V: 200, E: 200, AD: 200}),
    ("GET", "/login", "/login", None, {A: 200, V: 302, E: 302, AD: 302}),
    ("POST", "/login", "/login", {"name": "nobody", "password": "x"}, {A: 401, V: 401, E: 401, AD: 401}),
    ("GET", "/", "/", None, PAGE_ALL),
    ("GET", "/framework", "/framework", None, PAGE_ALL),
    ("GET", "/indicators/<code>", "/indicators/SO1.1", None, PAGE_ALL),
    ("GET", "/records", "/records", None, PAGE_ALL),
    ("GET", "/records/new", "/records/new?type=family_story", None, PAGE_EDITOR),
    ("POST", "/records/new", "/records/new?type=family_story", {}, {A: 302, V: 403, E: 422, AD: 422}),
    ("GET", "/records/<record_id>", "/records/{public}", None, PAGE_ALL),
    ("GET", "/records/<record_id>/edit", "/records/{public}/edit", None, PAGE_EDITOR),
    ("POST", "/records/<record_id>/edit", "/records/{public}/edit", {}, {A: 302, V: 403, E: 422, AD: 422}),
    ("GET", "/records/<record_id>/history", "/records/{public}/history", None, PAGE_EDITOR),
    ("GET", "/records/<record_id>/erase", "/records/{public}/erase", None, PAGE_ADMIN),
    ("POST", "/records/<record_id>/erase", "/records/{public}/erase", {}, {A: 302, V: 403, E: 403, AD: 422}),
    ("GET", "/search", "/search?q=breakfast", None, PAGE_ALL),
    ("GET", "/learning-updates", "/learning-updates", None, PAGE_ALL),
    ("GET", "/learning-updates/new", "/learning-updates/new", None, PAGE_EDITOR),
    ("POST", "/learning-updates/new", "/learning-updates/new", {}, {A: 302, V: 403, E: 422, AD: 422}),
    ("GET", "/admin/users", "/admin/users", None, PAGE_ADMIN),
    ("POST", "/admin/users", "/admin/users", {}, {A: 302, V: 403, E: 403, AD: 422}),
    ("POST", "/admin/users/<name>/role", "/admin/users/viewer/role", {"role": "viewer"}, {A: 302, V: 403, E: 403, AD: 302}),
    ("POST", "/admin/users/<name>/disable", "/admin/users/nobody/disable", {}, {A: 302, V: 403, E: 403, AD: 404}),
    ("POST", "/admin/users/<name>/token", "/admin/users/nobody/token", {}, {A: 302, V: 403, E: 403, AD: 404}),
    ("GET", "/admin/audit", "/admin/audit", None, PAGE_ADMIN),
    ("GET", "/api/framework", "/api/framework", None, API_ALL),
    ("GET", "/api/openapi.json", "/api/openapi.json", None, API_ALL),
    ("GET", "/api/records", "/api/records", None, API_ALL),
    ("POST", "/api/records", "/api/records", {}, {A: 401, V: 403, E: 422, AD: 422}),
    ("GET", "/api/records/<record_id>", "/api/records/{public}", None, API_ALL),
    ("PUT", "/api/records/<record_id>", "/api/records/{public}", {}, {A: 401, V: 403, E: 422, AD: 422}),
    ("DELETE", "/api/records/<record_id>", "/api/records/NOPE", None, {A: 401, V: 403, E: 404, AD: 404}),
    ("GET", "/api/records/<record_id>/revisions", "/api/records/{public}/revisions", None, {A: 401, V: 403, E: 200, AD: 200}),
    ("GET", "/api/search", "/api/search?q=breakfast", None, API_ALL),
    ("GET", "/api/learning-updates", "/api/learning-updates", None, API_ALL),
    ("POST", "/api/learning-updates", "/api/learning-updates", {}, {A: 401, V: 403, E: 422, AD: 422}),
    ("GET", "/api/learning-updates/<record_id>", "/api/learning-updates/{public}", None, {A: 401, V: 404, E: 404, AD: 404}),
    ("POST", "/records/<record_id>/delete", "/records/{anonymised}/delete", {}, {A: 302, V: 403, E: 302, AD: 302}),
    ("POST", "/records/<record_id>/restore", "/records/{anonymised}/restore", {}, {A: 302, V: 403, E: 403, AD: 302}),
    ("POST", "/logout", "/logout", {}, {A: 302, V: 302, E: 302, AD: 302}),
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


@pytest.mark.parametrize("role", [A, V, E, AD])
def test_every_route_for_every_role(as_role, seed, role: str) -> None:
    client = as_role(None if role == A else role)
    token = csrf_token(client, "/login")
    failures = []
    for method, rule, path, body, expected in MATRIX:
        url = path.format(public=seed.public, anonymised=seed.anonymised)
        if rule.startswith("/api/"):
            response = client.open(url, method=method, json=body,
                                   headers={"X-CSRFToken": token})  # fmt: skip
        elif method == "POST":
            response = client.post(url, data={**body, "csrf_token": token})
        else:
            response = client.get(url)
        response.close()  # static files are streamed from an open file
        if response.status_code != expected[role]:
            failures.append(f"{method} {url}: {response.status_code}, expected {expected[role]}")
        if role == A and expected[A] == 302 and rule not in ("/logout",):
            assert "/login?next=" in response.headers["Location"], url
        if rule.startswith("/api/") and response.status_code >= 400:
            assert response.is_json and set(response.json["error"]) == {"code", "message", "fields"}
    assert not failures, "\n".join(failures)
