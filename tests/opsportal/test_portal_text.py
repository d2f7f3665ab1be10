"""Text helpers: a person's display name, and http(s) addresses in text as links."""

from __future__ import annotations

from types import SimpleNamespace

from opsportal.templatetags.portal_text import active_filters, person, web_links


def user(full: str, username: str) -> SimpleNamespace:
    return SimpleNamespace(get_full_name=lambda: full, get_username=lambda: username)


class TestPerson:
    def test_it_prefers_the_full_name_then_the_username(self) -> None:
        assert person(user("Olivia Ops", "olivia")) == "Olivia Ops"
        assert person(user("  ", "olivia")) == "olivia"
        assert person(None, "nobody") == "nobody"


class TestWebLinks:
    def test_it_links_http_and_https_addresses_and_leaves_trailing_punctuation(self) -> None:
        html = web_links("See https://ci.example.com/run/7?a=1&b=2. Then http://x.test")
        assert '<a href="https://ci.example.com/run/7?a=1&amp;b=2" rel="noopener noreferrer">' in html
        assert "</a>. Then " in html
        assert '<a href="http://x.test"' in html

    def test_it_links_no_other_scheme_and_escapes_the_text(self) -> None:
        html = web_links('javascript:alert(1) <b>bold</b> ftp://files.test "https://a.test/"onmouseover=x')
        assert "javascript:alert(1)" in html and 'href="javascript' not in html
        assert "&lt;b&gt;bold&lt;/b&gt;" in html
        assert 'href="ftp' not in html
        assert '"onmouseover' not in html


class TestActiveFilters:
    def test_it_counts_the_filters_set_but_not_the_page(self) -> None:
        from django.http import QueryDict

        assert active_filters(QueryDict("status=open&page=2&service=&risk=high")) == 2
        assert active_filters(None) == 0
