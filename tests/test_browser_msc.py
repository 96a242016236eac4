"""Most Significant Change pages in headless Chromium (#25): axe-core finds no serious or
critical violation on /msc and on a round's page — open with its forms (editor), with a refused
choice, closed (editor and viewer) — and the record page of a chosen story.

Run alone with ``pytest -m browser -k msc``; skipped when Chromium is missing.
"""

from __future__ import annotations

import pytest

from tests.test_browser import CHROMIUM, browser, check_axe, log_in, shot
from tests.test_msc_pages import REASONS, Site, form_of, put_forward, site, start_round

# Fixtures: the served app with three stories, editor and viewer; headless Chromium.
__all__ = ["browser", "site"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"
    ),
]


def test_the_msc_pages_pass_axe(site: Site, browser) -> None:
    rid = start_round(site)
    put_forward(site, rid, ["public", "anon"])
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, site.base, "editor")
    page.goto(f"{site.base}/msc")
    check_axe(page, "the rounds (editor)")
    page.goto(f"{site.base}/msc/{rid}")
    check_axe(page, "an open round with its forms")
    shot(page, "msc-round-open")
    page.get_by_role("button", name="Record the choice in Family life").click()  # no reasons
    assert "There is a problem" in page.content()
    check_axe(page, "a round with a refused choice")
    page.goto(f"{site.base}/msc/{rid}")
    fields = form_of(site.get("editor", f"/msc/{rid}").text, f"/msc/{rid}/choices")
    sent = [(k, v) for k, v in fields if k not in ("record", "reasons")]
    sent += [("record", site.ids["anon"]), ("reasons", REASONS)]
    assert site.post("editor", f"/msc/{rid}/choices", sent).status_code == 302
    closing = form_of(site.get("editor", f"/msc/{rid}").text, f"/msc/{rid}/close")
    assert site.post("editor", f"/msc/{rid}/close", closing).status_code == 302
    page.goto(f"{site.base}/msc/{rid}")
    check_axe(page, "a closed round (editor)")
    context.close()
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    log_in(page, site.base, "viewer")
    for path, label in [("/msc", "the rounds (viewer)"), (f"/msc/{rid}", "a closed round"),
                        (f"/records/{site.ids['anon']}", "the chosen story's page")]:  # fmt: skip
        page.goto(site.base + path)
        check_axe(page, f"{label}, viewer on a phone")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{label} is {width} px wide on a 390 px phone"
    assert "Morag Baxter" not in page.content()  # the panel is the team's: roles only
    shot(page, "msc-chosen-story-viewer")
    context.close()
