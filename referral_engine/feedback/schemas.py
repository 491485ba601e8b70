"""API shapes for NPS answers: In (create), Patch (update), Out, list filters."""

from datetime import datetime

from ninja import Field, Schema
from pydantic import AwareDatetime

from referral_engine.core.api import (
    FilterDatetime,
    Id,
    InSchema,
    ListQuery,
    LongText,
    Text,
    ordering_param,
    patch_of,
)


class NpsResponseIn(InSchema):
    """An answer to "How likely is it that you would recommend us to a friend or colleague?" (0-10)."""

    contact_id: Id
    account_id: Id | None = Field(None, description="Defaults to the contact's account.")
    score: int = Field(ge=0, le=10)
    comment: LongText = ""
    at: AwareDatetime | None = Field(None, description="When it was answered; defaults to now.")


NpsResponsePatch = patch_of(
    NpsResponseIn, "NpsResponsePatch", "Fields to change on an answer; leave out what stays."
)


class NpsResponseOut(Schema):
    id: int
    contact_id: int
    account_id: int | None
    score: int
    category: str = Field(description="promoter (9-10), passive (7-8) or detractor (0-6), Reichheld 2003.")
    comment: str
    at: datetime
    created_at: datetime
    updated_at: datetime


NPS_RESPONSE_ORDERINGS = ("id", "at", "score", "created_at")


class NpsResponseQuery(ListQuery):
    ordering: Text(200) | None = ordering_param(NPS_RESPONSE_ORDERINGS)
    contact_id: Id | None = None
    account_id: Id | None = None
    score_min: int | None = Field(None, ge=0, le=10)
    score_max: int | None = Field(None, ge=0, le=10)
    at_from: FilterDatetime | None = None
    at_to: FilterDatetime | None = None
