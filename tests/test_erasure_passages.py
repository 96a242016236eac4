"""Erasure takes the erased record's own words out of every derived text, in real processes.

A story is quoted, reformatted (capitals, other quotation marks, emphasis, a line break),
in progress ratings' rationales (one linking it, one not) and in saved learning updates' key
messages (updates citing it, and one of another year that does not, edited since, so an
earlier version holds the quote too); a phrase of its title is quoted. After `wm2u delete
--purge`, no eight words in a row of any version of the story are in any file of the data
folder (database, WAL, index files, compressed stored fields), nor on any page or API answer
that viewers and editors read; the words around the quotes stay.
"""

from __future__ import annotations

import html
import re
import unicodedata
from pathlib import Path

import pytest
import requests

from evidence.ratings import add_rating
from learning.services import Evidence
from tests.builders import record_data
from tests.test_hardening_erasure import file_texts, leftovers
from tests.test_hardening_support import PASSWORD, init_with_users, ok, wm2u
from tests.web_helpers import CSRF_META, make_app, served

pytestmark = pytest.mark.slow

MARKER = "[words of an erased record]"
RUN = 8
TITLE = "Qvxkite festival day at the Lochee allotments"
QUOTE = (
    "Morag said the allotment was the first place in years where nobody judged us for being late."
)
BODIES = (
    "Morag Qvxlennox told us that the allotment group met every Sunday afternoon, and that her "
    "two boys learned to grow potatoes, beans and strawberries with the other families.",
    "Morag Qvxlennox told us that the allotment group met every Saturday morning, and that her "
    "two boys learned to grow potatoes, beans and strawberries with the other families.",
)
CHANGED = "The boys now ask to go outside every weekend instead of staying in."
# The quotes as people write them again: other case, quotation marks, emphasis, wrapping.
LINKED_RATIONALE = (
    "Families told us: “THE ALLOTMENT WAS THE FIRST PLACE IN YEARS where nobody judged us for "
    "being late”. The qvxkite festival day at the LOCHEE allotments lifted spirits. The "
    "breakfast club made mornings calmer."
)
UNLINKED_RATIONALE = (
    "As one mum put it, her two boys *learned to grow* potatoes,\nbeans and strawberries with "
    "the other families. Attendance rose."
)
INTRO = (
    "Our key message: the “qvxkite festival day” mattered.\n\nIn one family's words, \"the boys "
    'now ask to go **outside** every\nweekend instead of staying in". The breakfast club goes on.'
)
OTHER_YEAR_INTRO = (
    "Looking ahead: the allotment group met every Sunday afternoon, and her two boys learned "
    "to grow potatoes."
)
KEPT = ("As one mum put it", "Attendance rose", "breakfast club made mornings calmer",
        "Looking ahead", "Our key message", "The breakfast club goes on")  # fmt: skip


_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\[nrt\"\\/]")


def _readable(text: str) -> str:
    """The text with JSON escapes and HTML entities read (a line break written ``\\n`` in a
    JSON column or answer must not glue two words into one)."""
    text = _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else " ", text)
    return html.unescape(text)


def _words(text: str) -> list[str]:
    """Words folded independently of the product's matcher: lower case, no accents."""
    text = unicodedata.normalize("NFKD", _readable(text).lower())
    return re.findall(r"[a-z0-9]+", "".join(c for c in text if not unicodedata.combining(c)))


def _erased_passages() -> set[tuple[str, ...]]:
    """Every run of eight words of every version of the story's texts."""
    texts = [TITLE, QUOTE, CHANGED, *BODIES, "the Qvxlennox family"]
    out = set()
    for text in texts:
        words = _words(text)
        out.update(tuple(words[i : i + RUN]) for i in range(len(words) - RUN + 1))
    return out


def _passages_in(text: str) -> list[str]:
    words = _words(text)
    grams = _erased_passages()
    runs = (tuple(words[i : i + RUN]) for i in range(len(words)))
    return sorted({" ".join(run) for run in runs if run in grams})


def _passages_in_files(data_dir: Path) -> dict[str, list[str]]:
    found = {}
    for name, data in file_texts(data_dir).items():
        if hits := _passages_in(data.decode("utf-8", "ignore")):
            found[name] = hits
    return found


def _stock(data_dir: Path) -> dict:
    """The story (edited once), a story kept, two ratings and three saved updates."""
    with Evidence(data_dir) as ev:
        story = record_data(title=TITLE, people=["Morag Qvxlennox"], quotes=[QUOTE],
                            body=BODIES[0], date="2025-03-10",
                            fields={"family": "the Qvxlennox family", "what_changed": CHANGED})  # fmt: skip
        erased = ev.create(story, "t")
        ev.update(erased.id, {**story, "body": BODIES[1], "revision": 1}, "t")
        kept = ev.create(record_data(date="2025-03-11"), "t")
        rating = {"indicator": "SO1.1", "period_from": "2025-01-01", "period_to": "2025-06-30",
                  "progress": "developing", "confidence": "medium", "consent": "anonymised"}  # fmt: skip
        linked = add_rating(ev.store, ev.framework, {**rating, "rationale": LINKED_RATIONALE,
                                                     "records": [erased.id, kept.id]}, "t")  # fmt: skip
        unlinked = add_rating(ev.store, ev.framework, {**rating, "rationale": UNLINKED_RATIONALE,
                                                       "records": [kept.id]}, "t")  # fmt: skip
        updates = [
            ev.learning_update("2025-01-01", "2025-12-31", audience, save=True, actor="t",
                               intro=INTRO).record.id
            for audience in ("internal", "external")
        ]  # fmt: skip
        other = ev.learning_update("2024-01-01", "2024-12-31", "external", save=True, actor="t",
                                   intro=OTHER_YEAR_INTRO).record  # fmt: skip
        data = other.to_dict()
        data["fields"] = {**data["fields"], "intro": OTHER_YEAR_INTRO + " Plans follow."}
        ev.update(other.id, data, "t")  # its earlier version keeps the quote
        ev.sync_index(wait=10)
    return {"erased": erased.id, "kept": kept.id, "ratings": [linked["id"], unlinked["id"]],
            "updates": [*updates, other.id]}  # fmt: skip


def _logged_in(base: str, name: str) -> requests.Session:
    browser = requests.Session()
    token = CSRF_META.search(browser.get(base + "/login", timeout=30).text).group(1)
    answer = browser.post(base + "/login", data={"name": name, "password": PASSWORD,
                                                 "csrf_token": token}, timeout=60)  # fmt: skip
    assert answer.status_code == 200 and not answer.url.endswith("/login"), name
    return browser


def _shown(base: str, role: str, ids: dict) -> dict[str, str]:
    """Every page and API answer that could show a derived text, as ``role`` reads it."""
    browser = _logged_in(base, role)
    paths = ["/indicators/SO1.1", "/api/indicators/SO1.1/ratings", "/learning-updates",
             "/search?q=allotment+boys", "/api/search?q=allotment", "/api/search?q=qvxkite"]  # fmt: skip
    for update_id in ids["updates"]:
        paths += [f"/records/{update_id}", f"/api/records/{update_id}",
                  f"/api/records/{update_id}/revisions", f"/records/{update_id}/history",
                  f"/api/learning-updates/{update_id}?format=md",
                  f"/api/learning-updates/{update_id}?format=html"]  # fmt: skip
    out = {}
    for path in paths:
        answer = browser.get(base + path, timeout=60)
        assert answer.status_code in (200, 403, 404), (role, path, answer.status_code)
        out[path] = answer.text
    return out


def test_erasure_leaves_no_passage_of_the_record_in_files_or_pages(tmp_path) -> None:
    data_dir = tmp_path / "instance"
    init_with_users(data_dir, "admin", "editor", "viewer")
    ids = _stock(data_dir)
    assert _passages_in_files(data_dir), "the probe must see the quotes before erasure"
    ok(wm2u(data_dir, "delete", ids["erased"], "--purge"))

    assert _passages_in_files(data_dir) == {}
    assert leftovers(data_dir, {"qvxkite", "qvxlennox"}) == {}  # the quoted title phrase too
    with Evidence(data_dir) as ev:
        rows = ev.store.conn.execute("SELECT rationale FROM ratings ORDER BY id").fetchall()
        rationales = [row[0] for row in rows]
        intros = [ev.store.get(i).fields["intro"] for i in ids["updates"]]
    assert all(MARKER in text for text in [*rationales, *intros]), [*rationales, *intros]
    kept_text = " ".join([*rationales, *intros])
    assert all(words in kept_text for words in KEPT), kept_text
    ok(wm2u(data_dir, "check"))
    with served(make_app(data_dir)) as base:
        for role in ("viewer", "editor"):
            for path, text in _shown(base, role, ids).items():
                assert _passages_in(text) == [], (role, path, _passages_in(text))
                assert "qvxkite" not in text.lower(), (role, path)
