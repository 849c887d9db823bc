"""Every write to web filtering: lists, entries, groups, exceptions and unblock requests.

Each service validates, writes in a transaction, audits as ``filtering.<what>`` (the
filtering change log reads those entries) and, once the transaction commits, publishes the
school's snapshot so the helpers pick the change up within seconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import logging
import re
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from django.core.files.move import file_move_safe
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from warden.core.access import has_perm
from warden.core.audit import audit_log, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.fields import set_fields
from warden.core.models import School, User
from warden.core.roles import Perm
from warden.engine.categories import BY_SLUG, ILLEGAL_SLUGS, hosts_category
from warden.engine.lists import (
    ListBuilder,
    ListSourceError,
    normalise_domain_entry,
    parse_url_entry,
    split_url,
    write_atomic,
)
from warden.engine.snapshot import DAYS
from warden.monitoring import conf
from warden.monitoring.filtering_rules import (
    BLOCK_PAGE_REPORTS_PER_HOUR,
    category_label,
    exception_expiry_refusal,
    illegal_refusal,
    known_category,
    policy_block_refusal,
)
from warden.monitoring.models.filtering import (
    AssignmentSource,
    CategoryAction,
    EntryAction,
    EntryKind,
    FilterEntry,
    FilterException,
    FilterGroup,
    FilterGroupAssignment,
    GroupCategoryAction,
    GroupNetwork,
    GroupSchedule,
    ListFormat,
    ListImport,
    ListImportState,
    ListSource,
    RequestStatus,
    UnblockRequest,
)
from warden.monitoring.services.filtering_snapshot import (
    current_index,
    schedule_publish,
    site_categories,
    snapshot_publish,
)
from warden.people.models import YEAR_GROUP_CHOICES, Person, PersonType

__all__ = [
    "NO_INTERNET_SLUG",
    "assignments_lapse",
    "entry_add",
    "entry_remove",
    "exception_create",
    "exception_revoke",
    "filter_group_assign",
    "filter_group_unassign",
    "group_create",
    "group_delete",
    "group_set_categories",
    "group_update",
    "list_import",
    "list_import_queue",
    "list_import_run",
    "list_remove",
    "network_add",
    "network_remove",
    "no_internet_group",
    "normalise_site",
    "request_approve",
    "request_create",
    "request_refuse",
    "schedule_add",
    "schedule_remove",
    "snapshot_publish",
]

logger = logging.getLogger(__name__)

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_YEARS = {value for value, _ in YEAR_GROUP_CHOICES}


def _require_reason(reason: str, what: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise ServiceError(
            f"Give a {what}: the filtering change log records why every change was made.",
            field_errors={"reason": [f"Give a {what}."]},
        )
    return text


def _illegal_check(slugs: Iterable[str], doing: str, field: str = "") -> None:
    refusal = illegal_refusal(set(slugs), doing)
    if refusal:
        raise ServiceError(refusal, field_errors={field: [refusal]} if field else None)


def _category(name: str, field: str = "category") -> str:
    try:
        return known_category(name)
    except ValueError as exc:
        raise ServiceError(str(exc), field_errors={field: [str(exc)]}) from None


# --- sites ---------------------------------------------------------------------------------


def normalise_site(text: str) -> tuple[str, str]:
    """``(value, kind)`` for a domain, URL prefix or IP typed by a person or sent by Squid.

    A full URL is reduced to ``host/path`` (scheme, port, query kept out of a domain). A
    domain loses ``www.``, a trailing dot and its case; IDNs become punycode.
    """
    raw = (text or "").strip()
    if not raw:
        raise ServiceError("Enter a site: a domain, an address, or a URL.")
    candidate = raw.split("://", 1)[1] if "://" in raw else raw
    try:
        network = ipaddress.ip_network(candidate.strip("/"), strict=False)
    except ValueError:
        network = None
    if network is not None:
        single = network.num_addresses == 1
        value = str(network.network_address) if single else str(network)
        return value, EntryKind.IP
    host_part, _, rest = candidate.partition("/")
    if rest.strip("/"):
        parsed = parse_url_entry(candidate)
        if parsed is None:
            raise ServiceError(f"{raw!r} does not start with a host name; check the URL.")
        host, path = parsed
        return f"{host}/{path}", EntryKind.URL
    host = normalise_domain_entry(host_part)
    if not host or ("." not in host and not host.startswith("xn--")):
        raise ServiceError(
            f"{raw!r} is not a domain name (for example example.org), an address or a URL."
        )
    return host, EntryKind.DOMAIN


# --- list sources --------------------------------------------------------------------------


def _file_sha256(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.name).encode() + b"\0")
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def _ut1_files(root: Path) -> list[Path]:
    files = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for stem in ("domains", "urls", "domains.gz", "urls.gz"):
            if (folder / stem).is_file():
                files.append(folder / stem)
    return files


def _outside_roots(roots: Sequence[Path]) -> ServiceError:
    if not roots:
        message = (
            "This server lets the lists page read no folders on it. Upload the list's files "
            "instead, or ask whoever runs the server to import the folder with "
            "“warden filter-lists” or to allow a folder for lists."
        )
    else:
        places = ", ".join(str(root) for root in roots)
        message = (
            f"Lists are read only from folders under {places} on this server; copy the list "
            "there, or import it with “warden filter-lists”."
        )
    return ServiceError(message, field_errors={"path": [message]})


def _check_ut1_files(path: Path, files: Iterable[Path], roots: Sequence[Path] | None) -> None:
    """Every file a UT1 folder import reads must itself resolve under the roots: a symbolic
    link inside an allowed folder must not lead to a file elsewhere on the server."""
    if roots is None:
        return
    for file in files:
        if not conf.within_roots(file, roots):
            message = (
                f"{file.relative_to(path)} in that folder is a link to a file outside the "
                "folders lists are read from; nothing was imported. Copy the list's files "
                "into the folder instead of linking to them."
            )
            raise ServiceError(message, field_errors={"path": [message]})


def _ut1_folder_files(path: Path, roots: Sequence[Path] | None) -> list[Path]:
    """The files a UT1 folder import reads, once the folder passes every check: under the
    roots (checked first, so the page says nothing about folders elsewhere), a folder, each
    of its files under the roots too, and at least one category folder. ``roots`` None
    (the command line) reads anywhere."""
    if roots is not None and not conf.within_roots(path, roots):
        raise _outside_roots(roots)
    if not path.is_dir():
        message = (
            f"{path} is not a folder on the server. A UT1 or squidGuard list is a folder "
            "of category folders, each with a 'domains' (and perhaps 'urls') file."
        )
        raise ServiceError(message, field_errors={"path": [message]})
    files = _ut1_files(path)
    _check_ut1_files(path, files, roots)
    if not files:
        message = (
            f"No category folders with a 'domains' or 'urls' file under {path}. "
            "Point at the folder that holds 'gambling/', 'adult/' and the rest."
        )
        raise ServiceError(message, field_errors={"path": [message]})
    return files


def _category_refusal(fmt: str, filename: str, slug: str) -> ServiceError | None:
    """Why a list file needs a category chosen, or None: a plain list always does, a hosts
    file unless its name says (``gambling-hosts``)."""
    if slug or fmt not in (ListFormat.DOMAINS, ListFormat.HOSTS):
        return None
    if fmt == ListFormat.DOMAINS:
        message = "Choose the category of the sites in a plain domain list."
    elif hosts_category(filename) is None:
        message = f"Warden cannot tell the category of {filename} from its name: choose one."
    else:
        return None
    return ServiceError(message, field_errors={"category": ["Choose the category of these sites."]})


def _compile_source(
    fmt: str,
    path: Path,
    category: str,
    *,
    roots: Sequence[Path] | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[ListBuilder, str, str]:
    """Parse a list into a builder; ``(builder, sha256 of the source, category)``.

    ``roots`` (the lists page's ``WARDEN_FILTER_IMPORT_ROOTS``) limits which server folders
    a UT1 import may read; None reads anywhere (the command line). ``progress`` is told the
    bytes read so far.
    """
    builder = ListBuilder(progress=progress)
    if fmt == ListFormat.UT1:
        files = _ut1_folder_files(path, roots)
        try:
            added = builder.add_ut1(path)
        except ListSourceError as exc:
            raise ServiceError(str(exc), field_errors={"path": [str(exc)]}) from None
        except (OSError, ValueError) as exc:
            raise ServiceError(f"The UT1 folder {path} could not be read: {exc}") from exc
        if not added:
            raise ServiceError(
                f"None of the folders under {path} is a UT1 category Warden knows "
                "(gambling, adult, drogue, ...); check this is a UT1 or squidGuard list."
            )
        return builder, _file_sha256(files), ""
    if not path.is_file():
        raise ServiceError(f"There is no file at {path}.", field_errors={"file": ["No file."]})
    try:
        return _compile_file(builder, fmt, path, category)
    except ListSourceError as exc:
        raise ServiceError(str(exc), field_errors={"file": [str(exc)]}) from None


def _compile_file(
    builder: ListBuilder, fmt: str, path: Path, category: str
) -> tuple[ListBuilder, str, str]:
    """A hosts file or a plain list (``fmt``, already checked) into ``builder``."""
    slug = _category(category) if category else ""
    refusal = _category_refusal(fmt, path.name, slug)
    if refusal is not None:
        raise refusal
    if fmt == ListFormat.HOSTS:
        builder.add_hosts_file(path, slug or None)
        slug = builder.reports[-1].category
    else:
        builder.add_domain_list_file(path, slug)
    return builder, _file_sha256([path]), slug


def list_import(
    *,
    actor: User | None,
    school: School,
    fmt: str,
    path: Path,
    name: str = "",
    category: str = "",
    origin: str = "",
    roots: Sequence[Path] | None = None,
    progress: Callable[[int], None] | None = None,
    check: Callable[[Mapping[str, int]], None] | None = None,
) -> ListSource:
    """Import a UT1/squidGuard folder, a hosts file or a plain domain list.

    The list is compiled into its own file under the school's filtering folder and recorded
    with its checksum and entries per category; importing under an existing name replaces
    that list. Parsing happens before the transaction, so a large list does not hold the
    database while it is read, and reads the files line by line. ``roots`` limits which
    server folders a UT1 import may read (the lists page passes its configured roots; the
    command line passes none and may read anywhere); ``progress`` is told the bytes read.
    ``check`` sees the entries per category before anything is written and may refuse the
    list with a :class:`ServiceError` (a downloaded list that shrank too far).
    """
    if fmt not in ListFormat.values:
        raise ServiceError(f"Unknown list format {fmt!r}: use ut1, hosts or domains.")
    path = Path(path)
    builder, sha, slug = _compile_source(fmt, path, category, roots=roots, progress=progress)
    index = builder.build()
    skipped = sum(r.skipped for r in builder.reports)
    if len(index) == 0:
        # A server folder's lines are never shown: they may be any file on the server.
        shown = fmt != ListFormat.UT1
        examples = [e for r in builder.reports for e in r.skipped_examples][:3] if shown else []
        hint = f" Lines Warden could not use include: {', '.join(examples)}." if examples else ""
        expected = {
            ListFormat.UT1: "folders of domains",
            ListFormat.HOSTS: "lines like '0.0.0.0 example.com'",
            ListFormat.DOMAINS: "one domain a line",
        }[ListFormat(fmt)]
        message = (
            f"{path.name} holds no usable entries; a {ListFormat(fmt).label.lower()} has "
            f"{expected}.{hint}"
        )
        raise ServiceError(message, field_errors={"file": [message], "path": [message]})
    counts = {k: v for k, v in index.counts().items() if v}
    if check is not None:
        check(counts)
    relative = f"sources/{sha[:16]}-{fmt}.wli"
    write_atomic(conf.school_dir(school.slug) / relative, index.to_bytes())
    label = (name or "").strip() or path.name
    with transaction.atomic():
        source = (
            ListSource.objects.select_for_update()
            .filter(school=school, name=label, is_active=True)
            .first()
        )
        before = snapshot(source) if source else {}
        replaced = source.compiled_path if source is not None else ""
        if source is None:
            source = ListSource(school=school, name=label)
        source.format = fmt
        source.origin = (origin or str(path))[:500]
        source.category = slug
        source.sha256 = sha
        source.compiled_path = relative
        source.entry_count = len(index)
        source.skipped_count = skipped
        source.category_counts = counts
        source.imported_by = actor
        source.imported_at = timezone.now()
        source.save()
        audit_log(
            actor=actor,
            action="filtering.list_updated" if before else "filtering.list_imported",
            obj=source,
            changes=diff(
                before,
                snapshot(source, ["name", "format", "origin", "category", "sha256", "entry_count"]),
            ),
        )
        schedule_publish(school, f"list {label} imported")
        if replaced and replaced != relative:
            _discard_compiled(school, replaced)
    return source


# --- imports asked for on the lists page, run by the worker ----------------------------------

UPLOADS_FOLDER = "uploads"


def _upload_name(filename: str) -> str:
    """The uploaded file's own name, safe as a file name (hosts files name their category)."""
    name = Path(filename or "").name.strip().lstrip(".")
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name)[:100]
    return name or "list.txt"


def list_import_queue(
    *,
    actor: User | None,
    school: School,
    fmt: str,
    name: str,
    category: str = "",
    upload: UploadedFile | None = None,
    server_path: str = "",
) -> ListImport:
    """Check an import asked for on the lists page and keep what it needs for the worker.

    An uploaded hosts file or plain list is moved (Django has already streamed a large one
    to a temporary file) under the school's filtering folder; a UT1 folder must be under
    ``WARDEN_FILTER_IMPORT_ROOTS``. What can be checked without reading the list is checked
    here, so the page can say so at once; :func:`list_import_run` does the rest. The caller
    queues ``import_filter_list`` for the returned import.
    """
    if fmt not in ListFormat.values:
        raise ServiceError(f"Unknown list format {fmt!r}: use ut1, hosts or domains.")
    label = (name or "").strip()
    if not label:
        raise ServiceError("Give the list a name.", field_errors={"name": ["Give a name."]})
    slug = _category(category) if category else ""
    if fmt == ListFormat.UT1:
        roots = conf.import_roots()
        path = Path(server_path)
        if not server_path:
            raise _outside_roots(roots)
        files = _ut1_folder_files(path, roots)
        return ListImport.objects.create(
            school=school,
            name=label,
            format=fmt,
            category="",
            server_path=str(path)[:500],
            size=sum(file.stat().st_size for file in files),
            requested_by=actor,
        )
    if upload is None:
        raise ServiceError("Choose the file to upload.", field_errors={"file": ["Choose a file."]})
    filename = _upload_name(upload.name or "")
    refusal = _category_refusal(fmt, filename, slug)
    if refusal is not None:
        raise refusal
    folder: Path | None = None
    try:
        with transaction.atomic():
            job = ListImport.objects.create(
                school=school,
                name=label,
                format=fmt,
                category=slug,
                filename=(upload.name or filename)[:255],
                requested_by=actor,
            )
            relative = f"{UPLOADS_FOLDER}/{job.pk}/{filename}"
            target = conf.school_dir(school.slug) / relative
            folder = target.parent
            folder.mkdir(parents=True, exist_ok=True)
            temporary = getattr(upload, "temporary_file_path", None)
            if temporary is not None:
                file_move_safe(temporary(), str(target), allow_overwrite=True)
            else:
                with target.open("wb") as handle:
                    for chunk in upload.chunks():
                        handle.write(chunk)
            job.upload_path = relative
            job.size = target.stat().st_size
            job.save(update_fields=["upload_path", "size"])
    except BaseException as exc:
        # Nothing half-kept: no import without its file, no file without its import.
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        if isinstance(exc, OSError):
            raise ServiceError(
                f"The file could not be kept on the server ({exc.strerror or exc}); try again."
            ) from None
        raise
    return job


def _upload_discard(school: School, job: ListImport) -> None:
    if job.upload_path:
        shutil.rmtree(conf.school_dir(school.slug) / Path(job.upload_path).parent, True)


def list_import_run(*, list_import_id: int) -> ListImport:
    """Run an import the lists page queued: the worker's task.

    The list is read line by line (flat memory however large it is) and ``done_bytes``
    follows the reading, so the import's page shows how far it has got. A refusal is kept
    on the import in the words the service gave; the uploaded file is deleted either way.
    Running it again once it has started does nothing.
    """
    now = timezone.now()
    claimed = ListImport.objects.filter(pk=list_import_id, state=ListImportState.QUEUED).update(
        state=ListImportState.RUNNING, started_at=now
    )
    job = ListImport.objects.select_related("school__trust", "requested_by").get(pk=list_import_id)
    if not claimed:
        return job
    school = job.school

    def progress(done: int) -> None:
        ListImport.objects.filter(pk=job.pk).update(done_bytes=min(done, job.size))

    try:
        if job.format == ListFormat.UT1:
            path, roots, origin = Path(job.server_path), conf.import_roots(), job.server_path
        else:
            path = conf.school_dir(school.slug) / job.upload_path
            roots, origin = None, f"upload: {job.filename}"
        source = list_import(
            actor=job.requested_by,
            school=school,
            fmt=job.format,
            path=path,
            name=job.name,
            category=job.category,
            origin=origin,
            roots=roots,
            progress=progress,
        )
    except ServiceError as exc:
        job.state, job.message = ListImportState.FAILED, exc.message
    except Exception:
        logger.exception("list import %s failed", job.pk)
        job.state = ListImportState.FAILED
        job.message = (
            "The import stopped with an error on the server; nothing was imported. Try "
            "again, and if it happens again ask whoever runs the server to look at its log."
        )
    else:
        job.state, job.source, job.done_bytes = ListImportState.DONE, source, job.size
    finally:
        _upload_discard(school, job)
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "message", "source", "done_bytes", "finished_at"])
    return job


def _discard_compiled(school: School, relative: str) -> None:
    """Delete a list's compiled file once no list in use needs it (after the commit, and
    after the new snapshot is published: the helpers read the merged lists file, never
    these)."""

    def discard() -> None:
        if not ListSource.objects.filter(
            school=school, is_active=True, compiled_path=relative
        ).exists():
            (conf.school_dir(school.slug) / relative).unlink(missing_ok=True)

    transaction.on_commit(discard)


def list_remove(*, actor: User | None, source: ListSource, reason: str) -> ListSource:
    """Stop using a list; its record stays (who imported what, and when)."""
    reason = _require_reason(reason)
    with transaction.atomic():
        source = ListSource.objects.select_related("school").select_for_update().get(pk=source.pk)
        if not source.is_active:
            return source
        source.is_active = False
        source.save(update_fields=["is_active"])
        audit_log(
            actor=actor,
            action="filtering.list_removed",
            obj=source,
            changes={"is_active": [True, False], "reason": [None, reason]},
        )
        schedule_publish(source.school_id, f"list {source.name} removed")
        _discard_compiled(source.school, source.compiled_path)
    return source


# --- the school's own entries --------------------------------------------------------------


def entry_add(
    *,
    actor: User | None,
    school: School,
    site: str,
    action: str,
    category: str,
    reason: str,
) -> FilterEntry:
    """Block or allow a site for the whole school.

    A block puts the site in ``category``; an allow opens it for every group even if a list
    blocks it, except that nothing opens an illegal category.
    """
    reason = _require_reason(reason)
    if action not in EntryAction.values:
        raise ServiceError("Choose whether to block or allow the site.")
    try:
        value, kind = normalise_site(site)
    except ServiceError as exc:
        raise ServiceError(exc.message, field_errors={"site": [exc.message]}) from None
    slug = _category(category)
    if action == EntryAction.ALLOW:
        _illegal_check({slug}, f"allow {value}", "category")
        if not BY_SLUG[slug].allow_list:
            allow_lists = ", ".join(c.label for c in BY_SLUG.values() if c.allow_list)
            message = (
                f"An allowed site goes into an allow-list category ({allow_lists}), "
                f"not {category_label(slug)}."
            )
            raise ServiceError(message, field_errors={"category": [message]})
        if kind == EntryKind.IP and "/" in value:
            raise ServiceError(
                "Allow one address at a time; a whole range cannot be opened.",
                field_errors={"site": ["Give a single address."]},
            )
        listed = site_categories(current_index(school), value)
        _illegal_check(listed, f"allow {value}", "site")
    elif BY_SLUG[slug].allow_list:
        message = (
            f"{category_label(slug)} is an allow-list category; choose the category the "
            "site should be blocked under."
        )
        raise ServiceError(message, field_errors={"category": [message]})
    with transaction.atomic():
        if FilterEntry.objects.filter(school=school, value=value).exists():
            message = f"{value} is already on the school's list; remove it first to change it."
            raise ServiceError(message, field_errors={"site": [message]})
        entry = FilterEntry.objects.create(
            school=school,
            value=value,
            kind=kind,
            action=action,
            category=slug,
            reason=reason,
            created_by=actor,
        )
        audit_log(
            actor=actor,
            action="filtering.entry_added",
            obj=entry,
            changes=diff({}, snapshot(entry, ["value", "kind", "action", "category", "reason"])),
        )
        schedule_publish(school, f"entry {value} added")
    return entry


def entry_remove(*, actor: User | None, entry: FilterEntry, reason: str) -> None:
    reason = _require_reason(reason)
    with transaction.atomic():
        before = snapshot(entry, ["value", "kind", "action", "category", "reason"])
        audit_log(
            actor=actor,
            action="filtering.entry_removed",
            obj=entry,
            changes={**diff(before, {}), "removal_reason": [None, reason]},
        )
        school_id = entry.school_id
        entry.delete()
        schedule_publish(school_id, f"entry {before['value']} removed")


# --- groups --------------------------------------------------------------------------------

GROUP_FIELDS = (
    "name",
    "slug",
    "description",
    "position",
    "default_action",
    "safe_search",
    "person_types",
    "year_groups",
    "is_default",
)


def _apply_group(group: FilterGroup, fields: Mapping[str, Any]) -> None:
    set_fields(group, fields, GROUP_FIELDS)
    errors: dict[str, list[str]] = {}
    group.slug = (group.slug or "").lower()
    if not group.name:
        errors["name"] = ["Give the group a name, e.g. Key stage 2."]
    if not _SLUG.match(group.slug):
        errors["slug"] = ["Use lower-case letters, digits and dashes, e.g. ks2."]
    if group.default_action not in ("allow", "block"):
        errors["default_action"] = ["Choose allow or block."]
    types = list(group.person_types or [])
    bad_types = [t for t in types if t not in PersonType.values]
    if bad_types:
        errors["person_types"] = [f"Unknown person types: {', '.join(bad_types)}."]
    years = [int(y) for y in group.year_groups or []]
    bad_years = [y for y in years if y not in _YEARS]
    if bad_years:
        errors["year_groups"] = [f"Unknown year groups: {bad_years}."]
    if years and PersonType.PUPIL not in types:
        errors["year_groups"] = ["Year groups apply to pupils: tick Pupil as a person type."]
    group.person_types = sorted(set(types))
    group.year_groups = sorted(set(years))
    clash = FilterGroup.objects.filter(school_id=group.school_id).exclude(pk=group.pk)
    if clash.filter(slug=group.slug).exists():
        errors.setdefault("slug", []).append(f"Another group is already called {group.slug}.")
    if clash.filter(name=group.name).exists():
        errors.setdefault("name", []).append(f"Another group is already called {group.name}.")
    if errors:
        first = next(iter(errors.values()))[0]
        raise ServiceError(f"The group was not saved: {first}", field_errors=errors)


@transaction.atomic
def group_create(*, actor: User | None, school: School, fields: Mapping[str, Any]) -> FilterGroup:
    """Add a filter group; with ``is_default`` it takes over as the group for the unmatched."""
    group = FilterGroup(school=school)
    _apply_group(group, fields)
    if group.is_default:
        FilterGroup.objects.filter(school=school, is_default=True).update(is_default=False)
    group.save()
    # Illegal content is blocked for every group, and the group's page says so.
    GroupCategoryAction.objects.bulk_create(
        GroupCategoryAction(group=group, category=slug, action=CategoryAction.BLOCK)
        for slug in sorted(ILLEGAL_SLUGS)
    )
    audit_log(
        actor=actor,
        action="filtering.group_created",
        obj=group,
        changes=diff({}, snapshot(group, list(GROUP_FIELDS))),
    )
    schedule_publish(school, f"group {group.slug} created")
    return group


@transaction.atomic
def group_update(
    *, actor: User | None, group: FilterGroup, fields: Mapping[str, Any], reason: str = ""
) -> FilterGroup:
    """Change a group's settings or membership rules; an unchanged form writes nothing."""
    group = FilterGroup.objects.select_for_update().get(pk=group.pk)
    before = snapshot(group, list(GROUP_FIELDS))
    _apply_group(group, fields)
    changes = diff(before, snapshot(group, list(GROUP_FIELDS)))
    if not changes:
        return group
    if group.is_default:
        FilterGroup.objects.filter(school_id=group.school_id, is_default=True).exclude(
            pk=group.pk
        ).update(is_default=False)
    group.save()
    if reason.strip():
        changes["reason"] = [None, reason.strip()]
    audit_log(actor=actor, action="filtering.group_updated", obj=group, changes=changes)
    schedule_publish(group.school_id, f"group {group.slug} changed")
    return group


@transaction.atomic
def group_delete(*, actor: User | None, group: FilterGroup, reason: str) -> None:
    reason = _require_reason(reason)
    live = FilterException.objects.filter(
        group=group, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).count()
    if live:
        raise ServiceError(
            f"{group.name} has {live} exception(s) in force; end them on the exceptions page "
            "first, so the change log shows when each ended."
        )
    assigned = group.assignments.filter(removed_at__isnull=True).count()
    if assigned:
        raise ServiceError(
            f"{assigned} person(s) are assigned to {group.name} by name; remove them from the "
            "group's page first (a sanction's assignment ends with the sanction)."
        )
    audit_log(
        actor=actor,
        action="filtering.group_deleted",
        obj=group,
        changes={**diff(snapshot(group, ["name", "slug"]), {}), "reason": [None, reason]},
    )
    school_id = group.school_id
    UnblockRequest.objects.filter(group=group).update(group=None)
    group.delete()
    schedule_publish(school_id, f"group {group.slug} deleted")


@transaction.atomic
def group_set_categories(
    *, actor: User | None, group: FilterGroup, actions: Mapping[str, str], reason: str = ""
) -> dict[str, list[Any]]:
    """Set what the group does with each category (``allow``, ``block``, ``alert``; empty
    or missing: the group's default). Illegal categories can only be blocked."""
    wanted: dict[str, str] = {}
    for name, action in actions.items():
        if not action:
            continue
        slug = _category(name)
        if action not in CategoryAction.values:
            raise ServiceError(f"{action!r} is not allow, block or alert ({name}).")
        wanted[slug] = action
    for slug, action in wanted.items():
        if action != CategoryAction.BLOCK:
            verb = "allow" if action == CategoryAction.ALLOW else "only report"
            _illegal_check({slug}, f"{verb} {category_label(slug)} for {group.name}", slug)
    for slug in ILLEGAL_SLUGS:
        wanted[slug] = CategoryAction.BLOCK
    current = {a.category: a.action for a in group.actions.all()}
    refusal = policy_block_refusal(
        holds_pupils=PersonType.PUPIL in (group.person_types or []),
        changes=wanted,
        current=current,
        reason=reason,
    )
    if refusal:
        raise ServiceError(refusal, field_errors={"reason": [refusal]})
    changes = diff(current, wanted)
    if not changes:
        return {}
    GroupCategoryAction.objects.filter(group=group).exclude(category__in=wanted).delete()
    GroupCategoryAction.objects.bulk_create(
        [
            GroupCategoryAction(group=group, category=slug, action=action)
            for slug, action in wanted.items()
            if current.get(slug) != action
        ],
        update_conflicts=True,
        unique_fields=["group", "category"],
        update_fields=["action"],
    )
    if reason.strip():
        changes["reason"] = [None, reason.strip()]
    audit_log(actor=actor, action="filtering.group_categories_changed", obj=group, changes=changes)
    schedule_publish(group.school_id, f"categories of {group.slug} changed")
    return changes


def _minutes_label(value: dt.time) -> str:
    return value.strftime("%H:%M")


@transaction.atomic
def schedule_add(
    *,
    actor: User | None,
    group: FilterGroup,
    days: list[str],
    start: dt.time,
    end: dt.time,
    categories: list[str],
    action: str,
    label: str = "",
) -> GroupSchedule:
    """A time-of-day rule: during ``start``-``end`` on ``days``, ``categories`` get ``action``
    (an end before the start runs past midnight)."""
    errors: dict[str, list[str]] = {}
    days = [d.lower()[:3] for d in days]
    if not days or any(d not in DAYS for d in days):
        errors["days"] = ["Tick at least one day."]
    if start == end:
        errors["end"] = ["The rule must end at a different time from its start."]
    if action not in CategoryAction.values:
        errors["action"] = ["Choose allow, block or report."]
    slugs = sorted({_category(c, "categories") for c in categories})
    if not slugs:
        errors["categories"] = ["Choose at least one category."]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ServiceError(f"The time rule was not saved: {first}", field_errors=errors)
    if action != CategoryAction.BLOCK:
        _illegal_check(set(slugs), f"open {', '.join(slugs)} at set times", "categories")
    rule = GroupSchedule.objects.create(
        group=group,
        label=label.strip(),
        days=[d for d in DAYS if d in days],
        start=start,
        end=end,
        categories=slugs,
        action=action,
    )
    audit_log(
        actor=actor,
        action="filtering.schedule_added",
        obj=group,
        changes={
            "schedule": [
                None,
                f"{'/'.join(rule.days)} {_minutes_label(start)}-{_minutes_label(end)}: "
                f"{action} {', '.join(slugs)}",
            ]
        },
    )
    schedule_publish(group.school_id, f"time rule added to {group.slug}")
    return rule


@transaction.atomic
def schedule_remove(*, actor: User | None, rule: GroupSchedule) -> None:
    group = rule.group
    audit_log(
        actor=actor,
        action="filtering.schedule_removed",
        obj=group,
        changes={
            "schedule": [
                f"{'/'.join(rule.days)} {_minutes_label(rule.start)}-{_minutes_label(rule.end)}: "
                f"{rule.action} {', '.join(rule.categories)}",
                None,
            ]
        },
    )
    rule.delete()
    schedule_publish(group.school_id, f"time rule removed from {group.slug}")


@transaction.atomic
def network_add(
    *, actor: User | None, group: FilterGroup, cidr: str, label: str = ""
) -> GroupNetwork:
    """Requests from this address range, when no user is named, belong to the group."""
    try:
        network = ipaddress.ip_network((cidr or "").strip(), strict=False)
    except ValueError:
        message = f"{cidr!r} is not an address range; write it like 10.20.0.0/16."
        raise ServiceError(message, field_errors={"cidr": [message]}) from None
    text = str(network)
    holder = GroupNetwork.objects.filter(school_id=group.school_id, cidr=text).first()
    if holder is not None:
        message = f"{text} already belongs to {holder.group.name}."
        raise ServiceError(message, field_errors={"cidr": [message]})
    try:
        with transaction.atomic():
            row = GroupNetwork.objects.create(
                school_id=group.school_id, group=group, cidr=text, label=label.strip()
            )
    except IntegrityError:
        raise ServiceError(f"{text} is already in use.") from None
    audit_log(
        actor=actor, action="filtering.network_added", obj=group, changes={"network": [None, text]}
    )
    schedule_publish(group.school_id, f"network {text} added to {group.slug}")
    return row


@transaction.atomic
def network_remove(*, actor: User | None, network: GroupNetwork) -> None:
    group = network.group
    audit_log(
        actor=actor,
        action="filtering.network_removed",
        obj=group,
        changes={"network": [network.cidr, None]},
    )
    network.delete()
    schedule_publish(group.school_id, f"network removed from {group.slug}")


# --- exceptions and requests ---------------------------------------------------------------


def _site_for_exception(site: str) -> str:
    """The site an exception or unblock request names: the host in its usual form, a page's
    path and query exactly as typed. Paths and queries are case-sensitive on most sites (a
    video id lower-cased is another video); the filter still compares them ignoring case."""
    value, kind = normalise_site(site)
    if kind == EntryKind.IP and "/" in value:
        raise ServiceError("Unblock one address at a time, not a range.")
    if kind == EntryKind.URL:
        raw = site.strip()
        _, rest = split_url(raw.split("://", 1)[1] if "://" in raw else raw)
        path = rest.partition("#")[0].lstrip("/")
        if rest.startswith("?"):
            path = rest.partition("#")[0]
        value = f"{value.partition('/')[0]}/{path}"
    return value


def _check_group(school: School, group: FilterGroup | None) -> None:
    if group is not None and group.school_id != school.pk:
        raise ServiceError("That group belongs to another school.")


def exception_create(
    *,
    actor: User,
    school: School,
    site: str,
    group: FilterGroup | None,
    reason: str,
    expires_at: dt.datetime,
    request: UnblockRequest | None = None,
) -> FilterException:
    """Unblock a site for one group (or every group) until ``expires_at``.

    Only someone who may approve temporary unblocking can do this. It takes effect when the
    snapshot is published (straight after the commit) and lapses by itself: the snapshot
    carries the expiry and the engine ignores it from then on. Nothing opens a site listed
    in an illegal category.
    """
    if not has_perm(actor, Perm.FILTERING_APPROVE, school):
        raise ServiceError(
            "Only the DSL, the ICT manager or the headteacher may approve unblocking a site."
        )
    reason = _require_reason(reason)
    try:
        value = _site_for_exception(site)
    except ServiceError as exc:
        raise ServiceError(exc.message, field_errors={"site": [exc.message]}) from None
    _check_group(school, group)
    now = timezone.now()
    refusal = exception_expiry_refusal(expires_at, now)
    if refusal:
        raise ServiceError(refusal, field_errors={"expires_at": [refusal]})
    _illegal_check(site_categories(current_index(school), value), f"unblock {value}", "site")
    with transaction.atomic():
        exception = FilterException.objects.create(
            school=school,
            site=value,
            group=group,
            reason=reason,
            approved_by=actor,
            approved_at=now,
            expires_at=expires_at,
        )
        changes = diff(
            {}, snapshot(exception, ["site", "group", "reason", "approved_by", "expires_at"])
        )
        if request is not None:
            changes["request"] = [None, request.pk]
        audit_log(actor=actor, action="filtering.exception_created", obj=exception, changes=changes)
        schedule_publish(school, f"exception for {value}")
    return exception


@transaction.atomic
def exception_revoke(*, actor: User, exception: FilterException, reason: str) -> FilterException:
    """End an exception before it lapses."""
    reason = _require_reason(reason)
    exception = FilterException.objects.select_for_update().get(pk=exception.pk)
    if exception.revoked_at is not None or exception.expires_at <= timezone.now():
        raise ServiceError("This exception is no longer in force.")
    exception.revoked_at = timezone.now()
    exception.revoked_by = actor
    exception.save(update_fields=["revoked_at", "revoked_by"])
    audit_log(
        actor=actor,
        action="filtering.exception_revoked",
        obj=exception,
        changes={"revoked_at": [None, exception.revoked_at], "reason": [None, reason]},
    )
    schedule_publish(exception.school_id, f"exception for {exception.site} revoked")
    return exception


def request_create(
    *,
    actor: User | None,
    school: School,
    site: str,
    reason: str,
    wanted_until: dt.datetime,
    group: FilterGroup | None = None,
    category: str = "",
    url: str = "",
    requester_name: str = "",
    client_ip: str | None = None,
    via_block_page: bool = False,
) -> UnblockRequest:
    """Ask for a site to be unblocked: staff in Warden, or anyone from the block page.

    From the block page (no Warden sign-in) the requester types their name, and one
    address may send only a few reports an hour.
    """
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if len(reason) < 10:
        errors["reason"] = ["Say what you need the site for (a sentence is enough)."]
    name = (requester_name or "").strip() or (actor.get_full_name() if actor else "")
    name = name or (actor.get_username() if actor else "")
    if not name:
        errors["requester_name"] = ["Type your name, so the approver knows who asked."]
    try:
        value = _site_for_exception(site)
    except ServiceError as exc:
        errors["site"] = [exc.message]
        value = ""
    now = timezone.now()
    refusal = exception_expiry_refusal(wanted_until, now)
    if refusal:
        errors["wanted_until"] = [refusal]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ServiceError(f"The request was not sent: {first}", field_errors=errors)
    _check_group(school, group)
    _illegal_check(site_categories(current_index(school), value), f"unblock {value}", "site")
    if via_block_page and client_ip:
        recent = UnblockRequest.objects.filter(
            client_ip=client_ip, created_at__gte=now - dt.timedelta(hours=1)
        )
        if recent.count() >= BLOCK_PAGE_REPORTS_PER_HOUR:
            raise ServiceError(
                "Too many requests from this computer in the last hour; ask your teacher."
            )
        if recent.filter(school=school, site=value, status=RequestStatus.PENDING).exists():
            raise ServiceError(f"A request to unblock {value} from here is already waiting.")
    with transaction.atomic():
        request = UnblockRequest.objects.create(
            school=school,
            site=value,
            url=url[:2000],
            group=group,
            category=category[:40],
            reason=reason,
            wanted_until=wanted_until,
            requested_by=actor,
            requester_name=name[:120],
            client_ip=client_ip,
            via_block_page=via_block_page,
        )
        audit_log(
            actor=actor,
            action="filtering.request_created",
            obj=request,
            changes=diff(
                {},
                snapshot(
                    request,
                    ["site", "group", "category", "reason", "requester_name", "wanted_until"],
                ),
            ),
        )
    return request


def request_approve(
    *,
    actor: User,
    request: UnblockRequest,
    expires_at: dt.datetime | None = None,
    group: FilterGroup | None = None,
    all_groups: bool = False,
    site: str = "",
    note: str = "",
) -> FilterException:
    """Approve a pending request: an exception for the request's site and group (or what
    the approver narrowed or widened them to) until the wanted time unless changed."""
    with transaction.atomic():
        request = UnblockRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != RequestStatus.PENDING:
            raise ServiceError(f"This request was already {request.get_status_display().lower()}.")
        school = School.objects.select_related("trust").get(pk=request.school_id)
        target_group = None if all_groups else (group or request.group)
        exception = exception_create(
            actor=actor,
            school=school,
            site=site or request.site,
            group=target_group,
            reason=f"{request.reason} (asked by {request.requester_name})",
            expires_at=expires_at or request.wanted_until,
            request=request,
        )
        request.status = RequestStatus.APPROVED
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.decision_note = note.strip()[:300]
        request.exception = exception
        request.save()
        audit_log(
            actor=actor,
            action="filtering.request_approved",
            obj=request,
            changes={
                "status": [RequestStatus.PENDING, RequestStatus.APPROVED],
                "note": [None, note],
            },
        )
    return exception


@transaction.atomic
def request_refuse(*, actor: User, request: UnblockRequest, note: str) -> UnblockRequest:
    """Refuse a pending request, saying why (the requester reads it)."""
    if not has_perm(actor, Perm.FILTERING_APPROVE, request.school):
        raise ServiceError("Only someone who may approve unblocking can refuse a request.")
    note = (note or "").strip()
    if not note:
        raise ServiceError("Say why the request is refused.", field_errors={"note": ["Say why."]})
    request = UnblockRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != RequestStatus.PENDING:
        raise ServiceError(f"This request was already {request.get_status_display().lower()}.")
    request.status = RequestStatus.REFUSED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = note[:300]
    request.save()
    audit_log(
        actor=actor,
        action="filtering.request_refused",
        obj=request,
        changes={"status": [RequestStatus.PENDING, RequestStatus.REFUSED], "note": [None, note]},
    )
    return request


# --- assignments by name ---------------------------------------------------------------------

NO_INTERNET_SLUG = "no-internet"
NO_INTERNET_NAME = "No internet"


def _assignment_fields(assignment: FilterGroupAssignment) -> dict[str, Any]:
    return {
        "person": str(assignment.person),
        "group": assignment.group.slug,
        "reason": assignment.reason,
        "source": assignment.source,
        "starts_at": assignment.starts_at,
        "ends_at": assignment.ends_at,
    }


@transaction.atomic
def filter_group_assign(
    *,
    actor: User | None,
    person: Person,
    group: FilterGroup,
    reason: str,
    ends: dt.datetime | None = None,
    source: str = AssignmentSource.MANUAL,
) -> FilterGroupAssignment:
    """Put ``person`` in ``group`` by name, ahead of the membership rules, until ``ends``
    (empty: until removed).

    Their directory usernames move to the group in the next snapshot, published when the
    transaction commits. A person already assigned to the same group keeps that assignment,
    lengthened to the later end, so two overlapping sanctions hold one assignment. Of
    several assignments to different groups, the latest is the one in force.
    """
    reason = _require_reason(reason)
    if source not in AssignmentSource.values:
        raise ServiceError(f"Unknown assignment source {source!r}.")
    if person.school_id != group.school_id:
        raise ServiceError("That person and that group belong to different schools.")
    now = timezone.now()
    if ends is not None and ends <= now:
        message = "The assignment must end in the future (or leave the end empty)."
        raise ServiceError(message, field_errors={"ends": [message]})
    current = (
        FilterGroupAssignment.objects.select_for_update()
        .select_related("group", "person")
        .filter(person=person, group=group, removed_at__isnull=True)
        .first()
    )
    if current is not None:
        longer = current.ends_at is not None and (ends is None or ends > current.ends_at)
        if longer:
            before = current.ends_at
            current.ends_at = ends
            current.save(update_fields=["ends_at"])
            audit_log(
                actor=actor,
                action="filtering.assignment_extended",
                obj=current,
                changes={"ends_at": [before, ends], "reason": [None, reason]},
            )
            schedule_publish(group.school_id, f"{person} kept in {group.slug} for longer")
        return current
    assignment = FilterGroupAssignment.objects.create(
        school_id=group.school_id,
        person=person,
        group=group,
        reason=reason[:300],
        source=source,
        starts_at=now,
        ends_at=ends,
        created_by=actor,
    )
    audit_log(
        actor=actor,
        action="filtering.assignment_added",
        obj=assignment,
        changes=diff({}, _assignment_fields(assignment)),
    )
    schedule_publish(group.school_id, f"{person} assigned to {group.slug}")
    return assignment


@transaction.atomic
def filter_group_unassign(
    *, actor: User | None, assignment: FilterGroupAssignment, reason: str
) -> FilterGroupAssignment:
    """End an assignment: the person goes back to the group their rules give them (or to
    another assignment still in force) in the next snapshot."""
    reason = _require_reason(reason)
    assignment = (
        FilterGroupAssignment.objects.select_for_update()
        .select_related("group", "person")
        .get(pk=assignment.pk)
    )
    if assignment.removed_at is not None:
        raise ServiceError(f"{assignment.person} is no longer assigned to {assignment.group}.")
    assignment.removed_at = timezone.now()
    assignment.removed_by = actor
    assignment.save(update_fields=["removed_at", "removed_by"])
    audit_log(
        actor=actor,
        action="filtering.assignment_removed",
        obj=assignment,
        changes={"removed_at": [None, assignment.removed_at], "reason": [None, reason]},
    )
    schedule_publish(
        assignment.school_id, f"{assignment.person} no longer assigned to {assignment.group.slug}"
    )
    return assignment


def assignments_lapse(*, now: dt.datetime | None = None) -> int:
    """Close every assignment whose end has passed and republish those schools, so the
    snapshot (which holds no end times for people) lets them go; returns how many."""
    now = now or timezone.now()
    due = (
        FilterGroupAssignment.objects.filter(removed_at__isnull=True, ends_at__lte=now)
        .select_related("group", "person")
        .order_by("pk")
    )
    count = 0
    for assignment in due:
        with transaction.atomic():
            locked = FilterGroupAssignment.objects.select_for_update().get(pk=assignment.pk)
            if locked.removed_at is not None:
                continue
            locked.removed_at = locked.ends_at
            locked.save(update_fields=["removed_at"])
            audit_log(
                actor=None,
                action="filtering.assignment_lapsed",
                obj=locked,
                changes={"removed_at": [None, locked.removed_at]},
            )
            schedule_publish(
                locked.school_id, f"{assignment.person}'s assignment to {assignment.group.slug}"
            )
            count += 1
    return count


@transaction.atomic
def no_internet_group(school: School) -> FilterGroup:
    """The school's "No internet" group, made the first time it is needed.

    A walled garden with every category blocked and safe search on; nobody joins it by
    rule, only by assignment (an internet-withdrawal sanction). The school's own allow list
    still applies to every group, this one included.
    """
    group = FilterGroup.objects.filter(school=school, slug=NO_INTERNET_SLUG).first()
    if group is not None:
        return group
    name = NO_INTERNET_NAME
    if FilterGroup.objects.filter(school=school, name=name).exists():
        name = f"{NO_INTERNET_NAME} (withdrawn access)"
    group = group_create(
        actor=None,
        school=school,
        fields={
            "name": name,
            "slug": NO_INTERNET_SLUG,
            "description": "Internet access withdrawn: people are put here by name (e-safety "
            "sanctions); nobody joins by rule.",
            "position": 900,
            "default_action": "block",
            "safe_search": True,
            "person_types": [],
            "year_groups": [],
            "is_default": False,
        },
    )
    group_set_categories(
        actor=None,
        group=group,
        actions=dict.fromkeys(BY_SLUG, CategoryAction.BLOCK),
        reason="Standard group for withdrawn internet access",
    )
    return group
