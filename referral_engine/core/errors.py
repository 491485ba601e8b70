"""Errors services raise; the API and views turn them into 4xx answers with field errors."""

from django.core.exceptions import ValidationError


class Conflict(Exception):
    """The request is valid but clashes with the current state (HTTP 409)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def field_error(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})
