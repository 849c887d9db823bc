"""The compiled list file (``WARDEN-LISTS 2``): hash tables the Squid helper maps, not loads.

A helper process starts whenever Squid wants one, and each must answer within moments. The
file is therefore laid out so that a helper reads it in place through ``mmap``: two
open-addressing hash tables (domains; hosts with URL entries) that
:class:`warden.engine._native.ListMap` probes directly, and the entries they point into.
Opening a file costs a checksum and a few small reads, whatever the size of the lists, and
only the pages lookups touch are ever read into memory. Nothing is unpickled or evaluated.

Layout::

    WARDEN-LISTS 2\\n
    <one line of JSON: the header>\\n
    <payload: the areas below, each starting on an 8-byte boundary of the payload>

The header names the categories (bit ``i`` of a mask is ``categories[i]``), the IP ranges
(few, so kept in the JSON), the place and size of each area, the tables' capacities, and the
SHA-256 of the payload. The areas:

``masks``
    every distinct category mask, ``words`` little-endian 64-bit words each (a mask id is
    its position here);
``domain_slots``, ``url_slots``
    the hash tables: ``capacity`` slots of two little-endian uint32 (key offset + 1; 12
    bits of the key's hash above a 20-bit value), at most two thirds full; see
    ``_native.c``;
``url_index``
    for each host with URL entries (the URL table's value), where its ``COUNT`` line starts
    in ``urls`` (uint32);
``domains``
    every domain entry (normalised, as :class:`~warden.engine.lists.ListBuilder` stores
    it), one per line, in blocks of one mask each (the header lists ``[mask id, count,
    bytes]`` per block), sorted within a block; the table's value is the mask id;
``urls``
    per host key (sorted): ``host\\n``, then ``COUNT BYTES\\n``, then ``COUNT`` lines of
    ``MASK-ID<TAB>path\\n`` sorted by path.

:func:`decode` reads the whole file into a plain :class:`~warden.engine.lists.CategoryIndex`
(the Django side merges and inspects lists that way); :func:`open_lists` gives a
:class:`MappedIndex` over the file's bytes or a mapping of it, for the helpers.
``WARDEN-LISTS 1`` files (zlib-compressed text) written by earlier versions still load
through :meth:`~warden.engine.lists.CategoryIndex.from_bytes`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import mmap
import os
import sys
from array import array
from collections.abc import Mapping, Sequence
from itertools import accumulate
from typing import Any

from warden.engine._native import ListMap, build_table
from warden.engine.lists import (
    _COMMON_LABELS,
    CategoryIndex,
    ListFormatError,
    UrlTable,
    _canonical_ipv4,
    normalise_host,
    strip_common_host_label,
)

LISTS_MAGIC_V2 = b"WARDEN-LISTS 2\n"
FORMAT_VERSION_V2 = 2
_AREAS = ("masks", "domain_slots", "url_slots", "url_index", "domains", "urls")
_VALUE_LIMIT = 1 << 20


def _capacity(count: int) -> int:
    # At most two thirds full: a miss (the common case) probes a few adjacent slots.
    return count + count // 2 + 1


def _pad(size: int) -> int:
    return -size % 8


def encode(index: CategoryIndex) -> bytes:
    """The ``WARDEN-LISTS 2`` form of ``index``."""
    if sys.byteorder != "little" or array("I").itemsize != 4:
        raise ListFormatError("list files are written on little-endian machines only")
    categories = list(index.categories)
    words = max(1, (len(categories) + 63) // 64)
    mask_ids: dict[int, int] = {}

    def mask_id(mask: int) -> int:
        found = mask_ids.get(mask)
        if found is None:
            found = mask_ids[mask] = len(mask_ids)
        return found

    by_mask: dict[int, list[str]] = {}
    for name, mask in index.domain_masks.items():
        by_mask.setdefault(mask, []).append(name)
    blocks: list[list[int]] = []
    domain_parts: list[bytes] = []
    domain_offsets = array("I")
    domain_values = array("I")
    position = 0
    for mask in sorted(by_mask):
        names = sorted(by_mask[mask])
        data = ("\n".join(names) + "\n").encode("ascii")
        number = mask_id(mask)
        domain_offsets.extend(accumulate((len(n) + 1 for n in names[:-1]), initial=position))
        domain_values.extend(array("I", [number]) * len(names))
        blocks.append([number, len(names), len(data)])
        domain_parts.append(data)
        position += len(data)
    domain_keys = b"".join(domain_parts)

    url_parts: list[bytes] = []
    url_offsets = array("I")
    url_values = array("I")
    url_index = array("I")
    tables = index.url_tables
    position = entries = 0
    for host in sorted(tables):
        table = tables[host]
        body = "".join(
            f"{mask_id(mask)}\t{path}\n"
            for path, mask in zip(table.paths, table.masks, strict=True)
        ).encode("utf-8")
        key = f"{host}\n".encode()
        head = f"{len(table.paths)} {len(body)}\n".encode()
        url_offsets.append(position)
        url_values.append(len(url_values))
        url_index.append(position + len(key))
        url_parts += (key, head, body)
        position += len(key) + len(head) + len(body)
        entries += len(table.paths)
    url_keys = b"".join(url_parts)

    masks = sorted(mask_ids, key=mask_ids.__getitem__)
    if len(masks) > _VALUE_LIMIT or len(url_index) > _VALUE_LIMIT:
        raise ListFormatError(
            f"the lists hold {len(masks):,} category combinations and {len(url_index):,} "
            f"hosts with URL entries; a list file holds at most {_VALUE_LIMIT:,} of each"
        )
    width = words * 8
    areas = {
        "masks": b"".join(mask.to_bytes(width, "little") for mask in masks),
        "domain_slots": build_table(
            domain_keys, domain_offsets, domain_values, _capacity(len(domain_offsets))
        ),
        "url_slots": build_table(url_keys, url_offsets, url_values, _capacity(len(url_offsets))),
        "url_index": url_index.tobytes(),
        "domains": domain_keys,
        "urls": url_keys,
    }
    layout: dict[str, list[int]] = {}
    payload_parts: list[bytes] = []
    position = 0
    for name in _AREAS:
        data = areas[name]
        layout[name] = [position, len(data)]
        padding = b"\0" * _pad(len(data))
        payload_parts += (data, padding)
        position += len(data) + len(padding)
    payload = b"".join(payload_parts)
    header = {
        "format": "warden-lists",
        "version": FORMAT_VERSION_V2,
        "categories": categories,
        "networks": [[str(net), mask] for net, mask in index.networks],
        "mask_count": len(masks),
        "words": words,
        "domains": {
            "count": len(domain_offsets),
            "capacity": _capacity(len(domain_offsets)),
            "blocks": blocks,
        },
        "urls": {
            "hosts": len(url_offsets),
            "entries": entries,
            "capacity": _capacity(len(url_offsets)),
        },
        "areas": layout,
        "payload_size": len(payload),
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
    }
    head = json.dumps(header, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return LISTS_MAGIC_V2 + head + b"\n" + payload


class _Layout:
    """A ``WARDEN-LISTS 2`` header, checked, with its areas' places in the buffer."""

    def __init__(self, buffer: Any, start: int) -> None:
        end = buffer.find(b"\n", start + len(LISTS_MAGIC_V2))
        if end < 0:
            raise ListFormatError("list file header is truncated")
        try:
            header = json.loads(bytes(buffer[start + len(LISTS_MAGIC_V2) : end]))
            self.categories = [str(c) for c in header["categories"]]
            self.networks = [
                (ipaddress.ip_network(net), int(mask)) for net, mask in header["networks"]
            ]
            self.mask_count = int(header["mask_count"])
            self.words = int(header["words"])
            domains, urls = header["domains"], header["urls"]
            self.domain_count = int(domains["count"])
            self.domain_capacity = int(domains["capacity"])
            self.blocks = [(int(m), int(c), int(s)) for m, c, s in domains["blocks"]]
            self.url_hosts = int(urls["hosts"])
            self.url_entries = int(urls["entries"])
            self.url_capacity = int(urls["capacity"])
            self.payload = end + 1
            self.areas = {
                name: (self.payload + int(header["areas"][name][0]), int(header["areas"][name][1]))
                for name in _AREAS
            }
            self.payload_size = int(header["payload_size"])
            self.digest = str(header["payload_sha256"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ListFormatError(f"list file header is unreadable: {exc}") from exc
        if header.get("version") != FORMAT_VERSION_V2:
            raise ListFormatError(f"unsupported list file version {header.get('version')!r}")
        if len(self.categories) > 4096 or self.words != max(1, (len(self.categories) + 63) // 64):
            raise ListFormatError("list file header has the wrong mask width")
        if len(buffer) - self.payload != self.payload_size:
            raise ListFormatError("list file payload is truncated")

    def check(self, buffer: Any) -> None:
        view = memoryview(buffer)[self.payload :]
        try:
            if hashlib.sha256(view).hexdigest() != self.digest:
                raise ListFormatError("list file payload does not match its checksum")
        finally:
            view.release()

    def table(self, buffer: Any) -> ListMap:
        masks, domain_slots, url_slots, url_index, domains, urls = (self.areas[n] for n in _AREAS)
        try:
            return ListMap(
                buffer,
                masks=masks[0],
                mask_count=self.mask_count,
                words=self.words,
                domain_slots=domain_slots[0],
                domain_capacity=self.domain_capacity,
                domain_keys=domains[0],
                domain_keys_size=domains[1],
                url_slots=url_slots[0],
                url_capacity=self.url_capacity,
                url_keys=urls[0],
                url_keys_size=urls[1],
                url_index=url_index[0],
                url_hosts=self.url_hosts,
            )
        except ValueError as exc:
            raise ListFormatError(str(exc)) from exc

    def masks(self, buffer: Any) -> list[int]:
        start, size = self.areas["masks"]
        width = self.words * 8
        if size != self.mask_count * width:
            raise ListFormatError("list file masks have the wrong size")
        limit = (1 << len(self.categories)) - 1
        masks = [
            int.from_bytes(buffer[at : at + width], "little")
            for at in range(start, start + size, width)
        ]
        if any(not 0 < mask <= limit for mask in masks):
            raise ListFormatError("list file has a mask outside its categories")
        return masks

    def domains(self, buffer: Any, masks: Sequence[int]) -> dict[str, int]:
        domains: dict[str, int] = {}
        at, size = self.areas["domains"]
        end = at + size
        try:
            for number, count, length in self.blocks:
                if at + length > end:
                    raise ListFormatError("list file domain block overruns its area")
                names = bytes(buffer[at : at + length]).decode("ascii").split("\n")
                at += length
                if names.pop() != "" or len(names) != count:
                    raise ListFormatError("list file domain block has the wrong length")
                domains.update(dict.fromkeys(names, masks[number]))
        except (UnicodeDecodeError, IndexError) as exc:
            raise ListFormatError(f"list file domains are unreadable: {exc}") from exc
        if at != end or len(domains) != self.domain_count:
            raise ListFormatError("list file domains do not match their header")
        return domains

    def url_table(self, buffer: Any, at: int, masks: Sequence[int]) -> tuple[UrlTable, int]:
        """The URL table whose ``COUNT`` line starts at ``at``, and where it ends."""
        try:
            line = buffer.find(b"\n", at)
            count, length = (int(n) for n in bytes(buffer[at:line]).split(b" "))
            body = bytes(buffer[line + 1 : line + 1 + length]).decode("utf-8").split("\n")
            if body.pop() != "" or len(body) != count:
                raise ListFormatError("list file URL block has the wrong length")
            paths: list[str] = []
            numbers: list[int] = []
            for entry in body:
                number, _, path = entry.partition("\t")
                numbers.append(masks[int(number)])
                paths.append(path)
        except (ValueError, IndexError, UnicodeDecodeError) as exc:
            if isinstance(exc, ListFormatError):
                raise
            raise ListFormatError(f"list file URL entries are unreadable: {exc}") from exc
        return UrlTable(paths, numbers), line + 1 + length

    def urls(self, buffer: Any, masks: Sequence[int]) -> dict[str, UrlTable]:
        tables: dict[str, UrlTable] = {}
        at, size = self.areas["urls"]
        end = at + size
        while at < end:
            line = buffer.find(b"\n", at, end)
            if line < 0:
                raise ListFormatError("list file URL host has no end")
            host = bytes(buffer[at:line]).decode("utf-8", "replace")
            tables[host], at = self.url_table(buffer, line + 1, masks)
        if at != end or len(tables) != self.url_hosts:
            raise ListFormatError("list file URL entries do not match their header")
        return tables


def decode(data: bytes) -> CategoryIndex:
    """A ``WARDEN-LISTS 2`` file read whole into a plain :class:`CategoryIndex`."""
    layout = _Layout(data, 0)
    layout.check(data)
    masks = layout.masks(data)
    index = CategoryIndex(
        layout.categories, layout.domains(data, masks), layout.urls(data, masks), layout.networks
    )
    layout.table(data)  # the tables' areas must be sound too
    return index


class MappedIndex(CategoryIndex):
    """A :class:`CategoryIndex` answering from a ``WARDEN-LISTS 2`` file in place.

    Host lookups probe the file's hash tables (:class:`warden.engine._native.ListMap`);
    the URL table of a host is read from the file the first time that host is looked up.
    :attr:`domain_masks` and :attr:`url_tables` read every entry (the ingestion's column
    index wants them all), once.
    """

    __slots__ = ("_buffer", "_layout", "_map", "_masks", "_read_all", "_tables")

    def __init__(self, buffer: Any, layout: _Layout) -> None:
        # A smaller host cache than for ingestion: lookups here cost a few probes of the
        # mapping, and each of Squid's helpers holds its own cache.
        super().__init__(layout.categories, {}, {}, layout.networks, cache_size=1 << 14)
        self._buffer = buffer
        self._layout = layout
        self._masks = layout.masks(buffer)
        self._map = layout.table(buffer)
        self._tables: dict[str, UrlTable] = {}
        self._read_all = False

    def _url_table(self, key: str) -> UrlTable | None:
        table = self._tables.get(key)
        if table is None:
            at = self._map.url_record(key)
            if at < 0:
                return None
            start = self._layout.areas["urls"][0]
            table = self._tables[key] = self._layout.url_table(
                self._buffer, start + at, self._masks
            )[0]
        return table

    def _domain_mask(self, host: str) -> int:
        if ":" in host or (host[-1].isdigit() and _canonical_ipv4(host) == host):
            # An IP address has no parent domains; only exact entries and ranges apply.
            mask: int = self._map.exact_mask(host)
            if self._networks:
                mask |= self._network_mask(host)
            return mask
        found: int = self._map.domain_mask(host)
        return found

    def host_facts_many(
        self, authorities: Sequence[str], plain: Sequence[bool] | None = None
    ) -> list[tuple[int, bool]]:
        url_record = self._map.url_record
        out: list[tuple[int, bool]] = []
        for position, authority in enumerate(authorities):
            host = authority if plain is not None and plain[position] else normalise_host(authority)
            if not host:
                out.append((0, False))
                continue
            key = strip_common_host_label(host) if host[:3] in _COMMON_LABELS else host
            out.append((self._domain_mask(host), url_record(key) >= 0))
        return out

    def _everything(self) -> None:
        if not self._read_all:
            self._domains = self._layout.domains(self._buffer, self._masks)
            self._urls = self._layout.urls(self._buffer, self._masks)
            self._read_all = True

    @property
    def domain_masks(self) -> Mapping[str, int]:
        self._everything()
        return self._domains

    @property
    def url_tables(self) -> Mapping[str, UrlTable]:
        self._everything()
        return self._urls

    @property
    def domain_count(self) -> int:
        return self._layout.domain_count

    @property
    def url_count(self) -> int:
        return self._layout.url_entries


def open_lists(buffer: Any, start: int = 0, *, verified: bool = False) -> CategoryIndex:
    """The lists in ``buffer`` (bytes or a read-only ``mmap``) from ``start`` on.

    A ``WARDEN-LISTS 2`` file is used in place (:class:`MappedIndex`); an older one is read
    whole. ``verified`` says the caller has checked the bytes against a checksum it trusts
    (the snapshot's), so the file's own is not computed again.
    """
    if buffer[start : start + len(LISTS_MAGIC_V2)] != LISTS_MAGIC_V2:
        return CategoryIndex.from_bytes(bytes(buffer[start:]))
    if start:
        # The tables address the file from its first byte (lists embedded in a snapshot).
        buffer = bytes(memoryview(buffer)[start:])
    layout = _Layout(buffer, 0)
    if not verified:
        layout.check(buffer)
    return MappedIndex(buffer, layout)


def map_file(fd: int) -> mmap.mmap:
    """A read-only mapping of an open list file, read on demand (no read-ahead: the tables
    are probed at random, and neighbouring pages would only swell the process)."""
    size = os.fstat(fd).st_size
    if size == 0:
        raise ListFormatError("the list file is empty")
    mapping = mmap.mmap(fd, size, access=mmap.ACCESS_READ)
    if hasattr(mapping, "madvise"):
        mapping.madvise(mmap.MADV_RANDOM)
    return mapping
