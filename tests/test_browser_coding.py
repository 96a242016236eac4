"""Coding on a record's page in headless Chromium (#21 item 8): words selected, or typed with
the keyboard alone, are coded through the API at their code-point positions (an emoji before
them counts one), the passage is marked in its code's colour with a label, the page without
JavaScript codes checked sentences, and axe finds nothing serious for an editor or a viewer.

Run alone with ``pytest -m browser -k coding``.
"""

from __future__ import annotations

import requests

from evidence import accounts
from learning.coding import codebook
from learning.services import Evidence
from tests.builders import record_data
from tests.test_browser import browser, check_axe, log_in, pytestmark, server, shot  # noqa: F401

pytest_plugins = ["tests.web_fixtures"]

BODY = (
    "Nana 😀 said the café felt like home to her. We came back every week.\n\n"
    "The café asked what we wanted. We came back every week after that."
)
WORDS = "felt like home"
TWICE = "We came back every week"


def _record(data_dir) -> str:
    with Evidence(data_dir) as ev:
        codebook.create(ev, {"id": "belonging", "name": "Belonging", "colour": "#1d70b8"}, "test")
        return ev.create(record_data(title="The café felt like home", consent="anonymised",
                                     people=[], body=BODY, quotes=[], fields={}, tags=[]),
                         "test").id  # fmt: skip


def _excerpts(base: str, data_dir, record: str) -> list[dict]:
    with Evidence(data_dir) as ev:
        token = accounts.create_token(ev.store, "editor")
    answer = requests.get(f"{base}/api/records/{record}/excerpts", timeout=30,
                          headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    return sorted(answer.json()["excerpts"], key=lambda e: e["start"])


def _watch(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


SELECT = """([words]) => {
  const run = [...document.querySelectorAll('#coding-text span[data-at]')]
    .find(s => s.textContent.includes(words));
  const node = run.firstChild, at = node.data.indexOf(words);
  window.getSelection().setBaseAndExtent(node, at, node, at + words.length + 1);
}"""


def test_an_editor_codes_selected_and_typed_words(server, browser) -> None:  # noqa: F811
    base, data_dir = server
    record = _record(data_dir)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = _watch(page)
    log_in(page, base, "editor")
    page.goto(f"{base}/records/{record}")
    assert page.locator("#coding-sentences").get_attribute("open") is None  # words come first

    # Selected words (with the space after them, as a double-click takes): the emoji before
    # them is one code point for the API and two UTF-16 units for the page.
    page.evaluate(SELECT, [WORDS])
    assert page.input_value("#coding-words") == WORDS
    page.select_option("#code", "belonging")
    page.fill("#memo", "Home, in her words")
    page.focus("#coding-selection-button")
    page.keyboard.press("Enter")
    page.locator("#coding-status", has_text="Coded").wait_for()
    coded = _excerpts(base, data_dir, record)
    assert [(e["start"], e["end"], e["text"]) for e in coded] == [
        (BODY.index(WORDS), BODY.index(WORDS) + len(WORDS), WORDS)
    ]
    mark = page.locator("#coding-text mark.passage", has_text=WORDS)
    assert "Belonging" in mark.inner_text()
    colour = mark.evaluate("m => getComputedStyle(m).borderBottomColor")
    assert colour == "rgb(29, 112, 184)"  # #1d70b8, from the codebook's stylesheet
    assert "Home, in her words" in page.locator("#coded-passages-list").inner_text()

    # The keyboard alone: words typed, then which time they appear, then Enter.
    page.focus("#coding-words")
    page.keyboard.type(TWICE)
    page.keyboard.press("Enter")
    page.locator("#coding-status", has_text="appear 2 times").wait_for()
    assert page.evaluate("document.activeElement.id") == "coding-occurrence"
    page.keyboard.type("2")
    page.keyboard.press("Enter")
    page.locator("#coding-status", has_text="Coded").wait_for()
    second = BODY.index(TWICE, BODY.index(TWICE) + 1)
    assert [e["start"] for e in _excerpts(base, data_dir, record)] == [BODY.index(WORDS), second]
    assert page.locator("#coding-text mark.passage").count() == 2
    shot(page, "record-coding-editor")
    check_axe(page, "record page with coded passages, as editor")
    assert not errors, errors
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, base, "viewer")
    page.goto(f"{base}/records/{record}")
    assert page.locator("#coding-text mark.passage").count() == 2
    assert "Home, in her words" not in page.content()
    check_axe(page, "record page with coded passages, as viewer")
    context.close()


def test_without_javascript_an_editor_codes_checked_sentences(server, browser) -> None:  # noqa: F811
    base, data_dir = server
    record = _record(data_dir)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, base, "editor")
    page.goto(f"{base}/records/{record}")
    assert page.locator("#coding-words").is_hidden()
    page.get_by_label("The café asked what we wanted.").check()
    page.get_by_label("Code", exact=True).select_option("belonging")
    page.get_by_role("button", name="Code the checked sentences").click()
    page.wait_for_url(f"{base}/records/{record}#coded-passages")
    mark = page.locator("#coding-text mark.passage")
    assert mark.count() == 1 and "The café asked what we wanted." in mark.inner_text()
    assert "Belonging" in mark.inner_text()
    assert "Coded passages (1)" in page.locator("#coded-passages-list").inner_text()
    context.close()
