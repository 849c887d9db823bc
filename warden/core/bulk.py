"""Writing many new rows of one model at once, for bulk loads (the demo, the audit trail).

``bulk_insert`` writes what ``bulk_create`` would, with the same values (each field's
``pre_save`` and ``get_db_prep_save``) and no signals, but on PostgreSQL through ``COPY``:
Django 5.2 sends a bulk insert there as one array per column, which psycopg quotes in
Python value by value, the larger part of loading tens of thousands of rows. Primary keys
are taken from the table's sequence first, so the objects have them afterwards, as they
do after ``bulk_create``.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.postgresql.psycopg_any import is_psycopg3
from django.db.models.fields import AutoFieldMixin

# Field classes whose value, when already of the plain type here, is what
# ``get_db_prep_save`` gives on PostgreSQL: COPY can take it as it is. Subclasses are not
# trusted (they may convert), nor other values (an IntegerChoices member, a naive datetime).
_PLAIN: dict[type[models.Field[Any, Any]], tuple[type, ...]] = {
    models.IntegerField: (int,),
    models.BigIntegerField: (int,),
    models.SmallIntegerField: (int,),
    models.PositiveIntegerField: (int,),
    models.PositiveSmallIntegerField: (int,),
    models.PositiveBigIntegerField: (int,),
    models.AutoField: (int,),
    models.BigAutoField: (int,),
    models.BooleanField: (bool,),
    models.ForeignKey: (int,),
    models.DateField: (dt.date,),
    # None is kept as it is; an address is converted.
    models.GenericIPAddressField: (),
}
# Text fields give back any ``str`` as it is, a subclass too (a TextChoices member): their
# ``to_python`` keeps every instance of ``str``.
_TEXT = frozenset(
    (models.CharField, models.TextField, models.EmailField, models.SlugField, models.URLField)
)


def _converters(
    fields: Sequence[models.Field[Any, Any]], connection: BaseDatabaseWrapper
) -> Callable[[models.Model], list[Any]]:
    """How to get an object's database values for ``fields``: as ``bulk_create`` does
    (``pre_save`` then ``get_db_prep_save``), with the plain cases read directly."""
    read = operator.attrgetter(*[f.attname for f in fields])
    Convert = Callable[[models.Model], Any]
    plain: list[tuple[int, tuple[type, ...], Convert]] = []  # kept when of these types
    text: list[tuple[int, Convert]] = []  # kept when a str
    aware: list[tuple[int, Convert]] = []  # kept when an aware datetime
    always: list[tuple[int, Convert]] = []
    for index, field in enumerate(fields):

        def convert(obj: models.Model, field: models.Field[Any, Any] = field) -> Any:
            return field.get_db_prep_save(field.pre_save(obj, True), connection)

        def stamp(obj: models.Model, field: models.Field[Any, Any] = field) -> Any:
            # An aware datetime is what get_db_prep_save gives for it on PostgreSQL.
            value = field.pre_save(obj, True)
            if type(value) is dt.datetime and value.tzinfo is not None:
                return value
            return field.get_db_prep_save(value, connection)

        kind = type(field)
        types = _PLAIN.get(kind)
        stamped = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        if kind is models.DateTimeField and stamped:
            convert = stamp
        keyed_by_number = kind is not models.ForeignKey or isinstance(
            field.target_field,  # type: ignore[attr-defined]
            AutoFieldMixin,
        )
        if not keyed_by_number or (kind is models.DateField and stamped):
            types = None
        if kind in _TEXT:
            text.append((index, convert))
        elif kind is models.DateTimeField and not stamped:
            aware.append((index, convert))
        elif types is not None:
            plain.append((index, types, convert))
        else:
            always.append((index, convert))
    single = len(fields) == 1

    def row(obj: models.Model) -> list[Any]:
        values = [read(obj)] if single else list(read(obj))
        for index, types, convert in plain:
            value = values[index]
            if value is not None and type(value) not in types:
                values[index] = convert(obj)
        for index, convert in text:
            value = values[index]
            if value is not None and not isinstance(value, str):
                values[index] = convert(obj)
        for index, convert in aware:
            value = values[index]
            if value is not None and (type(value) is not dt.datetime or value.tzinfo is None):
                values[index] = convert(obj)
        for index, convert in always:
            values[index] = convert(obj)
        return values

    return row


def _can_copy(connection: BaseDatabaseWrapper) -> bool:
    # psycopg 2 has no COPY from Python rows.
    return connection.vendor == "postgresql" and is_psycopg3


def copy_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
) -> bool:
    """Write ``rows`` into ``model``'s table through COPY, or nothing and return False where
    COPY is not available (not PostgreSQL, or psycopg 2): the caller then saves otherwise.

    Each row holds the values of ``fields`` (attribute names: ``school_id``) as the
    database takes them, what ``get_db_prep_save`` gives (a JSON value may come as its
    text); a primary key left out comes from the table's sequence, in row order. ``rows``
    may be made as they are written (a generator), so the database stores each while the
    next is made, provided making one does not use the database.
    """
    connection = connections[router.db_for_write(model)]
    if not _can_copy(connection):
        return False
    opts = model._meta
    column = {f.attname: f.column for f in opts.concrete_fields}
    columns = ", ".join(connection.ops.quote_name(column[f]) for f in fields)
    statement = f"COPY {connection.ops.quote_name(opts.db_table)} ({columns}) FROM STDIN"
    # The driver's own cursor: its errors are made Django's (a key already taken is an
    # IntegrityError), as every other statement's are.
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(statement) as copy,
    ):
        write_row = copy.write_row
        for row in rows:
            write_row(row)
    return True


def _relations_unchanged(model: type[models.Model]) -> Callable[[models.Model], bool]:
    """A quick test that ``_prepare_related_fields_for_save`` has nothing to do for an
    object: each related object it holds is saved and has the key the object names."""
    opts = model._meta
    if opts.private_fields:
        return lambda obj: False
    relations = [
        (f.cache_name, f.attname, f.target_field.attname, f.target_field.primary_key)  # type: ignore[attr-defined]
        for f in opts.concrete_fields
        if f.is_relation
    ]

    def unchanged(obj: models.Model) -> bool:
        cache = obj._state.fields_cache
        for name, attname, target, by_pk in relations:
            if name in cache:
                related = cache[name]
                if related is None:
                    continue
                key = getattr(related, target)
                if key is None or key != getattr(obj, attname):
                    return False
                if not by_pk and related.pk is None:
                    return False
        return True

    return unchanged


def bulk_insert(model: type[models.Model], objs: Sequence[models.Model]) -> int:
    """Insert ``objs`` (new instances of ``model``) and return how many were written."""
    if not objs:
        return 0
    connection = connections[router.db_for_write(model)]
    opts = model._meta
    unchanged = _relations_unchanged(model)
    for obj in objs:
        # As bulk_create does: a related object saved since it was assigned gives its key.
        if not unchanged(obj):
            obj._prepare_related_fields_for_save(operation_name="bulk_insert")  # type: ignore[attr-defined]
        if obj.pk is None:
            obj.pk = opts.pk.get_pk_value_on_save(obj)  # type: ignore[attr-defined]
    with_pk = [obj.pk is not None for obj in objs]
    numbered = isinstance(opts.pk, AutoFieldMixin)  # a sequence can give the keys
    if not (_can_copy(connection) and (all(with_pk) or (numbered and not any(with_pk)))):
        model._base_manager.bulk_create(objs, batch_size=500)
        return len(objs)
    if not any(with_pk):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [opts.db_table, opts.pk.column, len(objs)],
            )
            for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = pk
    fields = list(opts.concrete_fields)
    row = _converters(fields, connection)
    rows: Iterable[list[Any]] = (row(obj) for obj in objs)
    if not all(type(f).__module__.startswith("django.db.models.") for f in fields):
        rows = list(rows)  # a field of another kind might use the database to convert
    copy_rows(model, [f.attname for f in fields], rows)
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias
    return len(objs)
