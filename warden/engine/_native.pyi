from typing import Any

from typing_extensions import Buffer

def translate(data: Buffer, table: Buffer, pad: bytes = b"", /) -> bytes: ...
def count_lines(data: Buffer, /) -> int: ...
def hosts(
    validity: object, offsets: object, data: object, count: int, first: int, /
) -> tuple[tuple[bytes, bytes, bytes | None, int], bool]: ...
def parse_squid(
    data: Buffer, base_offset: int, first_line_no: int, /
) -> tuple[
    int,
    int,
    int,
    tuple[bytes, bytes, bytes, bytes, bytes],
    tuple[tuple[bytes, bytes, bytes | None, int], ...],
    list[tuple[int, int, int, int]],
    bool,
]: ...
def url_prefixes(
    validity: object,
    offsets: object,
    data: object,
    count: int,
    first: int,
    tables: Buffer,
    entry_offsets: object,
    entry_data: object,
    entry_values: Buffer,
    ranges: Buffer,
    /,
) -> tuple[tuple[bytes, bytes | None, int], bytes, bytes]: ...
def covering(
    keys: Buffer,
    moments: Buffer,
    first: Buffer,
    count: Buffer,
    starts: Buffer,
    ends: Buffer,
    values: Buffer,
    /,
) -> tuple[bytes, bytes | None, int]: ...

class StringTable:
    def __init__(self) -> None: ...
    def __len__(self) -> int: ...
    def set(self, key: str | Buffer, value: int, /) -> None: ...
    def get(self, key: str | Buffer, default: int | None = None, /) -> int | None: ...
    def clear(self) -> None: ...
    def lookup(
        self, validity: object, offsets: object, data: object, count: int, first: int, /
    ) -> tuple[bytes, bytes | None, int]: ...
    def serials(
        self, validity: object, offsets: object, data: object, count: int, first: int, /
    ) -> tuple[tuple[bytes, bytes | None, int], bytes]: ...
    def lookup_domains(
        self, validity: object, offsets: object, data: object, count: int, first: int, /
    ) -> tuple[tuple[bytes, bytes | None, int], bytes]: ...

def build_table(keys: Buffer, offsets: Buffer, values: Buffer, capacity: int, /) -> bytes: ...
def rewrite_passes(
    lines: list[bytes],
    channels: bool,
    users: dict[str, Any],
    addresses: dict[str, Any],
    by_24: bool,
    default: object,
    numbers: dict[Any, int],
    passing: dict[str, int],
    /,
) -> tuple[list[Any], list[int]]: ...

class ListMap:
    def __init__(
        self,
        buffer: Buffer,
        *,
        masks: int,
        mask_count: int,
        words: int,
        domain_slots: int,
        domain_capacity: int,
        domain_keys: int,
        domain_keys_size: int,
        url_slots: int,
        url_capacity: int,
        url_keys: int,
        url_keys_size: int,
        url_index: int,
        url_hosts: int,
    ) -> None: ...
    def domain_mask(self, host: str, /) -> int: ...
    def exact_mask(self, host: str, /) -> int: ...
    def url_record(self, host_key: str, /) -> int: ...
