"""Markdown is rendered safely: script, javascript: links and event handlers never reach the page live."""

from __future__ import annotations

import re

import pytest

from knowledge import services
from knowledge.rendering import diff_lines, render_markdown

LIVE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+=", re.IGNORECASE)  # a real tag with an on… attribute
HOSTILE = """# Title

<script>alert("x")</script>

[click](javascript:alert(1)) [also](JaVaScRiPt:alert(2)) [ok](https://example.com/runbook)

<img src=x onerror="alert(3)"> <a href="https://e.example" onclick="alert(4)">x</a>

<iframe src="https://evil.example"></iframe>
"""


class TestRenderMarkdown:
    def test_script_tags_render_as_text(self):
        html = render_markdown(HOSTILE)
        assert "<script" not in html
        assert "&lt;script&gt;" in html

    def test_javascript_links_are_not_links(self):
        html = render_markdown(HOSTILE)
        assert 'href="javascript' not in html.lower()
        assert '<a href="https://example.com/runbook" rel="noopener noreferrer">ok</a>' in html

    def test_inline_event_handlers_and_frames_are_inert(self):
        html = render_markdown(HOSTILE)
        assert "<img" not in html and "<iframe" not in html
        assert not LIVE_HANDLER.search(html)

    def test_markdown_structure_survives(self):
        html = render_markdown("## Steps\n\n1. One\n2. Two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n`code`")
        assert "<h2>Steps</h2>" in html and "<ol>" in html and "<table>" in html and "<code>code</code>" in html


class TestDiffLines:
    def test_it_types_added_and_removed_lines(self):
        lines = diff_lines("a\nb\nc\n", "a\nB\nc\n")
        kinds = [(line.kind, line.text) for line in lines if line.kind != "hunk"]
        assert ("remove", "b") in kinds and ("add", "B") in kinds and ("context", "a") in kinds


@pytest.mark.django_db
class TestHostilePageIsInertOverHtmlAndApi:
    def test_the_page_and_the_api_html_carry_no_live_script(self, client_for, oncall_user):
        page = services.page_create(by=oncall_user, title="Hostile", body=HOSTILE)
        client = client_for(oncall_user)
        response = client.get(f"/knowledge/{page.pk}/")
        assert response.status_code == 200
        body = response.content.decode()
        article = body[body.index('data-testid="page-body"') :]
        assert "<script" not in article.split("</article>")[0]
        assert "javascript:" not in article.split("</article>")[0].lower().replace("(javascript:alert", "")
        api = client.get(f"/api/v1/knowledge/pages/{page.pk}/").json()
        assert "<script" not in api["html"] and 'href="javascript' not in api["html"].lower()
        assert not LIVE_HANDLER.search(api["html"])

    def test_the_diff_escapes_what_it_shows(self, client_for, oncall_user):
        page = services.page_create(by=oncall_user, title="Diffed", body="safe\n")
        services.page_update(page=page, by=oncall_user, body="safe\n<script>alert(1)</script>\n")
        response = client_for(oncall_user).get(f"/knowledge/{page.pk}/diff/?from=1&to=2")
        assert response.status_code == 200
        assert b"<script>alert(1)</script>" not in response.content
        assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content
