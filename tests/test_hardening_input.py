"""Bad input at scale: Hypothesis over validation, the API's bodies and query parameters,
malformed search queries, oversized bodies and odd ids and paths.

The contract: a client never gets a 500; every API refusal is JSON
``{"error": {"code", "message", "fields"}}`` with 400, 401, 403, 404, 409, 413 or 422; and a
refusal changes nothing in the store.
"""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
import string
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from evidence import accounts
from evidence.model import Record, ValidationError
from evidence.validate import validate
from learning import framework as framework_mod
from learning.http import state
from learning.services import Evidence, initialise
from tests.builders import record_data
from tests.test_hardening_support import ROOT, ok, wm2u
from tests.web_helpers import CSRF_META, make_app, served, session_login

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


# --- round 3 (issue #20, findings 10 and 12): the door -----------------------------------------
# What a client or a file sends that cannot be stored and shown faithfully is refused where
# it comes in, naming the field: through the real server (waitress) and the real command line.


class Door:
    """The app served by waitress on 127.0.0.1, with an editor's and a viewer's token."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        initialise(data_dir)
        with Evidence(data_dir) as ev:
            for role in ("editor", "viewer"):
                accounts.add_user(ev.store, role, role, "correct horse 1")
            self.tokens = {r: accounts.create_token(ev.store, r) for r in ("editor", "viewer")}
        self.app = make_app(data_dir, PROPAGATE_EXCEPTIONS=False, TESTING=False)
        self._running = contextlib.ExitStack()
        self.base = self._running.enter_context(served(self.app))

    def call(self, method: str, path: str, role: str = "editor", **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.tokens[role]}", **kwargs.pop("headers", {})}
        return requests.request(method, self.base + path, headers=headers, timeout=60, **kwargs)

    def send(self, path: str, text: str) -> requests.Response:
        """POST JSON text as written (lone surrogates, 400-digit numbers, NaN)."""
        headers = {"Content-Type": "application/json"}
        return self.call("POST", path, data=text.encode("utf-8"), headers=headers)

    def page(self, path: str, name: str = "viewer") -> requests.Response:
        """A page, fetched by a person logged in through the form."""
        with requests.Session() as session:
            form = session.get(self.base + "/login", timeout=60).text
            token = CSRF_META.search(form).group(1)
            session.post(self.base + "/login", timeout=60, data={
                "name": name, "password": "correct horse 1", "csrf_token": token})  # fmt: skip
            return session.get(self.base + path, timeout=60)

    def database(self) -> sqlite3.Connection:
        """The data folder's database, written as an older version could have left it."""
        return sqlite3.connect(self.data_dir / "wm2u.db", isolation_level=None)

    def totals(self) -> tuple[int, int]:
        records = self.call("GET", "/api/records").json()["total"]
        return records, self.call("GET", "/api/figures?per_page=100").json()["total"]


@pytest.fixture(scope="module")
def door(tmp_path_factory):
    served_app = Door(tmp_path_factory.mktemp("door") / "instance")
    yield served_app
    served_app._running.close()


def refused(answer: requests.Response, status: int = 422) -> dict[str, str]:
    """The contract's JSON refusal; its fields."""
    assert answer.status_code == status, (answer.status_code, answer.text[:500])
    error = answer.json()["error"]
    assert set(error) == {"code", "message", "fields"} and error["message"], error
    return error["fields"]


FIGURE = {"measure": "children_on_cpr", "authority": "Dundee", "locality": "",
          "period_from": "2025-07-31", "period_to": "2025-07-31", "value": 7,
          "source": "Scottish Government CPR statistics", "note": ""}  # fmt: skip
# (field, the value as JSON text): each something JSON carries that no figure may hold.
BAD_FIGURE_VALUES = [
    ("value", "1" + "0" * 400),  # too large to become a float: a 500 before
    ("value", "-" + "9" * 30),
    ("value", "1e400"),  # Python's JSON reads it as infinity
    ("value", "NaN"),
    ("value", "Infinity"),
    ("value", '"1e400"'),
    ("source", '"\\ud800 a lone surrogate"'),  # SQLite cannot store it: a 500 before
    ("note", '"\\udfff"'),
    ("note", '"U+FFFF \\uffff in a note"'),  # XML, so a Word document, cannot hold it
    ("period_to", '"9999-12-31"'),  # its chart answered 500 for everyone
    ("period_from", '"0001-01-01"'),
    ("authority", '["Dundee"]'),
    ("source", "12"),
]


@pytest.mark.parametrize("as_list", [False, True], ids=["one", "list"])
@pytest.mark.parametrize("field, value", BAD_FIGURE_VALUES)
def test_a_figure_that_cannot_be_held_is_a_422_naming_it(door, field, value, as_list) -> None:
    before = door.totals()
    text = json.dumps({**FIGURE, field: "@@"}).replace('"@@"', value)
    if as_list:  # a list names the item by its index: the good one first
        text = f"[{json.dumps({**FIGURE, 'period_to': '2025-08-31'})}, {text}]"
    fields = refused(door.send("/api/figures", text))
    assert (f"1.{field}" if as_list else field) in fields, fields
    assert door.totals() == before  # all or none


FUND = {**record_data(type="fund_decision", date="2025-02-03", consent="public", people=[],
                      fields={"panel": "Lochee panel", "amount_gbp": 100, "families_on_panel": 3,
                              "practitioners_on_panel": 2})}  # fmt: skip
BAD_RECORD_VALUES = [
    ("fields.amount_gbp", "1" + "0" * 400),  # stored, then every update of its period a 500
    ("fields.amount_gbp", "1e308"),  # two of them made the sum read 184467440737095520
    ("fields.amount_gbp", "10000000.01"),  # over a fund decision's £10,000,000
    ("fields.amount_gbp", "0.125"),  # pence are the smallest part the sums count
    ("fields.amount_gbp", "NaN"),
    ("fields.families_on_panel", "1" + "0" * 400),
    ("title", '"A title with U+FFFF \\uffff"'),  # its update's Word download was a 500
    ("body", '"\\ufffe"'),
    ("people", '["\\ud800"]'),
    ("date", '"9999-12-31"'),
    ("date", '"1899-12-31"'),
    ("authority", '["Dundee"]'),  # named as locality before
]


@pytest.mark.parametrize("field, value", BAD_RECORD_VALUES)
def test_a_record_that_cannot_be_held_is_a_422_naming_it(door, field, value) -> None:
    before = door.totals()
    data = json.loads(json.dumps(FUND))
    if field.startswith("fields."):
        data["fields"][field.split(".")[1]] = "@@"
    else:
        data[field] = "@@"
    fields = refused(door.send("/api/records", json.dumps(data).replace('"@@"', value)))
    assert field in fields, fields
    assert door.totals() == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({"featured": ["\ud800"], "save": True}, "featured"),  # a 500 before
        ({"featured": ["../x"]}, "featured"),
        ({"intro": "Key messages \uffff", "save": True}, "intro"),
        ({"from": "0001-01-01"}, "from"),
        ({"to": "9999-12-31"}, "to"),
    ],
)
def test_a_learning_update_that_cannot_be_made_is_a_422_naming_it(door, body, field) -> None:
    before = door.totals()
    text = json.dumps({"from": "2025-01-01", "to": "2025-12-31", **body})
    fields = refused(door.send("/api/learning-updates", text))
    assert field in fields, fields
    assert door.totals() == before


def test_the_largest_sums_allowed_are_exact(door) -> None:
    """Amounts are added in whole pence and divided once: the most a decision may be, and
    pence that floats cannot add exactly (0.1 + 0.2), make the sum they should."""
    for locality, amount, consent in [("Lochee", 10_000_000, "public"),
                                      ("Lochee", 0.1, "internal"), ("Coldside", 0.2, "public")]:  # fmt: skip
        data = {**FUND, "locality": locality, "consent": consent, "date": "2026-02-03",
                "fields": {**FUND["fields"], "amount_gbp": amount}}  # fmt: skip
        assert door.call("POST", "/api/records", json=data).status_code == 201
    answer = door.call("GET", "/api/figures?measure=mihf_awarded_gbp&from=2026-01-01&to=2026-03-31")
    values = {f["locality"]: f["value"] for f in answer.json()["figures"]}
    assert values == {None: 10_000_000.3, "Lochee": 10_000_000.1, "Coldside": 0.2}, values
    made = door.call(
        "POST", "/api/learning-updates", json={"from": "2026-01-01", "to": "2026-03-31"}
    )
    assert made.status_code == 201 and "£10,000,000.30" in made.json()["markdown"]


def test_a_chart_with_a_figure_dated_9999_in_the_data_folder_still_draws(door) -> None:
    """The door refuses such a date now; one saved before must not stop the chart."""
    with contextlib.closing(door.database()) as db:
        for day, value in (("2024-07-31", 61), ("9999-12-31", 58)):
            db.execute(
                "INSERT INTO figures (measure, authority, locality, period_from, period_to, "
                "value, source, note, revision, updated_at, updated_by) VALUES "
                "('looked_after_children', 'Dundee', '', ?, ?, ?, 'a source', '', 1, "
                "'2025-01-01T00:00:00Z', 'old')",
                [day, day, value],
            )
    chart = door.page("/measures/looked_after_children/chart.svg")
    assert chart.status_code == 200, chart.status_code  # a 500 for everyone before
    assert chart.headers["Content-Type"].startswith("image/svg+xml") and b"<svg" in chart.content
    assert door.page("/measures/looked_after_children").status_code == 200


def test_text_saved_with_uffff_does_not_stop_the_word_download(door) -> None:
    """The door refuses U+FFFF now; a title or key messages saved before must not stop a
    Word document (nor make the saved update a refusal)."""
    record = door.call("POST", "/api/records", json=record_data(consent="public", people=[],
                       date="2027-05-01", title="A story from before the door"))  # fmt: skip
    update = door.call("POST", "/api/learning-updates", json={
        "from": "2027-01-01", "to": "2027-12-31", "audience": "external", "save": True,
        "intro": "Key messages from before the door"})  # fmt: skip
    assert update.status_code == 201, update.text[:300]
    with contextlib.closing(door.database()) as db:
        db.execute("UPDATE records SET title = ? WHERE id = ?",
                   ["A story\uffff from before the door", record.json()["id"]])  # fmt: skip
        db.execute("UPDATE records SET fields = json_set(fields, '$.intro', ?) WHERE id = ?",
                   ["Key messages\uffff from before the door", update.json()["id"]])  # fmt: skip
    for fmt in ("docx", "html", "md"):
        shown = door.call("GET", f"/api/learning-updates/{update.json()['id']}?format={fmt}",
                          "viewer")  # fmt: skip
        assert shown.status_code == 200, (fmt, shown.status_code)  # a 500 before
    assert "\uffff" not in shown.text and "A story from before the door" in shown.text
    assert "Key messages from before the door" in shown.text
    word = door.call("GET", f"/api/learning-updates/{update.json()['id']}?format=docx", "viewer")
    with zipfile.ZipFile(io.BytesIO(word.content)) as docx:
        xml = docx.read("word/document.xml").decode()
    assert "A story from before the door" in xml and "Key messages from before" in xml


@pytest.mark.parametrize("param", ["page", "per_page"])
@pytest.mark.parametrize("path", ["/api/records", "/api/search?q=a", "/api/figures"])
def test_a_page_number_of_5000_digits_is_a_400(door, path, param) -> None:
    sep = "&" if "?" in path else "?"
    assert param in refused(door.call("GET", f"{path}{sep}{param}={'9' * 5000}"), 400)


def test_a_page_number_of_5000_digits_on_a_page_is_the_first_page(door) -> None:
    assert door.page(f"/records?page={'9' * 5000}", "editor").status_code == 200  # 500 before


# --- files the command line reads (finding 12), and its arguments ------------------------------

FIGURES_HEADER = "measure,authority,locality,period_from,period_to,value,source,note\n"
RECORDS_HEADER = "type,title,date,consent,indicators,body\n"
STORY_ROW = "family_story,A story,2025-01-01,public,SO1.1,Mornings were calmer.\n"


@pytest.fixture(scope="module")
def cli_dir(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("cli-door") / "instance"
    ok(wm2u(data_dir, "init"))
    return data_dir


def refused_by_cli(result, *words: str) -> str:
    """Exit 1 with a message (no traceback) holding each of ``words``."""
    assert result.returncode == 1, (result.returncode, result.stderr[-1500:])
    assert "Traceback" not in result.stderr, result.stderr[-1500:]
    for word in words:
        assert word in result.stderr, (word, result.stderr[-1500:])
    return result.stderr


def nothing_changed(data_dir: Path) -> None:
    assert json.loads(ok(wm2u(data_dir, "list", "--json")).stdout)["total"] == 0
    figures = json.loads(ok(wm2u(data_dir, "figures", "list", "--json")).stdout)["figures"]
    assert not [f for f in figures if not f["derived"]]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


FIGURE_ROW = "children_on_cpr,Dundee,,2025-07-31,2025-07-31,7,CPR statistics,\n"


@pytest.mark.parametrize(
    "row, words",
    [
        ("children_on_cpr,Dundee,,2025-08-31,2025-08-31,7," + "x" * 140_000 + ",\n",
         ["line 3, column source", "too long"]),  # over csv's own 131,072: a traceback before
        ("children_on_cpr,Dundee,,9999-12-31,9999-12-31,7,CPR statistics,\n",
         ["line 3, column period_to", "1900–2199"]),
        ("children_on_cpr,Dundee,,2025-08-31,2025-08-31,1" + "0" * 400 + ",CPR statistics,\n",
         ["line 3, column value", "finite"]),
    ],
)  # fmt: skip
def test_a_figures_file_the_store_cannot_hold_imports_nothing(cli_dir, tmp_path, row, words):
    path = write(tmp_path, "figures.csv", FIGURES_HEADER + FIGURE_ROW + row)
    refused_by_cli(wm2u(cli_dir, "figures", "import", str(path)), "nothing imported", *words)
    nothing_changed(cli_dir)


@pytest.mark.parametrize("what", ["figures", "records"])
def test_a_csv_cell_longer_than_any_export_writes_is_refused_naming_its_line(
    cli_dir, tmp_path, what
) -> None:
    from evidence.transfer import MAX_CELL

    header, row, command = (
        (FIGURES_HEADER, FIGURE_ROW, ["figures", "import"])
        if what == "figures"
        else (RECORDS_HEADER, STORY_ROW, ["import"])
    )
    long_row = row.rstrip("\n").rsplit(",", 1)[0] + ',"' + "x" * (MAX_CELL + 1) + '"\n'
    path = write(tmp_path, f"{what}.csv", header + row + long_row)
    refused_by_cli(wm2u(cli_dir, *command, str(path)),
                   f"line 3: a cell is longer than {MAX_CELL:,} characters")  # fmt: skip
    nothing_changed(cli_dir)


def test_a_csv_export_with_the_longest_body_imports_back(tmp_path) -> None:
    """csv's own limit (131,072 characters a cell) refused a body of 200,000 an export wrote."""
    first, second = tmp_path / "first", tmp_path / "second"
    ok(wm2u(first, "init"))
    ok(wm2u(second, "init"))
    body = ("Mornings were calmer. " * 10_000)[:200_000]
    story = "---\ntype: family_story\ntitle: A long story\ndate: 2025-01-01\nconsent: public\n"
    story += f"indicators: [SO1.1]\n---\n{body}\n"
    record_id = ok(wm2u(first, "add", str(write(tmp_path, "long.md", story)))).stdout.strip()
    ok(wm2u(first, "export", "--format", "csv", "--out", str(tmp_path / "export.csv")))
    ok(wm2u(second, "import", str(tmp_path / "export.csv")))  # a traceback before
    shown = json.loads(ok(wm2u(second, "show", record_id, "--json")).stdout)
    assert shown["body"] == body


@pytest.mark.parametrize(
    "name, text, words",
    [
        ("deep.json", "[" * 100_000 + "]" * 100_000,
         ["deep.json", "nested deeper than 100 levels (line 1, column 101)"]),
        ("deep-records.json", '{"records":\n  ' + "[" * 100_000 + "]" * 100_000 + "}",
         ["deep-records.json", "nested deeper than 100 levels (line 2, column 102)"]),
        ("deep-cell.csv", RECORDS_HEADER.replace("body", "fields") + STORY_ROW.rsplit(",", 1)[0]
         + ',"' + "[" * 5_000 + "]" * 5_000 + '"\n', ["deep-cell.csv:2", "fields", "nested"]),
        ("revision.csv", RECORDS_HEADER.replace("body", "revision") + STORY_ROW.rsplit(",", 1)[0]
         + "," + "9" * 5_000 + "\n", ["revision.csv:2", "revision"]),
        ("revision.json", json.dumps([{**record_data(), "revision": 10**30}]),
         ["revision.json#1", "revision", "1,000,000,000,000"]),
        ("timestamp.json", json.dumps([{**record_data(), "created_at": "\ud800"}]),
         ["timestamp.json#1", "created_at"]),
        ("surrogate.json", json.dumps([{**record_data(), "title": "\ud800"}]),
         ["surrogate.json#1", "title", "lone surrogate"]),
        ("deep.md", "---\ntype: family_story\ntitle: " + "[" * 100_000 + "]" * 100_000
         + "\n---\nBody.\n", ["deep.md", "line 3, column 107", "nested deeper than 100 levels"]),
    ],
)  # fmt: skip
def test_an_import_file_nested_too_deeply_or_out_of_range_is_refused(
    cli_dir, tmp_path, name, text, words
) -> None:
    result = wm2u(cli_dir, "import", str(write(tmp_path, name, text)))
    refused_by_cli(result, *words)  # a RecursionError, ValueError or OverflowError before
    nothing_changed(cli_dir)


def billion_laughs(key: str) -> str:
    """Front matter whose last line stands for 9**9 strings (387,420,489) by aliases."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, 9):
        lines.append(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]")
    return "---\n" + "\n".join(lines) + f"\n{key}: *a8\n---\nBody.\n"


@pytest.mark.parametrize("command", ["import", "add"])
def test_yaml_aliases_in_front_matter_are_refused_at_once(cli_dir, tmp_path, command) -> None:
    """``type: *a8`` made the refusal's message spell out 387 million strings: 47 s and 3 GB."""
    path = write(tmp_path, "laughs.md", billion_laughs("type"))
    result = wm2u(cli_dir, command, str(path), timeout=30)
    refused_by_cli(result, "laughs.md", "line 3, column", "alias")
    nothing_changed(cli_dir)


NOT_UTF8 = b"a\xffb".decode("utf-8", "surrogateescape")  # how Python reads such an argument


@pytest.mark.parametrize(
    "args, status, words",
    [
        (["show", NOT_UTF8], 1, ["not found"]),
        (["delete", NOT_UTF8], 1, ["not found"]),
        (["restore", "../x"], 1, ["not found"]),
        (["token", "create", NOT_UTF8], 2, ["NAME", "Unicode"]),
        (["list", "--type", NOT_UTF8], 2, ["--type", "Unicode"]),
        (["search", "x", "--locality", NOT_UTF8], 2, ["--locality", "Unicode"]),
        (["learning-update", "--from", "2025-01-01", "--to", "2025-12-31", "--featured",
          NOT_UTF8, "--format", "md", "--out", "{out}"], 1, ["featured", "not a record id"]),
        (["learning-update", "--from", "0001-01-01", "--to", "2025-12-31", "--format", "md",
          "--out", "{out}"], 1, ["from", "1900–2199"]),
        (["learning-update", "--from", "2025-01-01", "--to", "2025-12-31", "--intro", "{intro}",
          "--format", "md", "--out", "{out}"], 1, ["--intro", "not UTF-8"]),
    ],
)  # fmt: skip
def test_an_argument_the_store_cannot_look_up_is_refused(
    cli_dir, tmp_path, args, status, words
) -> None:
    (tmp_path / "intro.md").write_bytes(b"Key messages \xff in Latin-1")
    places = {"{out}": str(tmp_path / "out.md"), "{intro}": str(tmp_path / "intro.md")}
    args = [places.get(a, a) for a in args]
    result = subprocess.run(
        [sys.executable, "-m", "learning", "--data-dir", str(cli_dir), *args],
        capture_output=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == status, (result.returncode, stderr[-1500:])  # a traceback before
    assert "Traceback" not in stderr and all(w in stderr for w in words), stderr[-1500:]


_YEARS = iter(range(2100, 2200))  # one year of its own for each example


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("ledger") / "instance"
    initialise(data_dir)
    with Evidence(data_dir) as ev:
        yield ev


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    decisions=st.lists(
        st.tuples(
            st.sampled_from(["Lochee", "Coldside", ""]),
            st.sampled_from(["internal", "anonymised", "public"]),
            st.integers(min_value=0, max_value=10**9) | st.sampled_from([10**9, 10, 20, 1]),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_amounts_the_door_lets_in_add_up_exactly(ledger, decisions) -> None:
    """Pence in, pounds out: each place's sum (from the tally or from the records) is the
    float nearest the exact sum, whatever the amounts the door allows (pence: 0 to £10m)."""
    from decimal import Decimal

    from evidence.derived import derived_figures

    year = next(_YEARS)
    exact: dict[str, Decimal] = {}
    for locality, consent, pence in decisions:
        amount = pence / 100 if pence % 100 else pence // 100
        data = {**FUND, "locality": locality, "consent": consent, "date": f"{year}-02-03",
                "fields": {**FUND["fields"], "amount_gbp": amount}}  # fmt: skip
        ledger.store.add(ledger.validate(data), "test")  # through the door; no index needed
        for place in {locality, ""}:
            exact[place] = exact.get(place, Decimal(0)) + Decimal(pence) / 100
    measure = ledger.framework.measure("mihf_awarded_gbp")
    for use_tally in (True, False):
        found = derived_figures(ledger.store.conn, measure, ("internal", "anonymised", "public"),
                                date_from=f"{year}-01-01", date_to=f"{year}-12-31",
                                use_tally=use_tally)  # fmt: skip
        assert {f.locality: f.value for f in found} == {k: float(v) for k, v in exact.items()}
