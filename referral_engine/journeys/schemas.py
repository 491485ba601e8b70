"""In, Patch and Out schemas of /journeys and /project-ends."""

from datetime import date

from ninja import Schema
from pydantic import Field

from referral_engine.core.api import Id, InSchema, Text, choice, patch_of
from referral_engine.journeys.models import OFFSET_MAX, OFFSET_MIN, StepAction, StepWho, Trigger


class JourneyStepOut(Schema):
    id: int
    offset_days: int
    action: str
    title: str
    script: str
    who: str


class JourneyPlanOut(Schema):
    id: int
    name: str
    trigger: str
    is_active: bool
    description: str
    holidays: list[str]
    steps: list[JourneyStepOut]


class JourneyPlanIn(InSchema):
    name: Text(120)
    trigger: choice(Trigger)
    is_active: bool = True
    description: Text(300) = ""
    holidays: list[Text(10)] = Field(
        default_factory=list, description='For the holidays trigger: "MM-DD" (every year) or "YYYY-MM-DD".'
    )


JourneyPlanPatch = patch_of(JourneyPlanIn, "JourneyPlanPatch", "Change some fields of a plan.")


class JourneyStepIn(InSchema):
    offset_days: int = Field(
        0, ge=OFFSET_MIN, le=OFFSET_MAX, description="Days after the moment; negative: before."
    )
    action: choice(StepAction)
    title: Text(120)
    script: Text(2000) = ""
    who: choice(StepWho) = StepWho.ACCOUNT_OWNER


class ProjectEndIn(InSchema):
    account_id: Id
    ended_on: date
    contact_id: Id | None = None
    purchase_id: Id | None = None
    note: Text(300) = ""


class ProjectEndOut(Schema):
    id: int
    account_id: int
    contact_id: int | None
    purchase_id: int | None
    ended_on: date
    note: str
