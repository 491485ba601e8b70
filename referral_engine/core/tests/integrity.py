"""Helpers for the database integrity tests in each area's tests/test_constraints.py."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import IntegrityError, transaction


@contextmanager
def refused(*markers: str) -> Iterator[None]:
    """Expect the database to refuse the block with an IntegrityError whose message names one of the markers.

    The savepoint keeps the test's own transaction usable afterwards on PostgreSQL. Markers are alternatives
    because the two databases word unique violations differently: PostgreSQL names the constraint, SQLite the
    columns.
    """
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        yield
    message = str(error.value)
    assert any(marker in message for marker in markers), message
