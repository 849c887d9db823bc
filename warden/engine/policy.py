"""Filtering decisions: who is asking, what the URL is, and what the school's policy says.

:class:`Policy` is a snapshot compiled for speed: each group's blocked, alerted and allowed
categories become bitmasks over the category index, so a decision is a few dictionary
probes and ``&`` operations. Time-of-day rules are folded into those masks once a minute,
not evaluated per request.

The order of the rules, most binding first:

1. No valid policy: block everything ("no valid policy"), unless the helper was started with
   an explicit fail-open setting.
2. A site in an illegal category is blocked for everyone; no exception or rule opens it.
3. An unexpired exception for the site and the group allows it. Exceptions lapse by
   themselves: the expiry is compared with the time of each request.
4. A blocked category (including one blocked by a time rule) blocks.
5. An alerted category allows the request and flags it (``alert``).
6. An allowed category allows it.
7. Anything else follows the group's default: ``allow``, or ``block`` for walled-garden and
   no-internet groups.

Allowed requests from a group with safe search are rewritten to the search engine's safe
form: Google ``safe=active``, Bing ``adlt=strict``, DuckDuckGo ``kp=1``. YouTube has no URL
form of Restricted Mode; its requests carry a ``youtube-restrict=strict`` annotation that
Squid turns into the ``YouTube-Restrict: Strict`` header Google documents (see
:mod:`warden.engine.squid`).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple
from urllib.parse import quote, unquote_plus
from zoneinfo import ZoneInfo

from warden.engine.categories import BY_SLUG, ILLEGAL_SLUGS
from warden.engine.lists import (
    normalise_domain_entry,
    normalise_host,
    normalise_path,
    split_url,
    strip_common_host_label,
)
from warden.engine.snapshot import (
    GroupRules,
    PolicySnapshot,
    SiteException,
    SnapshotHolder,
    normalise_user,
)

NO_POLICY_REASON = "no valid policy"
UNREADABLE_REASON = "the request could not be read"
TOO_LONG_REASON = "the request is too long to check"
BAD_NAME_REASON = "the site's name is not valid"
# Bounds on each field of a request, checked before any other work so that no request can
# cost more than a fixed amount (docs/security.md, "Squid helper"). Squid itself refuses
# URLs over 8 KiB; a DNS name is at most 253 characters, and the host part below also
# holds the port, userinfo and percent-escapes.
MAX_URL = 1 << 16
MAX_AUTHORITY = 1024
MAX_NAME = 256
# The block page shows the address it was given: a shortened one (this many characters,
# escaped) is enough to recognise it, and keeps the helper's answer and the redirect small.
_BLOCK_PAGE_URL_LIMIT = 2048
# Where blocks go when there is no snapshot to name a block page: a reserved name that
# never resolves, so the browser shows an error rather than the site.
FALLBACK_BLOCK_PAGE = "http://warden.invalid/blocked"
# Per-helper caches (users, addresses, hosts passed) stop at this many keys and start again:
# Squid runs up to 20 helpers, each holding its own, and a school's traffic re-warms them in
# milliseconds.
_CACHE_LIMIT = 1 << 14


class Action(StrEnum):
    ALLOW = "allow"
    BLOCK = "block"
    ALERT = "alert"


class Decision(NamedTuple):
    """What to do with one request.

    ``category`` is the category that decided (the most serious one for blocks and alerts;
    ``""`` when none did); ``categories`` is everything the URL is listed under.
    ``redirect_url`` is set for blocks, ``rewrite_url`` for safe-search rewrites, and
    ``notes`` carries annotations for the proxy (``youtube-restrict``). A named tuple
    rather than a dataclass: the helper makes one per request, and tuples build fastest.
    """

    action: Action
    category: str
    group: str
    reason: str
    categories: tuple[str, ...] = ()
    redirect_url: str | None = None
    rewrite_url: str | None = None
    notes: tuple[tuple[str, str], ...] = ()

    @property
    def blocked(self) -> bool:
        return self.action is Action.BLOCK


# Query-component escaping at C speed for ASCII text; urllib's quote is ten times slower
# and a block costs one escape per request field.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_ESCAPES = {code: f"%{code:02X}" for code in range(128) if chr(code) not in _UNRESERVED}


def escape(value: str) -> str:
    """Percent-encode ``value`` for a URL query (everything but unreserved characters).

    Bytes that were not UTF-8 (kept as surrogate escapes by the helper) go back to the
    bytes they were, so ``x\\xffy`` becomes ``x%FFy``.
    """
    if value.isascii():
        return value.translate(_ESCAPES)
    return quote(value, safe="", errors="surrogateescape")


# Characters a URL may carry as they are: reserved ones, and "%" so that escapes stay.
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"


def ascii_url(url: str) -> str:
    """``url`` with anything outside ASCII percent-encoded (its UTF-8 or original bytes)."""
    return url if url.isascii() else quote(url, safe=_URL_SAFE, errors="surrogateescape")


_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def unusable_host(authority: str) -> bool:
    """Whether a URL's host part cannot be a host name: empty, or holding control
    characters, spaces or bytes that were not UTF-8."""
    return not authority or _CONTROL.search(authority) is not None or has_undecodable(authority)


def has_undecodable(text: str) -> bool:
    """Whether ``text`` holds bytes that were not UTF-8 (surrogate escapes)."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def block_page_url(
    template: str,
    *,
    url: str,
    category: str,
    group: str,
    user: str,
    client_ip: str,
    reason: str,
) -> str:
    """The block page for a request.

    ``{url}``, ``{category}``, ``{group}``, ``{user}``, ``{client_ip}`` and ``{reason}`` in
    the template are replaced (URL-encoded); a template without placeholders gets them as
    query parameters ``url``, ``category``, ``group``, ``user``, ``ip`` and ``reason``.
    """
    return BlockPage(template).url(url, category, group, reason, user, client_ip)


class BlockPage:
    """Builds block page URLs from a template, reusing the parts that do not change."""

    __slots__ = ("_fixed", "_names", "placeholders", "template")

    def __init__(self, template: str) -> None:
        self.template = template
        self.placeholders = "{" in template
        if self.placeholders:
            try:
                template.format_map(dict.fromkeys(_FIELDS, ""))
            except (KeyError, ValueError, IndexError):
                # A template naming unknown fields falls back to plain query parameters.
                self.template = template.split("{", 1)[0]
                self.placeholders = False
        self._fixed: dict[tuple[str, str, str], tuple[str, str, str]] = {}
        self._names: dict[str, str] = {}

    def url(
        self, url: str, category: str, group: str, reason: str, user: str, client_ip: str
    ) -> str:
        user = "" if user == "-" else user
        address = escape(url) if len(url) <= 512 else _shortened(url)
        if self.placeholders:
            values = {
                "category": category,
                "group": group,
                "user": user,
                "client_ip": client_ip,
                "reason": reason,
            }
            escaped = {k: escape(v) for k, v in values.items()}
            return self.template.format_map({"url": address, **escaped})
        key = (category, group, reason)
        fixed = self._fixed.get(key)
        if fixed is None:
            separator = "&" if "?" in self.template else "?"
            fixed = (
                f"{self.template}{separator}url=",
                f"&category={escape(category)}&group={escape(group)}&user=",
                f"&reason={escape(reason)}",
            )
            if len(self._fixed) < 4096:
                self._fixed[key] = fixed
        head, middle, tail = fixed
        # User names and addresses come back request after request: escape each once.
        names = self._names
        who = names.get(user)
        if who is None:
            who = escape(user)
            if len(names) < 4096:
                names[user] = who
        where = names.get(client_ip)
        if where is None:
            where = escape(client_ip)
            if len(names) < 4096:
                names[client_ip] = where
        return f"{head}{address}{middle}{who}&ip={where}{tail}"


_FIELDS = ("url", "category", "group", "user", "client_ip", "reason")


def _shortened(url: str) -> str:
    """``url`` escaped, cut to :data:`_BLOCK_PAGE_URL_LIMIT` characters (never mid-escape)."""
    escaped = escape(url[:_BLOCK_PAGE_URL_LIMIT])
    if len(escaped) > _BLOCK_PAGE_URL_LIMIT:
        escaped = escaped[:_BLOCK_PAGE_URL_LIMIT]
        cut = escaped.rfind("%", len(escaped) - 2)
        if cut >= 0:
            escaped = escaped[:cut]
    return escaped


def refusal(page: BlockPage, reason: str, *, url: str, user: str, client_ip: str) -> Decision:
    """A block decided before the request was looked at, its fields cut to their bounds."""
    return Decision(
        Action.BLOCK,
        "",
        "",
        reason,
        redirect_url=page.url(url, "", "", reason, user[:MAX_NAME], client_ip[:MAX_NAME]),
    )


# --- safe search ---------------------------------------------------------------------------

_YOUTUBE_HOSTS = frozenset(
    {
        "youtube.com",
        "www.youtube.com",
        "m.youtube.com",
        "music.youtube.com",
        "youtubei.googleapis.com",
        "youtube.googleapis.com",
        "www.youtube-nocookie.com",
    }
)
_YOUTUBE_NOTES = (("youtube-restrict", "strict"),)
_GOOGLE_PATHS = ("search", "webhp", "imghp", "images", "videohp", "complete/search")
_DUCKDUCKGO_HOSTS = frozenset(
    {"duckduckgo.com", "www.duckduckgo.com", "html.duckduckgo.com", "lite.duckduckgo.com"}
)
_BING_PATHS = ("search", "images/search", "videos/search", "news/search", "as/suggestions")


def _query_name(text: str) -> str:
    if "%" in text or "+" in text:
        return unquote_plus(text, errors="surrogateescape")
    return text


def _with_param(url: str, rest: str, key: str, value: str) -> str | None:
    """``url`` with query parameter ``key`` forced to ``value``; None if it already is.

    The other parameters are kept byte for byte (decoding and re-encoding them would change
    a query that is not UTF-8); parameters are compared by their decoded names, as the
    search engine reads them. The result is ASCII, whatever bytes the request had.
    """
    path, _, query = rest.partition("?")
    kept = []
    found = right = 0
    for piece in query.split("&"):
        if not piece:
            continue
        name, _, given = piece.partition("=")
        if _query_name(name) == key:
            found += 1
            right += _query_name(given) == value
            continue
        kept.append(piece)
    if found == 1 and right == 1:
        return None
    kept.append(f"{key}={value}")
    return ascii_url(url[: len(url) - len(rest)] + path + "?" + "&".join(kept))


def safe_search(url: str) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """``(rewritten URL or None, proxy notes)`` enforcing safe search for one request."""
    authority, rest = split_url(url)
    lowered = authority.lower()
    if "google." not in lowered and "bing." not in lowered and "duckduckgo." not in lowered:
        if "youtube" in lowered and normalise_host(authority) in _YOUTUBE_HOSTS:
            return None, _YOUTUBE_NOTES
        return None, ()
    host = normalise_host(authority)
    path = rest.partition("?")[0].lstrip("/").lower()
    labels = host.split(".")
    if "google" in labels and (labels[0] == "google" or labels[:2] == ["www", "google"]):
        if path.rstrip("/") in _GOOGLE_PATHS:
            return _with_param(url, rest, "safe", "active"), ()
    elif host in ("bing.com", "www.bing.com", "cn.bing.com"):
        if path.rstrip("/") in _BING_PATHS:
            return _with_param(url, rest, "adlt", "strict"), ()
    elif host in _DUCKDUCKGO_HOSTS and "q=" in rest:
        return _with_param(url, rest, "kp", "1"), ()
    return None, ()


# --- the compiled policy -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Rule:
    days: frozenset[int]
    start: int
    end: int
    mask: int
    action: str

    def active(self, weekday: int, minute: int) -> bool:
        if self.start < self.end:
            return weekday in self.days and self.start <= minute < self.end
        # Spans midnight: the evening of a listed day, or the small hours after one.
        return (weekday in self.days and minute >= self.start) or (
            (weekday - 1) % 7 in self.days and minute < self.end
        )


class _Group:
    """One group's rules as masks, with the masks in force for the current minute."""

    __slots__ = (
        "alert",
        "allow",
        "allow_plain",
        "bit",
        "block",
        "default_block",
        "exc_domains",
        "exc_urls",
        "has_exceptions",
        "label",
        "rules",
        "safe_search",
        "slug",
        "tz",
        "window",
    )

    def __init__(self, rules: GroupRules, policy: Policy, tz: ZoneInfo) -> None:
        index = policy.index
        illegal = policy.illegal
        self.slug = rules.slug
        self.label = rules.label
        self.tz = tz
        self.block = index.mask_of(rules.block) | illegal
        self.alert = index.mask_of(rules.alert) & ~illegal
        self.allow = index.mask_of(rules.allow) & ~illegal
        self.default_block = rules.default == "block"
        self.safe_search = rules.safe_search
        self.rules = tuple(
            _Rule(r.days, r.start, r.end, index.mask_of(r.categories), r.action)
            for r in rules.schedules
        )
        self.allow_plain = Decision(Action.ALLOW, "", rules.slug, "not in a blocked category")
        self.bit = 0
        self.exc_domains: dict[str, list[SiteException]] = {}
        self.exc_urls: dict[str, list[SiteException]] = {}
        self.has_exceptions = False
        # (valid from, valid until, block, alert, allow); empty until the first request.
        self.window: tuple[float, float, int, int, int] = (0.0, 0.0, 0, 0, 0)
        if not self.rules:
            self.window = (float("-inf"), float("inf"), self.block, self.alert, self.allow)

    def add_exception(self, exception: SiteException) -> None:
        table = self.exc_domains if exception.path is None else self.exc_urls
        table.setdefault(exception.host, []).append(exception)
        self.has_exceptions = True

    def masks_at(self, now: float, illegal: int) -> tuple[float, float, int, int, int]:
        """Block/alert/allow masks in force at ``now``, valid for the rest of that minute."""
        moment = datetime.fromtimestamp(now, self.tz)
        weekday = moment.weekday()
        minute = moment.hour * 60 + moment.minute
        block, alert, allow = self.block, self.alert, self.allow
        for rule in self.rules:
            if rule.active(weekday, minute):
                block &= ~rule.mask
                alert &= ~rule.mask
                allow &= ~rule.mask
                if rule.action == "block":
                    block |= rule.mask
                elif rule.action == "alert":
                    alert |= rule.mask
                else:
                    allow |= rule.mask
        block |= illegal
        alert &= ~illegal
        allow &= ~illegal
        start = now - moment.second - moment.microsecond / 1e6
        self.window = (start, start + 60.0, block, alert, allow)
        return self.window

    def exception_for(self, authority: str, rest: str, now: float) -> SiteException | None:
        host = normalise_host(authority)
        if not host:
            return None
        if self.exc_urls:
            candidates = self.exc_urls.get(strip_common_host_label(host))
            if candidates:
                path = normalise_path(rest)
                for exception in candidates:
                    if now < exception.expires and path.startswith(exception.path or ""):
                        return exception
        if self.exc_domains:
            name = normalise_domain_entry(host) or host
            while True:
                for exception in self.exc_domains.get(name, ()):
                    if now < exception.expires:
                        return exception
                dot = name.find(".")
                if dot < 0:
                    break
                name = name[dot + 1 :]
        return None


class Policy:
    """A snapshot compiled for decisions."""

    def __init__(self, snapshot: PolicySnapshot) -> None:
        self.snapshot = snapshot
        self.index = snapshot.index
        self.illegal = self.index.mask_of(ILLEGAL_SLUGS)
        self._host_cache = self.index.host_cache
        self.block_page = BlockPage(snapshot.block_page or FALLBACK_BLOCK_PAGE)
        tz = ZoneInfo(snapshot.timezone)
        self.groups = {slug: _Group(rules, self, tz) for slug, rules in snapshot.groups.items()}
        for exception in snapshot.exceptions:
            targets = (
                self.groups.values() if exception.group == "*" else [self.groups[exception.group]]
            )
            for group in targets:
                group.add_exception(exception)
        self.default = self.groups[snapshot.default_group]
        self._users = {name: self.groups[slug] for name, slug in snapshot.users.items()}
        # IPv4 ranges as integer prefixes, longest first: one shift and one dict probe per
        # distinct prefix length instead of an ipaddress comparison per range.
        by_length: dict[int, dict[int, _Group]] = {}
        self._v6: list[tuple[ipaddress.IPv6Network, _Group]] = []
        for network, slug in snapshot.networks:
            if isinstance(network, ipaddress.IPv4Network):
                shift = 32 - network.prefixlen
                table = by_length.setdefault(shift, {})
                table.setdefault(int(network.network_address) >> shift, self.groups[slug])
            else:
                self._v6.append((network, self.groups[slug]))
        self._v4 = sorted(by_length.items())
        # With no IPv4 range narrower than a /24, every address in a /24 has one group, so
        # the cache can be keyed by the first three octets: a few hundred keys for a school.
        self._by_24 = all(shift >= 8 for shift in by_length)
        self._reasons: dict[tuple[str, int], tuple[str, str]] = {}
        self._user_cache: dict[str, _Group | None] = {}
        self._ip_cache: dict[str, _Group] = {}
        # Hosts each group has been let through to whatever the path, as group bits; a
        # group past the 63rd gets no bit and is always decided in full.
        self._passing: dict[str, int] = {}
        self._numbers = {group: n for n, group in enumerate(self.groups.values()) if n < 63}
        for group, number in self._numbers.items():
            group.bit = 1 << number
        self._timed = [group for group in self.groups.values() if group.rules]

    # --- who is asking -----------------------------------------------------------------------

    def group_for(self, user: str = "", client_ip: str = "") -> _Group:
        """The user's group if the user is known, else the client address's, else default."""
        if user and user != "-":
            group = self._user_cache.get(user)
            if group is None and user not in self._user_cache:
                group = self._lookup_user(user)
            if group is not None:
                return group
        if client_ip and client_ip != "-":
            key = client_ip
            if self._by_24 and ":" not in key:
                key = key.rpartition(".")[0]
            found = self._ip_cache.get(key)
            if found is None:
                found = self._lookup_ip(client_ip)
            return found
        return self.default

    def group_slug(self, user: str = "", client_ip: str = "") -> str:
        return self.group_for(user, client_ip).slug

    def _lookup_user(self, raw: str) -> _Group | None:
        name = normalise_user(raw)
        group = self._users.get(name)
        if group is None and "\\" in name:
            group = self._users.get(name.rpartition("\\")[2])
        if group is None and "@" in name:
            group = self._users.get(name.partition("@")[0])
        if len(self._user_cache) >= _CACHE_LIMIT:
            self._user_cache.clear()
        self._user_cache[raw] = group
        return group

    def _lookup_ip(self, raw: str) -> _Group:
        group = self.default
        text = raw.partition("%")[0].strip("[]")
        try:
            value = int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big")
        except (OSError, ValueError):  # ValueError: NUL bytes, bytes that were not UTF-8
            value = -1
        key = raw
        if value >= 0:
            for shift, table in self._v4:
                found = table.get(value >> shift)
                if found is not None:
                    group = found
                    break
            if self._by_24:
                key = raw.rpartition(".")[0]
        elif self._v6:
            try:
                address = ipaddress.IPv6Address(text)
            except ValueError:
                address = None
            if address is not None:
                for network, candidate in self._v6:
                    if address in network:
                        group = candidate
                        break
        if len(self._ip_cache) >= _CACHE_LIMIT:
            self._ip_cache.clear()
        self._ip_cache[key] = group
        return group

    # --- what to do --------------------------------------------------------------------------

    def decide(
        self, url: str, *, user: str = "", client_ip: str = "", now: float | None = None
    ) -> Decision:
        group = self.group_for(user, client_ip)
        if now is None:
            now = time.time()
        window = group.window
        if not window[0] <= now < window[1]:
            window = group.masks_at(now, self.illegal)
            self._passing.clear()
        authority, rest = split_url(url)
        if len(authority) > MAX_AUTHORITY:
            return self.refuse(TOO_LONG_REASON, url=url, user=user, client_ip=client_ip)
        info = self._host_cache.get(authority)
        if info is None:
            if unusable_host(authority):
                # Checked on a cache miss only: such a name never enters the cache.
                return self._bad_name(url, authority, window, group, user, client_ip)
            info = self.index.host_info(authority)
        mask, table = info
        if table is not None:
            mask |= table.match(normalise_path(rest))
        if mask & self.illegal:
            return self._block(url, mask & self.illegal, mask, group, user, client_ip)
        if group.has_exceptions:
            exception = group.exception_for(authority, rest, now)
            if exception is not None:
                return self._excepted(url, exception, mask, window, group)
        if mask:
            hit = mask & window[2]
            if hit:
                return self._block(url, hit, mask, group, user, client_ip)
            hit = mask & window[3]
            if hit:
                return self._finish(url, group, self._alert(hit, mask, group))
            if group.default_block and not mask & window[4]:
                return self._default_block(url, mask, group, user, client_ip)
            if table is None and not group.safe_search:
                self._passed(authority, group)
            return self._finish(url, group, self._allowed(mask, group))
        if group.default_block:
            return self._default_block(url, 0, group, user, client_ip)
        if group.safe_search:
            return self._finish(url, group, group.allow_plain)
        if table is None:
            self._passed(authority, group)
        return group.allow_plain

    def _passed(self, authority: str, group: _Group) -> None:
        """Remember that ``group`` may reach ``authority`` whatever the path, so that a
        url_rewrite answer for it is "ERR" (:meth:`passes`)."""
        passing = self._passing
        if len(passing) >= _CACHE_LIMIT:
            passing.clear()
        passing[authority] = passing.get(authority, 0) | group.bit

    def passes(
        self, now: float
    ) -> tuple[dict[str, Any], dict[str, _Group], bool, _Group, dict[_Group, int], dict[str, int]]:
        """What :func:`warden.engine._native.rewrite_passes` reads to answer the requests
        this policy has already passed: the user and address caches, whether addresses
        are keyed by /24, the default group, each group's number and the hosts passed.

        Time rules are brought up to ``now`` first: hosts passed under masks no longer in
        force are forgotten. (Requests answered from a batch read at ``now`` are decided
        as at ``now``, a few milliseconds at most from their own arrival.)
        """
        for group in self._timed:
            window = group.window
            if not window[0] <= now < window[1]:
                group.masks_at(now, self.illegal)
                self._passing.clear()
        return (
            self._user_cache,
            self._ip_cache,
            self._by_24,
            self.default,
            self._numbers,
            self._passing,
        )

    def _bad_name(
        self,
        url: str,
        authority: str,
        window: tuple[float, float, int, int, int],
        group: _Group,
        user: str,
        client_ip: str,
    ) -> Decision:
        """No DNS name is empty or holds control characters or bytes that are not UTF-8:
        whatever such a name reaches, it is not a site the lists can vouch for. It is
        still looked up (uncached), so a category that blocks says so."""
        mask = self.index.host_facts_many([authority])[0][0] if authority else 0
        hit = mask & (window[2] | self.illegal)
        if hit:
            return self._block(url, hit, mask, group, user, client_ip)
        return self._blocked_for(url, BAD_NAME_REASON, mask, group, user, client_ip)

    def _first(self, mask: int) -> str:
        return self.index.categories[(mask & -mask).bit_length() - 1]

    def _block(
        self, url: str, hit: int, mask: int, group: _Group, user: str, client_ip: str
    ) -> Decision:
        key = (group.slug, hit)
        cached = self._reasons.get(key)
        if cached is None:
            category = self._first(hit)
            known = BY_SLUG.get(category)
            label = known.label if known else category
            if hit & self.illegal:
                reason = f"{label}: illegal content, blocked for everyone"
            else:
                reason = f"{label} is blocked for {group.label}"
            cached = self._reasons[key] = (category, reason)
        category, reason = cached
        return Decision(
            Action.BLOCK,
            category,
            group.slug,
            reason,
            self.index.slugs(mask),
            redirect_url=self.block_page.url(url, category, group.slug, reason, user, client_ip),
        )

    def _default_block(
        self, url: str, mask: int, group: _Group, user: str, client_ip: str
    ) -> Decision:
        reason = f"not on the allowed list for {group.label}"
        return self._blocked_for(url, reason, mask, group, user, client_ip)

    def _blocked_for(
        self, url: str, reason: str, mask: int, group: _Group, user: str, client_ip: str
    ) -> Decision:
        return Decision(
            Action.BLOCK,
            "",
            group.slug,
            reason,
            self.index.slugs(mask),
            redirect_url=self.block_page.url(url, "", group.slug, reason, user, client_ip),
        )

    def refuse(
        self, reason: str, *, url: str = "", user: str = "", client_ip: str = ""
    ) -> Decision:
        """A block for a request that was not looked at: no group, no categories."""
        return refusal(self.block_page, reason, url=url, user=user, client_ip=client_ip)

    def _alert(self, hit: int, mask: int, group: _Group) -> Decision:
        category = self._first(hit)
        return Decision(
            Action.ALERT,
            category,
            group.slug,
            f"{category} is allowed for {group.label} but reported",
            self.index.slugs(mask),
        )

    def _allowed(self, mask: int, group: _Group) -> Decision:
        return Decision(
            Action.ALLOW,
            "",
            group.slug,
            "not in a blocked category",
            self.index.slugs(mask),
        )

    def _excepted(
        self,
        url: str,
        exception: SiteException,
        mask: int,
        window: tuple[float, float, int, int, int],
        group: _Group,
    ) -> Decision:
        hit = mask & window[2]
        category = self._first(hit) if hit else ""
        until = datetime.fromtimestamp(exception.expires, group.tz).strftime("%Y-%m-%d %H:%M")
        reason = (
            f"exception for {exception.site}: {exception.reason} "
            f"(approved by {exception.approved_by}, until {until})"
        )
        decision = Decision(Action.ALLOW, category, group.slug, reason, self.index.slugs(mask))
        return self._finish(url, group, decision)

    def _finish(self, url: str, group: _Group, decision: Decision) -> Decision:
        if not group.safe_search:
            return decision
        rewrite, notes = safe_search(url)
        if rewrite is None and not notes:
            return decision
        return Decision(
            decision.action,
            decision.category,
            decision.group,
            decision.reason + ("; safe search enforced" if rewrite else ""),
            decision.categories,
            rewrite_url=rewrite,
            notes=notes,
        )


class PolicyEngine:
    """Decisions from whatever snapshot is in force, failing closed without one."""

    def __init__(
        self,
        holder: SnapshotHolder | None,
        *,
        fail_open: bool = False,
        fallback_block_page: str = FALLBACK_BLOCK_PAGE,
    ) -> None:
        self.holder = holder
        self.fail_open = fail_open
        self.fallback_block_page = fallback_block_page
        self._snapshot: PolicySnapshot | None = None
        self._policy: Policy | None = None
        self._fallback_page: BlockPage | None = None

    @classmethod
    def for_snapshot(cls, snapshot: PolicySnapshot) -> PolicyEngine:
        """An engine fixed to one snapshot (no file, no reloading)."""
        engine = cls(None)
        engine._snapshot = snapshot
        engine._policy = Policy(snapshot)
        return engine

    def policy(self) -> Policy | None:
        """The compiled policy in force (recompiled when the holder loads a new file)."""
        if self.holder is None:
            return self._policy
        snapshot = self.holder.get()
        if snapshot is not self._snapshot:
            self._snapshot = snapshot
            self._policy = Policy(snapshot) if snapshot is not None else None
        return self._policy

    @property
    def error(self) -> str | None:
        return self.holder.error if self.holder is not None else None

    def decide(
        self, url: str, *, user: str = "", client_ip: str = "", now: float | None = None
    ) -> Decision:
        holder = self.holder
        if holder is not None and holder.clock() >= holder.next_check:
            self.policy()
        if len(url) > MAX_URL or len(user) > MAX_NAME or len(client_ip) > MAX_NAME:
            return self.refuse(TOO_LONG_REASON, url=url, user=user, client_ip=client_ip)
        policy = self._policy
        if policy is None:
            return self.no_policy(url, user=user, client_ip=client_ip)
        return policy.decide(url, user=user, client_ip=client_ip, now=now)

    def refuse(
        self, reason: str, *, url: str = "", user: str = "", client_ip: str = ""
    ) -> Decision:
        """A block for a request that cannot be decided on (unreadable, or over a bound).

        Blocks whatever the fail-open setting says: that setting is about a missing
        policy, not about requests nobody can read.
        """
        policy = self._policy
        if policy is not None:
            return policy.refuse(reason, url=url, user=user, client_ip=client_ip)
        page = self._fallback_page
        if page is None or page.template != self.fallback_block_page:
            page = self._fallback_page = BlockPage(self.fallback_block_page)
        return refusal(page, reason, url=url, user=user, client_ip=client_ip)

    def no_policy(self, url: str, *, user: str = "", client_ip: str = "") -> Decision:
        if self.fail_open:
            return Decision(Action.ALLOW, "", "", f"{NO_POLICY_REASON} (failing open by setting)")
        return Decision(
            Action.BLOCK,
            "",
            "",
            NO_POLICY_REASON,
            redirect_url=block_page_url(
                self.fallback_block_page,
                url=url,
                category="",
                group="",
                user="" if user == "-" else user,
                client_ip=client_ip,
                reason=NO_POLICY_REASON,
            ),
        )
