"""Setting a model's editable fields from a service's keyword arguments."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from django.db import models

from warden.core.errors import ServiceError


def set_fields(obj: models.Model, fields: Mapping[str, Any], allowed: Collection[str]) -> None:
    """Set ``fields`` on ``obj``, refusing any name not in ``allowed``.

    Text is stripped of surrounding spaces, and an empty value (None) of a text column that
    cannot be NULL is stored as the empty string, as forms send it.
    """
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ServiceError(f"These fields cannot be set: {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        elif value is None:
            field = obj._meta.get_field(name)
            if isinstance(field, models.CharField | models.TextField) and not field.null:
                value = ""
        setattr(obj, name, value)
