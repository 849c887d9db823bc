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
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.fields import AutoFieldMixin

# Rows per COPY: enough to make each statement's cost vanish, few enough to stream.
_BATCH = 5000

# Field classes whose value, when already of the plain type here, is what
# ``get_db_prep_save`` gives on PostgreSQL: COPY can take it as it is. Subclasses are not
# trusted (they may convert), nor other values (a TextChoices member, a naive datetime).
_PLAIN: dict[type[models.Field[Any, Any]], tuple[type, ...]] = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.EmailField: (str,),
    models.SlugField: (str,),
    models.URLField: (str,),
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
}


def _db_value(
    field: models.Field[Any, Any], connection: BaseDatabaseWrapper
) -> Callable[[models.Model], Any]:
    """How to get ``field``'s database value from an object: as ``bulk_create`` does
    (``pre_save`` then ``get_db_prep_save``), with the plain cases read directly."""
    kind = type(field)
    plain = _PLAIN.get(kind)
    if kind is models.ForeignKey:
        target = field.target_field  # type: ignore[attr-defined]
        if not isinstance(target, AutoFieldMixin):
            plain = None
    if kind is models.DateField and (field.auto_now or field.auto_now_add):  # type: ignore[attr-defined]
        plain = None
    attname = field.attname
    if kind is models.DateTimeField and not (field.auto_now or field.auto_now_add):  # type: ignore[attr-defined]

        def aware_datetime(obj: models.Model) -> Any:
            value = getattr(obj, attname)
            if value is None or (type(value) is dt.datetime and value.tzinfo is not None):
                return value
            return field.get_db_prep_save(field.pre_save(obj, True), connection)

        return aware_datetime
    if plain is None:
        return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)
    types = plain

    def read(obj: models.Model) -> Any:
        value = getattr(obj, attname)
        if value is None or type(value) in types:
            return value
        return field.get_db_prep_save(field.pre_save(obj, True), connection)

    return read


def bulk_insert(model: type[models.Model], objs: Sequence[models.Model]) -> int:
    """Insert ``objs`` (new instances of ``model``) and return how many were written."""
    if not objs:
        return 0
    connection = connections[router.db_for_write(model)]
    opts = model._meta
    for obj in objs:
        # As bulk_create does: a related object saved since it was assigned gives its key.
        obj._prepare_related_fields_for_save(operation_name="bulk_insert")  # type: ignore[attr-defined]
        if obj.pk is None:
            obj.pk = opts.pk.get_pk_value_on_save(obj)  # type: ignore[attr-defined]
    with_pk = [obj.pk is not None for obj in objs]
    numbered = isinstance(opts.pk, AutoFieldMixin)  # a sequence can give the keys
    copy_possible = connection.vendor == "postgresql" and (
        all(with_pk) or (numbered and not any(with_pk))
    )
    if not copy_possible:
        model._base_manager.bulk_create(objs, batch_size=500)
        return len(objs)
    fields = list(opts.concrete_fields)
    values = [_db_value(f, connection) for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    statement = f"COPY {connection.ops.quote_name(opts.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if not hasattr(raw, "copy"):  # psycopg 2: no COPY from Python rows
            model._base_manager.bulk_create(objs, batch_size=500)
            return len(objs)
        if not any(with_pk):
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [opts.db_table, opts.pk.column, len(objs)],
            )
            for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = pk
        for start in range(0, len(objs), _BATCH):
            with raw.copy(statement) as copy:
                for obj in objs[start : start + _BATCH]:
                    copy.write_row([value(obj) for value in values])
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias
    return len(objs)
