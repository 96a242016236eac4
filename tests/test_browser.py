"""The real app under waitress, driven by headless Chromium: the core flows, XSS, axe-core.

Run alone with ``pytest -m browser``. Skipped (with the reason) when Chromium is missing.
Screenshots of the main pages go to ``tests/artifacts/`` (not committed).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from learning.services import Evidence
from tests.web_helpers import PASSWORD, make_app, served

pytest_plugins = ["tests.web_fixtures"]

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
ARTIFACTS = Path(__file__).parent / "artifacts"
XSS = [
    "<script>alert('xss-script')</script>",
    "<img src=x onerror=alert('xss-img')>",
    "[click me](javascript:alert('xss-link'))",
    "<a href=\"javascript:alert('xss-a')\">a link</a>",
    "<svg onload=alert('xss-svg')></svg>",
    "<iframe src=\"javascript:alert('xss-iframe')\"></iframe>",
    "\"><script>alert('xss-attr')</script>",
    "{{ 7 * 7 }} {% if true %}jinja{% endif %}",
    '<form action="https://evil.example"><button>Go</button></form>',
    '<base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=https://evil.example">',
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"
    ),
]


@pytest.fixture
def server(data_copy: Path):  # noqa: F811
    """The app served by waitress on a free port of 127.0.0.1."""
    with served(make_app(data_copy), ident="wm2u-test") as base:
        yield base, data_copy


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def log_in(page, base: str, name: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")


def check_axe(page, label: str) -> None:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"axe on {label}: {bad}"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_log_find_and_see_a_family_story(server, browser) -> None:
    base, _ = server
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A refused form is answered 422, which Chromium logs; anything else is a real error.
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "status of 422" not in msg.text
            else None
        ),
    )

    page.goto(f"{base}/records")
    assert page.url.startswith(f"{base}/login?next=")
    shot(page, "login")
    check_axe(page, "login")
    log_in(page, base, "editor")

    page.goto(f"{base}/records/new?type=family_story")
    page.get_by_role("button", name="Save record").click()  # an empty form is refused
    assert page.locator(".error-summary").is_visible()
    check_axe(page, "record form with errors")
    shot(page, "record-form-errors")
    page.fill("#title", "Kite festival brought Lochee families together")
    page.fill("#date", "2025-06-07")
    page.check("#consent-2")  # anonymised
    page.check("#indicators-SO1-3")
    page.fill(
        "#body", "Moira Black said the **kite festival** was the first time she felt welcome."
    )
    page.fill("#people", "Moira Black")
    page.fill("#quotes", "It was the first time I felt welcome.")
    page.fill("#fields-family", "the Black family")
    page.select_option("#locality", "Lochee")
    page.get_by_role("button", name="Save record").click()
    page.wait_for_url(f"{base}/records/*")
    assert "Kite festival brought Lochee families together" in page.inner_text("h1")
    record_url = page.url
    shot(page, "record")
    check_axe(page, "record page")

    page.goto(f"{base}/search?q=kites")
    assert page.locator("a", has_text="Kite festival brought Lochee").count() == 1
    assert page.locator(".snippet mark").count() >= 1
    shot(page, "search")
    check_axe(page, "search results")

    page.goto(f"{base}/indicators/SO1.3")
    assert page.locator("a", has_text="Kite festival brought Lochee").count() == 1
    shot(page, "indicator")
    check_axe(page, "indicator page")

    page.goto(f"{base}/")
    row = page.locator(".summary-list__row", has=page.locator("a", has_text="SO1.3"))
    assert "1 record" in row.inner_text()
    assert page.locator("a", has_text="Kite festival brought Lochee").count() == 1
    shot(page, "dashboard")
    check_axe(page, "dashboard")

    page.goto(record_url + "/edit")
    check_axe(page, "edit form")
    page.goto(record_url + "/history")
    check_axe(page, "history")
    assert not errors, errors
    context.close()


def test_main_pages_pass_axe_for_every_role(server, browser, seed) -> None:  # noqa: F811
    base, _ = server
    pages = {
        "viewer": [
            "/",
            "/records",
            f"/records/{seed.anonymised}",
            "/search?q=breakfast",
            "/framework",
            "/indicators/SO1.1",
            "/indicators/SO3.2",
            "/measures",
            "/measures/children_on_cpr",
            "/learning-updates",
        ],
        "admin": [
            "/indicators/SO1.1",
            "/records?deleted=1",
            "/learning-updates/new",
            "/admin/users",
            "/admin/audit",
            "/admin/plans",
            "/measures/children_on_cpr",
            f"/records/{seed.public}/erase",
            "/records/new",
            "/records/new?type=cafe_conversation",
            "/search?q=nothingmatcheszz",
        ],
    }
    for role, paths in pages.items():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        log_in(page, base, role)
        for path in paths:
            page.goto(base + path)
            check_axe(page, f"{path} as {role}")
            name = path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-") or "home"
            shot(page, f"{role}-{name[:40]}")
        context.close()


def test_rate_progress_on_an_indicator(server, browser, seed) -> None:  # noqa: F811
    base, _ = server
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, base, "editor")
    page.goto(f"{base}/indicators/SO1.1")
    page.fill("#rationale", "Sarah Kerr said mornings were calmer.")
    page.get_by_role("button", name="Save the rating").click()
    assert page.locator(".error-summary").count() == 1
    assert page.input_value("#rationale") == "Sarah Kerr said mornings were calmer."
    check_axe(page, "rating form with errors")
    page.check("#progress-2")
    page.check("#confidence")
    page.check(f"input[name=recent][value='{seed.anonymised}']")
    page.get_by_role("button", name="Save the rating").click()
    ratings = page.locator(".rating-list__item")
    assert ratings.count() == 1
    assert "Developing, low confidence" in ratings.inner_text()
    shot(page, "indicator-rated")
    check_axe(page, "indicator page with a rating")
    context.close()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, base, "viewer")
    page.goto(f"{base}/indicators/SO1.1")
    text = page.locator(".rating-list").inner_text()
    assert "Person A said mornings were calmer." in text and "Sarah" not in text
    context.close()


def test_a_record_full_of_script_runs_none(server, browser) -> None:
    base, data_dir = server
    payload = "\n\n".join(XSS)
    with Evidence(data_dir) as ev:
        record = ev.create(
            {
                "type": "test_of_change",
                "title": XSS[1] + " title",
                "date": "2025-02-02",
                "consent": "public",
                "indicators": ["SO2.1"],
                "tags": [XSS[0]],
                "quotes": XSS[:3],
                "people": [],
                "body": payload,
                "fields": {"status": "testing", "change": payload, "learning": XSS[2]},
            },
            "test",
        )
    for bypass_csp in (False, True):
        # With the CSP bypassed, what is checked is the page's own escaping and sanitising.
        context = browser.new_context(bypass_csp=bypass_csp)
        page = context.new_page()
        dialogs: list[str] = []

        def on_dialog(dialog, seen=dialogs) -> None:
            seen.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        log_in(page, base, "viewer")
        for path in (
            f"/records/{record.id}",
            "/records",
            "/search?q=title",
            "/search?q=" + "%3Cscript%3Ealert(1)%3C/script%3E",
            "/indicators/SO2.1",
        ):
            page.goto(base + path)
            page.wait_for_load_state("load")
            for link in page.locator("main a").all():
                href = (link.get_attribute("href") or "").strip().lower()
                assert not href.startswith(("javascript:", "data:")), (path, href)
        page.goto(f"{base}/records/{record.id}")
        assert "{{ 7 * 7 }}" in page.inner_text("main")  # Jinja syntax shows literally
        assert page.locator("main iframe, main form[action^='https'], main svg").count() == 0
        if not bypass_csp:
            shot(page, "xss-record")
        assert not dialogs, dialogs
        context.close()
