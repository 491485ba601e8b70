"""API shapes for asks and tasks: In (create), Patch (update), Out, list filters."""

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
    choice,
    ordering_param,
    patch_of,
)
from referral_engine.engagement.models import AskOutcome, TaskKind, TaskStatus
from referral_engine.relationships.models import Channel

# -------------------------------------------------------------------------------------------------------- asks


class AskIn(InSchema):
    """One time an employee asked a contact or a partner (exactly one of them) for a referral."""

    asker_id: Id | None = Field(None, description="The employee who asked; defaults to the token's employee.")
    contact_id: Id | None = None
    partner_id: Id | None = None
    at: AwareDatetime | None = Field(None, description="When; defaults to now.")
    channel: choice(Channel)
    dedicated_meeting: bool = Field(
        False, description='Asked in a dedicated "how can we help each other" meeting.'
    )
    outcome: choice(AskOutcome) = AskOutcome.PENDING.value
    referral_id: Id | None = Field(None, description="The referral the ask brought, if any.")
    note: LongText = ""


AskPatch = patch_of(AskIn, "AskPatch", "Fields to change on an ask; leave out what stays.")


class AskOut(Schema):
    id: int
    asker_id: int
    asker_name: str
    contact_id: int | None
    partner_id: int | None
    at: datetime
    channel: str
    dedicated_meeting: bool
    outcome: str
    referral_id: int | None
    note: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_asker_name(obj) -> str:
        return obj.asker.user.get_full_name()


ASK_ORDERINGS = ("id", "at", "outcome", "created_at")


class AskQuery(ListQuery):
    ordering: Text(200) | None = ordering_param(ASK_ORDERINGS)
    asker_id: Id | None = None
    contact_id: Id | None = None
    partner_id: Id | None = None
    outcome: choice(AskOutcome) | None = None
    at_from: FilterDatetime | None = None
    at_to: FilterDatetime | None = None


# ------------------------------------------------------------------------------------------------------- tasks


class TaskIn(InSchema):
    """Something a person should do by a date, about an account, contact, partner or referral."""

    kind: choice(TaskKind)
    title: Text(200)
    details: LongText = ""
    due: date
    assignee_id: Id | None = None
    status: choice(TaskStatus) = Field(
        TaskStatus.OPEN.value, description="Setting done stamps completed_at; leaving done clears it."
    )
    account_id: Id | None = None
    contact_id: Id | None = None
    partner_id: Id | None = None
    referral_id: Id | None = None
    dedupe_key: Text(120) = Field("", description="Unique in the workspace when set; a second use is a 409.")


TaskPatch = patch_of(TaskIn, "TaskPatch", "Fields to change on a task; leave out what stays.")


class TaskOut(Schema):
    id: int
    kind: str
    title: str
    details: str
    due: date
    assignee_id: int | None
    status: str
    completed_at: datetime | None
    account_id: int | None
    contact_id: int | None
    partner_id: int | None
    referral_id: int | None
    dedupe_key: str
    created_at: datetime
    updated_at: datetime


TASK_ORDERINGS = ("id", "due", "status", "kind", "created_at", "updated_at")


class TaskQuery(ListQuery):
    ordering: Text(200) | None = ordering_param(TASK_ORDERINGS)
    assignee_id: Id | None = None
    status: choice(TaskStatus) | None = Field(None, description="open includes snoozed tasks.")
    kind: choice(TaskKind) | None = None
    due_from: date | None = None
    due_to: date | None = None


# ----------------------------------------------------------------------------------------- message templates


class MessageTemplateIn(InSchema):
    """A workspace's own wording of one e-mail. Blanks are plain {names}: referrer_first_name, referred_company,
    stage, firm_name, owner_name; a literal brace is written twice."""

    subject: Text(200)
    body: Text(5000)


class MessageTemplateOut(Schema):
    key: str
    label: str
    subject: str
    body: str
    is_default: bool = Field(description="True while the workspace uses the built-in wording.")
