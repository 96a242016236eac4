"""The codebook's pages in headless Chromium: axe-core finds no serious or critical violation
on /codes, /codes/ID (with passages, and with a refused form) and /codes/agreement (#21 item 8).

Run alone with ``pytest -m browser -k codes``; skipped when Chromium is missing.
"""

from __future__ import annotations

import pytest

from tests.test_browser import CHROMIUM, check_axe, log_in, shot
from tests.test_codes_pages import _seed
from tests.web_helpers import make_app, served

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"
    ),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from tests.test_browser import ARGS

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def test_the_codebook_pages_pass_axe(tmp_path, browser) -> None:
    data_dir = tmp_path / "instance"
    _seed(data_dir)
    with served(make_app(data_dir)) as base:
        for role in ("viewer", "editor"):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            log_in(page, base, role)
            page.goto(f"{base}/codes")
            check_axe(page, f"codebook ({role})")
            page.goto(f"{base}/codes/listened")
            check_axe(page, f"a code's page ({role})")
            if role == "editor":
                shot(page, "code-page")
                page.fill("#colour", "red")
                page.get_by_role("button", name="Save the code").click()
                assert "There is a problem" in page.content()
                check_axe(page, "a code's page with a refused form")
                page.goto(f"{base}/codes/agreement?coder=ann&coder=bob")
                assert "0.375" in page.content()
                check_axe(page, "agreement between coders")
                page.goto(f"{base}/codes/agreement?coder=ann&coder=zed")
                check_axe(page, "agreement refused")
            context.close()
