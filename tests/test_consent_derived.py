"""Derived text answers to consent: ratings, saved learning updates, search, counts.

Each test drives the app as a viewer would (pages and API of a real data dir with a real
index) or as an external learning update leaves the building (Markdown, HTML, Word).
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from pathlib import Path

import pytest

from evidence.names import fold
from learning.services import Evidence
from tests.builders import record_data
from tests.web_helpers import csrf_token

pytest_plugins = ["tests.web_fixtures"]

NAMES = ["Ailsa Pennycook", "Morag Strauß"]
# Every form of the names above a reader must not find (folded, as whole words).
FORBIDDEN = ("ailsa", "pennycook", "morag", "strauss")


def visible_text(page: str | bytes) -> str:
    """What a reader reads: tags dropped, entities decoded, folded like names are."""
    if isinstance(page, bytes):
        page = page.decode("utf-8", errors="replace")
    return fold(html.unescape(re.sub(r"<[^>]+>", " ", page)))


def named(text: str) -> list[str]:
    words = set(re.findall(r"[^\W_]+", text))
    return [w for w in FORBIDDEN if w in words]


def docx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return visible_text(z.read("word/document.xml"))


def api(client, method: str, path: str, **kwargs):
    headers = {"X-CSRFToken": csrf_token(client, "/")} if method != "GET" else {}
    return client.open(path, method=method, headers=headers, **kwargs)


@pytest.fixture
def rated(app, as_role):
    """An external-facing rating whose rationale names people of records outside the
    period (2024) and of a soft-deleted record, in several spellings; one internal rating."""
    editor = as_role("editor")
    old = api(editor, "POST", "/api/records", json=record_data(
        title="An older story", date="2024-03-14", people=["Ailsa Pennycook"],
        quotes=["It was a long year."], body="Ailsa Pennycook told us.",
    )).json  # fmt: skip
    gone = api(editor, "POST", "/api/records", json=record_data(
        title="A story later withdrawn", date="2025-02-10", people=["Morag Strauß"],
        quotes=["Things changed."], body="Morag Strauß told us.",
    )).json  # fmt: skip
    now = api(editor, "POST", "/api/records", json=record_data(
        title="A story this year", date="2025-03-01", people=["Sarah Kerr"],
        quotes=["We were heard."], body="Sarah told us.",
    )).json  # fmt: skip
    assert api(editor, "DELETE", f"/api/records/{gone['id']}").status_code == 204
    rationale = (
        "Ailsa said it helped; in ailsa pennycook's words and Pennycook’s view, "
        "_Morag_ and STRAUSS agreed, with Eil&#105;dh."
    )
    body = {
        "period_from": "2025-01-01", "period_to": "2025-06-30", "progress": "developing",
        "confidence": "medium", "rationale": rationale,
        "records": [old["id"], gone["id"], now["id"]], "people": ["Eilidh"],
    }  # fmt: skip
    made = api(editor, "POST", "/api/indicators/SO1.1/ratings", json=body)
    assert made.status_code == 201, made.json
    assert made.json["consent"] == "anonymised"
    secret = {**body, "rationale": "Zanzibarquest words only the team may read.",
              "consent": "internal", "records": [now["id"]], "people": []}  # fmt: skip
    assert api(editor, "POST", "/api/indicators/SO1.1/ratings", json=secret).status_code == 201
    return {"old": old["id"], "gone": gone["id"], "now": now["id"]}


def test_a_viewer_never_reads_a_name_in_a_rating(rated, as_role) -> None:
    viewer = as_role("viewer")
    page = viewer.get("/indicators/SO1.1")
    assert page.status_code == 200
    assert "Person A" in page.text
    assert named(visible_text(page.text)) == []
    assert "zanzibarquest" not in visible_text(page.text)
    ratings = viewer.get("/api/indicators/SO1.1/ratings").json["ratings"]
    assert [r["consent"] for r in ratings] == ["anonymised"]
    assert named(fold(ratings[0]["rationale"])) == [] and ratings[0]["people"] == []
    # The team reads the rationale as written, and the internal rating too.
    team = as_role("editor").get("/api/indicators/SO1.1/ratings").json["ratings"]
    assert {r["consent"] for r in team} == {"anonymised", "internal"}
    assert any("Pennycook" in r["rationale"] for r in team)


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_an_external_update_never_prints_a_name_in_a_rating(rated, as_role, fmt) -> None:
    editor = as_role("editor")
    made = api(editor, "POST", "/api/learning-updates", json={
        "from": "2025-01-01", "to": "2025-12-31", "audience": "external", "save": True,
    })  # fmt: skip
    assert made.status_code == 201, made.json
    assert "Person A" in made.json["markdown"]
    document = as_role("viewer").get(f"/api/learning-updates/{made.json['id']}?format={fmt}")
    assert document.status_code == 200
    text = docx_text(document.data) if fmt == "docx" else visible_text(document.data)
    assert named(text) == []
    assert "zanzibarquest" not in text


def test_a_saved_external_update_is_safe_on_its_page_in_the_api_and_in_search(
    rated, as_role
) -> None:
    editor, viewer = as_role("editor"), as_role("viewer")
    made = api(editor, "POST", "/api/learning-updates", json={
        "from": "2025-01-01", "to": "2025-12-31", "audience": "external", "save": True,
    }).json  # fmt: skip
    page = viewer.get(f"/records/{made['id']}")
    assert page.status_code == 200 and named(visible_text(page.text)) == []
    record = viewer.get(f"/api/records/{made['id']}").json
    assert named(fold(record["body"])) == []
    for word in ("pennycook", "Pennycook’s", "strauss", "Strauß", "ailsa"):
        found = viewer.get("/api/search", query_string={"q": word}).json
        assert found["total"] == 0, (word, found["hits"])
    # "Did you mean" never corrects a misspelling to a name the viewer may not read.
    found = viewer.get("/api/search", query_string={"q": "pennycok"}).json
    assert "pennycook" not in fold(found["suggestion"] or "")
    # The team finds the update by the name (its text for them is as written).
    assert as_role("editor").get("/api/search", query_string={"q": "developing"}).json["total"]


def _saved_external(editor) -> str:
    made = api(editor, "POST", "/api/learning-updates", json={
        "from": "2025-01-01", "to": "2025-12-31", "audience": "external", "save": True,
    })  # fmt: skip
    assert made.status_code == 201, made.json
    return made.json["id"]


def _put(editor, record_id: str, **changes) -> None:
    current = editor.get(f"/api/records/{record_id}").json
    answer = api(editor, "PUT", f"/api/records/{record_id}", json={**current, **changes})
    assert answer.status_code == 200, answer.json


def _reads(viewer, update_id: str) -> str:
    """Everything a viewer can read of a saved update: page, API answer, document."""
    page = viewer.get(f"/records/{update_id}").text
    body = viewer.get(f"/api/records/{update_id}").json["body"]
    document = viewer.get(f"/api/learning-updates/{update_id}?format=md").text
    return visible_text(page + "\n" + body + "\n" + document)


@pytest.mark.parametrize("change", ["internal", "soft-delete", "quote", "people"])
def test_a_saved_update_stops_showing_what_its_source_no_longer_allows(
    app, as_role, change
) -> None:
    editor, viewer = as_role("editor"), as_role("viewer")
    source = api(editor, "POST", "/api/records", json=record_data(
        title="Quokkaline breakfast story", date="2025-04-02", people=[],
        quotes=["Wombatish words from Fenwick about mornings."],
        body="A story.",
    )).json  # fmt: skip
    update_id = _saved_external(editor)
    before = _reads(viewer, update_id)
    assert "quokkaline" in before and "wombatish" in before and "fenwick" in before
    if change == "internal":
        _put(editor, source["id"], consent="internal")
        gone = ("quokkaline", "wombatish")
    elif change == "soft-delete":
        assert api(editor, "DELETE", f"/api/records/{source['id']}").status_code == 204
        gone = ("quokkaline", "wombatish")
    elif change == "quote":
        _put(editor, source["id"], quotes=[])
        gone = ("wombatish",)
    else:
        _put(editor, source["id"], people=["Fenwick"])
        gone = ("fenwick",)
    after = _reads(viewer, update_id)
    for word in gone:
        assert word not in after, (change, word)
    for word in gone:
        assert viewer.get("/api/search", query_string={"q": word}).json["total"] == 0
    assert viewer.get(f"/api/records/{update_id}").json["revision"] == 1


def test_an_update_saved_by_an_earlier_version_is_made_safe_on_upgrade(data_copy: Path) -> None:
    with Evidence(data_copy) as ev:
        source = ev.create(record_data(title="Numbat morning", date="2025-04-02"), "t")
        saved = ev.learning_update(
            "2025-01-01", "2025-12-31", "external", save=True, actor="t"
        ).record
        # As an earlier version left it: the title of a record since made internal is in
        # the stored text, and the data dir has not been made safe yet.
        ev.store.conn.execute("UPDATE records SET consent = 'internal' WHERE id = ?", [source.id])
        ev.store.conn.execute(
            "UPDATE records SET body = body || ' Numbat morning' WHERE id = ?", [saved.id]
        )
        ev.store.conn.execute("DELETE FROM meta WHERE key = 'saved_updates_safe'")
        ev.store.conn.commit()
        assert "Numbat" in ev.store.get(saved.id).body
    with Evidence(data_copy) as ev:
        update = ev.store.get(saved.id)
        assert "Numbat" not in update.body
        assert update.revision == saved.revision
        assert ev.store.revisions(saved.id) == []


def test_ratings_saved_before_consent_existed_migrate(data_copy: Path, seed) -> None:
    """Internal if they link an internal record, else anonymised (interface.md)."""
    import sqlite3

    db = sqlite3.connect(data_copy / "wm2u.db")
    db.execute("DROP TABLE IF EXISTS _probe")
    columns = [row[1] for row in db.execute("PRAGMA table_info(ratings)")]
    assert "consent" in columns and "people" in columns
    db.close()
    from sqlite_utils import Database

    from evidence.schema import m008_rating_consent

    old = Database(memory=True)
    old["records"].insert_all(
        [{"id": "A", "consent": "internal", "people": "[]"},
         {"id": "B", "consent": "public", "people": "[]"}]
    )  # fmt: skip
    old["ratings"].insert_all(
        [{"id": 1, "records": '["A", "B"]', "rationale": "x"},
         {"id": 2, "records": '["B"]', "rationale": "y"}]
    )  # fmt: skip
    m008_rating_consent(old)
    assert [r["consent"] for r in old["ratings"].rows] == ["internal", "anonymised"]


def test_pages_count_only_through_the_service() -> None:
    """No view counts records itself: a new page that counts cannot forget consent."""
    root = Path(__file__).resolve().parents[1] / "learning"
    direct = re.compile(r"store\.(counts_by|facet_counts|indicator_quarters|count|list)\(")
    offenders = [
        f"{path.relative_to(root)}:{n}"
        for folder in ("web", "api")
        for path in sorted((root / folder).glob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if direct.search(line)
    ]
    assert offenders == []


def test_a_viewers_counts_leave_out_internal_records(data_copy: Path, seed) -> None:
    with Evidence(data_copy) as ev:
        for column in ("locality", "consent", "indicator", "type", "quarter"):
            outside = ev.counts_by(column, None, "external")
            team = ev.counts_by(column, None, "internal")
            assert sum(outside.values()) < sum(team.values()), column
        assert "Alloa" not in ev.counts_by("locality", None, "external")
        assert "internal" not in ev.facet_counts(("consent",), None, "external")["consent"]
        assert ("SO2.1", "2025-Q1") not in ev.indicator_quarters(None, "external")
        assert ev.indicator_quarters(None, "internal")[("SO2.1", "2025-Q1")] == 1
