"""The error every service raises when a request cannot be carried out as asked."""

from __future__ import annotations


class ServiceError(Exception):
    """A refusal a person can act on.

    ``message`` says what is wrong and what to do; ``field_errors`` maps form field names to
    messages so a form can show each next to its field.
    """

    def __init__(self, message: str, *, field_errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}

    def __str__(self) -> str:
        return self.message
