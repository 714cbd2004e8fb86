"""Canonical URLs: trackers, fragments, ports and case never make a new article."""

from __future__ import annotations

import pytest

from briefing.collect.urls import canonical_url, display_url, is_http_url, resolve


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://News.Example/a/b?utm_source=rss&utm_medium=feed", "https://news.example/a/b"),
        ("https://news.example/a?id=7&fbclid=XYZ&gclid=1#comments", "https://news.example/a?id=7"),
        ("https://news.example/a?b=2&a=1&utm_campaign=x", "https://news.example/a?a=1&b=2"),
        ("http://news.example:80/a", "http://news.example/a"),
        ("https://news.example:443", "https://news.example/"),
        ("https://news.example:8443/a", "https://news.example:8443/a"),
        ("https://news.example/a?UTM_Source=x&mc_cid=1&_hsenc=2&igshid=3", "https://news.example/a"),
        ("https://news.example./a?page=", "https://news.example/a?page="),
        ("http://[::1]:8080/a?utm_term=x", "http://[::1]:8080/a"),
        # What identifies an article stays: hash-bang and hash routes, bare query keys,
        # every parameter that is not a tracker, values exactly as written.
        ("https://spa.example/#!/story/1", "https://spa.example/#!/story/1"),
        ("https://spa.example/news/#/story/2?x=1", "https://spa.example/news/#/story/2?x=1"),
        ("https://news.example/story.asp?12345", "https://news.example/story.asp?12345"),
        ("https://news.example/a?print&id=7&utm_source=x", "https://news.example/a?id=7&print"),
        ("https://news.example/a?q=a%2Fb&r=x+y&s=%20", "https://news.example/a?q=a%2Fb&r=x+y&s=%20"),
        ("https://news.example/a?id=2&id=1", "https://news.example/a?id=2&id=1"),
        ("https://news.example/a b?q=é", "https://news.example/a%20b?q=%C3%A9"),
        ("https://news.example/a#section-2", "https://news.example/a"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical
    assert canonical_url(canonical) == canonical  # idempotent


def test_is_http_url() -> None:
    assert is_http_url("https://example.org/x") and is_http_url("HTTP://example.org")
    for bad in ("ftp://example.org/", "javascript:alert(1)", "file:///etc/passwd", "/relative",
                "https://", "http://example.org:99999/", "http://[::1"):
        assert not is_http_url(bad), bad


def test_resolve() -> None:
    assert resolve("https://a.example/x/y", "../z") == "https://a.example/z"
    assert resolve("https://a.example/x", "//b.example/q") == "https://b.example/q"
    assert resolve("https://a.example/x", "mailto:me@a.example") is None
    assert resolve("https://a.example/x", "  ") is None
    assert resolve("https://a.example/", None) is None


def test_display_url_hides_credentials_and_secret_parameters() -> None:
    shown = display_url("https://user:hunter2@feeds.example/private.xml?token=abc&lang=en&api_key=k")
    assert shown == "https://***@feeds.example/private.xml?token=***&lang=en&api_key=***"
    assert "hunter2" not in shown and "abc" not in shown
    assert display_url("http://[::1]:8080/a") == "http://[::1]:8080/a"
