from typing_extensions import Buffer

def translate(data: Buffer, table: Buffer, pad: bytes = b"", /) -> bytes: ...
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
