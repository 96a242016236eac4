"""Headers on every answer, safe Markdown, and no script from what people type."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from learning.http.state import evidence
from learning.web.markup import render_markdown
from tests.web_helpers import login

pytest_plugins = ["tests.web_fixtures"]

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)">',
    "[link](javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<svg onload="alert(1)"></svg>',
    '<iframe src="https://evil.example"></iframe>',
    '<form action="https://evil.example"><input name=a></form>',
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<div style="background:url(javascript:alert(1))" onclick="alert(1)">x</div>',
    "<object data=x></object><embed src=x>",
    '"><script>alert(1)</script>',
]


class _Elements(HTMLParser):
    """Every element and attribute in a piece of HTML (escaped text is not an element)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append(tag)
        self.attributes += [(name, value or "") for name, value in attrs]


SAFE_TAGS = {"p", "a", "strong", "em", "code", "pre", "ul", "ol", "li", "h2", "blockquote", "br"}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_keeps_no_script(payload: str) -> None:
    html = str(render_markdown(f"Before\n\n{payload}\n\nAfter"))
    elements = _Elements()
    elements.feed(html)
    assert set(elements.tags) <= SAFE_TAGS, (payload, html)
    for name, value in elements.attributes:
        assert name in {"href", "rel", "title"}, (payload, html)
        assert not value.lower().startswith(("javascript:", "data:", "vbscript:")), (payload, html)
    assert "After" in html  # nothing a person typed swallows the rest of the text


def test_markdown_keeps_ordinary_formatting() -> None:
    html = str(render_markdown("# Heading\n\n**bold** and [a link](https://example.org)\n\n- one"))
    assert "<h2>Heading</h2>" in html and "<strong>bold</strong>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">a link</a>' in html
    assert "<li>one</li>" in html


class _Tags(HTMLParser):
    """Every tag and attribute the browser would build from a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


# The application's own scripts, files of its origin (the record page's coding.js).
OWN_SCRIPTS = ({"src": "/static/coding.js", "defer": ""},)


def _assert_no_script(html: str) -> None:
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        if tag == "script" and attrs in OWN_SCRIPTS:
            continue
        assert tag not in ("script", "iframe", "object", "embed", "base", "svg"), tag
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("href", "src", "action"):
            value = attrs.get(name, "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "http")), (tag, attrs)
        if tag == "meta":
            assert "http-equiv" not in attrs, attrs


def test_a_record_full_of_payloads_is_shown_safely(app, as_role, make_record) -> None:
    payload = "\n\n".join(PAYLOADS)
    with app.app_context():
        record = evidence().create(
            make_record(
                title=PAYLOADS[1],
                body=payload + "\n\n{{ 7 * 7 }} {% raw %}",
                quotes=PAYLOADS[:4],
                tags=[PAYLOADS[0]],
                consent="public",
                people=[],
                fields={"family": PAYLOADS[6], "what_changed": payload},
            ),
            "test",
        )
    editor = as_role("editor")
    for path in (
        f"/records/{record.id}",
        f"/records/{record.id}/edit",
        "/records",
        "/",
        "/search?q=alert",
        f"/search?q={PAYLOADS[0]}",
        "/indicators/SO1.1",
        f"/records/{record.id}/history",
    ):
        html = editor.get(path).get_data(as_text=True)
        _assert_no_script(html)
    page = editor.get(f"/records/{record.id}").get_data(as_text=True)
    assert "{{ 7 * 7 }}" in page  # shown as typed, so never evaluated
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # the title, escaped


def test_headers_on_pages_api_and_errors(as_role, seed) -> None:
    viewer = as_role("viewer")
    for path in ("/", "/records", f"/records/{seed.public}", "/api/records", "/nope", "/api/nope"):
        response = viewer.get(path)
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp and "base-uri 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] in ("same-origin", "no-referrer")
        assert headers["Cache-Control"] == "no-store", path


def test_login_page_and_static_files(client) -> None:
    login_page = client.get("/login")
    assert login_page.headers["Cache-Control"] == "no-store"
    assert 'lang="en-GB"' in login_page.get_data(as_text=True)
    with client.get("/static/wm2u.css") as css:
        assert css.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" not in css.headers.get("Cache-Control", "")


def test_session_cookie_flags(client) -> None:
    response = login(client, "viewer")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_load_nothing_from_elsewhere(as_role, seed) -> None:
    editor = as_role("editor")
    for path in ("/", "/records/new?type=family_story", f"/records/{seed.public}", "/search?q=a"):
        html = editor.get(path).get_data(as_text=True)
        assert "http://" not in html and "https://" not in html, path
