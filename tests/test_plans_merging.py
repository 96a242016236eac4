"""An adoption whose map makes two places one, in real processes.

Mapping Barony and Grange both onto Alloa, each with a figure for one measure and period,
would give Alloa two figures where a place has one: the dry run, the adoption and the admin
page's preview all refuse it alike (exit 1 or 422, both figures named, nothing changed),
never a traceback or a 500. Places that swap, or a fixed map, go through.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests

from evidence.ratings import add_rating
from learning import framework as framework_mod
from learning.services import Evidence
from tests.builders import record_data
from tests.test_hardening_support import PASSWORD, init_with_users, ok, wm2u
from tests.web_helpers import CSRF_META, make_app, served

pytestmark = pytest.mark.slow

BARONY = "figure children_on_cpr Barony 2025-03-31"
GRANGE = "figure children_on_cpr Grange 2025-03-31"
MERGE = ["--map", "Barony=Alloa", "--map", "Grange=Alloa"]


def _old_dir_with_figures(tmp_path: Path, *roles: str) -> Path:
    """A data dir on the 2023 plan with a March 2025 register figure for Barony and Grange."""
    data_dir = tmp_path / "instance"
    ok(wm2u(data_dir, "init", "--framework", "wm2u-2023-2024"))
    if roles:
        init_with_users(data_dir, *roles)  # `init` again keeps the plan
    csv = tmp_path / "figures.csv"
    csv.write_text(
        "measure,authority,locality,period_from,period_to,value,source,note\n"
        "children_on_cpr,East Ayrshire,Barony,2025-03-31,2025-03-31,7,council,\n"
        "children_on_cpr,East Ayrshire,Grange,2025-03-31,2025-03-31,9,council,\n",
        encoding="utf-8",
    )
    ok(wm2u(data_dir, "figures", "import", str(csv)))
    return data_dir


def _state(data_dir: Path) -> tuple[list, list]:
    figures = json.loads(ok(wm2u(data_dir, "figures", "list", "--json")).stdout)["figures"]
    plans = json.loads(ok(wm2u(data_dir, "framework", "list", "--json")).stdout)["plans"]
    places = sorted((f["locality"] or f["authority"], f["value"]) for f in figures)
    return places, [p["name"] for p in plans]


def _adopt(data_dir: Path, plan: str, *args: str):
    return wm2u(data_dir, "framework", "adopt", plan, "--from", "2024-09-01", *args)


def test_the_dry_run_and_the_adoption_refuse_two_figures_made_one(tmp_path) -> None:
    data_dir = _old_dir_with_figures(tmp_path)
    before = _state(data_dir)
    answers = [_adopt(data_dir, "wm2u-2024-2026", *MERGE, *x) for x in (["--dry-run"], [])]
    for answer in answers:
        assert answer.returncode == 1, answer.stdout + answer.stderr
        assert "Traceback" not in answer.stderr and "IntegrityError" not in answer.stderr
        assert BARONY in answer.stderr and GRANGE in answer.stderr, answer.stderr
        assert "Alloa" in answer.stderr and "Nothing was changed" in answer.stderr
    assert answers[0].stderr == answers[1].stderr  # the dry run's answer is the adoption's
    assert _state(data_dir) == before
    ok(wm2u(data_dir, "check"))
    # The fix the message suggests goes through, and the dry run said so first.
    fixed = ["--map", "Barony=Alloa", "--map", "Grange=Alva"]
    ok(_adopt(data_dir, "wm2u-2024-2026", *fixed, "--dry-run"))
    ok(_adopt(data_dir, "wm2u-2024-2026", *fixed))
    assert _state(data_dir) == ([("Alloa", 7), ("Alva", 9)], ["wm2u-2023-2024", "wm2u-2024-2026"])


def _renamed_2023_plan(tmp_path: Path) -> Path:
    """The 2023 plan under another name: the same places, so Barony and Grange both stay."""
    text = (Path(framework_mod.__file__).parent / "frameworks" / "wm2u-2023-2024.yaml").read_text(
        encoding="utf-8"
    )
    path = tmp_path / "same-places.yaml"
    path.write_text(text.replace("name: wm2u-2023-2024", "name: same-places", 1), "utf-8")
    return path


def test_a_figure_mapped_onto_a_place_keeping_its_own_is_refused_places_may_swap(
    tmp_path,
) -> None:
    data_dir = _old_dir_with_figures(tmp_path)
    plan = str(_renamed_2023_plan(tmp_path))
    before = _state(data_dir)
    for extra in (["--dry-run"], []):
        answer = _adopt(data_dir, plan, "--map", "Barony=Grange", *extra)
        assert answer.returncode == 1 and "Traceback" not in answer.stderr, answer.stderr
        assert BARONY in answer.stderr and GRANGE in answer.stderr, answer.stderr
    assert _state(data_dir) == before
    swap = ["--map", "Barony=Grange", "--map", "Grange=Barony"]
    ok(_adopt(data_dir, plan, *swap, "--dry-run"))
    ok(_adopt(data_dir, plan, *swap))
    assert _state(data_dir)[0] == [("Barony", 9), ("Grange", 7)]
    ok(wm2u(data_dir, "check"))


def _logged_in(base: str) -> requests.Session:
    browser = requests.Session()
    token = CSRF_META.search(browser.get(base + "/login", timeout=30).text).group(1)
    answer = browser.post(base + "/login", data={"name": "admin", "password": PASSWORD,
                                                 "csrf_token": token}, timeout=60)  # fmt: skip
    assert answer.status_code == 200 and "/login" not in answer.url, answer.status_code
    return browser


def test_the_admin_page_previews_the_refusal_and_adopting_answers_422(tmp_path) -> None:
    data_dir = _old_dir_with_figures(tmp_path, "admin")
    before = _state(data_dir)
    app = make_app(data_dir)
    with served(app) as base:
        browser = _logged_in(base)
        page = browser.get(base + "/admin/plans", timeout=30).text
        form = {"plan": "wm2u-2024-2026", "from": "2024-09-01", "map": "Barony=Alloa\nGrange=Alloa",
                "csrf_token": CSRF_META.search(page).group(1)}  # fmt: skip
        for action in ("preview", "adopt"):
            answer = browser.post(base + "/admin/plans", data={**form, "action": action},
                                  timeout=60)  # fmt: skip
            assert answer.status_code == 422, (action, answer.status_code, answer.text[-500:])
            text = re.sub(r"\s+", " ", answer.text)
            assert BARONY in text and GRANGE in text and "It would be refused" in text, action
    assert _state(data_dir) == before


def test_places_and_codes_merge_where_nothing_must_stay_one(tmp_path) -> None:
    """Records of two places, ratings of two indicators and figures of other periods may all
    be mapped onto one: only figures are one per measure, place and period."""
    data_dir = tmp_path / "instance"
    ok(wm2u(data_dir, "init", "--framework", "wm2u-2023-2024"))
    csv = tmp_path / "figures.csv"
    csv.write_text(
        "measure,authority,locality,period_from,period_to,value,source,note\n"
        "children_on_cpr,East Ayrshire,Barony,2025-03-31,2025-03-31,7,council,\n"
        "children_on_cpr,East Ayrshire,Grange,2025-06-30,2025-06-30,9,council,\n",
        encoding="utf-8",
    )
    ok(wm2u(data_dir, "figures", "import", str(csv)))
    with Evidence(data_dir) as ev:
        for place in ("Barony", "Grange"):
            ev.create(record_data(date="2025-02-01", authority="East Ayrshire", locality=place,
                                  indicators=["SO1.1", "SO1.2"], activities=[]), "t")  # fmt: skip
        for code in ("SO1.1", "SO1.2"):
            add_rating(ev.store, ev.framework, {
                "indicator": code, "period_from": "2025-01-01", "period_to": "2025-03-31",
                "progress": "developing", "confidence": "low", "rationale": "Seen.",
                "records": []}, "t")  # fmt: skip
    merge = [*MERGE, "--map", "SO1.2=SO1.1"]
    ok(_adopt(data_dir, "wm2u-2024-2026", *merge, "--dry-run"))
    ok(_adopt(data_dir, "wm2u-2024-2026", *merge))
    ok(wm2u(data_dir, "check"))
    listed = json.loads(ok(wm2u(data_dir, "list", "--locality", "Alloa", "--json")).stdout)
    assert [r["indicators"] for r in listed["records"]] == [["SO1.1"], ["SO1.1"]]
    assert _state(data_dir)[0] == [("Alloa", 7), ("Alloa", 9)]
