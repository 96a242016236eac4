"""The one Markdown helper: Markdown is rendered, raw HTML a person typed is shown as text."""

from __future__ import annotations

from learning.web.markup import render_markdown


def test_markdown_structure_is_rendered():
    html = str(render_markdown("# Heading\n\n- one\n- **two**\n\n| a | b |\n|---|---|\n| 1 | 2 |"))
    assert "<h2>Heading</h2>" in html  # the page owns the h1
    assert "<li><strong>two</strong></li>" in html
    assert "<table>" in html


def test_an_unclosed_tag_does_not_swallow_the_rest_of_the_text():
    html = str(render_markdown("We met <style> at the library and <textarea> talked for hours."))
    assert "talked for hours" in html
    assert "&lt;style&gt;" in html and "<style" not in html and "<textarea" not in html


def test_raw_html_and_scripts_show_as_text():
    html = str(render_markdown('<script>alert(1)</script> <img src=x onerror="alert(2)">'))
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_links_keep_only_safe_schemes():
    html = str(
        render_markdown("[ok](https://example.org) [bad](javascript:alert(1)) <http://x.org>")
    )
    assert 'href="https://example.org"' in html and 'href="http://x.org"' in html
    assert "javascript:" not in html
