"""The panel pack (#25) through the command line and the served app: each domain's candidates
numbered, the question, room for votes, names replaced and no internal story's words, in
HTML to print and in Word; a bad file name is refused naming ``--out``."""

from __future__ import annotations

import io

import pytest
import requests
from docx import Document
from lxml import html as lxml_html

from evidence import accounts
from learning import msc
from learning.services import Evidence, initialise
from tests.builders import record_data
from tests.test_hardening_support import ok, wm2u
from tests.web_helpers import CSRF_META, PASSWORD, make_app, served

QUESTION = "Looking back over the spring, what was the most significant change for families?"
SECRET = "Team only words about the Lochee worker"
NAME = "Ailsa Pennycook"


def _story(ev, title, consent="public", **kw):
    data = record_data(type="family_story", date="2025-05-02", consent=consent, title=title,
                       quotes=[], fields={"family": "a family", "what_changed": "Mornings."},
                       **kw)  # fmt: skip
    return ev.create(data, "t").id


def _round(ev, ids, panel, candidates):
    body = {"title": "Lochee panel, spring", "period_from": "2025-04-01",
            "period_to": "2025-06-30", "question": QUESTION, "level": "Locality",
            "domains": ["Family life", "Getting help"], "panel": panel,
            "candidates": [{"record": ids[k], "domain": d} for k, d in candidates]}  # fmt: skip
    return msc.rounds.create(ev, body, "editor").id


@pytest.fixture
def data(tmp_path):
    data_dir = tmp_path / "instance"
    initialise(data_dir)
    with Evidence(data_dir) as ev:
        ids = {
            "breakfast": _story(ev, "Breakfast together again", people=[],
                                body="We sit down together before school now.\n\n**What made the difference**\n\n- The school phoning with good news"),
            "school": _story(ev, "Ailsa went back to school", "anonymised", people=[NAME],
                             body=f"{NAME} went back to school after a year away."),
            "help": _story(ev, "Asking for help without fear", people=[],
                           body="The worker listened and came back when she said. "
                                "<script>alert('pack')</script>"),
            "internal": _story(ev, "Team only story", "internal", people=[], body=SECRET),
        }  # fmt: skip
        families = [{"name": "Morag Baxter", "role": "family"},
                    {"name": "Ian Reid", "role": "practitioner"}]  # fmt: skip
        rounds = {
            "families": _round(ev, ids, families, [("breakfast", "family-life"),
                                                   ("school", "family-life"),
                                                   ("help", "getting-help")]),
            # A team-only panel may read an internal story; the pack, printed for readers
            # outside the team, still never holds its words.
            "team": _round(ev, ids, [{"name": "Ian Reid", "role": "practitioner"}],
                           [("internal", "family-life"), ("breakfast", "family-life")]),
        }  # fmt: skip
        tokens = {}
        for role in ("editor", "viewer"):
            accounts.add_user(ev.store, role, role, PASSWORD)
            tokens[role] = accounts.create_token(ev.store, role)
    return data_dir, rounds, tokens


def _browser(base: str, name: str) -> requests.Session:
    """A person logged in through the form, as in a browser."""
    browser = requests.Session()
    page = browser.get(f"{base}/login", timeout=30).text
    form = {"name": name, "password": PASSWORD, "csrf_token": CSRF_META.search(page).group(1)}
    assert browser.post(f"{base}/login", data=form, timeout=30).status_code == 200
    return browser


def _docx_text(path_or_bytes) -> tuple[str, list]:
    doc = Document(path_or_bytes if not isinstance(path_or_bytes, bytes)
                   else io.BytesIO(path_or_bytes))  # fmt: skip
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts), doc.tables


def _html_text(text: str) -> tuple[str, object]:
    tree = lxml_html.fromstring(text)
    return tree.text_content(), tree


def test_the_word_pack_numbers_each_domains_candidates_with_a_votes_column(data, tmp_path):
    data_dir, rounds, _ = data
    out = tmp_path / "pack.docx"
    ok(wm2u(data_dir, "msc", "pack", rounds["families"], "--out", str(out)))
    text, tables = _docx_text(out)
    assert QUESTION in text and "Lochee panel, spring" in text and "Locality" in text
    assert "Domain 1: Family life" in text and "Domain 2: Getting help" in text
    candidates = tables[0]
    assert [c.text for c in candidates.rows[0].cells] == ["No.", "Story", "Votes"]
    assert [r.cells[0].text for r in candidates.rows[1:]] == ["1", "2"]
    assert candidates.rows[1].cells[1].text.startswith("Breakfast together again")
    assert [r.cells[0].text for r in tables[2].rows[1:]] == ["1"]  # Getting help, from 1 again
    assert "Why the panel chose it" in tables[1].rows[0].cells[0].text
    assert "Pennycook" not in text and "Ailsa" not in text and "went back to school" in text
    assert "Morag" not in text and "Ian Reid" not in text and "1 family member" in text
    assert "**" not in text and "• The school phoning with good news" in text  # read on paper


def test_the_printed_pack_numbers_candidates_and_holds_no_names(data, tmp_path):
    data_dir, rounds, _ = data
    out = tmp_path / "pack.html"
    ok(wm2u(data_dir, "msc", "pack", rounds["families"], "--out", str(out)))
    text, tree = _html_text(out.read_text(encoding="utf-8"))
    domains = tree.xpath("//section[@class='domain']")
    assert len(domains) == 2
    numbers = [n.text_content() for n in domains[0].xpath(".//div[@class='number']")]
    assert numbers == ["1", "2"]
    votes = domains[0].xpath(".//div[@class='votes']")
    assert [v.text_content() for v in votes] == ["Votes for story 1:", "Votes for story 2:"]
    assert QUESTION in text and "Pennycook" not in text and "Morag" not in text
    assert "@page { size: A4" in out.read_text(encoding="utf-8")
    assert tree.xpath("//script") == [] and "<script>alert('pack')</script>" in text


def test_an_internal_story_is_never_in_the_pack(data, tmp_path):
    data_dir, rounds, _ = data
    for suffix in ("docx", "html"):
        out = tmp_path / f"team.{suffix}"
        ok(wm2u(data_dir, "msc", "pack", rounds["team"], "--out", str(out)))
        raw = out.read_bytes()
        text = _docx_text(raw)[0] if suffix == "docx" else _html_text(raw.decode())[0]
        assert SECRET not in text and "Team only story" not in text
        assert "Breakfast together again" in text


@pytest.mark.parametrize(
    ("args", "named"),
    [(["--out", "pack.pdf"], "--out"), (["--out", "pack"], "--out"), ([], "--out")],
)
def test_a_bad_file_name_is_refused_naming_out(data, tmp_path, args, named):
    data_dir, rounds, _ = data
    done = wm2u(data_dir, "msc", "pack", rounds["families"], *args)
    assert done.returncode != 0 and named in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.glob("pack*")) == []


def test_an_unknown_round_is_refused(data, tmp_path):
    data_dir, _, _ = data
    done = wm2u(data_dir, "msc", "pack", "NOPE", "--out", str(tmp_path / "p.docx"))
    assert done.returncode == 1 and "NOPE" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "p.docx").exists()


def test_the_served_pack_for_editors_and_for_viewers_once_closed(data):
    data_dir, rounds, tokens = data
    rid = rounds["families"]
    with served(make_app(data_dir)) as base:
        browsers = {role: _browser(base, role) for role in ("editor", "viewer")}

        def get(role, path):
            return browsers[role].get(f"{base}{path}", timeout=60)

        page = get("editor", f"/msc/{rid}/pack")
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
        assert QUESTION in _html_text(page.text)[0] and "Pennycook" not in page.text
        word = get("editor", f"/msc/{rid}/pack?format=docx")
        assert word.status_code == 200
        assert word.headers["Content-Disposition"].startswith("attachment;")
        assert ".docx" in word.headers["Content-Disposition"]
        assert "Domain 1: Family life" in _docx_text(word.content)[0]
        assert get("viewer", f"/msc/{rid}/pack").status_code == 404  # open: the team's
        assert get("editor", "/msc/NOPE/pack").status_code == 404
        refused = get("editor", f"/msc/{rid}/pack?format=pdf")
        assert refused.status_code == 400 and "format" in refused.text
        closed = requests.post(f"{base}/api/msc/rounds/{rid}/close", timeout=60,
                               headers={"Authorization": f"Bearer {tokens['editor']}"})  # fmt: skip
        assert closed.status_code == 200
        seen = get("viewer", f"/msc/{rid}/pack?format=docx")
        assert seen.status_code == 200 and "Pennycook" not in _docx_text(seen.content)[0]
