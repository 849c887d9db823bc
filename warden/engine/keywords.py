"""Keyword libraries and an obfuscation-tolerant phrase matcher.

A library is a list of :class:`Phrase` (text, Warden category slug, severity 1-5, language) plus
:class:`Exclusion` entries (phrases that must not trigger, each with a reason). The matcher is
case-insensitive, matches on word boundaries and sees through the usual ways pupils disguise a
phrase:

* l33t spelling: 4/@ for a, 3 for e, 1/| for i or l, 0 for o, 5/$ for s, 7 for t, 8 for b,
  9 for g;
* punctuation or URL syntax between words: ``kill+myself``, ``kill-myself``, ``kill_myself``,
  ``killmyself``;
* letters spaced out with spaces, dots, dashes, underscores or asterisks: ``s.u.i.c.i.d.e``,
  ``k i l l``;
* letters stretched out: ``kiiiill``, ``killlll``.

How it stays fast: the text goes through one translation pass (compiled, offsets kept, a
space added at each end) that lower-cases ASCII, turns punctuation, line breaks and the UTF-8
lead bytes of emoji, curly quotes and the like into spaces, and turns l33t digits into
*upper-case* letters (``4`` -> ``A``). Every phrase is then a fixed-length caseless literal
such as `` ki[lI][lI] ``, with a plain space as its word boundary, which Hyperscan compiles
into a literal-driven automaton: thousands of phrases are searched in one vectorised pass,
and a fixed length means a match starts at its end minus its length, with no costly
start-of-match tracking. Detectors in the same pass find the rare places worth a second
look: a library word spelled out letter by letter (`` k i l l ``) and stretched letters
(``aaa``, ``bbb``... but not ``www``, and not ``000``, as digits became upper-case). Only
where they fire is the text rewritten (run closed up, stretch shortened) and scanned again,
all in one more call. Phrases with letters beyond ASCII have a database of their own,
scanned only over text that has such bytes (never over a URL). A long text is cut into
overlapping pieces scanned side by side on :attr:`KeywordMatcher.threads` threads: the
translation and the Hyperscan scan both run without the interpreter lock.

What counts as a word boundary: a space or any ASCII punctuation, a line break (a phrase
may run from one line of a text to the next), the start or end of the text, an emoji or
typographic punctuation after the word (not before it). An accented letter next to a word
makes it part of a longer word. "!" ends a word; it is not
read as an i. Because "1" and "|" may mean i or l, a phrase's l also accepts i.

Non-ASCII phrases (LDNOOBW ships 27 other languages) are matched as UTF-8 with Unicode
case-folding; word boundaries are dropped for scripts written without spaces (Chinese,
Japanese, Thai). Offsets of a match refer to the original text: characters for ``str``
input, bytes for ``bytes`` input.

Importers: :func:`load_library_tsv` (Warden's own format, used by the starter library in
``data/``), :func:`load_ldnoobw` and :func:`load_e2guardian_phrases`.

e2guardian weights become severities as follows. A weight is how much one hit adds to a
page's "naughtiness"; e2guardian blocks a page when the sum passes ``naughtynesslimit``,
whose shipped defaults are 50 (young children), 100 (older children) and 160 (adults).
Warden alerts on single hits, so the weight is read against the older-children limit of 100:

==========  ========  =================================================================
weight      severity  meaning
==========  ========  =================================================================
>= 100      4         one hit alone would block the page for older pupils
50 - 99     3         half the limit or more in one hit
20 - 49     2         a strong hint that needs company to block
1 - 19      1         weak evidence on its own
<= 0        skipped   a "good phrase" that lowers a page score; Warden scores no pages
==========  ========  =================================================================

Percentage weights (``<10%>``, e2guardian 5.2+) are a share of the limit, so ``n%`` counts as
weight ``n`` against a limit of 100. Imports stop at severity 4 on purpose: severity 5 means
"act now" (a pupil looking for a way to end their life) and is reserved for curated
libraries such as Warden's starter library, where every entry was chosen for that.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import itertools
import logging
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import hyperscan

from warden.engine import _native as native
from warden.engine.datafiles import DATA_DIR

logger = logging.getLogger(__name__)

SEVERITY_MIN = 1
SEVERITY_MAX = 5

STARTER_LIBRARY = DATA_DIR / "starter_keywords.tsv"
STARTER_EXCLUSIONS = DATA_DIR / "starter_exclusions.tsv"

# Substitutions that pupils use in place of letters. Digits map to upper-case letters so that
# the translated text still tells a real letter (lower-case) from a stand-in (upper-case).
_LEET_TO_UPPER = {
    "4": "A",
    "3": "E",
    "1": "I",
    "0": "O",
    "5": "S",
    "7": "T",
    "8": "B",
    "9": "G",
    "|": "I",
}
# "!" is not read as an i: it ends far more sentences ("kill myself!") than it spells
# words, and a pattern class for every i would cost a third of the matching speed.
_LEET_TO_LOWER = {"@": "a", "$": "s"}
# Stretched letters are only looked for in lower-case runs: "www" is everywhere in URLs and
# nobody stretches a w to hide a word.
_STRETCHABLE = "abcdefghijklmnopqrstuvxyz"


# Lead bytes of UTF-8 sequences that never spell a word in a library language: C2 starts
# U+0080-U+00BF (no-break space, guillemets, degree sign...), E2 starts U+2000-U+2FFF (curly
# quotes, dashes, ellipsis, bullets, hearts and other symbols) and F0-F4 start the four-byte
# sequences (emoji). Turning them into spaces lets "kys😭" or "die…" end a word.
_SEPARATOR_LEADS = (0xC2, 0xE2, 0xF0, 0xF1, 0xF2, 0xF3, 0xF4)


def _build_translation() -> bytes:
    table = bytearray(range(256))
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = code + 32
    for code in range(0x80):
        char = chr(code)
        if not char.isalnum():
            table[code] = ord(" ")
    for src, dst in {**_LEET_TO_UPPER, **_LEET_TO_LOWER}.items():
        table[ord(src)] = ord(dst)
    for code in _SEPARATOR_LEADS:
        table[code] = ord(" ")
    return bytes(table)


TRANSLATION = _build_translation()
"""The ``bytes.translate`` table applied to text before matching (exposed for benchmarks)."""

# Patterns want a separator before and after a word; this goes around the text.
_PAD = b" "


def _is_unspaced_script(char: str) -> bool:
    """Whether ``char`` belongs to a script written without spaces between words."""
    code = ord(char)
    return (
        0x0E00 <= code <= 0x0EFF  # Thai, Lao
        or 0x1000 <= code <= 0x109F  # Myanmar
        or 0x3040 <= code <= 0x30FF  # Hiragana, Katakana
        or 0x3400 <= code <= 0x9FFF  # CJK ideographs
        or 0xF900 <= code <= 0xFAFF
        or 0xFF66 <= code <= 0xFF9F  # half-width Katakana
        or 0x20000 <= code <= 0x2FFFF
    )


def normalise_phrase(text: str) -> str:
    """The canonical form of a phrase: NFKC, lower case, punctuation as single spaces."""
    folded = unicodedata.normalize("NFKC", text).lower()
    # Typographic apostrophes and dashes would otherwise stay multi-byte in the pattern while
    # the pupil's ASCII "don't" becomes "don t" after translation.
    cleaned = "".join(
        " " if not char.isascii() and unicodedata.category(char)[0] in "PZ" else char
        for char in folded
    )
    return " ".join(cleaned.split())


@dataclass(frozen=True, slots=True)
class Term:
    """One searchable piece of text; ``word_start``/``word_end`` ask for a word boundary."""

    text: str
    word_start: bool = True
    word_end: bool = True


@dataclass(frozen=True, slots=True)
class Phrase:
    """A library entry. ``terms`` is empty for an ordinary phrase; a combination phrase (an
    e2guardian ``<a>,<b>`` line) lists the terms that must all occur in the same text."""

    text: str
    category: str
    severity: int
    language: str = "en"
    terms: tuple[Term, ...] = ()

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValueError("a phrase needs some text")
        if not self.category:
            raise ValueError(f"phrase {self.text!r} has no category")
        if not SEVERITY_MIN <= self.severity <= SEVERITY_MAX:
            raise ValueError(
                f"phrase {self.text!r}: severity must be {SEVERITY_MIN}-{SEVERITY_MAX}, "
                f"not {self.severity}"
            )

    @property
    def all_terms(self) -> tuple[Term, ...]:
        return self.terms or (Term(self.text),)


@dataclass(frozen=True, slots=True)
class Exclusion:
    """Text that must not trigger: a match lying wholly inside an occurrence of ``text`` is
    dropped. ``categories`` limits the exclusion to phrases of those categories (empty: all)."""

    text: str
    reason: str
    categories: frozenset[str] = frozenset()
    word_start: bool = True
    word_end: bool = True


@dataclass(frozen=True, slots=True)
class Match:
    phrase: str
    category: str
    severity: int
    language: str
    start: int
    end: int
    text: str
    """The matched span of the original text, as the pupil typed it."""


@dataclass(frozen=True, slots=True)
class _Hit:
    term: int
    start: int
    end: int


@dataclass(slots=True)
class _Compiled:
    patterns: list[bytes] = field(default_factory=list)
    flags: list[int] = field(default_factory=list)
    # For each pattern: (term index, fixed match length, bytes consumed after the match).
    pattern_terms: list[tuple[int, int, int]] = field(default_factory=list)


def _core_pattern(translated: bytes) -> tuple[bytes, int]:
    """Regex for a translated phrase and its fixed length in bytes.

    Patterns are compiled caseless: real letters are lower-case after translation and each
    l33t stand-in is the upper-case form of its letter, so "a" also matches "4" (now "A").
    Only "l" needs a class, because "1" and "|" become "I".
    """
    try:
        text = translated.decode("utf-8")
    except UnicodeDecodeError:
        # A phrase with an emoji or a symbol was cut up by the translation just like the
        # text will be, so it is matched byte for byte.
        pieces = [
            _LETTER_PATTERNS.get(chr(byte), re.escape(chr(byte)))
            if byte < 0x80
            else f"\\x{byte:02x}"
            for byte in translated
        ]
        return "".join(pieces).encode("latin-1"), len(translated)
    pattern = "".join(_LETTER_PATTERNS.get(char) or re.escape(char) for char in text)
    return pattern.encode("utf-8"), len(translated)


# Letters whose stand-ins are not simply their upper-case form.
_LETTER_PATTERNS = {"l": "[lI]"}
# What may stand before and after a word once the text is translated.
_BOUNDARY = b" "


def _wants_boundary(char: str) -> bool:
    return char.isalnum() and not _is_unspaced_script(char)


def _term_patterns(term: Term) -> list[tuple[bytes, int, int, int]]:
    """Hyperscan patterns for a term: (pattern, flags, fixed core length in bytes, bytes the
    pattern consumes after the core).

    Word boundaries are a literal space, `` kill ``, rather than ``\\b``: after translation
    every non-word ASCII byte (line breaks too) is a space, and Hyperscan runs half again as
    fast without an assertion to check at each occurrence of a short word, and faster again
    with one literal a word rather than one for each kind of separator around it. Scans put
    a space around the text so the first and last words have one too. The separator in
    front is not part of the fixed length, so a match starts at its end minus the length
    and the separator after it.

    A multi-word term also gets a variant with the words run together, so that
    ``killmyself`` in a domain name or hashtag still matches ``kill myself``.
    """
    text = normalise_phrase(term.text)
    if not text:
        return []
    words = text.encode("utf-8").translate(TRANSLATION).split()
    if not words:
        return []
    flags = hyperscan.HS_FLAG_CASELESS
    if not text.isascii():
        try:
            b" ".join(words).decode("utf-8")
            # UTF-8 mode folds Cyrillic, Greek and accented Latin case too.
            flags |= hyperscan.HS_FLAG_UTF8
        except UnicodeDecodeError:
            pass
    variants = [b" ".join(words)]
    if len(words) > 1:
        variants.append(b"".join(words))
    before = term.word_start and _wants_boundary(text[0])
    after = term.word_end and _wants_boundary(text[-1])
    out = []
    for variant in variants:
        core, length = _core_pattern(variant)
        regex = (_BOUNDARY if before else b"") + core + (_BOUNDARY if after else b"")
        out.append((regex, flags, length, 1 if after else 0))
    return out


def _spelled_out_detectors(terms: Iterable[Term]) -> list[bytes]:
    """Patterns that find a word of a term spelled out letter by letter: `` k i l l `` for
    "kill". It matches ``k.i.l.l`` and ``k-i-l-l`` too: every separator is a space once
    translated. A term of several words gives one for each word of three letters or more
    and one for its words run together (``k.i.l.l.m.y.s.e.l.f``). Where one fires, the whole
    run of single letters around it is closed up and scanned again, so "k i l l myself"
    matches "kill myself"."""
    words: set[bytes] = set()
    for term in terms:
        text = normalise_phrase(term.text)
        if not (text.isascii() and term.word_start and term.word_end):
            continue
        parts = text.encode().translate(TRANSLATION).split()
        for word in [*parts, b"".join(parts)] if len(parts) > 1 else parts:
            if len(word) >= 3 and word.isalpha():
                words.add(word)
    out = []
    for word in sorted(words):
        core, _ = _core_pattern(b" ".join(word[i : i + 1] for i in range(len(word))))
        out.append(_BOUNDARY + core + _BOUNDARY)
    return out


class KeywordMatcher:
    """Compiled phrases and exclusions; build one with :meth:`compile` and reuse it."""

    def __init__(
        self,
        phrases: tuple[Phrase, ...],
        exclusions: tuple[Exclusion, ...],
        terms: list[Term],
        term_phrases: list[list[int]],
        combination_phrases: list[int],
        exclusion_terms: list[int],
        pattern_terms: list[tuple[int, int, int]],
        database: hyperscan.Database | None,
        wide_database: hyperscan.Database | None = None,
        spelled_detectors: int = 0,
    ) -> None:
        self.phrases = phrases
        self.exclusions = exclusions
        self._terms = terms
        self._term_phrases = term_phrases
        self._combinations = combination_phrases
        self._exclusion_terms = exclusion_terms
        self._term_exclusions: dict[int, list[int]] = {}
        for index, term_index in enumerate(exclusion_terms):
            self._term_exclusions.setdefault(term_index, []).append(index)
        self._term_lookup = {
            (normalise_phrase(t.text), t.word_start, t.word_end): index
            for index, t in enumerate(terms)
        }
        self._pattern_terms = pattern_terms
        self._pattern_count = len(pattern_terms)
        # Context kept either side of a rewritten spot: room for the longest phrase.
        self._margin = max((length for _, length, _ in pattern_terms), default=0) + 2
        # Detector ids follow the patterns': the spelled-out words, then the stretches.
        self._stretch_base = self._pattern_count + spelled_detectors
        self._db = database
        # Phrases with letters outside ASCII (27 of LDNOOBW's languages) are kept in a
        # database of their own: they need bytes above 0x7f to match, so text without any,
        # such as every URL, is not scanned for them.
        self._wide_db = wide_database
        # Hyperscan needs scratch space per concurrent scan; each thread gets its own, so
        # one matcher can serve a threaded web server or worker safely.
        self._local = threading.local()
        self.threads = default_threads()
        """How many threads one long text or batch of records is scanned on."""

    def __len__(self) -> int:
        return len(self.phrases)

    @classmethod
    def compile(
        cls,
        phrases: Iterable[Phrase],
        exclusions: Iterable[Exclusion] = (),
        *,
        cache_dir: Path | None = None,
    ) -> KeywordMatcher:
        """Compile a library. Thousands of phrases take several seconds to compile, so
        ``cache_dir``, if given, keeps the compiled database keyed by a hash of the patterns."""
        phrase_list = tuple(_dedupe_phrases(phrases))
        exclusion_list = tuple(exclusions)
        terms: list[Term] = []
        term_index: dict[tuple[str, bool, bool], int] = {}

        def intern(term: Term) -> int:
            key = (normalise_phrase(term.text), term.word_start, term.word_end)
            found = term_index.get(key)
            if found is None:
                found = len(terms)
                term_index[key] = found
                terms.append(term)
            return found

        term_phrases: list[list[int]] = []
        combinations: list[int] = []
        for index, phrase in enumerate(phrase_list):
            ids = [intern(term) for term in phrase.all_terms]
            while len(term_phrases) < len(terms):
                term_phrases.append([])
            if len(ids) == 1:
                term_phrases[ids[0]].append(index)
            else:
                combinations.append(index)
        exclusion_terms = [
            intern(Term(exclusion.text, exclusion.word_start, exclusion.word_end))
            for exclusion in exclusion_list
        ]
        while len(term_phrases) < len(terms):
            term_phrases.append([])

        # ASCII terms first, then the others: a pattern's id is its index in pattern_terms,
        # and the detectors' ids follow the last pattern's.
        compiled = _Compiled()
        wide_from = 0
        for wide in (False, True):
            if wide:
                wide_from = len(compiled.patterns)
            for index, term in enumerate(terms):
                if normalise_phrase(term.text).isascii() == wide:
                    continue
                for pattern, flags, length, after in _term_patterns(term):
                    compiled.patterns.append(pattern)
                    compiled.flags.append(flags)
                    compiled.pattern_terms.append((index, length, after))
        database = wide_database = None
        if compiled.patterns:
            count = len(compiled.patterns)
            spelled = _spelled_out_detectors(terms)
            stretched = [(letter * 3).encode() for letter in _STRETCHABLE]
            detectors = [*spelled, *stretched]
            narrow_ids = [*range(wide_from), *range(count, count + len(detectors))]
            database = _compile_database(
                [*compiled.patterns[:wide_from], *detectors],
                [
                    *compiled.flags[:wide_from],
                    *([hyperscan.HS_FLAG_CASELESS] * len(spelled)),
                    *([0] * len(stretched)),
                ],
                narrow_ids,
                cache_dir,
            )
            if wide_from < count:
                wide_database = _compile_database(
                    compiled.patterns[wide_from:],
                    compiled.flags[wide_from:],
                    list(range(wide_from, count)),
                    cache_dir,
                )
        return cls(
            phrase_list,
            exclusion_list,
            terms,
            term_phrases,
            combinations,
            exclusion_terms,
            compiled.pattern_terms,
            database,
            wide_database,
            len(spelled) if compiled.patterns else 0,
        )

    # -- scanning ------------------------------------------------------------------------

    def find(self, text: str | bytes) -> list[Match]:
        """All phrase matches in ``text``, in order of position."""
        if isinstance(text, str):
            source = text.translate(_TYPOGRAPHY) if not text.isascii() else text
            data = source.encode("utf-8", "surrogatepass")
        else:
            data = bytes(text)
        if self._db is None or not data:
            return []
        matches = self._resolve(self._scan_pieces(data), data, 0, len(data))
        if isinstance(text, str) and not text.isascii():
            matches = [_to_char_offsets(match, data, text) for match in matches]
        return matches

    def find_in_records(
        self, data: bytes | memoryview, bounds: Sequence[int]
    ) -> list[tuple[int, Match]]:
        """Matches in many records at once: ``data`` holds the records back to back and
        record ``i`` is ``data[bounds[i]:bounds[i + 1]]``. Records should end with a newline
        so that a phrase cannot run from one record into the next. Offsets in each
        :class:`Match` are bytes from the start of its record."""
        if self._db is None or len(bounds) < 2:
            return []
        by_record: dict[int, list[_Hit]] = {}
        last = len(bounds) - 1
        first = 0
        # Slices of a few megabytes keep the translated copy in reused memory; one copy of a
        # 64 MB batch costs more in page faults than the translation itself.
        view = memoryview(data)
        slices: list[tuple[int, int]] = []
        while first < last:
            lo = bounds[first]
            stop = bisect.bisect_left(bounds, lo + _SLICE, first + 1, last)
            stop = max(stop, first + 1)
            slices.append((first, stop))
            first = stop
        scanned = self._map(
            lambda piece: self._scan(view[bounds[piece[0]] : bounds[piece[1]]]), slices
        )
        for (first, stop), hits in zip(slices, scanned, strict=True):
            lo = bounds[first]
            for hit in hits:
                start, end = hit.start + lo, hit.end + lo
                record = bisect.bisect_right(bounds, start, first, stop + 1) - 1
                if first <= record < stop and end <= bounds[record + 1]:
                    by_record.setdefault(record, []).append(_Hit(hit.term, start, end))
        out: list[tuple[int, Match]] = []
        for record, record_hits in sorted(by_record.items()):
            base = bounds[record]
            for match in self._resolve(record_hits, data, base, bounds[record + 1]):
                shifted = Match(
                    match.phrase,
                    match.category,
                    match.severity,
                    match.language,
                    match.start - base,
                    match.end - base,
                    match.text,
                )
                out.append((record, shifted))
        return out

    def _map(self, scan: Callable[[_T], list[_Hit]], pieces: list[_T]) -> list[list[_Hit]]:
        """``scan`` over ``pieces``, on :attr:`threads` threads when there are several: the
        Hyperscan scan releases the interpreter lock, so pieces scan side by side."""
        if self.threads < 2 or len(pieces) < 2:
            return [scan(piece) for piece in pieces]
        return list(_pool(self.threads).map(scan, pieces))

    def _scan_pieces(self, data: bytes) -> list[_Hit]:
        """:meth:`_scan` over ``data``, in one piece a thread when it is long.

        Pieces start and end at separators, and each starts well before the previous one
        ends: a phrase that runs across a cut lies wholly in the next piece, so the pieces
        together give exactly the hits of the whole (those found twice are the same hit).
        """
        size = len(data)
        count = min(self.threads, size // _PIECE_MIN)
        overlap = max(_OVERLAP_MIN, 8 * self._margin)
        spans: list[tuple[int, int]] = []
        lo = 0
        for index in range(1, count):
            cut = _separator_at_or_after(data, size * index // count)
            start = _separator_at_or_before(data, cut - overlap) if cut is not None else None
            if cut is None or start is None or start <= lo:
                continue
            spans.append((lo, cut))
            lo = start
        if not spans:
            return self._scan(data)
        spans.append((lo, size))
        view = memoryview(data)
        scanned = self._map(lambda span: self._scan(view[span[0] : span[1]]), spans)
        hits = {
            _Hit(hit.term, hit.start + begin, hit.end + begin)
            for (begin, _), piece in zip(spans, scanned, strict=True)
            for hit in piece
        }
        return sorted(hits, key=_hit_order)

    def _raw_scan(self, translated: bytes) -> tuple[list[_Hit], list[int], list[int]]:
        """Term hits in translated text, and where the spelled-out and stretch detectors
        fired (the end of each hit)."""
        assert self._db is not None
        term_hits: list[tuple[int, int]] = []
        spelled_ends: list[int] = []
        stretch_ends: list[int] = []
        pattern_count = self._pattern_count
        stretch_base = self._stretch_base

        def on_match(pattern: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
            if pattern < pattern_count:
                term_hits.append((pattern, end))
            elif pattern < stretch_base:
                spelled_ends.append(end)
            else:
                stretch_ends.append(end)

        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = hyperscan.Scratch(self._db)
            if self._wide_db is not None:
                self._local.wide_scratch = hyperscan.Scratch(self._wide_db)
        self._db.scan(translated, match_event_handler=on_match, scratch=scratch)
        if self._wide_db is not None and not translated.isascii():
            self._wide_db.scan(
                translated, match_event_handler=on_match, scratch=self._local.wide_scratch
            )
        return [self._hit(pattern, end) for pattern, end in term_hits], spelled_ends, stretch_ends

    def _scan(self, data: bytes | memoryview) -> list[_Hit]:
        """Term hits in ``data``, with offsets into ``data``."""
        margin = self._margin
        # A space either side gives the first and last words their separators. The compiled
        # translation adds them in the same copy and releases the interpreter lock (unlike
        # bytes.translate), so pieces on other threads go on meanwhile.
        shift = len(_PAD)
        translated = native.translate(data, TRANSLATION, _PAD)
        term_hits, spelled_ends, stretch_ends = self._raw_scan(translated)
        hits = set(term_hits)
        if spelled_ends or stretch_ends:
            windows = list(_rewrites(translated, spelled_ends, stretch_ends, margin))
            hits.update(self._scan_windows(translated, windows))
        size = len(data)
        kept = [
            _Hit(hit.term, hit.start - shift, hit.end - shift)
            for hit in hits
            if hit.start >= shift and hit.end - shift <= size
        ]
        kept.sort(key=_hit_order)
        return kept

    def _hit(self, pattern: int, end: int) -> _Hit:
        term, length, after = self._pattern_terms[pattern]
        return _Hit(term, end - after - length, end - after)

    def _scan_windows(self, translated: bytes, windows: list[_Window]) -> list[_Hit]:
        """Scan all rewritten windows in one call and map their hits back to ``translated``."""
        batch = bytearray()
        starts = []
        for window in windows:
            starts.append(len(batch))
            batch += window.data
            batch += _PAD
        scanned = bytes(batch)
        term_hits, _, _ = self._raw_scan(scanned)
        out = []
        for hit in term_hits:
            index = bisect.bisect_right(starts, hit.start) - 1
            window = windows[index]
            local_start = hit.start - starts[index]
            local_end = hit.end - starts[index]
            if local_end > len(window.data) or local_start < 0:
                continue
            mapped = window.map_span(local_start, local_end)
            if mapped is not None:
                out.append(_Hit(hit.term, *mapped))
        return out

    def _resolve(
        self, hits: list[_Hit], original: bytes | memoryview, lo: int, hi: int
    ) -> list[Match]:
        """Turn term hits within ``original[lo:hi]`` into phrase matches."""
        excluded: list[tuple[int, int, frozenset[str]]] = []
        for hit in hits:
            for exclusion_index in self._term_exclusions.get(hit.term, ()):
                exclusion = self.exclusions[exclusion_index]
                excluded.append((hit.start, hit.end, exclusion.categories))

        def is_excluded(start: int, end: int, category: str) -> bool:
            return any(
                e_start <= start and end <= e_end and (not cats or category in cats)
                for e_start, e_end, cats in excluded
            )

        def text_of(start: int, end: int) -> str:
            return bytes(original[start:end]).decode("utf-8", "replace")

        matches: list[Match] = []
        seen_terms: dict[int, _Hit] = {}
        for hit in hits:
            seen_terms.setdefault(hit.term, hit)
            for phrase_index in self._term_phrases[hit.term]:
                phrase = self.phrases[phrase_index]
                if is_excluded(hit.start, hit.end, phrase.category):
                    continue
                matches.append(
                    Match(
                        phrase.text,
                        phrase.category,
                        phrase.severity,
                        phrase.language,
                        hit.start,
                        hit.end,
                        text_of(hit.start, hit.end),
                    )
                )
        for phrase_index in self._combinations:
            phrase = self.phrases[phrase_index]
            parts = []
            for term in phrase.all_terms:
                key = self._term_id(term)
                if key is None or key not in seen_terms:
                    break
                parts.append(seen_terms[key])
            else:
                start = min(part.start for part in parts)
                end = max(part.end for part in parts)
                if not is_excluded(start, end, phrase.category):
                    matches.append(
                        Match(
                            phrase.text,
                            phrase.category,
                            phrase.severity,
                            phrase.language,
                            start,
                            end,
                            text_of(start, end),
                        )
                    )
        matches.sort(key=lambda match: (match.start, match.end, -match.severity, match.phrase))
        return matches

    def _term_id(self, term: Term) -> int | None:
        return self._term_lookup.get((normalise_phrase(term.text), term.word_start, term.word_end))


@dataclass(slots=True)
class _Window:
    """A rewritten stretch of translated text to scan again.

    ``segments`` lists (window start, window end, original start, original end, edited):
    unedited bytes map one to one, the bytes of an edit spread over the span they replace.
    A window keeps only hits that touch an edit.
    """

    data: bytes
    segments: list[tuple[int, int, int, int, bool]]

    @classmethod
    def rewrite(
        cls, translated: bytes, edits: list[tuple[int, int, bytes]], margin: int
    ) -> _Window:
        lo = max(0, edits[0][0] - margin)
        hi = min(len(translated), edits[-1][1] + margin)
        if len(edits) == 1:
            # The usual case (one run, one stretch), built without the general loop.
            start, stop, replacement = edits[0]
            cut = start - lo
            after = cut + len(replacement)
            segments = [(cut, after, start, stop, True)]
            if start > lo:
                segments.insert(0, (0, cut, lo, start, False))
            if hi > stop:
                segments.append((after, after + hi - stop, stop, hi, False))
            return cls(translated[lo:start] + replacement + translated[stop:hi], segments)
        data = bytearray()
        segments = []
        cursor = lo
        for start, stop, replacement in edits:
            if start > cursor:
                segments.append((len(data), len(data) + start - cursor, cursor, start, False))
                data += translated[cursor:start]
            segments.append((len(data), len(data) + len(replacement), start, stop, True))
            data += replacement
            cursor = stop
        if hi > cursor:
            segments.append((len(data), len(data) + hi - cursor, cursor, hi, False))
            data += translated[cursor:hi]
        return cls(bytes(data), segments)

    def _locate(self, position: int) -> tuple[int, tuple[int, int, int, int, bool]]:
        for segment in self.segments:
            if segment[0] <= position < segment[1]:
                w_start, w_end, o_start, o_end, edited = segment
                if not edited:
                    return o_start + position - w_start, segment
                count = w_end - w_start
                if count == 1:
                    return o_start, segment
                step = (o_end - 1 - o_start) / (count - 1)
                return o_start + round(step * (position - w_start)), segment
        raise IndexError(position)

    def map_span(self, start: int, end: int) -> tuple[int, int] | None:
        """The original span of window span ``[start, end)``, or None if it is not wanted."""
        if start < self.segments[0][0] or end <= start:
            return None
        original_start, _ = self._locate(start)
        last_position, last = self._locate(end - 1)
        # A hit ending on an edit's last byte ends where the edited span ends.
        original_end = last[3] if last[4] else last_position + 1
        touched = any(
            edited and original_start < o_end and original_end > o_start
            for _, _, o_start, o_end, edited in self.segments
        )
        return (original_start, original_end) if touched else None


def _hit_order(hit: _Hit) -> tuple[int, int, int]:
    return (hit.start, hit.end, hit.term)


# find_in_records() scans this many bytes of records at a time.
_SLICE = 1 << 22

# find() cuts a text into pieces of at least this size, one a thread, each starting at
# least this far before the previous one ends.
_PIECE_MIN = 1 << 19
_OVERLAP_MIN = 1 << 12
# How far to look for a separator to cut at; text without one that long is not cut there.
_CUT_SEARCH = 1 << 12
_SEPARATORS = re.compile(
    b"[" + re.escape(bytes(b for b in range(256) if TRANSLATION[b] == 32)) + b"]"
)


def _separator_at_or_after(data: bytes, position: int) -> int | None:
    found = _SEPARATORS.search(data, position, position + _CUT_SEARCH)
    return found.start() if found else None


def _separator_at_or_before(data: bytes, position: int) -> int | None:
    if position <= 0:
        return None
    for index in range(position, max(-1, position - _CUT_SEARCH), -1):
        if TRANSLATION[data[index]] == 32:
            return index
    return None


_T = TypeVar("_T")
_POOLS: dict[int, ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def default_threads() -> int:
    """Scanning threads: ``WARDEN_KEYWORD_THREADS``, or one a CPU this process may use."""
    configured = os.environ.get("WARDEN_KEYWORD_THREADS", "").strip()
    if configured:
        try:
            return max(1, int(configured))
        except ValueError:
            raise ValueError(
                f"WARDEN_KEYWORD_THREADS must be a whole number, not {configured!r}"
            ) from None
    return max(1, len(os.sched_getaffinity(0)))


# A pool's threads do not survive fork(): a forked worker starts its own.
os.register_at_fork(after_in_child=_POOLS.clear)


def _pool(threads: int) -> ThreadPoolExecutor:
    with _POOLS_LOCK:
        pool = _POOLS.get(threads)
        if pool is None:
            pool = _POOLS[threads] = ThreadPoolExecutor(threads, "warden-keywords")
        return pool


# Typographic punctuation that str input is folded to before matching, keeping character
# offsets: "I’m" must match like "I'm".
_TYPOGRAPHY = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": ".",
        "\u00a0": " ",
    }
)

# Letters once translated: upper-case ones are l33t stand-ins ("4" became "A").
_LETTERS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _rewrites(
    translated: bytes, spelled_ends: list[int], stretch_ends: list[int], margin: int
) -> Iterator[_Window]:
    """Windows to rescan: runs of spelled-out letters closed up, stretched letters shortened
    to one and to two letters (``killll`` needs two, ``kiiiill`` needs one)."""
    covered = -1
    for end in sorted(spelled_ends):
        if end <= covered:
            continue
        # A detector hit is " k i l l ", ending after the space that follows the last letter.
        run = _spaced_run(translated, end - 2)
        if run is None:
            continue
        start, stop = run
        covered = max(covered, stop)
        yield _Window.rewrite(translated, [(start, stop, translated[start:stop:2])], margin)
    stretches: list[tuple[int, int]] = []
    covered = -1
    # A long run reports once per letter; each run is measured once, so "x" * 70000 costs
    # one pass, not 70000.
    for end in sorted(stretch_ends):
        if end <= covered:
            continue
        char = translated[end - 1]
        start = end - 3
        while start > 0 and translated[start - 1] == char:
            start -= 1
        stop = end
        while stop < len(translated) and translated[stop] == char:
            stop += 1
        stretches.append((start, stop))
        covered = stop
    # Stretches close together (one word, or one phrase) are rewritten in the same window.
    group: list[tuple[int, int]] = []
    for start, stop in stretches:
        if group and start - group[-1][1] > margin:
            yield from _stretch_windows(translated, group, margin)
            group = []
        group.append((start, stop))
    if group:
        yield from _stretch_windows(translated, group, margin)


def _stretch_windows(
    translated: bytes, group: list[tuple[int, int]], margin: int
) -> Iterator[_Window]:
    # Each stretch may stand for a single letter ("kiiiill") or a double one ("killll"),
    # so a few stretches together are tried in every combination; more than three (rare
    # outside "aaaaaa bbbbbb" noise) get all-single and all-double only.
    if len(group) == 1:
        # The usual case: one stretched letter, read as one letter and as two.
        start, stop = group[0]
        yield _Window.rewrite(translated, [(start, stop, translated[start : start + 1])], margin)
        yield _Window.rewrite(translated, [(start, stop, translated[start : start + 2])], margin)
        return
    if len(group) <= 3:
        choices: Iterable[tuple[int, ...]] = itertools.product((1, 2), repeat=len(group))
    else:
        choices = ((1,) * len(group), (2,) * len(group))
    for keeps in choices:
        edits = [
            (start, stop, translated[start : start + keep])
            for (start, stop), keep in zip(group, keeps, strict=True)
        ]
        yield _Window.rewrite(translated, edits, margin)


def _spaced_run(translated: bytes, last: int) -> tuple[int, int] | None:
    """The run of single letters, one space apart, through the letter at ``last``, or None
    if that letter is part of a word."""
    size = len(translated)

    def single(pos: int) -> bool:
        return (
            translated[pos] in _LETTERS
            and (pos == 0 or translated[pos - 1] not in _LETTERS)
            and (pos + 1 >= size or translated[pos + 1] not in _LETTERS)
        )

    if not single(last):
        return None
    start, stop = last, last + 1
    while start >= 2 and translated[start - 1] == 32 and single(start - 2):
        start -= 2
    while stop + 1 < size and translated[stop] == 32 and single(stop + 1):
        stop += 2
    return start, stop


def _to_char_offsets(match: Match, data: bytes, text: str) -> Match:
    start = len(data[: match.start].decode("utf-8", "ignore"))
    end = start + len(data[match.start : match.end].decode("utf-8", "ignore"))
    return Match(
        match.phrase, match.category, match.severity, match.language, start, end, text[start:end]
    )


def _dedupe_phrases(phrases: Iterable[Phrase]) -> Iterator[Phrase]:
    """Drop repeats of the same phrase and category, keeping the highest severity."""
    best: dict[tuple[str, str, tuple[Term, ...]], Phrase] = {}
    for phrase in phrases:
        key = (normalise_phrase(phrase.text), phrase.category, phrase.terms)
        kept = best.get(key)
        if kept is None or phrase.severity > kept.severity:
            best[key] = phrase
    return iter(best.values())


def _compile_database(
    expressions: list[bytes], flags: list[int], ids: list[int], cache_dir: Path | None
) -> hyperscan.Database:
    key = None
    if cache_dir is not None:
        digest = hashlib.sha256()
        digest.update(str(getattr(hyperscan, "__version__", "")).encode())
        for expression, flag, pattern_id in zip(expressions, flags, ids, strict=True):
            digest.update(expression)
            digest.update(b"\0%d\0%d\n" % (flag, pattern_id))
        key = Path(cache_dir) / f"keywords-{digest.hexdigest()[:32]}.hsdb"
        if key.exists():
            try:
                database = hyperscan.loadb(key.read_bytes(), hyperscan.HS_MODE_BLOCK)
                database.scratch = hyperscan.Scratch(database)
                return database
            except hyperscan.error:
                logger.warning("ignoring unreadable keyword cache %s", key)
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(
        expressions=expressions,
        ids=ids,
        elements=len(expressions),
        flags=flags,
    )
    if key is not None:
        key.parent.mkdir(parents=True, exist_ok=True)
        temporary = key.with_name(f".{key.name}.{os.getpid()}.tmp")
        temporary.write_bytes(hyperscan.dumpb(database))
        os.replace(temporary, key)
    return database


# -- importers ---------------------------------------------------------------------------


def _tsv_rows(path: Path, header: Sequence[str]) -> Iterator[tuple[int, list[str]]]:
    """The numbered data rows of a tab-separated keyword file whose first row is ``header``
    (``#`` starts a comment line; blank lines are passed over)."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(
            (line for line in handle if line.strip() and not line.startswith("#")),
            delimiter="\t",
            quoting=csv.QUOTE_NONE,
        )
        first = next(rows, None)
        if first is None:
            return
        if [cell.strip().lower() for cell in first[: len(header)]] != list(header):
            raise ValueError(f"{path}: the first row must be: {', '.join(header)}")
        yield from enumerate(rows, start=2)


def load_library_tsv(path: Path) -> list[Phrase]:
    """Warden's keyword format: a header row ``phrase category severity language``, then one
    phrase a row, tab-separated; ``#`` starts a comment line."""
    phrases = []
    for number, row in _tsv_rows(path, ("phrase", "category", "severity", "language")):
        if len(row) < 3:
            raise ValueError(f"{path}: row {number} needs phrase, category and severity")
        language = row[3].strip() if len(row) > 3 and row[3].strip() else "en"
        phrases.append(Phrase(row[0].strip(), row[1].strip(), int(row[2]), language))
    return phrases


def load_exclusions_tsv(path: Path) -> list[Exclusion]:
    """Exclusions: a header row ``phrase reason categories`` (categories comma-separated,
    empty for all), then one exclusion a row, tab-separated."""
    exclusions = []
    for number, row in _tsv_rows(path, ("phrase", "reason")):
        if len(row) < 2 or not row[1].strip():
            raise ValueError(f"{path}: row {number} needs a phrase and a reason")
        cats = row[2] if len(row) > 2 else ""
        exclusions.append(
            Exclusion(
                row[0].strip(),
                row[1].strip(),
                frozenset(c.strip() for c in cats.split(",") if c.strip()),
            )
        )
    return exclusions


def load_starter_library() -> tuple[list[Phrase], list[Exclusion]]:
    """Warden's own safeguarding phrases and exclusions, shipped in ``data/``."""
    return load_library_tsv(STARTER_LIBRARY), load_exclusions_tsv(STARTER_EXCLUSIONS)


def load_ldnoobw(path: Path, *, category: str = "profanity", severity: int = 2) -> list[Phrase]:
    """LDNOOBW-style lists: one phrase a line, the file name is the language tag. ``path`` is
    one such file or a directory of them (files with a dot in the name, such as README.md,
    are skipped). Entries without a single letter (the Chinese list has "13.") are skipped:
    they would fire on every number in every URL."""
    path = Path(path)
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    phrases = []
    for file in files:
        if "." in file.name or file.name.isupper():
            continue
        for line in file.read_text(encoding="utf-8", errors="replace").splitlines():
            text = line.strip()
            if text and not text.startswith("#") and any(char.isalpha() for char in text):
                phrases.append(Phrase(text, category, severity, file.name))
    return phrases


# e2guardian's "#listcategory" names, mapped to Warden category slugs.
E2GUARDIAN_CATEGORIES = {
    "adult": "pornography",
    "bad words": "profanity",
    "badwords": "profanity",
    "chat": "chat",
    "domain for sale": "parked-domains",
    "drug advocacy": "drugs",
    "forums": "forums",
    "gambling": "gambling",
    "games": "games",
    "onlinegames": "games",
    "goodphrases": "education",
    "gore": "violence",
    "hacking": "hacking",
    "illegal drugs": "drugs",
    "illegaldrugs": "drugs",
    "intolerance": "discrimination",
    "legal drugs": "drugs",
    "malware": "malware",
    "music": "streaming",
    "nudism": "adult",
    "peer-to-peer": "file-sharing",
    "personals": "dating",
    "porn": "pornography",
    "pornografia": "pornography",
    "pornography": "pornography",
    "proxies": "proxies",
    "proxy": "proxies",
    "sport": "sport",
    "translation": "translation",
    "violence": "violence",
    "warez": "piracy",
    "weapons": "weapons",
    "webmail": "webmail",
}

_LANGUAGE_NAMES = {
    "arabic": "ar",
    "chinese": "zh",
    "danish": "da",
    "dutch": "nl",
    "english": "en",
    "french": "fr",
    "german": "de",
    "italian": "it",
    "japanese": "ja",
    "malay": "ms",
    "norwegian": "no",
    "polish": "pl",
    "portuguese": "pt",
    "brazilian portuguese": "pt-BR",
    "russian": "ru",
    "spanish": "es",
    "swedish": "sv",
}

_E2G_ENTRY = re.compile(r"^((?:<[^<>]*>\s*,\s*)*<[^<>]*>)\s*<(-?\d+)(%?)>")
_E2G_PART = re.compile(r"<([^<>]*)>")
_E2G_INCLUDE = re.compile(r"^\.Include<([^>]+)>")


def e2guardian_weight_to_severity(weight: int) -> int | None:
    """Severity for an e2guardian weight (see the module docstring); None for <= 0."""
    if weight <= 0:
        return None
    if weight >= 100:
        return 4
    if weight >= 50:
        return 3
    if weight >= 20:
        return 2
    return 1


def _e2g_language(path: Path, listcategory: str | None) -> str:
    if listcategory and "(" in listcategory:
        named = listcategory.split("(", 1)[1].rstrip(')" ').lower()
        named = named.replace(" utf-8", "")
        if named in _LANGUAGE_NAMES:
            return _LANGUAGE_NAMES[named]
    stem = path.name.lower()
    for name, code in _LANGUAGE_NAMES.items():
        if name in stem or any(name == part for part in path.parent.name.lower().split("_")):
            return code
    for part in path.parts:
        lowered = part.lower()
        if lowered.startswith("chinese"):
            return "zh"
        if lowered.startswith("russian"):
            return "ru"
    return "en"


def _e2g_category(listcategory: str | None, path: Path) -> str:
    name = (listcategory or path.parent.name).split("(")[0].strip().strip('"').lower()
    if name in E2GUARDIAN_CATEGORIES:
        return E2GUARDIAN_CATEGORIES[name]
    return re.sub(r"[^a-z0-9]+", "-", name).strip("-") or "uncategorised"


def _read_legacy_text(path: Path) -> str:
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    hints = "/".join(path.parts).lower()
    for hint, encoding in (
        ("big5", "big5"),
        ("gb2312", "gb2312"),
        ("koi8", "koi8-r"),
        ("1251", "cp1251"),
    ):
        if hint in hints:
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                break
    return raw.decode("latin-1")


def load_e2guardian_phrases(path: Path, *, _seen: set[Path] | None = None) -> list[Phrase]:
    """An e2guardian weighted phrase list, following ``.Include<...>`` lines.

    ``< word >`` asks for word boundaries where the spaces are, ``<a>,<b><w>`` is a
    combination (all parts in the same text), the category comes from the file's
    ``#listcategory`` line and the language from it or the file name. Includes that do not
    exist are logged and skipped; each file is read once even if included twice.
    """
    path = Path(path)
    seen = _seen if _seen is not None else set()
    resolved = path.resolve()
    if resolved in seen:
        return []
    seen.add(resolved)
    text = _read_legacy_text(path)
    listcategory: str | None = None
    for line in text.splitlines():
        if line.startswith("#listcategory:"):
            listcategory = line.split(":", 1)[1].strip().strip('"')
            break
    category = _e2g_category(listcategory, path)
    language = _e2g_language(path, listcategory)
    phrases: list[Phrase] = []
    for line in text.splitlines():
        stripped = line.strip()
        include = _E2G_INCLUDE.match(stripped)
        if include:
            target = Path(include.group(1))
            if not target.is_absolute():
                target = path.parent / target
            if target.exists():
                phrases.extend(load_e2guardian_phrases(target, _seen=seen))
            else:
                logger.warning("%s: included list %s does not exist", path, target)
            continue
        entry = _E2G_ENTRY.match(stripped)
        if not entry:
            continue
        weight = int(entry.group(2))
        severity = e2guardian_weight_to_severity(weight)
        if severity is None:
            continue
        terms = tuple(
            Term(
                raw.strip(),
                word_start=raw.startswith(" "),
                word_end=raw.endswith(" "),
            )
            for raw in _E2G_PART.findall(entry.group(1))
            if raw.strip()
        )
        if not terms:
            continue
        display = ", ".join(term.text for term in terms)
        phrases.append(
            Phrase(
                display,
                category,
                severity,
                language,
                terms=terms,
            )
        )
    return phrases
