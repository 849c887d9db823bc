"""The category lists looked up a column at a time, for log ingestion.

:class:`ColumnIndex` is the column form of a :class:`~warden.engine.lists.CategoryIndex`:
its domain entries and URL entries in compiled tables (:mod:`warden.engine.strings`), so
that a chunk's hosts and URLs are classified in a few passes instead of a Python call
each. It gives exactly what the index gives row by row: plain host names and ASCII URLs
take the tables, anything else (IP addresses, ports, IDNs, percent escapes, a host or URL
that several entries match) takes the index's own lookups. Building it takes a fraction of
a second for half a million entries; the Squid helper, which decides one URL at a time,
never needs it (and so never loads Arrow).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

import pyarrow as pa
import pyarrow.compute as pc

from warden.engine.lists import (
    COMMON_LABEL_PATTERN,
    PLAIN_HOST_PATTERN,
    CategoryIndex,
    UrlTable,
)
from warden.engine.strings import StringTable, lookup, lookup_domains, prefix_matches

__all__ = ["ColumnIndex"]

_ONE = pa.scalar(1, pa.int32())
_NONE = pa.scalar(-1, pa.int32())


@dataclass(frozen=True)
class _UrlColumns:
    """Every host's URL entries in the columns :func:`strings.prefix_matches` reads."""

    hosts: StringTable
    """host key -> its table number"""
    paths: pa.Array
    values: pa.Array
    """each path's mask number (into ``masks``)"""
    ranges: pa.Array
    """table ``t`` is rows ``ranges[2t]`` to ``ranges[2t + 1]`` of paths and values"""
    masks: list[int]

    @classmethod
    def of(cls, tables: Mapping[str, UrlTable]) -> _UrlColumns:
        hosts = StringTable()
        paths: list[str] = []
        values: list[int] = []
        ranges: list[int] = []
        numbers: dict[int, int] = {}
        for number, (host, table) in enumerate(tables.items()):
            hosts.set(host, number)
            ranges.append(len(paths))
            paths.extend(table.paths)
            values.extend(numbers.setdefault(mask, len(numbers)) for mask in table.masks)
            ranges.append(len(paths))
        return cls(
            hosts,
            pa.array(paths, pa.string()),
            pa.array(values, pa.int32()),
            pa.array(ranges, pa.int32()),
            list(numbers),
        )


class ColumnIndex:
    """A :class:`CategoryIndex` looked up a column at a time (see the module notes).

    It also answers ``categories_for_host`` and ``categories_for_url`` as the index does, so
    it serves wherever a classifier is asked for."""

    def __init__(self, index: CategoryIndex) -> None:
        self.index = index
        self._domains = StringTable()
        self._url_hosts = StringTable()
        numbers: dict[int, int] = {0: 0}
        for domain, mask in index.domain_masks.items():
            self._domains.set(domain, numbers.setdefault(mask, len(numbers)))
        for host in index.url_tables:
            self._url_hosts.set(host, 1)
        self._masks = list(numbers)
        self._urls = _UrlColumns.of(index.url_tables)

    def categories_for_host(self, host: str) -> tuple[str, ...]:
        return self.index.categories_for_host(host)

    def categories_for_url(self, url: str) -> tuple[str, ...]:
        return self.index.categories_for_url(url)

    def host_facts(self, hosts: pa.Array) -> tuple[pa.Array, pa.Array, list[int]]:
        """:meth:`CategoryIndex.host_facts_many` for a string column of lower-case host
        names without trailing dots (as the log parsers give them), as columns: ``(mask
        numbers, URL entries)``, where mask number ``i`` stands for ``masks[i]`` of the list
        returned with them. Plain names are looked up in the compiled tables, the whole
        column at once; IP addresses, ports, IDNs and the rare host with entries for more
        than one of its domains take :meth:`CategoryIndex.host_facts_many`."""
        domains, url_hosts, known = self._domains, self._url_hosts, self._masks
        first, matches = lookup_domains(domains, hosts)
        mask_numbers = pc.fill_null(first, 0)
        keys = pc.replace_substring_regex(hosts, COMMON_LABEL_PATTERN, r"\1")
        has_urls = pc.is_valid(lookup(url_hosts, keys))
        plain = pc.fill_null(pc.match_substring_regex(hosts, PLAIN_HOST_PATTERN), False)
        simple = pc.and_(plain, pc.less_equal(matches, _ONE))
        if pc.all(simple).as_py():
            return mask_numbers, has_urls, known
        odd = pc.invert(simple)
        names = [host or "" for host in pc.filter(hosts, odd).to_pylist()]
        facts = self.index.host_facts_many(names)
        masks = known + [mask for mask, _urls in facts]
        numbers_array = pa.array(range(len(known), len(masks)), pa.int32())
        return (
            pc.replace_with_mask(mask_numbers, odd, numbers_array),
            pc.replace_with_mask(has_urls, odd, pa.array([urls for _m, urls in facts])),
            masks,
        )

    def url_masks(self, urls: pa.Array, hosts: pa.Array) -> tuple[pa.Array, list[int]]:
        """:meth:`CategoryIndex.mask_for_url` for a column of URLs and their hosts (as the
        log parsers give them), as mask numbers: number ``i`` stands for ``masks[i]`` of the list
        returned with them. URL entries are matched in compiled code; URLs with percent
        escapes or characters beyond ASCII, hosts that are not plain names and URLs that
        more than one entry matches take :meth:`CategoryIndex.masks_for_urls`."""
        numbers, _has_urls, masks = self.host_facts(hosts)
        tables = self._urls
        keys = pc.replace_substring_regex(hosts, COMMON_LABEL_PATTERN, r"\1")
        table_of = pc.fill_null(lookup(tables.hosts, keys), _NONE)
        found, matches, odd = prefix_matches(
            urls, table_of, tables.paths, tables.values, tables.ranges
        )
        plain = pc.fill_null(pc.match_substring_regex(hosts, PLAIN_HOST_PATTERN), False)
        python = pc.or_(pc.or_(odd, pc.invert(plain)), pc.greater(matches, _ONE))
        python = pc.and_(python, pc.is_valid(urls))
        # Rows pair a domain mask with at most one URL entry's: each pair is ORed once.
        stride = pa.scalar(len(tables.masks) + 1, pa.int64())
        pair = pc.add(
            pc.multiply(pc.cast(numbers, pa.int64()), stride),
            pc.cast(pc.fill_null(pc.add(found, _ONE), 0), pa.int64()),
        )
        encoded = cast(pa.DictionaryArray, pc.dictionary_encode(pair))
        out = []
        for value in encoded.dictionary.to_pylist():
            domain, entry = divmod(value, len(tables.masks) + 1)
            out.append(masks[domain] | (tables.masks[entry - 1] if entry else 0))
        result = pc.cast(encoded.indices, pa.int32())
        if pc.any(python).as_py():
            odd_urls = cast(pa.DictionaryArray, pc.dictionary_encode(pc.filter(urls, python)))
            base = len(out)
            out.extend(self.index.masks_for_urls(odd_urls.dictionary.to_pylist()))
            result = pc.replace_with_mask(
                result,
                python,
                pc.add(pc.cast(odd_urls.indices, pa.int32()), pa.scalar(base, pa.int32())),
            )
        return result, out
