"""What a pupil searched for, read from the URL of a search page.

:func:`extract_search` knows the common web search engines (Google in all its country
domains, Bing, DuckDuckGo, Yahoo, Ecosia, Baidu, Yandex, Startpage, Qwant, Brave Search, Ask,
AOL, Mojeek, Seznam, Naver, Dogpile, Swisscows, Kagi, You.com, Yep), the search pages of
sites pupils search on (YouTube, Wikipedia, Amazon, eBay, Reddit, X/Twitter, TikTok,
Pinterest, Vimeo, Dailymotion, Spotify, Instagram and TikTok tag pages) and returns the
engine and the decoded query, or None for any other URL.

Decoding follows the HTML form rules search engines use: ``+`` is a space, ``%XX`` a byte,
and the bytes are UTF-8 unless the engine says otherwise (Baidu's ``ie=gbk``, Yandex's
``ie=cp1251``); malformed escapes are kept as typed rather than dropped. The query is
returned with its whitespace collapsed.

:func:`is_search_host` answers, for a bare host name, whether the host belongs to one of
these engines, so a caller with many URLs can pick out the few worth parsing.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

__all__ = [
    "QUERY_HINT",
    "SEARCH_HOST_PATTERN",
    "SearchQuery",
    "engine_for_host",
    "extract_search",
    "is_search_host",
]


@dataclass(frozen=True, slots=True)
class SearchQuery:
    engine: str
    query: str


@dataclass(frozen=True, slots=True)
class _Engine:
    name: str
    host: re.Pattern[str]
    # (path regex, query parameter names in order of preference); the first rule whose path
    # matches and whose parameter is present gives the query.
    rules: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]
    # Parameter naming the character set of the query, if the engine has one.
    charset_param: str | None = None


def _engine(
    name: str,
    host: str,
    rules: list[tuple[str, tuple[str, ...]]],
    charset_param: str | None = None,
) -> _Engine:
    return _Engine(
        name,
        re.compile(host),
        tuple((re.compile(path), params) for path, params in rules),
        charset_param,
    )


_ANY = r".*"
# Google's search properties are google.<tld> and google.co.<cc> / google.com.<cc>.
_GOOGLE = r"^(?:[a-z0-9-]+\.)*google\.(?:com|co|com?\.[a-z]{2}|[a-z]{2,3})$"

_ENGINES: tuple[_Engine, ...] = (
    _engine(
        "google",
        _GOOGLE,
        [
            (r"^/(?:search|webhp|complete/search|images|m/search|s)$", ("q", "as_q")),
            (r"^/$", ("q",)),
        ],
    ),
    _engine(
        "youtube",
        r"^(?:www\.|m\.|music\.)?youtube\.com$",
        [(r"^/results$", ("search_query", "q")), (r"^/search$", ("q",))],
    ),
    _engine(
        "bing",
        r"^(?:www\.|cn\.|m\.)?bing\.com$",
        [(r"^/(?:search|images/search|videos/search|news/search|shop)$", ("q",))],
    ),
    _engine("duckduckgo", r"^(?:www\.|html\.|lite\.|start\.)?duckduckgo\.com$", [(_ANY, ("q",))]),
    _engine(
        "yahoo",
        r"^(?:[a-z]{2}\.)?(?:search|images\.search|video\.search|news\.search)\.yahoo\.com$",
        [(_ANY, ("p", "q"))],
    ),
    _engine("ecosia", r"^(?:www\.)?ecosia\.org$", [(r"^/(?:search|images|videos|news)$", ("q",))]),
    _engine(
        "baidu",
        r"^(?:www\.|m\.|image\.)?baidu\.com$",
        [(r"^/(?:s|from=\w+/s|search)?$", ("wd", "word", "kw"))],
        "ie",
    ),
    _engine(
        "yandex",
        r"^(?:www\.)?(?:yandex\.(?:ru|com|com\.tr|by|kz|ua|uz)|ya\.ru)$",
        [(r"^/(?:search|images/search|video/search)/?$", ("text",))],
        "ie",
    ),
    _engine(
        "startpage",
        r"^(?:www\.|eu\.|us\.)?startpage\.com$",
        [(r"^/(?:do/search|do/dsearch|sp/search|search)$", ("query", "q"))],
    ),
    _engine("qwant", r"^(?:www\.|lite\.)?qwant\.com$", [(_ANY, ("q",))]),
    _engine("brave", r"^search\.brave\.com$", [(r"^/(?:search|images|videos|news)$", ("q",))]),
    _engine(
        "ask", r"^(?:www\.|[a-z]{2}\.)?ask\.com$", [(r"^/(?:web|search|youtube)$", ("q", "query"))]
    ),
    _engine("aol", r"^(?:search|[a-z]{2}\.search)\.aol\.(?:com|co\.uk)$", [(_ANY, ("q", "query"))]),
    _engine(
        "wikipedia",
        r"^(?:[a-z-]+\.)?(?:m\.)?wikipedia\.org$",
        [
            (r"^/w/index\.php$", ("search",)),
            (r"^/wiki/(?:Special|Spezial|Sp%C3%A9cial):(?:Search|Suche|Recherche)$", ("search",)),
        ],
    ),
    _engine("mojeek", r"^(?:www\.)?mojeek\.(?:com|co\.uk)$", [(r"^/search$", ("q",))]),
    _engine("seznam", r"^search\.seznam\.cz$", [(_ANY, ("q",))]),
    _engine("naver", r"^(?:search|m\.search)\.naver\.com$", [(_ANY, ("query",))]),
    _engine("dogpile", r"^(?:www\.)?dogpile\.com$", [(r"^/serp$", ("q",))]),
    _engine("swisscows", r"^(?:www\.)?swisscows\.com$", [(_ANY, ("query",))]),
    _engine("kagi", r"^kagi\.com$", [(r"^/(?:search|images)$", ("q",))]),
    _engine("you", r"^(?:www\.)?you\.com$", [(r"^/search$", ("q",))]),
    _engine("yep", r"^(?:www\.)?yep\.com$", [(r"^/web$", ("q",))]),
    _engine(
        "amazon",
        r"^(?:www\.)?amazon\.(?:com|co\.uk|de|fr|it|es|ca|com\.au|in)$",
        [(r"^/s/?$", ("k", "field-keywords"))],
    ),
    _engine(
        "ebay", r"^(?:www\.)?ebay\.(?:com|co\.uk|de|fr|it|es|com\.au)$", [(r"^/sch/", ("_nkw",))]
    ),
    _engine("reddit", r"^(?:www\.|old\.|new\.)?reddit\.com$", [(r"(?:^|/)search/?$", ("q",))]),
    _engine("twitter", r"^(?:www\.|mobile\.)?(?:twitter|x)\.com$", [(r"^/search$", ("q",))]),
    _engine("tiktok", r"^(?:www\.|m\.)?tiktok\.com$", [(r"^/search(?:/\w+)?$", ("q",))]),
    _engine(
        "pinterest", r"^(?:[a-z]{2}\.|www\.)?pinterest\.(?:com|co\.uk)$", [(r"^/search/", ("q",))]
    ),
    _engine("vimeo", r"^(?:www\.)?vimeo\.com$", [(r"^/search", ("q",))]),
    _engine("dailymotion", r"^(?:www\.)?dailymotion\.com$", [(r"^/search/", ())]),
    _engine("spotify", r"^open\.spotify\.com$", [(r"^/search/", ())]),
    _engine(
        "instagram",
        r"^(?:www\.)?instagram\.com$",
        [(r"^/explore/(?:tags|search/keyword)/", ("q",))],
    ),
)

# Engines whose query is the last path segment rather than a parameter.
_PATH_QUERY = re.compile(
    r"^/(?:search|explore/tags|tag)/(?P<query>[^/?#]+)/?(?:videos|results)?/?$"
)
_WIKI_PATH_QUERY = re.compile(r"^/wiki/Special:Search/(?P<query>[^?#]+)$")
_HOST_OF_URL = re.compile(
    r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//(?:[^@/?#]*@)?(?P<host>\[[^\]]*\]|[^:/?#]*)(?::\d*)?"
    r"(?P<path>[^?#]*)(?:\?(?P<query>[^#]*))?(?:#(?P<fragment>.*))?$",
    re.DOTALL,
)
_CHARSETS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "gbk": "gbk",
    "gb2312": "gbk",
    "gb18030": "gb18030",
    "big5": "big5",
    "cp1251": "cp1251",
    "windows-1251": "cp1251",
    "koi8-r": "koi8-r",
    "iso-8859-1": "latin-1",
    "latin1": "latin-1",
}


# All host patterns in one expression: one match per host instead of one per engine.
_ANY_HOST = re.compile(
    "|".join(f"(?P<e{index}>{engine.host.pattern})" for index, engine in enumerate(_ENGINES))
)


SEARCH_HOST_PATTERN = "|".join(f"(?:{engine.host.pattern})" for engine in _ENGINES)
"""Every engine's host pattern in one regular expression (RE2 and Python alike), for picking
out search engines among many lower-case host names in bulk."""


@functools.lru_cache(maxsize=4096)
def _engine_at(host: str) -> _Engine | None:
    match = _ANY_HOST.match(host)
    if match is None or match.lastgroup is None:
        return None
    return _ENGINES[int(match.lastgroup[1:])]


QUERY_HINT = (
    r"[?&#](?:q|p|wd|word|kw|text|query|search|search_query|k|_nkw|as_q|field-keywords)="
    r"|/search/|Special:Search/|/explore/tags/|/explore/search/"
)
"""A regular expression (RE2 and Python) that every URL :func:`extract_search` reads a query
from contains, for picking out candidate URLs in bulk before parsing them one by one."""


def engine_for_host(host: str) -> str | None:
    """The name of the search engine at ``host`` (a bare host name), or None."""
    engine = _engine_at(host.lower().rstrip("."))
    return engine.name if engine is not None else None


def is_search_host(host: str) -> bool:
    return engine_for_host(host) is not None


def _decode(value: str, charset: str) -> str:
    raw = unquote_to_bytes(value.replace("+", " "))
    try:
        return raw.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return raw.decode("utf-8", "replace")


def _params(query: str) -> dict[str, str]:
    """The first value of each parameter, still encoded."""
    out: dict[str, str] = {}
    for pair in query.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        name = unquote_to_bytes(name.replace("+", " ")).decode("utf-8", "replace")
        out.setdefault(name, value)
    return out


def _tidy(query: str) -> str:
    return " ".join(query.split())


def extract_search(url: str) -> SearchQuery | None:
    """The search engine and decoded query of a search page URL, or None."""
    parts = _HOST_OF_URL.match(url.strip())
    if parts is None:
        return None
    engine = _engine_at(parts.group("host").lower().rstrip("."))
    if engine is None:
        return None
    path = parts.group("path") or "/"
    params = _params(parts.group("query") or "")
    # Google's and DuckDuckGo's pages once put the query in the fragment ("#q=...").
    fragment = parts.group("fragment") or ""
    if "=" in fragment:
        for key, encoded in _params(fragment).items():
            params.setdefault(key, encoded)
    charset = "utf-8"
    if engine.charset_param and engine.charset_param in params:
        label = _decode(params[engine.charset_param], "ascii").strip().lower()
        charset = _CHARSETS.get(label, "utf-8")
    for path_rule, names in engine.rules:
        if not path_rule.search(path):
            continue
        for name in names:
            value = params.get(name)
            if value:
                query = _tidy(_decode(value, charset))
                if query:
                    return SearchQuery(engine.name, query)
    if engine.name == "wikipedia":
        match = _WIKI_PATH_QUERY.match(path)
        if match:
            query = _tidy(_decode(match.group("query").replace("_", " "), charset))
            return SearchQuery(engine.name, query) if query else None
    match = _PATH_QUERY.match(path)
    if match and engine.name in _PATH_ENGINES:
        query = _tidy(_decode(match.group("query"), charset))
        return SearchQuery(engine.name, query) if query else None
    return None


_PATH_ENGINES = frozenset({"dailymotion", "spotify", "instagram", "pinterest", "tiktok"})
