"""Category lists: importing them, normalising entries, and a compiled index for lookups.

Three kinds of entry, with squidGuard's semantics so UT1's lists mean what their authors
meant:

* **Domains** (``CATEGORY/domains`` in UT1, hosts files, plain lists) match the host and every
  subdomain: ``example.com`` covers ``www.example.com`` and ``a.b.example.com``. IP addresses
  match exactly, and CIDR ranges match the addresses inside them.
* **URL prefixes** (``CATEGORY/urls``) are ``host/path`` without the scheme and match any URL
  on that exact host whose path (and query) starts with the path. A leading ``www``, ``web``
  or ``ftp`` label, optionally numbered (``www2.``), is ignored on both sides, and so is the
  port. Paths compare case-insensitively after percent-decoding, with leading and doubled
  slashes dropped, as squidGuard does.

Hosts are normalised the same way for entries and lookups: lower case, userinfo and port
dropped, trailing dots dropped, IDNs turned into punycode, IPv6 brackets removed and the
odd spellings of IPv4 addresses (``2130706433``, ``0x7f.1``) turned into dotted quads so
they cannot slip past an IP entry. Domain entries also lose a leading ``www.``: hosts files
list ``www.example.com`` and ``example.com`` separately, and both mean the site.

Where Warden deliberately differs from squidGuard 1.6 (whose Berkeley DB lookup only looks at
the nearest neighbouring key): squidGuard misses ``x.example.com`` when its list holds both
``example.com`` and another subdomain that sorts between them, misses a URL whose prefix has
a longer sibling entry in the list, and can match ``foo.com`` on an entry ``foo.co``. Warden
matches every entry that applies and no other.

:class:`CategoryIndex` is the compiled form. One ``dict`` maps each domain to a bitmask of
categories (bit order = category priority); a lookup walks the host's parent labels, about
one dict probe per label, and a bounded per-host cache makes repeated hosts a single probe.
URL prefixes live in small sorted tables per host, searched with ``bisect``. The index
serialises to the compiled list file of :mod:`warden.engine.listfile` (``WARDEN-LISTS 2``:
hash tables the Squid helper maps and probes in place, rather than loading), which reads
back whole into dictionaries with ``dict.fromkeys`` at C speed, without pickle.
"""

from __future__ import annotations

import hashlib
import io
import ipaddress
import json
import os
import re
import socket
import zlib
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from warden.engine.categories import (
    PRIORITY,
    UT1_ALIASES,
    hosts_category,
    resolve_slug,
    ut1_category,
)
from warden.engine.datafiles import STARTER_UT1
from warden.lib.private_files import share_like_parent
from warden.lib.textcheck import CONTROL_CHARACTERS, character_name

LISTS_MAGIC = b"WARDEN-LISTS 1\n"
FORMAT_VERSION = 1

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Names hosts files map to themselves or to the machine; never a site to block.
LOCAL_HOST_NAMES = frozenset(
    {
        "localhost",
        "localhost.localdomain",
        "local",
        "broadcasthost",
        "ip6-localhost",
        "ip6-loopback",
        "ip6-localnet",
        "ip6-mcastprefix",
        "ip6-allnodes",
        "ip6-allrouters",
        "ip6-allhosts",
        "0.0.0.0",  # noqa: S104 - the sink address itself, listed as a name by some files
    }
)

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_COMMON_LABELS = frozenset({"www", "web", "ftp"})
PLAIN_HOST_PATTERN = r"^(?:[a-z0-9_-]+\.)*[a-z_-][a-z0-9_-]*$"
COMMON_LABEL_PATTERN = r"^(?:www|web|ftp)[0-9]*\.(.)"
""":func:`strip_common_host_label` as a pattern: the label and its dot go (replaced by the
group) when something follows them."""
"""Host names that :func:`normalise_host` leaves as they are and that are not IP addresses:
lower-case ASCII labels, the last starting with a letter (RE2 and Python alike)."""
_IPV4_ISH = re.compile(r"^[0-9a-fx.]+$")
_HOST_CHARS = re.compile(r"^[a-z0-9._*-]+$")


class ListFormatError(ValueError):
    """A compiled list file is damaged, truncated or of another format."""


# --- normalisation -------------------------------------------------------------------------


def _to_ascii(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        # The stdlib codec (IDNA 2003) refuses some labels IDNA 2008 allows; punycode each
        # non-ASCII label by hand so such hosts still get a stable ASCII key.
        labels = []
        for label in host.split("."):
            if label.isascii():
                labels.append(label)
            else:
                labels.append("xn--" + label.encode("punycode").decode("ascii"))
        return ".".join(labels)


def _canonical_ipv4(host: str) -> str | None:
    last = host.rpartition(".")[2]
    if not last or not (last.isdigit() or last.startswith("0x")):
        return None
    if not _IPV4_ISH.match(host):
        return None
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except OSError:
        return None


def normalise_host(host: str) -> str:
    """The lookup key for a host as it appears in a URL, a hosts file or a list.

    Drops userinfo, port, IPv6 brackets and trailing dots; lower-cases; converts IDNs to
    punycode and IPv4 spellings to dotted quads. Returns ``""`` when nothing usable is left.
    """
    h = host.strip()
    if "%" in h:
        h = unquote(h)
    if "@" in h:
        h = h.rpartition("@")[2]
    if h.startswith("["):
        inner = h[1:].partition("]")[0].partition("%")[0]
        try:
            return ipaddress.IPv6Address(inner).compressed
        except ValueError:
            return ""
    colons = h.count(":")
    if colons == 1:
        h = h.partition(":")[0]
    elif colons > 1:
        try:
            return ipaddress.IPv6Address(h.partition("%")[0]).compressed
        except ValueError:
            return ""
    h = h.rstrip(".").lower()
    if not h:
        return ""
    if not h.isascii():
        h = _to_ascii(h)
    if h[-1].isdigit() or "0x" in h:
        ip = _canonical_ipv4(h)
        if ip is not None:
            return ip
    return h


def strip_common_host_label(host: str) -> str:
    """``www.``, ``web.``, ``ftp.`` (optionally numbered) removed once, as squidGuard does for
    URL entries."""
    if host[:3] in _COMMON_LABELS:
        end = 3
        size = len(host)
        while end < size and host[end].isdigit():
            end += 1
        if end < size - 1 and host[end] == ".":
            return host[end + 1 :]
    return host


def normalise_domain_entry(entry: str) -> str:
    """A domain list entry as stored: normalised host, ``*.``/leading dot and ``www.`` gone.

    Returns ``""`` for entries that are not a host name or IP address.
    """
    text = entry.strip()
    if text.startswith("*."):
        text = text[2:]
    text = text.lstrip(".")
    host = normalise_host(text)
    if not host or host in LOCAL_HOST_NAMES:
        return ""
    if ":" in host:
        return host
    if not _HOST_CHARS.match(host) or "*" in host or ".." in host:
        return ""
    if host.startswith("www.") and "." in host[4:]:
        host = host[4:]
    return host


def normalise_path(rest: str) -> str:
    """The part of a URL after the host, in the form URL entries compare with.

    Percent-decoded, lower-cased, fragment dropped, leading and doubled slashes in the path
    removed (the query is kept as is). Control whitespace stays encoded so an entry can
    never span lines in the compiled file.
    """
    if "%" in rest:
        rest = unquote(rest, errors="replace")
        if "\n" in rest or "\r" in rest or "\t" in rest:
            rest = rest.replace("\n", "%0a").replace("\r", "%0d").replace("\t", "%09")
    rest = rest.lower()
    if "#" in rest:
        rest = rest.partition("#")[0]
    path, mark, query = rest.partition("?")
    path = path.lstrip("/")
    while "//" in path:
        path = path.replace("//", "/")
    return path + mark + query


def split_url(url: str) -> tuple[str, str]:
    """``(host part, rest)`` of a URL as Squid passes it, without normalising either.

    Accepts full URLs (``http://user@host:8080/path?q``), CONNECT targets (``host:443``)
    and scheme-less ``host/path``. The host part may still carry userinfo and a port.
    """
    start = url.find("://")
    start = 0 if start < 0 else start + 3
    end = url.find("/", start)
    if end < 0:
        authority = url[start:]
        rest = ""
    else:
        authority = url[start:end]
        rest = url[end:]
    if "?" in authority or "#" in authority:
        cut = min(i for i in (authority.find("?"), authority.find("#")) if i >= 0)
        rest = authority[cut:] + rest
        authority = authority[:cut]
    return authority, rest


def parse_url_entry(entry: str) -> tuple[str, str] | None:
    """``(host key, path key)`` for a URL list entry; None when it has no usable host."""
    text = entry.strip()
    if not text:
        return None
    host_part, rest = split_url(text)
    host = normalise_host(host_part)
    if not host or "\n" in host:
        # A line break (percent-escaped in the entry) is in no host a request can name,
        # and would end the entry early in the compiled file.
        return None
    return strip_common_host_label(host), normalise_path(rest)


# --- the compiled index --------------------------------------------------------------------


class UrlTable:
    """The URL-prefix entries of one host: sorted paths and their category masks."""

    __slots__ = ("_head_length", "_heads", "masks", "paths")

    def __init__(self, paths: list[str], masks: list[int]) -> None:
        self.paths = paths
        self.masks = masks
        # An entry that is a prefix of a path shares the path's first ``_head_length``
        # characters (the length of the shortest entry): most paths are turned away by
        # one set lookup.
        self._head_length = min((len(p) for p in paths), default=0)
        self._heads = frozenset(p[: self._head_length] for p in paths)

    def match(self, path: str) -> int:
        """The union of the masks of every entry that is a prefix of ``path``."""
        if self._head_length and path[: self._head_length] not in self._heads:
            return 0
        paths = self.paths
        masks = self.masks
        mask = 0
        hi = len(paths)
        while hi:
            i = bisect_right(paths, path, 0, hi) - 1
            if i < 0:
                break
            key = paths[i]
            if path.startswith(key):
                mask |= masks[i]
                # Any other matching entry is a proper prefix of this one, so sorts before it.
                path = key
                hi = i
                continue
            # Entries that are prefixes of ``path`` but sort before ``key`` are prefixes of
            # what ``key`` and ``path`` share, so search again for that common part.
            common = _common_prefix(key, path)
            if common == path:
                break
            path = common
            hi = i
        return mask


def _common_prefix(a: str, b: str) -> str:
    n = 0
    limit = min(len(a), len(b))
    while n < limit and a[n] == b[n]:
        n += 1
    return a[:n]


_EMPTY: tuple[str, ...] = ()
_NOTHING: tuple[int, UrlTable | None] = (0, None)


class CategoryIndex:
    """Compiled category lists: which categories a host or URL is in.

    Bit ``i`` of a mask is ``categories[i]``; categories are ordered by Warden's priority, so
    :meth:`slugs` returns the most serious category first.
    """

    __slots__ = (
        "_cache",
        "_cache_size",
        "_columns",
        "_domains",
        "_mask_info",
        "_networks",
        "_slug_cache",
        "_url_columns",
        "_urls",
        "categories",
    )

    def __init__(
        self,
        categories: Sequence[str],
        domains: dict[str, int],
        urls: dict[str, UrlTable],
        networks: Sequence[tuple[IPNetwork, int]] = (),
        *,
        cache_size: int = 1 << 16,
    ) -> None:
        if len(categories) > 4096:
            raise ValueError("too many categories")
        self.categories: tuple[str, ...] = tuple(categories)
        self._domains = domains
        self._urls = urls
        self._networks = tuple(networks)
        self._cache: dict[str, tuple[int, UrlTable | None]] = {}
        self._cache_size = cache_size
        self._slug_cache: dict[int, tuple[str, ...]] = {0: _EMPTY}
        self._mask_info: dict[int, tuple[int, UrlTable | None]] = {}

    # The two calls the rest of the engine (ingestion, policy) relies on.

    def categories_for_host(self, host: str) -> tuple[str, ...]:
        """Categories of a host (any spelling: port, userinfo, IDN, trailing dot allowed)."""
        info = self._cache.get(host)
        if info is None:
            info = self._host_info(host)
        return self.slugs(info[0])

    def categories_for_url(self, url: str) -> tuple[str, ...]:
        """Categories of a URL: its host's domain entries plus any matching URL prefixes."""
        return self.slugs(self.mask_for_url(url))

    # Mask-level calls for the decision engine's fast path.

    def mask_for_host(self, host: str) -> int:
        info = self._cache.get(host)
        if info is None:
            info = self._host_info(host)
        return info[0]

    def mask_for_url(self, url: str) -> int:
        authority, rest = split_url(url)
        info = self._cache.get(authority)
        if info is None:
            info = self._host_info(authority)
        mask, table = info
        if table is not None:
            mask |= table.match(normalise_path(rest))
        return mask

    def masks_for_urls(self, urls: Iterable[str | None]) -> list[int]:
        """:meth:`mask_for_url` for many URLs at once (0 for None or an empty URL)."""
        cache = self._cache
        host_info = self._host_info
        out: list[int] = []
        append = out.append
        for url in urls:
            if not url:
                append(0)
                continue
            authority, rest = split_url(url)
            info = cache.get(authority)
            if info is None:
                info = host_info(authority)
            mask, table = info
            if table is not None:
                mask |= table.match(normalise_path(rest))
            append(mask)
        return out

    def host_info(self, authority: str) -> tuple[int, UrlTable | None]:
        """``(domain mask, URL table or None)`` for a raw host part, cached."""
        info = self._cache.get(authority)
        if info is None:
            info = self._host_info(authority)
        return info

    def host_facts_many(
        self, authorities: Sequence[str], plain: Sequence[bool] | None = None
    ) -> list[tuple[int, bool]]:
        """``(domain mask, whether URL entries exist for it)`` for many raw host parts at
        once, as :meth:`host_info` gives them; for bulk callers with their own cache, so
        the lookups are not cached here. ``plain[i]`` may say that ``authorities[i]``
        matches :data:`PLAIN_HOST_PATTERN` (a caller can test that in bulk), so it needs
        no normalising."""
        urls = self._urls
        get = self._domains.get
        domain_mask = self._domain_mask
        common = _COMMON_LABELS
        out: list[tuple[int, bool]] = []
        append = out.append
        for index, authority in enumerate(authorities):
            if plain is not None and plain[index]:
                host = authority
            else:
                host = normalise_host(authority)
                if not host:
                    append((0, False))
                    continue
                if ":" in host or host[-1].isdigit():
                    append((domain_mask(host), strip_common_host_label(host) in urls))
                    continue
            # _domain_mask inlined: the host and each parent domain, one probe each.
            mask = get(host, 0)
            dot = host.find(".")
            while dot >= 0:
                found = get(host[dot + 1 :])
                if found:
                    mask |= found
                dot = host.find(".", dot + 1)
            key = strip_common_host_label(host) if host[:3] in common else host
            append((mask, key in urls))
        return out

    @property
    def domain_masks(self) -> Mapping[str, int]:
        """Every domain entry (normalised) and its category mask."""
        return self._domains

    @property
    def url_tables(self) -> Mapping[str, UrlTable]:
        """The URL entries of each host key (see :func:`strip_common_host_label`)."""
        return self._urls

    def _host_info(self, authority: str) -> tuple[int, UrlTable | None]:
        host = normalise_host(authority)
        info: tuple[int, UrlTable | None] = _NOTHING
        if host:
            table = self._url_table(strip_common_host_label(host))
            mask = self._domain_mask(host)
            if table is not None:
                info = (mask, table)
            elif mask:
                # One shared tuple per mask keeps a full cache small.
                info = self._mask_info.get(mask) or self._mask_info.setdefault(mask, (mask, None))
        cache = self._cache
        if len(cache) >= self._cache_size:
            # Clearing beats LRU bookkeeping on every hit: traffic re-warms it in milliseconds.
            cache.clear()
        cache[authority] = info
        return info

    def _url_table(self, key: str) -> UrlTable | None:
        return self._urls.get(key)

    def _domain_mask(self, host: str) -> int:
        domains = self._domains
        mask = domains.get(host, 0)
        if ":" in host or (host[-1].isdigit() and _canonical_ipv4(host) == host):
            # An IP address has no parent domains; only exact entries and ranges apply.
            if self._networks:
                mask |= self._network_mask(host)
            return mask
        dot = host.find(".")
        while dot >= 0:
            host = host[dot + 1 :]
            found = domains.get(host)
            if found:
                mask |= found
            dot = host.find(".")
        return mask

    def _network_mask(self, host: str) -> int:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return 0
        mask = 0
        for network, bits in self._networks:
            if address in network:
                mask |= bits
        return mask

    def slugs(self, mask: int) -> tuple[str, ...]:
        """The category slugs of a mask, most serious first."""
        found = self._slug_cache.get(mask)
        if found is None:
            cats = self.categories
            found = tuple(cats[i] for i in range(mask.bit_length()) if mask >> i & 1)
            self._slug_cache[mask] = found
        return found

    def mask_of(self, slugs: Iterable[str]) -> int:
        """The mask for some category slugs; slugs this index does not hold add nothing."""
        mask = 0
        for slug in slugs:
            try:
                mask |= 1 << self.categories.index(slug)
            except ValueError:
                continue
        return mask

    @property
    def host_cache(self) -> dict[str, tuple[int, UrlTable | None]]:
        """The per-host cache itself, for callers that probe it before calling
        :meth:`host_info` to save a method call per request."""
        return self._cache

    def clear_cache(self) -> None:
        self._cache.clear()

    @property
    def domain_count(self) -> int:
        return len(self.domain_masks)

    @property
    def url_count(self) -> int:
        return sum(len(table.paths) for table in self.url_tables.values())

    @property
    def networks(self) -> Sequence[tuple[IPNetwork, int]]:
        """The IP range entries and their category masks."""
        return self._networks

    @property
    def network_count(self) -> int:
        return len(self._networks)

    def __len__(self) -> int:
        return self.domain_count + self.url_count + self.network_count

    def counts(self) -> dict[str, int]:
        """Entries per category (an entry in two categories counts in both)."""
        totals = dict.fromkeys(self.categories, 0)
        for mask in self.domain_masks.values():
            for slug in self.slugs(mask):
                totals[slug] += 1
        for table in self.url_tables.values():
            for mask in table.masks:
                for slug in self.slugs(mask):
                    totals[slug] += 1
        for _network, mask in self._networks:
            for slug in self.slugs(mask):
                totals[slug] += 1
        return totals

    # --- serialisation -----------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The compiled list file (``WARDEN-LISTS 2``, :mod:`warden.engine.listfile`)."""
        from warden.engine.listfile import encode  # it builds on this module

        return encode(self)

    @classmethod
    def from_bytes(cls, data: bytes) -> CategoryIndex:
        """Read a list file whole (either format); :class:`ListFormatError` if it is damaged.

        ``WARDEN-LISTS 1`` is the zlib-compressed text form earlier versions wrote.
        """
        raw_bytes = bytes(data)
        from warden.engine.listfile import LISTS_MAGIC_V2, decode  # it builds on this module

        if raw_bytes.startswith(LISTS_MAGIC_V2):
            return decode(raw_bytes)
        if not raw_bytes.startswith(LISTS_MAGIC):
            raise ListFormatError("not a Warden list file")
        end = raw_bytes.find(b"\n", len(LISTS_MAGIC))
        if end < 0:
            raise ListFormatError("list file header is truncated")
        try:
            header = json.loads(raw_bytes[len(LISTS_MAGIC) : end])
            categories = [str(c) for c in header["categories"]]
            domain_meta = header["domains"]
            url_meta = header["urls"]
            network_meta = header["networks"]
            compression = header["compression"]
            payload_size = int(header["payload_size"])
            digest = str(header["payload_sha256"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ListFormatError(f"list file header is unreadable: {exc}") from exc
        if header.get("version") != FORMAT_VERSION:
            raise ListFormatError(f"unsupported list file version {header.get('version')!r}")
        payload = raw_bytes[end + 1 :]
        if len(payload) != payload_size:
            raise ListFormatError("list file payload is truncated")
        if hashlib.sha256(payload).hexdigest() != digest:
            raise ListFormatError("list file payload does not match its checksum")
        if compression == "zlib":
            try:
                payload = zlib.decompress(payload)
            except zlib.error as exc:
                raise ListFormatError(f"list file payload is corrupt: {exc}") from exc
        elif compression != "none":
            raise ListFormatError(f"unknown compression {compression!r}")
        limit = (1 << len(categories)) - 1
        offset = 0
        domains: dict[str, int] = {}
        try:
            for mask, count, size in domain_meta:
                if not 0 < mask <= limit:
                    raise ListFormatError("list file has a mask outside its categories")
                names = payload[offset : offset + size].decode("ascii").split("\n")
                offset += size
                if len(names) != count:
                    raise ListFormatError("list file domain block has the wrong length")
                domains.update(dict.fromkeys(names, mask))
            rows: dict[str, tuple[list[str], list[int]]] = {}
            for mask, count, size in url_meta:
                if not 0 < mask <= limit:
                    raise ListFormatError("list file has a mask outside its categories")
                entries = payload[offset : offset + size].decode("utf-8").split("\n")
                offset += size
                if len(entries) != count:
                    raise ListFormatError("list file URL block has the wrong length")
                for entry in entries:
                    host, _, path = entry.partition("/")
                    row = rows.get(host)
                    if row is None:
                        row = rows[host] = ([], [])
                    row[0].append(path)
                    row[1].append(mask)
            networks = [(ipaddress.ip_network(net), int(mask)) for net, mask in network_meta]
        except (UnicodeDecodeError, ValueError, TypeError) as exc:
            if isinstance(exc, ListFormatError):
                raise
            raise ListFormatError(f"list file payload is unreadable: {exc}") from exc
        if offset != len(payload):
            raise ListFormatError("list file payload has trailing bytes")
        urls = {host: _table(paths, masks) for host, (paths, masks) in rows.items()}
        return cls(categories, domains, urls, networks)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write atomically: a temporary file beside the target, then ``os.replace``."""
        write_atomic(Path(path), self.to_bytes())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> CategoryIndex:
        return cls.from_bytes(Path(path).read_bytes())


def _table(paths: list[str], masks: list[int]) -> UrlTable:
    order = sorted(range(len(paths)), key=paths.__getitem__)
    return UrlTable([paths[i] for i in order], [masks[i] for i in order])


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the new one, never half.

    In a folder shared with Squid's group (``WARDEN_FILTER_GROUP``) the group may read the
    file, whatever the umask; elsewhere it is as private as the umask makes it.
    """
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        share_like_parent(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        share_like_parent(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


# --- building ------------------------------------------------------------------------------


def _category_slug(name: str) -> str:
    try:
        return resolve_slug(name)
    except ValueError:
        slug = name.strip().lower()
        if not _SLUG.match(slug):
            raise ValueError(f"{name!r} is not a category slug") from None
        return slug


class ListSourceError(ValueError):
    """A list file Warden will not import; the message names the file and line, never what
    the line holds."""


# How often (in lines) a reader reports how far it has got: often enough for a progress bar,
# rarely enough to cost nothing.
PROGRESS_EVERY = 1 << 16


def read_lines(path: Path, on_bytes: Callable[[int], None] | None = None) -> Iterator[str]:
    """The lines of a list file (plain or ``.gz``), one at a time, so a list of any size is
    read in flat memory.

    A control character (``warden.lib.textcheck``) stops the read with
    :class:`ListSourceError` naming the line: lists are text, and such a file is damaged or
    not a list. ``on_bytes`` is told how many bytes of the file have been read so far, every
    :data:`PROGRESS_EVERY` lines and at the end.
    """
    if path.suffix == ".gz":
        import gzip  # here, not at the top: the Squid helper never reads list sources

    with path.open("rb") as raw:
        stream = gzip.GzipFile(fileobj=raw) if path.suffix == ".gz" else raw
        text = io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline=None)
        for number, line in enumerate(text, start=1):
            found = CONTROL_CHARACTERS.search(line)
            if found is not None:
                raise ListSourceError(
                    f"{path.name} has a control character, {character_name(found.group())}, "
                    f"on line {number}: a list is text, one entry a line. Remove it (or get "
                    "the list again) and import it again; nothing was imported."
                )
            if on_bytes is not None and number % PROGRESS_EVERY == 0:
                on_bytes(raw.tell())
            yield line.rstrip("\n")
        if on_bytes is not None:
            on_bytes(raw.tell())


@dataclass
class ImportReport:
    """What one import added and what it had to skip."""

    source: str
    category: str
    domains: int = 0
    urls: int = 0
    networks: int = 0
    skipped: int = 0
    skipped_examples: list[str] = field(default_factory=list)

    def skip(self, entry: str) -> None:
        self.skipped += 1
        if len(self.skipped_examples) < 5:
            self.skipped_examples.append(entry)


class ListBuilder:
    """Collects entries from any number of sources, then :meth:`build` compiles them."""

    def __init__(self, *, progress: Callable[[int], None] | None = None) -> None:
        # ``progress`` is told the bytes read so far over every file this builder reads.
        self._progress = progress
        self._bytes_before = 0
        self._bits: dict[str, int] = {}
        self._domains: dict[str, int] = {}
        self._urls: dict[tuple[str, str], int] = {}
        self._networks: dict[IPNetwork, int] = {}
        self.reports: list[ImportReport] = []

    def _lines(self, path: Path) -> Iterator[str]:
        """The lines of ``path`` (:func:`read_lines`), counting towards ``progress``."""
        progress = self._progress
        if progress is None:
            yield from read_lines(path)
            return
        before = self._bytes_before
        yield from read_lines(path, lambda done: progress(before + done))
        self._bytes_before = before + path.stat().st_size

    def _bit(self, category: str) -> int:
        slug = _category_slug(category)
        bit = self._bits.get(slug)
        if bit is None:
            bit = self._bits[slug] = 1 << len(self._bits)
        return bit

    def add_domain(self, entry: str, category: str) -> bool:
        """Add a domain, IP address or CIDR range; False if the entry is not usable."""
        bit = self._bit(category)
        text = entry.strip()
        if "/" in text:
            try:
                network = ipaddress.ip_network(text, strict=False)
            except ValueError:
                return False
            self._networks[network] = self._networks.get(network, 0) | bit
            return True
        key = normalise_domain_entry(text)
        if not key:
            return False
        domains = self._domains
        domains[key] = domains.get(key, 0) | bit
        return True

    def add_url(self, entry: str, category: str) -> bool:
        """Add a ``host/path`` prefix entry; False if it has no usable host."""
        bit = self._bit(category)
        parsed = parse_url_entry(entry)
        if parsed is None:
            return False
        # An entry with no path covers every path on that exact host (squidGuard's prefix
        # meaning), not its subdomains: that is what a domain entry is for.
        self._urls[parsed] = self._urls.get(parsed, 0) | bit
        return True

    def add_domains(self, entries: Iterable[str], category: str, *, source: str = "") -> int:
        """Add many domain entries; returns how many were usable."""
        report = ImportReport(source or "domains", _category_slug(category))
        for entry in entries:
            text = entry.strip()
            if not text or text[0] in "#!":
                continue
            if self.add_domain(text, category):
                if "/" in text:
                    report.networks += 1
                else:
                    report.domains += 1
            else:
                report.skip(text)
        self.reports.append(report)
        return report.domains + report.networks

    def add_urls(self, entries: Iterable[str], category: str, *, source: str = "") -> int:
        report = ImportReport(source or "urls", _category_slug(category))
        for entry in entries:
            text = entry.strip()
            if not text or text[0] == "#":
                continue
            if self.add_url(text, category):
                report.urls += 1
            else:
                report.skip(text)
        self.reports.append(report)
        return report.urls

    def add_domain_list_file(self, path: str | os.PathLike[str], category: str) -> int:
        """A plain list: one domain (or IP, CIDR, ``*.domain``) a line, ``#`` comments."""
        file = Path(path)
        lines = (line.partition("#")[0] for line in self._lines(file))
        return self.add_domains(lines, category, source=str(file))

    def add_hosts_file(self, path: str | os.PathLike[str], category: str | None = None) -> int:
        """A hosts file (``0.0.0.0 host [host...]``); the category defaults to one named
        after the file (``gambling-hosts`` is gambling)."""
        file = Path(path)
        slug = category or hosts_category(file.name)
        if slug is None:
            raise ValueError(f"no category for hosts list {file.name!r}: pass one")
        report = ImportReport(str(file), _category_slug(slug))
        for line in self._lines(file):
            tokens = line.partition("#")[0].split()
            if not tokens:
                continue
            names = tokens[1:] if _is_address(tokens[0]) else tokens
            for name in names:
                if name.lower() in LOCAL_HOST_NAMES:
                    continue
                if self.add_domain(name, slug):
                    report.domains += 1
                else:
                    report.skip(name)
        self.reports.append(report)
        return report.domains

    def add_ut1(
        self,
        root: str | os.PathLike[str],
        names: Iterable[str] | None = None,
        *,
        mapping: dict[str, str] | None = None,
    ) -> dict[str, int]:
        """Import a UT1/squidGuard directory (``CATEGORY/domains``, ``CATEGORY/urls``).

        ``names`` picks folders (UT1 aliases such as ``porn`` allowed); by default every
        folder with a Warden category. ``mapping`` overrides folder → Warden category.
        Returns entries added per folder.
        """
        base = Path(root)
        if names is None:
            folders = sorted(p.name for p in base.iterdir() if p.is_dir())
        else:
            folders = list(names)
        added: dict[str, int] = {}
        for name in folders:
            folder = base / name
            real = name
            if not folder.is_dir():
                real = UT1_ALIASES.get(name, name)
                folder = base / real
            if not folder.is_dir():
                raise FileNotFoundError(f"no list folder {name!r} under {base}")
            category = (mapping or {}).get(name) or (mapping or {}).get(real)
            category = category or ut1_category(name)
            if category is None:
                if names is None:
                    continue
                raise ValueError(f"UT1 list {name!r} has no Warden category: map it")
            count = 0
            for stem, adder in (("domains", self.add_domains), ("urls", self.add_urls)):
                for candidate in (folder / stem, folder / f"{stem}.gz"):
                    if candidate.is_file():
                        count += adder(self._lines(candidate), category, source=str(candidate))
                        break
            added[name] = count
        return added

    def build(self) -> CategoryIndex:
        """Compile: categories in priority order, one interned mask object per combination."""
        slugs = sorted(self._bits, key=lambda s: (PRIORITY.get(s, len(PRIORITY)), s))
        old_bits = [self._bits[s] for s in slugs]
        remap: dict[int, int] = {}

        def convert(mask: int) -> int:
            new = remap.get(mask)
            if new is None:
                new = 0
                for index, old in enumerate(old_bits):
                    if mask & old:
                        new |= 1 << index
                remap[mask] = new
            return new

        domains = {name: convert(mask) for name, mask in self._domains.items()}
        # Reuse one int object per distinct mask so a million entries share a few objects.
        interned = {mask: mask for mask in remap.values()}
        domains = {name: interned[mask] for name, mask in domains.items()}
        rows: dict[str, tuple[list[str], list[int]]] = {}
        for (host, path), mask in self._urls.items():
            row = rows.setdefault(host, ([], []))
            row[0].append(path)
            row[1].append(convert(mask))
        urls = {host: _table(paths, masks) for host, (paths, masks) in rows.items()}
        networks = [(net, convert(mask)) for net, mask in self._networks.items()]
        return CategoryIndex(slugs, domains, urls, networks)


def _is_address(token: str) -> bool:
    if token[:1].isdigit() or ":" in token:
        try:
            ipaddress.ip_address(token.partition("%")[0])
        except ValueError:
            return False
        return True
    return False


def load_ut1(
    root: str | os.PathLike[str] | None = None, names: Iterable[str] | None = None
) -> CategoryIndex:
    """Compile UT1 folders (all mapped ones by default) from ``root`` or the starter lists."""
    builder = ListBuilder()
    builder.add_ut1(root if root is not None else STARTER_UT1, names)
    return builder.build()
