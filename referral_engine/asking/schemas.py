"""In and Out schemas of /ask-lists, /ask-suggestions and /referral-profile."""

from datetime import date
from typing import Literal

from ninja import Schema
from pydantic import Field

from referral_engine.asking.models import SEGMENT_KEYS, Situation
from referral_engine.core.api import Id, InSchema, Text, choice
from referral_engine.relationships.models import Channel


class Reason(Schema):
    key: str
    text: str


class ScriptOut(Schema):
    situation: str
    title: str
    text: str = Field(description="The script with the person's name and company filled in.")


class AskSuggestionOut(Schema):
    id: int
    week: date
    employee_id: int
    contact_id: int
    contact_name: str
    account_name: str | None
    rank: int
    reasons: list[Reason]
    situation: choice(Situation)
    script: ScriptOut
    status: str


class AskListOut(Schema):
    week: date = Field(description="The Monday of the week.")
    employee_id: int
    items: list[AskSuggestionOut]


class AskListQuery(Schema):
    week: date | None = Field(None, description="Any day of the week; this week by default.")
    employee_id: Id | None = Field(None, description="Another employee's list (owners and admins only).")


class OutcomeIn(InSchema):
    outcome: Literal["referral_given", "maybe_later", "declined", "not_right_time"]
    channel: choice(Channel) = Channel.OTHER
    note: Text(5000) = ""


class OutcomeOut(Schema):
    suggestion_id: int
    ask_id: int
    status: str
    outcome: str
    referral_form_url: str | None = Field(
        None, description="When a referral was given: the referral form, prefilled with the person."
    )


class ReferralProfileOut(Schema):
    segments: list[str]
    promoter_required: bool
    min_rq: int
    success_required: bool
    success_within_days: int
    not_asked_days: int
    min_days_between_asks: int
    max_asks_per_employee_week: int
    list_size: int
    support_window_hours: int
    two_way_days: int


class ReferralProfileIn(InSchema):
    segments: list[Literal[SEGMENT_KEYS]]
    promoter_required: bool
    min_rq: int = Field(ge=0, le=100)
    success_required: bool
    success_within_days: int = Field(ge=1, le=730)
    not_asked_days: int = Field(ge=1, le=730)
    min_days_between_asks: int = Field(ge=1, le=730)
    max_asks_per_employee_week: int = Field(ge=1, le=100)
    list_size: int = Field(ge=1, le=20)
    support_window_hours: int = Field(ge=1, le=168)
    two_way_days: int = Field(ge=1, le=730)
