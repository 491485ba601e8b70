"""Small helpers the web pages share: lists that stay fast, sorting by whitelisted columns, service errors on forms.

Views stay thin: they parse the request, call a selector or a service, and render. These helpers are the parts
every list page and every form page would otherwise repeat.
"""

from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from unfold.widgets import UnfoldAdminTextInputWidget

from referral_engine.core.errors import Conflict

PER_PAGE = 25
# Counting every row of a very large workspace on every page costs more than the page itself, so lists count at
# most this many rows and say "10,000+" beyond it; a filter or another sort order reaches the rest.
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """A Paginator whose count stops at COUNT_CAP: `SELECT COUNT(*) FROM (... LIMIT cap + 1)`."""

    def __init__(self, object_list, per_page, cap: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap

    @cached_property
    def _bounded_count(self) -> int:
        return self.object_list.order_by()[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._bounded_count, self.cap)

    @property
    def is_capped(self) -> bool:
        return self._bounded_count > self.cap


@dataclass
class Sort:
    key: str
    descending: bool

    @property
    def param(self) -> str:
        return f"-{self.key}" if self.descending else self.key


def sort_from_request(request: HttpRequest, *, columns: dict[str, tuple[str, ...]], default: str) -> Sort:
    """The sort the request asks for (`?sort=name` or `?sort=-name`), if it is a whitelisted column."""
    raw = request.GET.get("sort", default)
    key = raw.lstrip("-")
    if key not in columns:
        raw, key = default, default.lstrip("-")
    return Sort(key=key, descending=raw.startswith("-"))


def sorted_queryset(queryset: QuerySet, sort: Sort, columns: dict[str, tuple[str, ...]]) -> QuerySet:
    # The id comes last so pages are stable when the sorted column has ties.
    prefix = "-" if sort.descending else ""
    return queryset.order_by(*(f"{prefix}{field}" for field in columns[sort.key]), f"{prefix}id")


def paginate(request: HttpRequest, queryset: QuerySet, *, per_page: int | None = None):
    paginator = CappedPaginator(queryset, per_page or PER_PAGE)
    return paginator.get_page(request.GET.get("page"))


def add_service_error(form: forms.Form, exc: ValidationError | Conflict) -> None:
    """Put a service's ValidationError or Conflict on the form, beside the field it names when the form has it."""
    if isinstance(exc, Conflict):
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for message in ValidationError(errors).messages:
                if target is None and field != NON_FIELD_ERRORS:
                    message = f"{field.replace('_', ' ').capitalize()}: {message}"
                form.add_error(target, message)
        return
    form.add_error(None, exc)


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` the form carried, if it is a path on this site; otherwise the fallback."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


class DateTimeLocalInput(UnfoldAdminTextInputWidget):
    """The browser's own date-and-time picker (`<input type="datetime-local">`) in unfold's style.

    The value is shown in the current time zone; DateTimeField parses the `YYYY-MM-DDTHH:MM` it sends back.
    """

    input_type = "datetime-local"

    def format_value(self, value):
        if isinstance(value, datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return value.strftime("%Y-%m-%dT%H:%M")
        return super().format_value(value)
