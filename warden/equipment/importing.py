"""CSV imports: the asset register, and software installations from an inventory tool.

Like the MIS import (``warden.people.importing``, whose file reading and value parsing
are reused here): the file is read and every row checked first, with errors at the line
a spreadsheet shows (the header is line 1) and the column's name; then, only when nothing
is wrong, every change is written in one transaction with bulk queries and audited row by
row. Rows are keyed (assets by asset tag, installations by product and device), so the
same file imported twice changes nothing the second time. Any bad row rejects the file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from warden.core.audit import audit_log, audit_log_many, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.models import School, User
from warden.equipment.models import (
    Asset,
    AssetState,
    AssetType,
    EquipmentImportRun,
    ImportKind,
    Installation,
    Location,
    SoftwareProduct,
)
from warden.equipment.rules import default_holds_personal_data
from warden.equipment.services.software import installations_remove
from warden.people.importing import (
    RowError,
    Table,
    normalise,
    parse_date,
    parse_yes_no,
    read_csv_table,
)

PREVIEW_ROWS = 10
Outcome = EquipmentImportRun.Outcome

# --- what each file may hold ---------------------------------------------------------------

ASSET_HEADERS: dict[str, list[str]] = {
    "asset_tag": ["Asset tag", "Asset number", "Asset no", "Asset ID", "Tag", "Inventory number"],
    "asset_type": ["Type", "Asset type", "Device type", "Category"],
    "make": ["Make", "Manufacturer", "Brand", "Vendor"],
    "model": ["Model", "Model name"],
    "serial": ["Serial", "Serial number", "Serial no", "S/N", "Service tag"],
    "location": ["Location", "Room", "Site"],
    "purchase_date": ["Purchase date", "Purchased", "Date purchased", "Bought"],
    "warranty_until": ["Warranty until", "Warranty end", "Warranty expiry", "Warranty"],
    "holds_personal_data": ["Holds personal data", "Can hold personal data", "Personal data"],
    "encrypted": ["Encrypted", "Disk encryption", "Encryption", "BitLocker", "FileVault"],
    "antivirus": ["Anti-virus", "Antivirus", "AV"],
    "mdm_enrolled": ["MDM", "MDM enrolled", "Enrolled in MDM", "Intune"],
    "screen_lock": ["Screen lock", "Locking screensaver", "Screensaver lock"],
    "pin_set": ["PIN", "PIN set", "Passcode"],
    "security_checked_on": ["Security checked", "Security last checked", "Last checked"],
    "notes": ["Notes", "Comments"],
}
ASSET_LABELS: dict[str, str] = {
    "asset_tag": "Asset tag",
    "asset_type": "Type",
    "make": "Make",
    "model": "Model",
    "serial": "Serial number",
    "location": "Location",
    "purchase_date": "Purchase date",
    "warranty_until": "Warranty until",
    "holds_personal_data": "Can hold personal data",
    "encrypted": "Disk encrypted",
    "antivirus": "Anti-virus",
    "mdm_enrolled": "Enrolled in MDM",
    "screen_lock": "Locking screensaver",
    "pin_set": "PIN or password set",
    "security_checked_on": "Security last checked",
    "notes": "Notes",
}
ASSET_REQUIRED = ("asset_tag", "asset_type")
_DATES = frozenset({"purchase_date", "warranty_until", "security_checked_on"})
_FLAGS = frozenset(
    {"holds_personal_data", "encrypted", "antivirus", "mdm_enrolled", "screen_lock", "pin_set"}
)
_TEXT_LIMITS = {"asset_tag": 40, "make": 80, "model": 120, "serial": 80, "location": 120}

TYPE_WORDS: dict[str, str] = {
    **{normalise(value): value for value in AssetType.values},
    **{normalise(label): value for value, label in AssetType.choices},
    "notebook": AssetType.LAPTOP,
    "macbook": AssetType.LAPTOP,
    "surface": AssetType.TABLET,
    "ipad": AssetType.TABLET,
    "chromebook": AssetType.CHROMEBOOK,
    "pc": AssetType.DESKTOP,
    "desktop": AssetType.DESKTOP,
    "computer": AssetType.DESKTOP,
    "workstation": AssetType.DESKTOP,
    "all in one": AssetType.DESKTOP,
    "imac": AssetType.DESKTOP,
    "phone": AssetType.PHONE,
    "mobile": AssetType.PHONE,
    "smartphone": AssetType.PHONE,
    "iphone": AssetType.PHONE,
    "camera": AssetType.CAMERA,
    "digital camera": AssetType.CAMERA,
    "server": AssetType.SERVER,
    "nas": AssetType.SERVER,
    "switch": AssetType.NETWORK,
    "router": AssetType.NETWORK,
    "access point": AssetType.NETWORK,
    "firewall": AssetType.NETWORK,
    "printer": AssetType.PRINTER,
    "projector": AssetType.DISPLAY,
    "monitor": AssetType.DISPLAY,
    "display": AssetType.DISPLAY,
    "interactive panel": AssetType.DISPLAY,
    "usb": AssetType.REMOVABLE_MEDIA,
    "usb drive": AssetType.REMOVABLE_MEDIA,
    "usb stick": AssetType.REMOVABLE_MEDIA,
    "memory stick": AssetType.REMOVABLE_MEDIA,
    "external drive": AssetType.REMOVABLE_MEDIA,
    "external hard drive": AssetType.REMOVABLE_MEDIA,
    "removable media": AssetType.REMOVABLE_MEDIA,
    "sim": AssetType.SIM,
    "sim card": AssetType.SIM,
}


def parse_asset_type(raw: str) -> str | None:
    text = normalise(raw)
    if not text:
        return None
    found = TYPE_WORDS.get(text)
    if found is None:
        raise ValueError(
            f"“{raw.strip()}” is not a type Warden knows; use one of: "
            + ", ".join(str(label) for label in AssetType.labels)
            + "."
        )
    return str(found)


INSTALL_HEADERS: dict[str, list[str]] = {
    "asset_tag": ["Asset tag", "Asset number", "Computer name", "Device name", "Hostname"],
    "serial": ["Serial", "Serial number", "Service tag"],
    "software": ["Software", "Product", "Application", "Display name", "Name", "Title"],
    "version": ["Version", "Display version"],
    "installed_on": ["Install date", "Installed", "Installed on", "Date installed"],
}
INSTALL_LABELS = {
    "asset_tag": "Asset tag or device name",
    "serial": "Serial number",
    "software": "Software",
    "version": "Version",
    "installed_on": "Install date",
}


# --- reading -------------------------------------------------------------------------------


def read_table(data: bytes, known: Mapping[str, list[str]]) -> Table:
    """Rows of a CSV file, the header being the opening line naming most known columns."""
    names = {normalise(name) for names in known.values() for name in names}
    return read_csv_table(
        data,
        lambda cells: sum(1 for cell in cells if normalise(cell) in names),
        empty="The file is empty; export it again.",
    )


def default_mapping(header: list[str], known: Mapping[str, list[str]]) -> dict[str, str]:
    by_name: dict[str, str] = {}
    for column in header:
        by_name.setdefault(normalise(column), column)
    used: set[str] = set()
    mapping: dict[str, str] = {}
    for name, candidates in known.items():
        mapping[name] = ""
        for candidate in candidates:
            found = by_name.get(normalise(candidate))
            if found is not None and found not in used:
                mapping[name] = found
                used.add(found)
                break
    return mapping


def _mapping(
    table: Table,
    known: Mapping[str, list[str]],
    labels: Mapping[str, str],
    mapping: Mapping[str, str] | None,
) -> tuple[dict[str, str], list[RowError]]:
    if mapping is None:
        return default_mapping(table.header, known), []
    unknown = sorted(set(mapping) - set(known))
    if unknown:
        raise ServiceError(f"These fields cannot be imported: {', '.join(unknown)}.")
    resolved = {name: "" for name in known}
    errors = []
    for name, column in mapping.items():
        column = (column or "").strip()
        if column and column not in table.header:
            errors.append(
                RowError(
                    table.header_line,
                    column,
                    f"{labels[name]} is mapped to “{column}”, which this file does not have.",
                )
            )
            continue
        resolved[name] = column
    return resolved, errors


def _cells(
    table: Table, mapping: Mapping[str, str]
) -> list[tuple[int, dict[str, tuple[str, str]]]]:
    """Each row as ``{field: (column, raw text)}`` for the mapped fields."""
    index = {column: i for i, column in reversed(list(enumerate(table.header)))}
    columns = [(name, column, index[column]) for name, column in mapping.items() if column]
    result = []
    for line, cells in table.rows:
        values = {
            name: (column, cells[i].strip() if i < len(cells) else "")
            for name, column, i in columns
        }
        result.append((line, values))
    return result


# --- the report ----------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import found and did (or, for a dry run, would do)."""

    kind: str
    outcome: str
    run: EquipmentImportRun | None
    mapping: dict[str, str]
    header: list[str]
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    untracked: int = 0
    errors: list[RowError] = field(default_factory=list)
    preview: list[tuple[int, str, str]] = field(default_factory=list)  # (line, action, what)
    blocked: bool = False

    @property
    def changes(self) -> int:
        return self.created + self.updated + self.removed

    @property
    def bad_rows(self) -> int:
        return len({error.line for error in self.errors})


# --- assets --------------------------------------------------------------------------------


@dataclass
class _AssetPlan:
    creates: list[Asset] = field(default_factory=list)
    # What each created asset was given, for its audit entry (same order as ``creates``).
    created_values: list[dict[str, Any]] = field(default_factory=list)
    updates: list[tuple[Asset, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0
    new_locations: dict[str, Location] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    preview: list[tuple[int, str, str]] = field(default_factory=list)


def _cached(parser: Callable[[str], Any]) -> Callable[[str], Any]:
    """A parser that remembers its answers: a register repeats the same dates and words."""
    known: dict[str, Any] = {}
    failed: dict[str, str] = {}

    def parse(raw: str) -> Any:
        if raw in known:
            return known[raw]
        if raw in failed:
            raise ValueError(failed[raw])
        try:
            known[raw] = parser(raw)
        except ValueError as exc:
            failed[raw] = str(exc)
            raise
        return known[raw]

    return parse


def _parsers() -> dict[str, Callable[[str], Any]]:
    date, flag, kind = _cached(parse_date), _cached(parse_yes_no), _cached(parse_asset_type)
    parsers: dict[str, Callable[[str], Any]] = {name: date for name in _DATES}
    parsers.update({name: flag for name in _FLAGS})
    parsers["asset_type"] = kind
    return parsers


def _text(name: str, raw: str) -> str:
    text = " ".join(raw.split()) if name != "notes" else raw
    limit = _TEXT_LIMITS.get(name)
    if limit and len(text) > limit:
        raise ValueError(f"is longer than {limit} characters; shorten it.")
    return text


def _plan_assets(school: School, table: Table, mapping: dict[str, str]) -> _AssetPlan:
    plan = _AssetPlan()
    existing = {a.asset_tag.casefold(): a for a in Asset.objects.filter(school=school)}
    serial_owner = {a.serial.casefold(): a.asset_tag for a in existing.values() if a.serial}
    locations = {loc.name.casefold(): loc for loc in Location.objects.filter(school=school)}
    location_names = {loc.pk: loc.name for loc in locations.values()}
    seen_tags: dict[str, int] = {}
    seen_serials: dict[str, int] = {}
    mapped = {name for name, column in mapping.items() if column}
    column_of = {name: column for name, column in mapping.items() if column}
    parsers = _parsers()
    for line, cells in _cells(table, mapping):
        errors: list[RowError] = []
        values: dict[str, Any] = {}
        for name, (column, raw) in cells.items():
            parser = parsers.get(name)
            try:
                values[name] = parser(raw) if parser is not None else _text(name, raw)
            except ValueError as exc:
                errors.append(RowError(line, column, str(exc)))
        tag = str(values.get("asset_tag") or "")
        folded = tag.casefold()
        if not tag:
            errors.append(RowError(line, column_of["asset_tag"], "Every row needs an asset tag."))
        elif folded in seen_tags:
            errors.append(
                RowError(
                    line,
                    column_of["asset_tag"],
                    f"Asset tag {tag} is also on line {seen_tags[folded]}; "
                    "each asset appears once.",
                )
            )
        else:
            seen_tags[folded] = line
        asset = existing.get(folded) if tag else None
        type_given = "asset_type" in values and values["asset_type"] is not None
        type_refused = any(e.column == column_of["asset_type"] for e in errors)
        if asset is None and not type_given and not type_refused:
            errors.append(RowError(line, column_of["asset_type"], "Give the type of equipment."))
        serial = str(values.get("serial") or "")
        if serial:
            key = serial.casefold()
            owner = serial_owner.get(key)
            if key in seen_serials:
                errors.append(
                    RowError(
                        line,
                        column_of["serial"],
                        f"Serial {serial} is also on line {seen_serials[key]}.",
                    )
                )
            elif owner is not None and owner.casefold() != folded:
                errors.append(
                    RowError(
                        line, column_of["serial"], f"Serial {serial} is already on asset {owner}."
                    )
                )
            seen_serials[key] = line
        bought, warranty = values.get("purchase_date"), values.get("warranty_until")
        if bought and warranty and warranty < bought:
            errors.append(
                RowError(line, column_of["warranty_until"], "The warranty ends before purchase.")
            )
        if errors:
            plan.errors.extend(errors)
            if len(plan.preview) < PREVIEW_ROWS:
                plan.preview.append((line, "error", tag))
            continue
        location_name = str(values.pop("location", "") or "")
        location = None
        if location_name:
            location = locations.get(location_name.casefold())
            if location is None:
                location = plan.new_locations.get(location_name.casefold())
            if location is None:
                location = Location(school=school, name=location_name)
                plan.new_locations[location_name.casefold()] = location
        if asset is None:
            asset = Asset(school=school, asset_tag=tag, asset_type=values["asset_type"])
            if values.get("holds_personal_data") is None:
                asset.holds_personal_data = default_holds_personal_data(asset.asset_type)
            given = _assign(asset, values)
            if location is not None:
                asset.location = location
                given["location"] = [None, location.name]
            plan.creates.append(asset)
            plan.created_values.append(given)
            action = "new"
        else:
            changes = _assign(asset, values)
            if "location" in mapped:
                old = location_names.get(asset.location_id) if asset.location_id else None
                new = location.name if location is not None else None
                if old != new:
                    changes["location"] = [old, new]
                    asset.location = location
            if not changes:
                plan.unchanged += 1
                action = "unchanged"
            elif asset.state == AssetState.DISPOSED:
                plan.errors.append(
                    RowError(
                        line,
                        column_of["asset_tag"],
                        f"{tag} has been disposed of; its record cannot change. "
                        "Take it out of the file.",
                    )
                )
                action = "error"
            else:
                plan.updates.append((asset, changes))
                action = "changed"
        if len(plan.preview) < PREVIEW_ROWS:
            plan.preview.append((line, action, tag))
    return plan


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _assign(asset: Asset, values: Mapping[str, Any]) -> dict[str, Any]:
    """Set the file's values on the asset; ``{field: [old, new]}`` for those that changed.

    A blank yes/no cell leaves what Warden knows (an export that lacks the information must
    not switch encryption off); a blank text or date cell clears the field.
    """
    changes: dict[str, Any] = {}
    for name, value in values.items():
        if value is None and (name in _FLAGS or name == "asset_type"):
            continue
        if value is None and name in _TEXT:
            value = ""
        old = getattr(asset, name)
        if old != value:
            setattr(asset, name, value)
            if old not in (None, "") or value not in (None, ""):
                changes[name] = [_plain(old) if old != "" else None, _plain(value)]
    return changes


_TEXT = frozenset({"make", "model", "serial", "notes", "asset_tag"})


def assets_import(
    *,
    actor: User | None,
    school: School,
    data: bytes,
    filename: str,
    dry_run: bool,
    mapping: Mapping[str, str] | None = None,
) -> ImportReport:
    """Import the asset register from CSV: create by asset tag, update what changed.

    Any bad row rejects the whole file. Every run, a dry run or a rejected one too, is kept
    as an ``EquipmentImportRun``; an applied run audits each created or changed asset.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    table = read_table(data, ASSET_HEADERS)
    resolved, file_errors = _mapping(table, ASSET_HEADERS, ASSET_LABELS, mapping)
    for name in ASSET_REQUIRED:
        if not resolved.get(name):
            file_errors.append(
                RowError(
                    table.header_line,
                    "",
                    f"No column holds the {ASSET_LABELS[name].lower()}; every row needs one"
                    + (
                        " so that importing again updates assets instead of adding them twice."
                        if name == "asset_tag"
                        else "."
                    ),
                )
            )
    try:
        with transaction.atomic():
            plan = _AssetPlan() if file_errors else _plan_assets(school, table, resolved)
            errors = [*file_errors, *plan.errors]
            blocked = bool(errors)
            applied = not dry_run and not blocked
            if applied:
                _write_assets(plan, actor=actor, school=school)
            outcome = (
                Outcome.DRY_RUN if dry_run else Outcome.REJECTED if blocked else Outcome.APPLIED
            )
            report = ImportReport(
                kind=ImportKind.ASSETS,
                outcome=outcome,
                run=None,
                mapping=resolved,
                header=table.header,
                rows=len(table.rows),
                created=len(plan.creates),
                updated=len(plan.updates),
                unchanged=plan.unchanged,
                errors=errors,
                preview=plan.preview,
                blocked=blocked,
            )
            report.run = _run(actor, school, ImportKind.ASSETS, filename, sha256, report, applied)
    except IntegrityError:
        raise ServiceError(
            "Someone changed the register while this file was being imported; nothing was "
            "saved. Import the file again."
        ) from None
    return report


def _write_assets(plan: _AssetPlan, *, actor: User | None, school: School) -> None:
    """Save a plan: a few statements per 500 assets, one audit entry per asset."""
    now = timezone.now()
    if plan.new_locations:
        Location.objects.bulk_create(list(plan.new_locations.values()))
        audit_log_many(
            actor=actor,
            action="location.created",
            items=[(loc, {"name": [None, loc.name]}) for loc in plan.new_locations.values()],
            school=school,
        )
    for asset in plan.creates:
        asset.created_at = asset.updated_at = now
        if asset.location is not None:
            asset.location_id = asset.location.pk
    _insert(plan.creates)
    if plan.updates:
        fields = sorted({name for _, changes in plan.updates for name in changes} | {"updated_at"})
        for asset, _ in plan.updates:
            asset.updated_at = now
            if asset.location is not None and asset.location_id is None:
                asset.location_id = asset.location.pk
        Asset.objects.bulk_update([a for a, _ in plan.updates], fields, batch_size=500)
    audit_log_many(
        actor=actor,
        action="asset.created",
        items=[
            (
                asset,
                {name: [None, _plain(value)] for name, value in given.items()}
                | {"asset_type": [None, asset.asset_type]},
            )
            for asset, given in zip(plan.creates, plan.created_values, strict=True)
        ],
        school=school,
    )
    audit_log_many(
        actor=actor,
        action="asset.updated",
        items=[(a, c) for a, c in plan.updates],
        school=school,
    )


def _insert(assets: list[Asset]) -> None:
    """Insert new assets with one ``executemany`` per 1,000 rows and read their keys back.

    ``bulk_create`` prepares each of an asset's two dozen columns through the field API for
    every row, which was most of the time of a 10,000-asset import; the values here are
    already clean Python values, so they go to the driver as they are (dates and times
    through the backend's own adapters).
    """
    if not assets:
        return
    ops = connection.ops
    fields = [f for f in Asset._meta.concrete_fields if not f.primary_key]
    adapters: list[Callable[[Any], Any] | None] = []
    for f in fields:
        kind = f.get_internal_type()
        if kind == "DateTimeField":
            adapters.append(ops.adapt_datetimefield_value)
        elif kind == "DateField":
            adapters.append(ops.adapt_datefield_value)
        else:
            adapters.append(None)
    table = connection.ops.quote_name(Asset._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
    attnames = [f.attname for f in fields]
    rows = [
        [
            adapt(getattr(asset, attname)) if adapt is not None else getattr(asset, attname)
            for attname, adapt in zip(attnames, adapters, strict=True)
        ]
        for asset in assets
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            cursor.executemany(sql, rows[start : start + 1000])
    school_id = assets[0].school_id
    keys = dict(Asset.objects.filter(school_id=school_id).values_list("asset_tag", "pk"))
    for asset in assets:
        asset.pk = keys[asset.asset_tag]
        asset._state.adding = False


def _run(
    actor: User | None,
    school: School,
    kind: str,
    filename: str,
    sha256: str,
    report: ImportReport,
    applied: bool,
) -> EquipmentImportRun:
    run = EquipmentImportRun.objects.create(
        school=school,
        kind=kind,
        started_by=actor,
        filename=filename[:255],
        sha256=sha256,
        outcome=report.outcome,
        rows=report.rows,
        created_count=report.created if report.outcome != Outcome.REJECTED else 0,
        updated_count=report.updated if report.outcome != Outcome.REJECTED else 0,
        unchanged_count=report.unchanged,
        removed_count=report.removed if report.outcome != Outcome.REJECTED else 0,
        errors=[error.as_dict() for error in report.errors[:500]],
    )
    if applied:
        audit_log(
            actor=actor,
            action=f"{kind}.imported",
            obj=run,
            school=school,
            changes={
                "file": [None, filename],
                "rows": [None, report.rows],
                "created": [None, report.created],
                "updated": [None, report.updated],
                "unchanged": [None, report.unchanged],
                "removed": [None, report.removed],
            },
        )
    return run


# --- installations -------------------------------------------------------------------------


def installations_import(
    *,
    actor: User | None,
    school: School,
    data: bytes,
    filename: str,
    dry_run: bool,
    full_inventory: bool = False,
    mapping: Mapping[str, str] | None = None,
) -> ImportReport:
    """Import software installations from an inventory export (one row per device and app).

    Rows are matched to devices by asset tag (or serial) and to the products the school
    licenses by name; software that is not a licensed product is counted, not recorded.
    With ``full_inventory`` the file is the whole truth for the devices it lists: a
    licensed product recorded on one of them but missing from the file is marked removed,
    freeing its seat.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    table = read_table(data, INSTALL_HEADERS)
    resolved, file_errors = _mapping(table, INSTALL_HEADERS, INSTALL_LABELS, mapping)
    if not resolved.get("software"):
        file_errors.append(RowError(table.header_line, "", "No column names the software."))
    if not resolved.get("asset_tag") and not resolved.get("serial"):
        file_errors.append(
            RowError(table.header_line, "", "No column names the device (asset tag or serial).")
        )
    by_tag = {a.asset_tag.casefold(): a for a in Asset.objects.filter(school=school)}
    by_serial = {a.serial.casefold(): a for a in by_tag.values() if a.serial}
    products = {p.name.casefold(): p for p in SoftwareProduct.objects.filter(school=school)}
    live = {
        (i.product_id, i.asset_id): i
        for i in Installation.objects.filter(school=school, removed_at__isnull=True)
    }
    errors = list(file_errors)
    creates: list[Installation] = []
    updates: list[tuple[Installation, dict[str, Any]]] = []
    unchanged = untracked = 0
    listed: set[tuple[int, int]] = set()
    devices: set[int] = set()
    preview: list[tuple[int, str, str]] = []
    now = timezone.now()
    for line, cells in [] if file_errors else _cells(table, resolved):
        tag = cells.get("asset_tag", ("", ""))
        serial = cells.get("serial", ("", ""))
        name_column, name = cells["software"]
        asset = by_tag.get(tag[1].casefold()) if tag[1] else None
        if asset is None and serial[1]:
            asset = by_serial.get(serial[1].casefold())
        if asset is None:
            errors.append(
                RowError(
                    line,
                    tag[0] or serial[0],
                    f"No asset {tag[1] or serial[1] or '(blank)'} in the register; import or add "
                    "the device first.",
                )
            )
            continue
        devices.add(asset.pk)
        product = products.get(" ".join(name.split()).casefold())
        if product is None:
            untracked += 1
            continue
        installed_on = None
        if "installed_on" in cells:
            try:
                installed_on = parse_date(cells["installed_on"][1])
            except ValueError as exc:
                errors.append(RowError(line, cells["installed_on"][0], str(exc)))
                continue
        version = " ".join(cells.get("version", ("", ""))[1].split())[:60]
        key = (product.pk, asset.pk)
        if key in listed:
            unchanged += 1
            continue
        listed.add(key)
        if asset.state == AssetState.DISPOSED:
            errors.append(RowError(line, name_column, f"{asset.asset_tag} has been disposed of."))
            continue
        current = live.get(key)
        if current is None:
            creates.append(
                Installation(
                    school=school,
                    product=product,
                    asset=asset,
                    version=version,
                    installed_on=installed_on,
                    first_seen_at=now,
                )
            )
            action = "new"
        else:
            before = snapshot(current, ["version", "installed_on"])
            current.version = version or current.version
            current.installed_on = installed_on or current.installed_on
            changes = diff(before, snapshot(current, ["version", "installed_on"]))
            if changes:
                updates.append((current, changes))
                action = "changed"
            else:
                unchanged += 1
                action = "unchanged"
        if len(preview) < PREVIEW_ROWS:
            preview.append((line, action, f"{product} on {asset.asset_tag}"))
    removals = (
        [i for key, i in live.items() if key[1] in devices and key not in listed]
        if full_inventory
        else []
    )
    blocked = bool(errors)
    applied = not dry_run and not blocked
    with transaction.atomic():
        if applied:
            Installation.objects.bulk_create(creates, batch_size=500)
            if updates:
                Installation.objects.bulk_update(
                    [i for i, _ in updates], ["version", "installed_on"], batch_size=500
                )
            audit_log_many(
                actor=actor,
                action="installation.recorded",
                items=[(i, {"product": [None, i.product.name]}) for i in creates],
                school=school,
            )
            audit_log_many(
                actor=actor,
                action="installation.updated",
                items=[(i, c) for i, c in updates],
                school=school,
            )
            if removals:
                installations_remove(
                    actor=actor,
                    installations=Installation.objects.filter(pk__in=[i.pk for i in removals]),
                    reason=f"Not in the inventory {filename}",
                    school=school,
                )
        outcome = Outcome.DRY_RUN if dry_run else Outcome.REJECTED if blocked else Outcome.APPLIED
        report = ImportReport(
            kind=ImportKind.INSTALLATIONS,
            outcome=outcome,
            run=None,
            mapping=resolved,
            header=table.header,
            rows=len(table.rows),
            created=len(creates),
            updated=len(updates),
            unchanged=unchanged,
            removed=len(removals),
            untracked=untracked,
            errors=errors,
            preview=preview,
            blocked=blocked,
        )
        report.run = _run(
            actor, school, ImportKind.INSTALLATIONS, filename, sha256, report, applied
        )
    return report


IMPORTERS: dict[str, Callable[..., ImportReport]] = {
    ImportKind.ASSETS: assets_import,
    ImportKind.INSTALLATIONS: installations_import,
}
