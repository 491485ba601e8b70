"""What every API router shares: bearer-token auth, error answers, ids in bodies, paging and ordering.

Every error has one shape, ninja's own: `{"detail": [{"loc": [...], "msg": ..., "type": ...}]}` for 422 and
`{"detail": "message"}` for everything else, so a client parses one format whatever went wrong.
"""

import copy
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Generic, Literal, TypeVar

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet, TextChoices
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Schema
from ninja.errors import AuthorizationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
    create_model,
)

from referral_engine.core.errors import Conflict
from referral_engine.core.selectors import MAX_ID
from referral_engine.core.validation import belongs, not_in_workspace
from referral_engine.workspaces.models import Membership, Role, Workspace
from referral_engine.workspaces.selectors import token_membership

# ------------------------------------------------------------------------------------------------------- auth


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; request.auth becomes the Membership the token acts as.

    An unknown, revoked or malformed token is a 401. A partner's token on an employee-only resource is a 403:
    the token is valid, it just may not do this.
    """

    def __init__(self, *, partners: bool):
        super().__init__()
        self.partners = partners

    def authenticate(self, request: HttpRequest, token: str) -> Membership | None:
        token = token.strip()
        # Real tokens are ~46 characters; refusing long junk early keeps the digest lookup cheap.
        if not token or len(token) > 200:
            return None
        membership = token_membership(raw_token=token)
        if membership is None:
            return None
        if membership.role == Role.PARTNER and not self.partners:
            raise AuthorizationError(message="A partner's token may only use its own referrals.")
        return membership


employee_auth = TokenAuth(partners=False)
any_member_auth = TokenAuth(partners=True)


def workspace_of(request: HttpRequest) -> Workspace:
    return request.auth.workspace


# ----------------------------------------------------------------------------------------------------- errors

# Service errors name a relation by its model field ("account"); the API body calls it "account_id".
RELATION_FIELDS = frozenset(
    {
        "account",
        "asker",
        "assignee",
        "contact",
        "employee",
        "event",
        "networking_group",
        "owner",
        "parent",
        "partner",
        "portal_membership",
        "purchase",
        "referral",
        "referred_account",
        "referred_contact",
        "source_contact",
        "source_employee",
        "source_event",
        "source_partner",
    }
)


def body_error(field: str | None, message: str, kind: str = "value_error") -> dict:
    loc = ["body"] if field in (None, NON_FIELD_ERRORS) else ["body", field]
    return {"loc": loc, "msg": message, "type": kind}


def validation_errors(exc: DjangoValidationError) -> list[dict]:
    if not hasattr(exc, "error_dict"):
        return [body_error(None, message) for message in exc.messages]
    errors = []
    for field, messages in exc.message_dict.items():
        name = f"{field}_id" if field in RELATION_FIELDS else field
        errors.extend(body_error(name, message) for message in messages)
    return errors


def install_error_handlers(api: NinjaAPI) -> None:
    """Register the answers for the errors services and selectors raise (called once, in config/api.py)."""

    def on_django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return api.create_response(request, {"detail": validation_errors(exc)}, status=422)

    def on_ninja_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        # ninja puts the body parameter's name in the location (["body", "payload", "name"]); clients know
        # nothing of our parameter names, so drop it to match the errors services raise (["body", "name"]).
        errors = []
        for error in exc.errors:
            loc = list(error.get("loc", ()))
            if len(loc) >= 2 and loc[0] == "body" and loc[1] == "payload":
                loc = ["body", *loc[2:]]
            errors.append({**error, "loc": loc})
        return api.create_response(request, {"detail": errors}, status=422)

    def on_conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
        return api.create_response(request, {"detail": exc.message}, status=409)

    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, {"detail": "Not found."}, status=404)

    api.add_exception_handler(DjangoValidationError, on_django_validation_error)
    api.add_exception_handler(NinjaValidationError, on_ninja_validation_error)
    api.add_exception_handler(Conflict, on_conflict)
    api.add_exception_handler(Http404, on_not_found)


def query_error(field: str, message: str) -> NinjaValidationError:
    return NinjaValidationError([{"loc": ["query", field], "msg": message, "type": "value_error"}])


# ------------------------------------------------------------------------------------------- field types


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store a NUL character; refusing it here keeps such input a 422 instead of a 500.
    if "\x00" in value:
        raise ValueError("Text cannot contain NUL characters.")
    return value


def Text(max_length: int) -> type[str]:  # a function that reads as a type in schemas
    return Annotated[str, StringConstraints(max_length=max_length), AfterValidator(_no_nul)]


def choice(choices: type[TextChoices], *, blank: bool = False) -> type[str]:
    """A Literal of a model's choices, so the OpenAPI document lists them (and "" when blank is allowed)."""
    values = (*choices.values, "") if blank else tuple(choices.values)
    return Literal[values]


LongText = Text(20_000)


def _utc_if_naive(value: datetime) -> datetime:
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


# A time in a filter: ISO 8601, a bare date meaning its midnight, and no time zone meaning UTC.
FilterDatetime = Annotated[
    datetime,
    AfterValidator(_utc_if_naive),
    Field(description="ISO 8601 date or date-time; without a time zone, UTC."),
]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# Money: 14 digits with 2 decimals, as in the models; sent as a number or a string, returned as a string.
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
# Out, always two decimals as a string ("1500.00"), whatever precision the value was sent with.
MoneyOut = Annotated[
    Decimal,
    PlainSerializer(lambda value: f"{value:.2f}", return_type=str),
    WithJsonSchema({"type": "string", "format": "decimal", "example": "1500.00"}),
]


class InSchema(Schema):
    """Bodies refuse unknown fields: a misspelt field is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


def patch_of(schema: type[InSchema], name: str, doc: str) -> type[InSchema]:
    """The Patch schema of an In schema: the same fields and constraints, every one optional.

    A field left out stays as it is. A field sent as null is cleared when the In schema allows null, and is
    refused (422) when it does not, because the default None is never validated but an explicit null is.
    """
    fields = {}
    for field_name, info in schema.model_fields.items():
        optional = copy.deepcopy(info)
        optional.default = None
        optional.default_factory = None
        fields[field_name] = (optional.annotation, optional)
    patch = create_model(name, __base__=InSchema, __doc__=doc, **fields)
    patch.__module__ = schema.__module__
    return patch


# --------------------------------------------------------------------------------------------- ids in bodies


def resolve_ids(*, workspace: Workspace, data: dict, relations: dict[str, tuple[type[Model], str]]) -> dict:
    """Turn `<name>_id` keys of a body into `<name>` objects of the workspace, for the services.

    `relations` maps a name to (model, label). An id that is unknown or belongs to another workspace gets the
    same 422 on its field, so the answer never tells which ids exist elsewhere. None stays None (clearing).
    """
    resolved = dict(data)
    errors = []
    for name, (model, label) in relations.items():
        key = f"{name}_id"
        if key not in resolved:
            continue
        value = resolved.pop(key)
        if value is None:
            resolved[name] = None
            continue
        obj = model.objects.filter(workspace=workspace, pk=value).first()
        if obj is None or not belongs(obj, label, workspace):
            errors.append(body_error(key, not_in_workspace(label)))
        else:
            resolved[name] = obj
    if errors:
        raise NinjaValidationError(errors)
    return resolved


def refuse_fields(data: dict, fields: Iterable[str], message: str) -> None:
    """A 422 on each of `fields` present in `data` (for fields a role may not set)."""
    errors = [body_error(field, message) for field in fields if data.get(field) is not None]
    if errors:
        raise NinjaValidationError(errors)


# ------------------------------------------------------------------------------------- paging and ordering

T = TypeVar("T")


class Page(Schema, Generic[T]):
    count: int = Field(description="Rows matching the filters, over all pages.")
    items: list[T]


class ListQuery(Schema):
    """Paging and ordering, shared by every list; each resource adds its own filters."""

    limit: int = Field(
        50, ge=1, le=settings.API_MAX_PAGE_SIZE, description="Rows per page (at most API_MAX_PAGE_SIZE)."
    )
    offset: int = Field(0, ge=0, le=MAX_ID, description="Rows to skip.")
    ordering: Text(200) | None = Field(
        None,
        description="Comma-separated fields, '-' first for descending, e.g. `-created_at`. "
        "Each resource lists the fields it accepts.",
    )

    def filters(self) -> dict:
        """The resource's own filters that were given."""
        return self.model_dump(exclude={"limit", "offset", "ordering"}, exclude_none=True)


def ordering_param(allowed: Iterable[str]):
    """The `ordering` parameter of one resource, its accepted fields listed in the OpenAPI document."""
    return Field(
        None,
        description="Comma-separated fields, '-' first for descending. Accepts: " + ", ".join(allowed) + ".",
    )


def order(queryset: QuerySet, ordering: str | None, allowed: Iterable[str]) -> QuerySet:
    """Apply a client's ordering, refusing any field not in `allowed` (422), with id as the tie-breaker so
    pages never repeat or skip rows."""
    if not ordering:
        return queryset
    allowed = set(allowed)
    fields = []
    for part in ordering.split(","):
        part = part.strip()
        if part.lstrip("-") not in allowed:
            choices = ", ".join(sorted(allowed))
            raise query_error("ordering", f"Cannot order by {part!r}; choose from: {choices}.")
        fields.append(part)
    descending = fields[-1].startswith("-")
    if not any(field.lstrip("-") == "id" for field in fields):
        fields.append("-id" if descending else "id")
    return queryset.order_by(*fields)


def paginate(queryset: QuerySet, query: ListQuery, *, orderings: Iterable[str]) -> dict:
    queryset = order(queryset, query.ordering, orderings)
    return {"count": queryset.count(), "items": list(queryset[query.offset : query.offset + query.limit])}
