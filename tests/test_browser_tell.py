"""A family's form at /tell/TOKEN in headless Chromium on a 390-pixel phone (#24): sent with
JavaScript off, no sideways scrolling, axe-core finds no serious or critical violation on the
form, the refused form, the thank-you page and the receipt.

Run alone with ``pytest -m browser -k tell``; skipped when Chromium is missing.
"""

from __future__ import annotations

import json

import pytest

from evidence import accounts
from learning.services import Evidence, initialise
from tests.test_browser import CHROMIUM, check_axe, log_in, shot
from tests.web_helpers import PASSWORD, make_app, served

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"
    ),
]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from tests.test_browser import ARGS

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def _link(data_dir) -> str:
    from learning.stories import invitations

    initialise(data_dir)
    with Evidence(data_dir) as ev:
        accounts.add_user(ev.store, "editor", "editor", PASSWORD)
        asked = invitations.InviteRequest("What changed for your family this year?", uses=3)
        return invitations.invite(ev, asked).link or ""


def _no_sideways_scroll(page) -> None:
    # Measured once the page and its stylesheet have loaded (after a send, the new page's
    # long receipt link is wider than a phone until the stylesheet wraps it).
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} pixels wide on a 390-pixel phone"


def test_a_family_sends_their_story_on_a_phone_without_javascript(tmp_path, browser) -> None:
    link = _link(tmp_path / "instance")
    with served(make_app(tmp_path / "instance")) as base:
        plain = browser.new_context(viewport=PHONE, java_script_enabled=False)
        page = plain.new_page()
        page.goto(base + link)
        page.get_by_label("Your story", exact=True).fill("We got a flat. Tom has his own room now.")
        page.get_by_label("Mostly people around us").check()
        page.get_by_label("Big", exact=True).check()
        page.get_by_role("button", name="Send my story").click()
        assert "There is a problem" in page.content()  # no consent chosen: none was checked
        page.get_by_role("link", name="Who may read it: choose who may read your story").click()
        page.get_by_label("It may be shared without our names.").check()
        page.get_by_role("button", name="Send my story").click()
        assert "Thank you for your story" in page.content()
        plain.close()

        phone = browser.new_context(viewport=PHONE)
        page = phone.new_page()
        page.goto(base + link)
        _no_sideways_scroll(page)
        check_axe(page, "the family's form on a phone")
        shot(page, "tell-form-phone")
        page.get_by_role("button", name="Send my story").click()
        assert "There is a problem" in page.content()
        _no_sideways_scroll(page)
        check_axe(page, "the refused form")
        page.get_by_label("Your story", exact=True).fill("The café helped us find our feet.")
        triangle = page.locator("svg.triad")  # with JavaScript: a point to place
        box = triangle.bounding_box()
        triangle.click(position={"x": box["width"] / 2, "y": box["height"] * 0.25})
        assert page.locator("#triad-point").is_checked()
        page.get_by_label("Only the WM2U team may read it.").check()
        page.get_by_role("button", name="Send my story").click()
        _no_sideways_scroll(page)
        check_axe(page, "the thank-you page")
        page.goto(page.get_by_role("link", name="/my-story/").get_attribute("href").replace(
            "http://localhost", base))  # fmt: skip
        assert "The café helped us find our feet." in page.content()
        _no_sideways_scroll(page)
        check_axe(page, "the receipt")
        phone.close()
        with Evidence(tmp_path / "instance") as ev:
            placed = ev.store.conn.execute(
                "SELECT json_extract(fields, '$.signification.triad') FROM records "
                "WHERE body LIKE 'The café%'").fetchone()[0]  # fmt: skip
            effort, people, service = json.loads(placed)
            assert people > max(effort, service) and abs(effort + people + service - 1) < 1e-9

        team = browser.new_context(viewport={"width": 1280, "height": 900})
        page = team.new_page()
        log_in(page, base, "editor")
        for path in ("/invitations/queue", "/invitations"):
            page.goto(base + path)
            check_axe(page, path)
        page.get_by_role("button", name="Make the invitation").click()
        assert "There is a problem" in page.content()
        check_axe(page, "a refused invitation")
        page.get_by_label("Prompt").fill("What changed for you?")
        page.get_by_role("button", name="Make the invitation").click()
        assert "Invitation made" in page.content()
        check_axe(page, "an invitation made")
        page.get_by_role("link", name="Flyer to print (A5)").click()
        check_axe(page, "the flyer")
        shot(page, "tell-flyer")
        team.close()
