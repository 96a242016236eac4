"""Bad input at scale: Hypothesis over validation, the API's bodies and query parameters,
malformed search queries, oversized bodies and odd ids and paths.

The contract: a client never gets a 500; every API refusal is JSON
``{"error": {"code", "message", "fields"}}`` with 400, 401, 403, 404, 409, 413 or 422; and a
refusal changes nothing in the store.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from evidence import accounts
from evidence.model import Record, ValidationError
from evidence.validate import validate
from learning import framework as framework_mod
from learning.http import state
from learning.services import Evidence, initialise
from tests.builders import record_data
from tests.web_helpers import make_app, session_login

API_STATUSES = {400, 401, 403, 404, 409, 413, 422}
FRAMEWORK = framework_mod.load()
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- strategies ------------------------------------------------------------------------------

# Any text, lone surrogates included (SQLite cannot store them; the validator refuses them).
TEXT = st.text(max_size=40)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
)
JSONISH = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
RECORD_KEYS = list(record_data())
VALUES_FOR = {
    "type": st.sampled_from(list(FRAMEWORK.record_types)) | JSONISH,
    "date": st.dates().map(str) | JSONISH,
    "consent": st.sampled_from(["internal", "anonymised", "public", "Public", ""]) | JSONISH,
    "indicators": st.lists(st.sampled_from(list(FRAMEWORK.indicators)) | TEXT, max_size=3)
    | JSONISH,
    "locality": st.sampled_from(sorted(FRAMEWORK.localities()) + ["Lochee "]) | JSONISH,
    "authority": st.sampled_from(sorted(FRAMEWORK.authorities)) | JSONISH,
    "fields": st.dictionaries(
        st.sampled_from(["family", "what_changed", "venue", "families", "cites", "status"]) | TEXT,
        JSONISH,
        max_size=4,
    )
    | JSONISH,
}


@st.composite
def record_shaped(draw) -> dict:
    """A valid record with a few keys replaced by anything JSON can carry (or dropped)."""
    data = record_data()
    for key in draw(st.lists(st.sampled_from(RECORD_KEYS + ["revision", "id", "extra"]),
                             max_size=4, unique=True)):  # fmt: skip
        if draw(st.booleans()) and key in data:
            del data[key]
        else:
            data[key] = draw(VALUES_FOR.get(key, JSONISH))
    return data


BODIES = record_shaped() | JSONISH


# --- validate --------------------------------------------------------------------------------


@SETTINGS
@given(data=BODIES)
def test_validate_gives_a_record_or_a_validation_error(data) -> None:
    try:
        record = validate(data, FRAMEWORK)
    except ValidationError as exc:
        assert exc.errors and all(isinstance(k, str) for k in exc.errors)
        assert all(isinstance(v, str) and v for v in exc.errors.values())
    else:
        assert isinstance(record, Record) and record.title and record.indicators


# --- a world for the API: a data dir, users, tokens, one record per consent ------------------


class World:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        initialise(data_dir)
        with Evidence(data_dir) as ev:
            for role in ("admin", "editor", "viewer"):
                accounts.add_user(ev.store, role, role, "correct horse 1")
            self.tokens = {
                r: accounts.create_token(ev.store, r) for r in ("admin", "editor", "viewer")
            }
            self.ids = {
                c: ev.create(record_data(consent=c, title=f"Seed {c} record"), "seed").id
                for c in ("internal", "anonymised", "public")
            }
        self.app = make_app(data_dir, PROPAGATE_EXCEPTIONS=False)
        self.evidence = Evidence(data_dir)

    def headers(self, role: str = "editor", **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}", **extra}

    def call(self, method: str, path: str, role: str = "editor", **kwargs):
        # A fresh client each time: no cookie carried from one call to the next.
        client = self.app.test_client()
        headers = self.headers(role, **kwargs.pop("headers", {}))
        return client.open(path, method=method, headers=headers, **kwargs)

    def snapshot(self) -> tuple:
        """Everything a write would change (records, revisions, index queue)."""
        conn = self.evidence.store.conn
        return tuple(
            conn.execute(sql).fetchall()
            for sql in (
                "SELECT id, revision, deleted_at, content_hash FROM records ORDER BY id",
                "SELECT record_id, revision FROM revisions ORDER BY 1, 2",
                "SELECT count(*) FROM record_indicators",
            )
        )


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("input") / "instance")
    yield w
    w.evidence.close()
    state.shutdown(w.app)


def assert_api_error(response, *statuses: int) -> dict:
    """A JSON error with the contract's shape and one of ``statuses`` (or any allowed one)."""
    allowed = set(statuses) or API_STATUSES
    assert response.status_code in allowed, (
        response.status_code,
        response.get_data(as_text=True)[:500],
    )
    assert response.is_json, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "fields"}, error
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in error["fields"].items())
    return error


# --- API bodies ------------------------------------------------------------------------------


@SETTINGS
@given(body=BODIES)
def test_post_bodies_answer_201_or_a_json_refusal_that_changes_nothing(world, body) -> None:
    before = world.snapshot()
    answer = world.call("POST", "/api/records", json=body)
    if answer.status_code == 201:
        saved = answer.get_json()
        assert world.evidence.store.get(saved["id"]).revision == 1
        return
    assert_api_error(answer, 400, 413, 422)
    assert world.snapshot() == before


@SETTINGS
@given(raw=st.binary(max_size=200) | TEXT.map(str.encode))
def test_bodies_that_are_not_json_are_refused_with_400(world, raw) -> None:
    try:
        json.loads(raw)
    except ValueError:
        pass
    else:
        assume(False)
    before = world.snapshot()
    answer = world.call("POST", "/api/records", data=raw, content_type="application/json")
    assert_api_error(answer, 400)
    assert world.snapshot() == before


@SETTINGS
@given(body=BODIES)
def test_put_bodies_answer_200_or_a_json_refusal_that_changes_nothing(world, body) -> None:
    record_id = world.ids["public"]
    current = world.evidence.store.get(record_id)
    if isinstance(body, dict) and "revision" not in body:
        body = {**body, "revision": current.revision}
    before = world.snapshot()
    answer = world.call("PUT", f"/api/records/{record_id}", json=body)
    if answer.status_code == 200:
        assert answer.get_json()["revision"] == current.revision + 1
        return
    assert_api_error(answer, 400, 409, 413, 422)
    assert world.snapshot() == before
    assert world.evidence.store.get(record_id) == current


def test_learning_update_bodies_never_500(world) -> None:
    bodies = [None, [], "x", 3, {}, {"from": "2025-01-01"}, {"from": 1, "to": []},
              {"from": "2025-02-30", "to": "2025-03-01"}, {"from": "2025-03-01", "to": "2025-01-01"},
              {"from": "2025-01-01", "to": "2025-12-31", "audience": "everyone"},
              {"from": "2025-01-01", "to": "2025-12-31", "objectives": "SO1"},
              {"from": "2025-01-01", "to": "2025-12-31", "objectives": [None, {"a": 1}]},
              {"from": "2025-01-01", "to": "2025-12-31", "save": "yes"},
              {"from": "9999-12-31", "to": "9999-12-31"},
              {"from": "2025-01-01", "to": "2025-12-31", "unknown": 1},
              {"from": "2025-01-01", "to": "2025-12-31", "intro": {"a": 1}},
              {"from": "2025-01-01", "to": "2025-12-31", "intro": "x\ud800y", "save": True},
              {"from": "2025-01-01", "to": "2025-12-31", "featured": [None, 3]},
              {"from": "2025-01-01", "to": "2025-12-31", "featured": ["x" * 5000], "save": True},
              {"from": "2025-01-01", "to": "2025-12-31", "featured": "abc"},
              {"from": "2025-01-01", "to": "2025-12-31", "annex": "no"}]  # fmt: skip
    for body in bodies:
        before = world.snapshot()
        answer = world.call("POST", "/api/learning-updates", json=body)
        if answer.status_code != 201:
            assert_api_error(answer, 400, 422)
            assert world.snapshot() == before, body


# --- query parameters ------------------------------------------------------------------------

PARAM = st.sampled_from(
    ["type", "indicator", "locality", "from", "to", "page", "per_page", "sort", "q", "purge",
     "format", "consent", "deleted"]
)  # fmt: skip
PARAM_VALUE = (
    TEXT
    | st.integers(min_value=-5, max_value=10**25).map(str)
    | st.sampled_from(["SO1.1", "family_story", "Lochee", "2025-01-01", "2025-02-30", "date"])
)


@SETTINGS
@given(
    path=st.sampled_from(["/api/records", "/api/search", "/api/learning-updates"]),
    params=st.lists(st.tuples(PARAM, PARAM_VALUE), max_size=5),
    role=st.sampled_from(["viewer", "editor"]),
)
def test_query_parameters_answer_200_or_400(world, path, params, role) -> None:
    answer = world.call("GET", path, role=role, query_string=params)
    if answer.status_code == 200:
        body = answer.get_json()
        assert "total" in body and ("hits" in body or "records" in body)
        return
    assert_api_error(answer, 400)


MALFORMED_QUERIES = [
    '"', '""', '"""', '"unclosed phrase', "(", ")", "((((", "))))", "(" * 300, "AND", "OR", "NOT",
    "AND OR NOT", "NOT NOT NOT", "-", "--", "- -", "*", "?", "**", "a*", "*a", "~", "^", "a^2",
    "a~2", ":", "::", "indicator:", "type:", ":value", "locality:\"", "tag:", "date:",
    "date:..", "date:2024-13-45..x", "date:x..y", "date:2024-01-01..", "date:..2024-01-01",
    "date:2025-02-30..2025-03-01", "date:9999-99-99", "[a TO b]", "{a TO b}", "a:b:c:d", "\\",
    "\\\\", "%", "%00", "\x00", "\x01\x02", "\u200b", "\u202e", "ｆａｍｉｌｙ", "👩‍👧", "ß", "İ",
    "a" * 500, "word " * 200, "<script>alert(1)</script>", "'; DROP TABLE records; --",
    "{{ 7*7 }}", "{% for %}", "indicator:SO1.1 AND (", "NOT indicator:SO9.9", "OR family",
    "family OR", "family AND", "-family", "- family", '"family" "', "type:family_story OR",
]  # fmt: skip


@pytest.mark.parametrize("query", MALFORMED_QUERIES)
def test_malformed_search_queries_are_answered_not_refused(world, query) -> None:
    answer = world.call("GET", "/api/search", role="viewer", query_string={"q": query})
    assert answer.status_code == 200, (answer.status_code, answer.get_data(as_text=True)[:300])
    assert {"total", "hits", "facets", "suggestion"} <= set(answer.get_json())
    page = world.app.test_client()
    session_login(page, "viewer")
    shown = page.get("/search", query_string={"q": query})
    assert shown.status_code == 200, (query, shown.status_code)
    html = shown.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html


@SETTINGS
@given(query=TEXT | st.text(string.printable, max_size=60))
def test_any_search_query_is_answered(world, query) -> None:
    answer = world.call("GET", "/api/search", role="viewer", query_string={"q": query})
    assert answer.status_code == 200, (query, answer.get_data(as_text=True)[:300])


# --- oversized bodies ------------------------------------------------------------------------

BIG = 3 * 1024 * 1024  # the limit is 2 MB


@pytest.mark.parametrize(
    "method, path",
    [("POST", "/api/records"), ("PUT", "/api/records/{public}"), ("POST", "/api/learning-updates")],
)
def test_oversized_api_bodies_get_413(world, method, path) -> None:
    before = world.snapshot()
    body = json.dumps(record_data(body="x" * BIG))
    answer = world.call(
        method, path.format(**world.ids), data=body, content_type="application/json"
    )
    assert_api_error(answer, 413)
    assert world.snapshot() == before


@pytest.mark.parametrize(
    "path", ["/login", "/records/new?type=family_story", "/records/{public}/edit"]
)
def test_oversized_forms_get_413(world, path) -> None:
    before = world.snapshot()
    client = world.app.test_client()
    session_login(client, "editor")
    answer = client.post(path.format(**world.ids), data={"title": "x" * BIG, "body": "y"})
    assert answer.status_code == 413, answer.status_code
    assert world.snapshot() == before


# --- odd ids and paths -----------------------------------------------------------------------

ODD_IDS = [
    "..", "../..", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "%00", "a%00b",
    "A" * 65, "A" * 10_000, "%C3%BC", "%E2%80%AE", "%F0%9F%91%A9", "%FF%FE", "%C0%AF",
    "'%20OR%201=1--", "%3Cscript%3E", "CON", "nul", "~", "%20", "01J%0A01J", "a;b", "a,b",
]  # fmt: skip


@pytest.mark.parametrize("odd", ODD_IDS)
def test_odd_ids_in_the_api_are_404_or_400(world, odd) -> None:
    before = world.snapshot()
    for method, path, kwargs in [
        ("GET", f"/api/records/{odd}", {}),
        ("PUT", f"/api/records/{odd}", {"json": record_data(revision=1)}),
        ("DELETE", f"/api/records/{odd}", {}),
        ("GET", f"/api/records/{odd}/revisions", {}),
        ("GET", f"/api/learning-updates/{odd}?format=html", {}),
    ]:
        role = "admin"
        answer = world.call(method, path, role=role, **kwargs)
        assert_api_error(answer, 400, 404, 405)
    assert world.snapshot() == before


@pytest.mark.parametrize("odd", ODD_IDS)
def test_odd_ids_in_pages_are_404_or_400(world, odd) -> None:
    client = world.app.test_client()
    session_login(client, "admin")
    for path in (
        f"/records/{odd}",
        f"/records/{odd}/edit",
        f"/records/{odd}/history",
        f"/records/{odd}/erase",
        f"/indicators/{odd}",
        f"/learning-updates/{odd}",
    ):
        answer = client.get(path)
        assert answer.status_code in (400, 404, 405), (path, answer.status_code)


@pytest.mark.parametrize(
    "path",
    [
        "/records/../../etc/passwd",
        "/static/../learning/__init__.py",
        "/static/..%2f..%2flearning%2f__init__.py",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "/static/..%5c..%5cwm2u.db",
        "/static/../../instance/wm2u.db",
        "/static/%00",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/api/../api/records",
        "/api/%00",
        "/api/records/%2e%2e",
        "/secret_key",
        "/wm2u.db",
        "/index/CURRENT",
    ],
)
def test_traversal_paths_give_nothing_away(world, path) -> None:
    client = world.app.test_client()
    session_login(client, "admin")
    answer = client.get(path)
    assert answer.status_code in (200, 302, 400, 404), (path, answer.status_code)
    body = answer.get_data()
    secret = world.app.config["SECRET_KEY"].encode()
    assert secret not in body and b"SQLite format" not in body and b"root:x:0" not in body
    assert b"create_app" not in body


# --- bugs found here, each fixed: these keep them fixed --------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_a_lone_surrogate_in_json_is_refused_not_a_500(world, method) -> None:
    before = world.snapshot()
    current = world.evidence.store.get(world.ids["public"])
    data = {**record_data(), "revision": current.revision} if method == "PUT" else record_data()
    body = json.dumps(data).replace('"Breakfast', '"\\ud800Breakfast')
    path = "/api/records" + (f"/{current.id}" if method == "PUT" else "")
    answer = world.call(method, path, data=body, content_type="application/json")
    assert world.snapshot() == before
    assert_api_error(answer, 422)


def test_validate_refuses_a_lone_surrogate() -> None:
    """SQLite cannot store a lone surrogate, so the validator refuses it, naming the field."""
    with pytest.raises(ValidationError) as info:
        validate(record_data(title="\ud800 title"), FRAMEWORK)
    assert "Unicode" in info.value.errors["title"]


@pytest.mark.parametrize(
    "path", ["/api/records?page=²", "/api/search?q=a&per_page=²", "/api/learning-updates?page=²"]
)
def test_a_superscript_page_number_is_400_not_500(world, path) -> None:
    assert_api_error(world.call("GET", path), 400)


@pytest.mark.parametrize("path", ["/records?page=²", "/search?q=a&page=²", "/admin/audit?page=²"])
def test_a_superscript_page_number_on_pages_is_not_a_500(world, path) -> None:
    client = world.app.test_client()
    session_login(client, "admin")
    assert client.get(path).status_code in (200, 400, 404)


@pytest.mark.parametrize(
    "period",
    [("0001-01-01", "0001-01-01"), ("0001-06-01", "2025-01-01"), ("0421-10-06", "0905-09-09")],
)
def test_a_learning_update_for_year_one_is_refused_or_made_not_a_500(world, period) -> None:
    answer = world.call("POST", "/api/learning-updates", json={"from": period[0], "to": period[1]})
    if answer.status_code != 201:
        assert_api_error(answer, 400, 422)


def test_a_bearer_token_works_even_with_an_anonymous_session_cookie(world) -> None:
    client = world.app.test_client()
    # The login form puts a CSRF token in the session: the cookie is no longer empty.
    assert client.get("/login").status_code == 200
    answer = client.get("/api/framework", headers=world.headers("viewer"))
    assert answer.status_code == 200, answer.status_code
