"""The steps the pages that draft and publish versioned texts share (an agreement's
versions here, a consent purpose's texts in the consent area), so each area's views stay
small and behave alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors

T = TypeVar("T")


def saved(request: HttpRequest, form: forms.Form, save: Callable[[dict[str, Any]], T]) -> T | None:
    """For a valid POST, ``save(cleaned_data)`` and its result; otherwise, or when the
    service refuses (its errors then stand on the form), None."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return save(form.cleaned_data)
    except ServiceError as exc:
        apply_service_errors(form, exc)
        return None


def publish_posted(request: HttpRequest, version: object, publish: Callable[[], object]) -> None:
    """Publish a draft from its page, saying in a message how it went."""
    try:
        publish()
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{version} is published; its text can no longer change.")
