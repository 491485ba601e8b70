"""API shapes for NPS answers: In (create), Patch (update), Out, list filters."""

from datetime import date, datetime

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
    referral_candidate: bool = Field(
        description="A promoter (9-10), flagged as someone to ask for a referral (the closed loop)."
    )
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


# ------------------------------------------------------------------------------------------------- figures


class NpsPeriodQuery(Schema):
    start: date | None = Field(
        None,
        description="First day of the period (included), in the workspace's time zone. "
        "Defaults to the first day of the month eleven months before `end`.",
    )
    end: date | None = Field(None, description="Last day of the period (included). Defaults to today.")


class NpsFigureOut(Schema):
    key: str = Field(description="Segment label, account owner's membership id (0: no owner), or YYYY-MM.")
    label: str
    nps: float | None = Field(
        description="% promoters − % detractors, from −100 to 100, unrounded; null with no answers."
    )
    n: int = Field(description="Answers behind the figure: the latest answer of each respondent.")
    promoters: int
    passives: int
    detractors: int

    @staticmethod
    def resolve_nps(obj) -> float | None:
        return obj.value


class NpsFiguresOut(Schema):
    start: datetime
    end: datetime = Field(description="End of the period (excluded).")
    overall: NpsFigureOut
    by_segment: list[NpsFigureOut] = Field(
        description="By the account's value segment; `unsegmented` when none is stored."
    )
    by_owner: list[NpsFigureOut] = Field(description="By the answer's account's owner.")
    monthly: list[NpsFigureOut] = Field(
        description="Per calendar month, over each respondent's latest answer of that month."
    )
    segmented: bool = Field(description="False while value segments are not stored at all.")
