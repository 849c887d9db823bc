"""Every write of the monitoring half: keyword libraries, exclusions, IP leases, ingestion.

Imports check the whole file before writing anything: a bad line is reported with its file
and line number and nothing is imported, unless the caller asks to skip bad lines (real
e2guardian lists carry a few malformed entries that e2guardian itself passes over).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import ipaddress
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Max

from warden.core.audit import audit_log, audit_log_many, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.models import School, User
from warden.engine.categories import ROUTES, resolve_slug
from warden.engine.ingest import Ingestor, IngestResult
from warden.engine.keywords import (
    SEVERITY_MAX,
    SEVERITY_MIN,
    Phrase,
    load_e2guardian_phrases,
    load_starter_library,
    normalise_phrase,
)
from warden.engine.logs import FORMATS, Malformed
from warden.engine.pipeline import Pipeline
from warden.lib.textcheck import control_character_refusal, find_control_character
from warden.monitoring import ingestion
from warden.monitoring.models.monitoring import (
    IpLease,
    Keyword,
    KeywordExclusion,
    KeywordSource,
    Violation,
)

KeywordFormat = Literal["ldnoobw", "e2guardian", "warden"]
KEYWORD_FORMATS: tuple[KeywordFormat, ...] = ("ldnoobw", "e2guardian", "warden")
MAX_PHRASE = 300
MAX_REPORTED_ERRORS = 20
LDNOOBW_DEFAULTS = ("profanity", 2)


@dataclass(frozen=True)
class LineError:
    file: str
    line: int
    message: str
    fatal: bool = False
    """Refuses the file even when bad lines are skipped."""

    def __str__(self) -> str:
        return f"{self.file}, line {self.line}: {self.message}"


def _refusal(errors: Sequence[LineError], what: str) -> ServiceError:
    shown = "; ".join(str(e) for e in errors[:MAX_REPORTED_ERRORS])
    more = len(errors) - MAX_REPORTED_ERRORS
    extra = f" (and {more} more)" if more > 0 else ""
    count = f"{len(errors)} bad line{'s' if len(errors) != 1 else ''}"
    return ServiceError(f"Nothing was imported: {what} has {count}. {shown}{extra}.")


def _category(name: str) -> str:
    try:
        return resolve_slug(name)
    except ValueError:
        raise ServiceError(
            f"“{name}” is not a Warden category. Use one such as self-harm, suicide, "
            "bullying, extremism, drugs, weapons or profanity.",
            field_errors={"category": [f"“{name}” is not a Warden category."]},
        ) from None


def _severity(value: int) -> int:
    if not SEVERITY_MIN <= value <= SEVERITY_MAX:
        raise ServiceError(
            f"Severity must be {SEVERITY_MIN} to {SEVERITY_MAX}, not {value}.",
            field_errors={"severity": [f"Choose {SEVERITY_MIN} to {SEVERITY_MAX}."]},
        )
    return value


# -- reading keyword files ---------------------------------------------------------------


def _control_error(text: str, name: str) -> LineError | None:
    """A control character anywhere in a keyword file refuses it, even when bad lines are
    skipped: the file is damaged or not text (``warden.lib.textcheck``)."""
    found = find_control_character(text)
    if found is None:
        return None
    line, char = found
    return LineError(name, line, f"has a control character, {char}; remove it", fatal=True)


def _text_lines(path: Path, errors: list[LineError], name: str) -> list[str]:
    """The file's lines, or none (and a fatal error) when it holds a control character."""
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    # Line numbers only need ASCII line breaks, which every encoding these lists use keeps.
    text = raw.decode("utf-8", errors="replace")
    error = _control_error(text, name)
    if error is not None:
        errors.append(error)
        return []
    return text.splitlines()


_LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")


def _ldnoobw_files(path: Path) -> list[Path]:
    if path.is_dir():
        # As the engine's loader: README.md, LICENSE and other files are not word lists.
        return sorted(
            p
            for p in path.iterdir()
            if p.is_file() and "." not in p.name and _LANGUAGE_TAG.match(p.name)
        )
    return [path]


def read_ldnoobw(
    path: Path, *, category: str, severity: int, language: str | None
) -> tuple[list[tuple[str, int, Phrase]], list[LineError]]:
    """LDNOOBW-style lists: one phrase a line, the file name is the language tag.

    The engine's ``load_ldnoobw`` reads the same format for stand-alone use; this one keeps
    each phrase's line number so a bad line can be named.
    """
    found: list[tuple[str, int, Phrase]] = []
    errors: list[LineError] = []
    for file in _ldnoobw_files(path):
        lang = language or (file.name if _LANGUAGE_TAG.match(file.name) else "en")
        raw = file.read_bytes()
        error = _control_error(raw.decode("utf-8", errors="replace"), file.name)
        if error is not None:
            errors.append(error)
            continue
        for number, line in enumerate(raw.splitlines(), start=1):
            try:
                text = line.decode("utf-8").strip()
            except UnicodeDecodeError:
                errors.append(LineError(file.name, number, "not UTF-8 text"))
                continue
            if not text or text.startswith("#"):
                continue
            if "\t" in text:
                errors.append(
                    LineError(file.name, number, "has a tab: one phrase a line, nothing else")
                )
                continue
            if len(text) > MAX_PHRASE:
                errors.append(LineError(file.name, number, f"longer than {MAX_PHRASE} characters"))
                continue
            if not any(char.isalpha() for char in text):
                continue  # "13." in the Chinese list would fire on every number
            found.append((file.name, number, Phrase(text, category, severity, lang)))
    return found, errors


_E2G_ENTRY = re.compile(r"^\s*(?:<[^<>]*>\s*,\s*)*<[^<>]*>\s*<-?\d+%?>\s*(#.*)?$")
_E2G_INCLUDE = re.compile(r"^\.Include<([^>]+)>\s*(#.*)?$")


def _e2g_check(
    path: Path,
    errors: list[LineError],
    seen: set[Path],
    *,
    allow_includes: bool,
    label: str | None = None,
) -> list[Path]:
    """Check an e2guardian weighted list (and what it includes) line by line. Bad lines of
    an included list are named by its full path."""
    name = label or str(path)
    resolved = path.resolve()
    if resolved in seen:
        return []
    seen.add(resolved)
    files = [path]
    for number, line in enumerate(_text_lines(path, errors, name), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        include = _E2G_INCLUDE.match(stripped)
        if include:
            if not allow_includes:
                errors.append(
                    LineError(
                        name,
                        number,
                        "an uploaded list cannot include other files; import the installed "
                        "list with “warden keywords import” instead",
                        fatal=True,
                    )
                )
                continue
            target = Path(include.group(1))
            if not target.is_absolute():
                target = path.parent / target
            if not target.is_file():
                errors.append(LineError(name, number, f"includes {target}, which is missing"))
                continue
            files.extend(_e2g_check(target, errors, seen, allow_includes=True))
            continue
        if not _E2G_ENTRY.match(stripped):
            hint = (
                "no weight: a banned or exception list, not a weighted one"
                if stripped.startswith("<")
                and re.search(r"<[^<>]*>\s*$", stripped)
                and not re.search(r"<-?\d+%?>\s*$", stripped)
                else "not a phrase entry such as “< phrase ><50>”"
            )
            errors.append(LineError(name, number, hint))
    return files


def read_e2guardian(
    path: Path, *, category: str | None, severity: int | None, allow_includes: bool
) -> tuple[list[tuple[str, int, Phrase]], list[LineError]]:
    """An e2guardian weighted phrase list, checked line by line, then read by the engine
    (which maps ``#listcategory`` to a Warden category and weights to severities)."""
    errors: list[LineError] = []
    _e2g_check(path, errors, set(), allow_includes=allow_includes, label=path.name)
    if any(e.fatal for e in errors):
        return [], errors
    phrases = load_e2guardian_phrases(path)
    found = []
    for phrase in phrases:
        cat = category or phrase.category
        # e2guardian categories Warden has no list for keep their own slug.
        with contextlib.suppress(ValueError):
            cat = resolve_slug(cat)
        found.append(
            (
                path.name,
                0,
                Phrase(
                    phrase.text,
                    cat,
                    severity or phrase.severity,
                    phrase.language,
                    terms=phrase.terms,
                ),
            )
        )
    return found, errors


def read_warden_tsv(
    path: Path, *, category: str | None, severity: int | None
) -> tuple[list[tuple[str, int, Phrase]], list[LineError]]:
    """Warden's own keyword file: ``phrase<TAB>category<TAB>severity[<TAB>language]``, a
    header row of those names optional, ``#`` starting a comment (the starter library's
    format)."""
    found: list[tuple[str, int, Phrase]] = []
    errors: list[LineError] = []
    name = path.name
    for number, line in enumerate(_text_lines(path, errors, name), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = [cell.strip() for cell in line.split("\t")]
        if not found and [c.lower() for c in cells[:3]] == ["phrase", "category", "severity"]:
            continue  # the header row
        if len(cells) < 3 and not (category and severity and len(cells) >= 1):
            errors.append(
                LineError(name, number, "needs phrase, category and severity separated by tabs")
            )
            continue
        text = cells[0]
        cat = category or cells[1]
        try:
            cat = resolve_slug(cat)
        except ValueError:
            errors.append(LineError(name, number, f"“{cat}” is not a Warden category"))
            continue
        raw_severity = str(severity) if severity else cells[2] if len(cells) > 2 else ""
        if not raw_severity.isdigit() or not SEVERITY_MIN <= int(raw_severity) <= SEVERITY_MAX:
            errors.append(
                LineError(
                    name,
                    number,
                    f"severity must be {SEVERITY_MIN} to {SEVERITY_MAX}, not “{raw_severity}”",
                )
            )
            continue
        language = cells[3] if len(cells) > 3 and cells[3] else "en"
        if not text or len(text) > MAX_PHRASE:
            errors.append(
                LineError(name, number, f"the phrase must be 1 to {MAX_PHRASE} characters")
            )
            continue
        found.append((name, number, Phrase(text, cat, int(raw_severity), language)))
    return found, errors


# -- keyword library ---------------------------------------------------------------------


def _keyword_row(school: School, phrase: Phrase, source: str) -> Keyword:
    return Keyword(
        school=school,
        text=phrase.text[:MAX_PHRASE],
        normalised=normalise_phrase(phrase.text)[:MAX_PHRASE],
        category=phrase.category,
        severity=phrase.severity,
        language=phrase.language[:20],
        source=source,
        terms=[[t.text, t.word_start, t.word_end] for t in phrase.terms],
    )


def _add_keywords(
    *, actor: User | None, school: School, phrases: Iterable[Phrase], source: str
) -> tuple[int, int]:
    """Add the phrases the school does not have yet; (added, already there)."""
    existing = set(Keyword.objects.filter(school=school).values_list("category", "normalised"))
    new: dict[tuple[str, str], Keyword] = {}
    already = 0
    for phrase in phrases:
        row = _keyword_row(school, phrase, source)
        key = (row.category, row.normalised)
        if not row.normalised:
            continue
        if key in existing:
            already += 1
        elif key in new:
            if row.severity > new[key].severity:
                new[key] = row
        else:
            new[key] = row
    last = _last_pk(Keyword, school)
    Keyword.objects.bulk_create(new.values(), batch_size=500)
    # Read back rather than trust bulk_create to fill in primary keys on every database.
    created = list(Keyword.objects.filter(school=school, pk__gt=last).order_by("pk"))
    audit_log_many(
        actor=actor,
        action="keyword.created",
        items=[
            (k, diff({}, snapshot(k, ["text", "category", "severity", "language", "source"])))
            for k in created
        ],
        school=school,
    )
    return len(created), already


def _add_exclusions(
    *,
    actor: User | None,
    school: School,
    items: Iterable[tuple[str, str, Iterable[str]]],
    source: str,
) -> int:
    existing = set(
        KeywordExclusion.objects.filter(school=school).values_list("normalised", flat=True)
    )
    new: dict[str, KeywordExclusion] = {}
    for text, reason, categories in items:
        key = normalise_phrase(text)[:MAX_PHRASE]
        if key and key not in existing and key not in new:
            new[key] = KeywordExclusion(
                school=school,
                text=text[:MAX_PHRASE],
                normalised=key,
                reason=reason[:300],
                categories=sorted(categories),
                source=source,
                created_by=actor,
            )
    last = _last_pk(KeywordExclusion, school)
    KeywordExclusion.objects.bulk_create(new.values(), batch_size=500)
    created = list(KeywordExclusion.objects.filter(school=school, pk__gt=last).order_by("pk"))
    audit_log_many(
        actor=actor,
        action="keyword_exclusion.created",
        items=[
            (e, diff({}, snapshot(e, ["text", "reason", "categories", "source"]))) for e in created
        ],
        school=school,
    )
    return len(created)


@transaction.atomic
def keywords_load_starter(*, actor: User | None, school: School) -> dict[str, int]:
    """Give a school Warden's starter library (phrases and exclusions) where it lacks them.

    Idempotent: phrases the school already has, in whatever state it left them (a severity
    it changed, a phrase it switched off), are left alone, so running it again adds nothing.
    """
    phrases, exclusions = load_starter_library()
    added, _ = _add_keywords(
        actor=actor, school=school, phrases=phrases, source=KeywordSource.STARTER
    )
    excluded = _add_exclusions(
        actor=actor,
        school=school,
        items=[(e.text, e.reason, e.categories) for e in exclusions],
        source=KeywordSource.STARTER,
    )
    if added or excluded:
        audit_log(
            actor=actor,
            action="keywords.starter_loaded",
            school=school,
            changes={"keywords": [0, added], "exclusions": [0, excluded]},
        )
    return {"keywords": added, "keyword exclusions": excluded}


@dataclass
class KeywordImportReport:
    fmt: str
    source: str
    found: int = 0
    added: int = 0
    already: int = 0
    bad_lines: list[LineError] = field(default_factory=list)


def keywords_import(
    *,
    actor: User | None,
    school: School,
    fmt: str,
    path: Path,
    category: str | None = None,
    severity: int | None = None,
    language: str | None = None,
    skip_bad_lines: bool = False,
    allow_includes: bool = True,
    label: str | None = None,
) -> KeywordImportReport:
    """Import an LDNOOBW list (a file or a folder of language files), an e2guardian weighted
    phrase list or a Warden keyword file into the school's library.

    Phrases the school already has are left as they are; new ones are added active. Any bad
    line rejects the whole file with its line number, unless ``skip_bad_lines``. ``category``
    and ``severity`` override what the file says (LDNOOBW files say neither: profanity, 2).
    """
    if fmt not in KEYWORD_FORMATS:
        raise ServiceError(f"Unknown keyword format “{fmt}”: use ldnoobw, e2guardian or warden.")
    cat = _category(category) if category else None
    sev = _severity(severity) if severity is not None else None
    path = Path(path)
    if not path.exists():
        raise ServiceError(f"{path} does not exist.")
    shown = label or str(path)
    try:
        if fmt == "ldnoobw":
            found, errors = read_ldnoobw(
                path,
                category=cat or LDNOOBW_DEFAULTS[0],
                severity=sev or LDNOOBW_DEFAULTS[1],
                language=language,
            )
        elif fmt == "e2guardian":
            if path.is_dir():
                raise ServiceError(f"{shown} is a folder: name one weighted phrase list in it.")
            found, errors = read_e2guardian(
                path, category=cat, severity=sev, allow_includes=allow_includes
            )
        else:
            found, errors = read_warden_tsv(path, category=cat, severity=sev)
    except OSError as exc:
        raise ServiceError(f"Cannot read {shown}: {exc.strerror or exc}.") from None
    if errors and (not skip_bad_lines or any(e.fatal for e in errors)):
        raise _refusal(errors, shown)
    if not found:
        raise ServiceError(f"Nothing was imported: {shown} holds no phrases Warden can use.")
    source = {"ldnoobw": KeywordSource.LDNOOBW, "e2guardian": KeywordSource.E2GUARDIAN}.get(
        fmt, KeywordSource.WARDEN
    )
    with transaction.atomic():
        added, already = _add_keywords(
            actor=actor, school=school, phrases=[p for _, _, p in found], source=source
        )
        audit_log(
            actor=actor,
            action="keywords.imported",
            school=school,
            changes={
                "file": [None, shown],
                "format": [None, fmt],
                "added": [0, added],
                "already_present": [None, already],
                "bad_lines_skipped": [None, len(errors)],
            },
        )
    return KeywordImportReport(fmt, shown, len(found), added, already, errors)


@transaction.atomic
def keyword_create(
    *,
    actor: User | None,
    school: School,
    text: str,
    category: str,
    severity: int,
    language: str = "en",
    route: str = "",
) -> Keyword:
    """Add one phrase to the school's library by hand; ``route`` overrides the route its
    category proposes out of triage (welfare concern or breach)."""
    if route not in ("", *ROUTES):
        raise ServiceError(
            "Choose a welfare concern, a breach, or the category's own route.",
            field_errors={"route": ["Choose one of the routes offered."]},
        )
    text = text.strip()
    if not text or len(text) > MAX_PHRASE:
        raise ServiceError(
            f"A phrase needs 1 to {MAX_PHRASE} characters.",
            field_errors={"text": [f"Write 1 to {MAX_PHRASE} characters."]},
        )
    phrase = Phrase(text, _category(category), _severity(severity), language.strip() or "en")
    row = _keyword_row(school, phrase, KeywordSource.MANUAL)
    row.route = route
    if Keyword.objects.filter(
        school=school, category=row.category, normalised=row.normalised
    ).exists():
        raise ServiceError(
            f"“{text}” is already in the {row.category} list.",
            field_errors={"text": ["This phrase is already in the library for that category."]},
        )
    row.save()
    audit_log(actor=actor, action="keyword.created", obj=row, changes=diff({}, snapshot(row)))
    return row


@transaction.atomic
def keyword_update(
    *, actor: User | None, keyword: Keyword, severity: int | None = None, active: bool | None = None
) -> Keyword:
    """Change a phrase's severity or switch it on or off; phrases are never deleted, so the
    violations they found keep their meaning."""
    keyword = Keyword.objects.select_for_update().get(pk=keyword.pk)
    before = snapshot(keyword)
    if severity is not None:
        keyword.severity = _severity(severity)
    if active is not None:
        keyword.active = active
    changes = diff(before, snapshot(keyword))
    if changes:
        keyword.save()
        audit_log(actor=actor, action="keyword.updated", obj=keyword, changes=changes)
    return keyword


@transaction.atomic
def exclusion_create(
    *,
    actor: User | None,
    school: School,
    text: str,
    reason: str,
    categories: Sequence[str] = (),
) -> KeywordExclusion:
    """Stop some text raising matches (a film title, a place name), saying why."""
    text, reason = text.strip(), reason.strip()
    errors: dict[str, list[str]] = {}
    if not text or len(text) > MAX_PHRASE:
        errors["text"] = [f"Write the text to exclude (1 to {MAX_PHRASE} characters)."]
    if not reason:
        errors["reason"] = ["Say why this text must not raise an alert; the DSL will read it."]
    if errors:
        raise ServiceError(
            "The exclusion was not saved: " + next(iter(errors.values()))[0], field_errors=errors
        )
    cats = sorted({_category(c) for c in categories if c.strip()})
    normalised = normalise_phrase(text)
    if KeywordExclusion.objects.filter(school=school, normalised=normalised).exists():
        raise ServiceError(
            f"“{text}” is already excluded.", field_errors={"text": ["Already excluded."]}
        )
    exclusion = KeywordExclusion.objects.create(
        school=school,
        text=text,
        normalised=normalised,
        reason=reason[:300],
        categories=cats,
        source=KeywordSource.MANUAL,
        created_by=actor,
    )
    audit_log(
        actor=actor,
        action="keyword_exclusion.created",
        obj=exclusion,
        changes=diff({}, snapshot(exclusion, ["text", "reason", "categories"])),
    )
    return exclusion


@transaction.atomic
def exclusion_remove(*, actor: User | None, exclusion: KeywordExclusion) -> None:
    """Let the text raise matches again; the audit entry keeps what it was and why."""
    audit_log(
        actor=actor,
        action="keyword_exclusion.removed",
        obj=exclusion,
        changes=diff(snapshot(exclusion, ["text", "reason", "categories", "source"]), {}),
    )
    exclusion.delete()


def _last_pk(model: type[Keyword] | type[KeywordExclusion] | type[IpLease], school: School) -> int:
    return model.objects.filter(school=school).aggregate(last=Max("pk"))["last"] or 0


_LEASE_FIELDS = ["ip", "device", "identifier", "person", "start", "end"]


# -- IP leases ---------------------------------------------------------------------------

LEASE_COLUMNS: dict[str, tuple[str, ...]] = {
    "ip": ("ip", "ip address", "ipaddress", "address", "client ip"),
    "device": ("device", "mac", "mac address", "hostname", "host name", "client id"),
    "identifier": ("username", "user", "user name", "mis id", "mis_id", "upn", "login"),
    "start": ("start", "lease start", "from", "start time", "starts"),
    "end": ("end", "lease end", "to", "end time", "expires", "expiry"),
}
_UK_DATETIME = re.compile(
    r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)


def parse_lease_time(raw: str, tz: ZoneInfo) -> dt.datetime | None:
    """ISO 8601 (``2025-01-06T08:30:00Z``, ``2025-01-06 08:30``) or day-first UK
    (``06/01/2025 08:30``); local times are in the school's timezone. None for empty."""
    text = raw.strip()
    if not text:
        return None
    match = _UK_DATETIME.match(text)
    if match:
        day, month, year, hour, minute, second = match.groups()
        moment = dt.datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
        )
    else:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment


@dataclass
class LeaseImportReport:
    filename: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    bad_lines: list[LineError] = field(default_factory=list)


def _lease_header(header: list[str]) -> dict[str, int]:
    wanted: dict[str, int] = {}
    normalised = [" ".join(h.strip().lower().replace("_", " ").split()) for h in header]
    for key, names in LEASE_COLUMNS.items():
        for index, name in enumerate(normalised):
            if name in names or name.replace(" ", "_") in names:
                wanted.setdefault(key, index)
    return wanted


@transaction.atomic
def leases_import(
    *, actor: User | None, school: School, data: bytes, filename: str
) -> LeaseImportReport:
    """Load who held which IP address when from a DHCP lease export (CSV).

    Columns, by header: ``ip``, ``mac`` or ``device``, ``username`` or ``mis id``, ``start``
    and ``end`` (empty: still held). Each username is resolved to a person through the
    school's live accounts, then MIS ids. Leases are keyed by address and start, so the same
    export twice changes nothing and a later export that ends an open lease updates it. Any
    bad row rejects the file, with its line number.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError(f"{filename} is not UTF-8 text; export it as CSV (UTF-8).") from None
    refusal = control_character_refusal(text, what=filename)
    if refusal:
        raise ServiceError(refusal)
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ServiceError(f"{filename} is empty.")
    columns = _lease_header(rows[0])
    missing = [key for key in ("ip", "identifier", "start") if key not in columns]
    if missing:
        names = {"ip": "ip", "identifier": "username (or MIS id)", "start": "start"}
        raise ServiceError(
            f"{filename} needs columns {', '.join(names[m] for m in missing)} in its first row "
            "(ip, mac, username, start, end)."
        )
    tz = ZoneInfo(school.timezone or "Europe/London")
    names = ingestion.school_usernames(school)
    report = LeaseImportReport(filename)
    errors: list[LineError] = []
    parsed: list[tuple[int, str, str, str, int, dt.datetime, dt.datetime | None]] = []

    def cell(row: list[str], key: str) -> str:
        index = columns.get(key)
        return row[index].strip() if index is not None and index < len(row) else ""

    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        report.rows += 1
        try:
            ip = str(ipaddress.ip_address(cell(row, "ip")))
        except ValueError:
            errors.append(LineError(filename, number, f"“{cell(row, 'ip')}” is not an IP address"))
            continue
        identifier = cell(row, "identifier")
        if not identifier:
            errors.append(LineError(filename, number, "no username or MIS id"))
            continue
        key = identifier.lower()
        person_id = int(names[key]) if key in names else None
        if person_id is None:
            errors.append(
                LineError(
                    filename,
                    number,
                    f"“{identifier}” is neither a live account username nor an MIS id at "
                    f"{school.name}",
                )
            )
            continue
        try:
            start = parse_lease_time(cell(row, "start"), tz)
            end = parse_lease_time(cell(row, "end"), tz)
        except ValueError:
            errors.append(
                LineError(
                    filename, number, "times must look like 2025-01-06 08:30 or 06/01/2025 08:30"
                )
            )
            continue
        if start is None:
            errors.append(LineError(filename, number, "no start time"))
            continue
        if end is not None and end <= start:
            errors.append(LineError(filename, number, "the lease ends before it starts"))
            continue
        parsed.append(
            (number, ip, cell(row, "device")[:120], identifier[:150], person_id, start, end)
        )
    if errors:
        raise _refusal(errors, filename)
    existing = {(lease.ip, lease.start): lease for lease in IpLease.objects.filter(school=school)}
    created: list[IpLease] = []
    for _, ip, device, identifier, person_id, start, end in parsed:
        found = existing.get((ip, start))
        if found is None:
            lease = IpLease(
                school=school,
                ip=ip,
                device=device,
                identifier=identifier,
                person_id=person_id,
                start=start,
                end=end,
                filename=filename[:255],
            )
            existing[(ip, start)] = lease
            created.append(lease)
            continue
        before = snapshot(found)
        found.end, found.device, found.identifier, found.person_id = (
            end,
            device,
            identifier,
            person_id,
        )
        changes = diff(before, snapshot(found))
        if changes and found.pk:
            found.save()
            audit_log(actor=actor, action="ip_lease.updated", obj=found, changes=changes)
            report.updated += 1
        elif found.pk:
            report.unchanged += 1
    last = _last_pk(IpLease, school)
    IpLease.objects.bulk_create(created, batch_size=500)
    saved = list(IpLease.objects.filter(school=school, pk__gt=last).order_by("pk"))
    audit_log_many(
        actor=actor,
        action="ip_lease.created",
        items=[(lease, diff({}, snapshot(lease, _LEASE_FIELDS))) for lease in saved],
        school=school,
    )
    report.created = len(created)
    audit_log(
        actor=actor,
        action="ip_leases.imported",
        school=school,
        changes={
            "file": [None, filename],
            "created": [0, report.created],
            "updated": [0, report.updated],
            "unchanged": [None, report.unchanged],
        },
    )
    return report


# -- ingestion ---------------------------------------------------------------------------


@dataclass
class IngestSummary:
    school: str
    fmt: str
    sources: list[str] = field(default_factory=list)
    result: IngestResult = field(default_factory=IngestResult)
    new_violations: int = 0
    keywords: int = 0
    classified: bool = False
    alert_categories: list[str] = field(default_factory=list)
    interrupted: bool = False

    @property
    def malformed(self) -> list[Malformed]:
        return self.result.malformed


@dataclass(frozen=True)
class IngestSetup:
    """What a school's ingestor was built with, for a run's summary."""

    keywords: int
    classified: bool
    alert_categories: list[str]


def school_ingestor(
    *,
    actor: User | None,
    school: School,
    fmt: str,
    chunk_bytes: int | None = None,
) -> tuple[Ingestor, IngestSetup]:
    """The school's :class:`Ingestor` as it stands now: its leases, accounts, keyword
    library, filtering snapshot and alert categories; its violations and checkpoints go to
    the database in one transaction a chunk. A school that has never had a keyword library
    gets the starter library first, so monitoring is never silently empty."""
    if not Keyword.objects.filter(school=school).exists():
        keywords_load_starter(actor=actor, school=school)
    leases = ingestion.school_leases(school)
    sink = ingestion.DatabaseViolationSink(school, ingestion.DeviceLookup(leases))
    store = ingestion.DatabaseCheckpointStore(school, fmt, sink)
    policy = ingestion.school_snapshot(school)
    matcher = ingestion.school_matcher(school)
    alerts = ingestion.school_alert_categories(policy)
    ingestor = Ingestor(
        school=school.slug,
        fmt=fmt,  # type: ignore[arg-type]
        checkpoints=store,
        sink=sink,
        archive_root=ingestion.archive_root(),
        classifier=ingestion.school_classifier(policy),
        matcher=matcher,
        alert_categories=alerts,
        group_alerts=ingestion.group_alert_categories(policy),
        group_for=ingestion.group_lookup(policy),
        attributor=ingestion.school_attributor(school, leases),
        tz=school.timezone or "UTC",
        **({"chunk_bytes": chunk_bytes} if chunk_bytes else {}),
    )
    setup = IngestSetup(
        keywords=len(matcher) if matcher is not None else 0,
        classified=policy is not None,
        alert_categories=sorted(alerts),
    )
    return ingestor, setup


def logs_ingest(
    *,
    actor: User | None,
    school: School,
    fmt: str,
    paths: Sequence[str],
    follow: bool = False,
    poll_seconds: float = 1.0,
    max_polls: int | None = None,
    chunk_bytes: int | None = None,
    stdin: BinaryIO | None = None,
    prepare: Callable[[Ingestor], None] | None = None,
    workers: int = 1,
) -> IngestSummary:
    """Ingest proxy or DNS logs for a school: attribute, classify, match keywords, store
    violations, archive every line under ``VAR_DIR/archive``.

    With ``workers`` above 1, chunks are analysed and archived in that many forked
    processes and committed here in order (:class:`warden.engine.pipeline.Pipeline`): the
    same violations, archive and checkpoints as one process, on more cores.

    Not one transaction: each chunk commits on its own (its violations with its checkpoint),
    so a run stopped at any point resumes where it stopped and the same file again adds
    nothing. ``-`` reads standard input (or ``stdin``). ``follow`` keeps reading growing
    files until interrupted, or for ``max_polls`` polls. A school that has never had a
    keyword library gets the starter library first, so monitoring is never silently empty.
    ``prepare`` lets a caller (a test) adjust the engine before it runs.
    """
    if fmt not in FORMATS:
        raise ServiceError(f"Unknown log format “{fmt}”: use squid, e2guardian or dns.")
    if workers < 1:
        raise ServiceError("Use at least one worker.")
    if not paths:
        raise ServiceError("Name at least one log file, or - for standard input.")
    for name in paths:
        if name != "-" and not follow and not Path(name).is_file():
            raise ServiceError(f"{name} is not a readable file.")
    ingestor, setup = school_ingestor(actor=actor, school=school, fmt=fmt, chunk_bytes=chunk_bytes)
    if prepare is not None:
        prepare(ingestor)
    summary = IngestSummary(
        school=school.slug,
        fmt=fmt,
        sources=list(paths),
        keywords=setup.keywords,
        classified=setup.classified,
        alert_categories=setup.alert_categories,
    )
    before = Violation.objects.filter(school=school).count()
    polls = 0

    def should_stop() -> bool:
        nonlocal polls
        polls += 1
        return max_polls is not None and polls > max_polls

    try:
        with ExitStack() as stack:
            runner = (
                stack.enter_context(Pipeline(ingestor, workers)).run_chunks if workers > 1 else None
            )
            for name in paths:
                if name == "-":
                    stream = stdin or sys.stdin.buffer
                    summary.result.add(ingestor.ingest_stream(stream, runner=runner))
                else:
                    summary.result.add(
                        ingestor.ingest_path(
                            Path(name),
                            follow=follow,
                            poll_seconds=poll_seconds,
                            should_stop=should_stop,
                            runner=runner,
                        )
                    )
    except KeyboardInterrupt:
        # Committed chunks stay committed; the next run carries on from them.
        summary.interrupted = True
    summary.new_violations = Violation.objects.filter(school=school).count() - before
    audit_log(
        actor=actor,
        action="logs.ingested",
        school=school,
        changes={
            "format": [None, fmt],
            "sources": [None, ", ".join(summary.sources)[:500]],
            "lines": [None, summary.result.lines],
            "malformed": [None, summary.result.malformed_count],
            "violations_new": [None, summary.new_violations],
            "interrupted": [None, summary.interrupted],
        },
    )
    return summary


def violation_viewed(*, actor: User, violation: Violation) -> None:
    """Record that someone read a violation (a safeguarding record about a child)."""
    audit_log(actor=actor, action="violation.viewed", obj=violation)


@transaction.atomic
def lease_remove(*, actor: User | None, lease: IpLease) -> None:
    """Remove a wrong lease (a mistyped export row); later ingestion no longer uses it.
    Violations already attributed keep their person; the audit entry keeps the lease."""
    audit_log(
        actor=actor,
        action="ip_lease.removed",
        obj=lease,
        changes=diff(snapshot(lease, _LEASE_FIELDS), {}),
    )
    lease.delete()
