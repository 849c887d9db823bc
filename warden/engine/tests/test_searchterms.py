from __future__ import annotations

import re

import pytest

from warden.engine.searchterms import (
    QUERY_HINT,
    SearchQuery,
    engine_for_host,
    extract_search,
    is_search_host,
)


@pytest.mark.parametrize(
    ("url", "engine", "query"),
    [
        (
            "https://www.google.co.uk/search?q=how+to+kill+myself&source=hp",
            "google",
            "how to kill myself",
        ),
        (
            "https://www.google.com.au/search?client=firefox&q=caf%C3%A9+%26+bar",
            "google",
            "café & bar",
        ),
        ("https://www.google.de/webhp?hl=de#q=fragment+query", "google", "fragment query"),
        ("https://www.google.com/complete/search?q=how+to+k&client=gws", "google", "how to k"),
        ("https://www.bing.com/search?q=self%20harm&form=QBLH", "bing", "self harm"),
        ("https://www.bing.com/images/search?q=knives", "bing", "knives"),
        ("https://duckduckgo.com/?q=s.u.i.c.i.d.e&t=h_", "duckduckgo", "s.u.i.c.i.d.e"),
        ("https://html.duckduckgo.com/html/?q=vape+shop", "duckduckgo", "vape shop"),
        ("https://www.youtube.com/results?search_query=knife+fight", "youtube", "knife fight"),
        ("https://m.youtube.com/results?search_query=drill", "youtube", "drill"),
        ("https://uk.search.yahoo.com/search?p=buy+weed&fr=yfp", "yahoo", "buy weed"),
        ("https://www.ecosia.org/search?method=index&q=vape", "ecosia", "vape"),
        ("https://www.baidu.com/s?wd=%E8%87%AA%E6%9D%80&ie=utf-8", "baidu", "自杀"),
        ("https://www.baidu.com/s?ie=gbk&wd=%D7%D4%C9%B1", "baidu", "自杀"),
        ("https://yandex.ru/search/?text=%D1%81%D1%83%D0%B8%D1%86%D0%B8%D0%B4", "yandex", "суицид"),
        ("https://www.startpage.com/do/search?query=test+me", "startpage", "test me"),
        ("https://www.startpage.com/sp/search?q=other+form", "startpage", "other form"),
        ("https://www.qwant.com/?q=hello&t=web", "qwant", "hello"),
        ("https://search.brave.com/search?q=brave+query", "brave", "brave query"),
        ("https://www.ask.com/web?q=ask+me", "ask", "ask me"),
        ("https://search.aol.com/aol/search?q=aol+query", "aol", "aol query"),
        (
            "https://en.wikipedia.org/w/index.php?search=Suicide+methods&title=Special:Search",
            "wikipedia",
            "Suicide methods",
        ),
        ("https://en.wikipedia.org/wiki/Special:Search/Knife_crime", "wikipedia", "Knife crime"),
        ("https://www.mojeek.com/search?q=independent", "mojeek", "independent"),
        ("https://www.tiktok.com/search?q=blackout+challenge", "tiktok", "blackout challenge"),
        ("https://www.amazon.co.uk/s?k=zombie+knife", "amazon", "zombie knife"),
        ("https://www.ebay.co.uk/sch/i.html?_nkw=butterfly+knife", "ebay", "butterfly knife"),
        ("https://www.reddit.com/search/?q=selfharm", "reddit", "selfharm"),
        ("https://x.com/search?q=%23kms&src=typed_query", "twitter", "#kms"),
        ("https://www.pinterest.co.uk/search/pins/?q=thinspo", "pinterest", "thinspo"),
    ],
)
def test_search_engine_and_decoded_query_come_from_the_url(url, engine, query):
    assert extract_search(url) == SearchQuery(engine, query)
    # Bulk callers only parse URLs that match the hint, so every search URL must.
    assert re.search(QUERY_HINT, url)


def test_plus_is_a_space_and_a_percent_encoded_plus_is_a_plus():
    assert extract_search("https://www.google.com/search?q=c%2B%2B+vs+rust") == SearchQuery(
        "google", "c++ vs rust"
    )


def test_malformed_escapes_are_kept_as_typed():
    assert extract_search("https://www.google.com/search?q=100%+bad%ZZ") == SearchQuery(
        "google", "100% bad%ZZ"
    )


def test_whitespace_in_the_query_is_collapsed():
    assert extract_search("https://www.bing.com/search?q=++two%09%0Awords++") == SearchQuery(
        "bing", "two words"
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://www.google.com/url?q=https://example.com",
        "https://www.google.com/maps/place/somewhere",
        "https://www.google.com/search?q=",
        "http://example.com/?q=not+a+search+engine",
        "www.google.com:443",
        "https://notgoogle.com/search?q=x",
        "not a url",
    ],
)
def test_other_urls_give_no_search(url):
    assert extract_search(url) is None


def test_search_hosts_are_recognised_from_the_bare_host_name():
    assert is_search_host("www.google.co.uk")
    assert is_search_host("WWW.BING.COM.")
    assert engine_for_host("search.brave.com") == "brave"
    assert not is_search_host("www.bbc.co.uk")
    assert not is_search_host("google.evil.example")
