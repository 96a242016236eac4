"""Search snippets on the page: Markdown markers removed, markup and entities untouched."""

from __future__ import annotations

import pytest

from learning.web.markup import plain_snippet

pytest_plugins = ["tests.web_fixtures"]


@pytest.mark.parametrize(
    ("escaped", "shown"),
    [
        (
            "say. **What the <mark>family</mark> said** - Being",
            "say. What the <mark>family</mark> said - Being",
        ),
        ("…cut **What the <mark>family</mark>…", "…cut What the <mark>family</mark>…"),
        ("## What changed It got &lt;b&gt;better", "What changed It got &lt;b&gt;better"),
        ("… ### Key <mark>messages</mark>", "… Key <mark>messages</mark>"),
        ("__Why__ it &amp; __that__", "Why it &amp; that"),
        ("type:family_story #hashtag C# code", "type:family_story #hashtag C# code"),
        ("&amp;**lt;script&amp;**gt;", "&amp;lt;script&amp;gt;"),
    ],
)
def test_snippets_lose_markdown_markers_only(escaped: str, shown: str) -> None:
    assert str(plain_snippet(escaped)) == shown


def test_the_search_page_shows_snippets_without_bold_markers(app, as_role) -> None:
    from learning.http.state import evidence

    editor = as_role("editor")
    with app.app_context():
        evidence().create(
            {
                "type": "test_of_change",
                "title": "Ravenwood letter test",
                "date": "2025-02-02",
                "consent": "public",
                "indicators": ["SO2.1"],
                "body": "## Ravenwood\n\n**What the ravenwood family said** <b>x</b>",
                "fields": {"status": "testing"},
            },
            "editor",
        )
    page = editor.get("/search?q=ravenwood").get_data(as_text=True)
    snippet = page.split('class="snippet">', 1)[1].split("</p>", 1)[0]
    assert "**" not in snippet and "##" not in snippet
    assert "&lt;b&gt;" in snippet and "<b>" not in snippet
    assert "<mark>" in snippet
