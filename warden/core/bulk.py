"""Writing many new rows of one model at once, for bulk loads (the demo, the audit trail).

``bulk_insert`` writes what ``bulk_create`` would, with the same values (each field's
``pre_save`` and ``get_db_prep_save``) and no signals, but on PostgreSQL through ``COPY``:
Django 5.2 sends a bulk insert there as one array per column, which psycopg quotes in
Python value by value, the larger part of loading tens of thousands of rows. Primary keys
are taken from the table's sequence first, so the objects have them afterwards, as they
do after ``bulk_create``.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, models, router
from django.db.models.fields import AutoFieldMixin

# Rows per COPY: enough to make each statement's cost vanish, few enough to stream.
_BATCH = 5000


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
                    copy.write_row(
                        [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
                    )
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias
    return len(objs)
