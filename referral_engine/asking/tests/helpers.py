"""Builders for the asking tests: a contact who meets every rule of the default profile."""

from datetime import datetime, timedelta

from referral_engine.asking.services import success_moment_record
from referral_engine.core.testing import make_account, make_contact
from referral_engine.feedback.models import NpsResponse
from referral_engine.insights.models import AccountValue, RelationshipScore
from referral_engine.workspaces.models import Membership, Workspace

# Monday 2 November 2026, 09:00 UTC: the frozen clock of these tests.
NOW = datetime.fromisoformat("2026-11-02T09:00:00+00:00")
WEEK = NOW.date()


def make_ready_contact(
    workspace: Workspace,
    *,
    owner: Membership | None = None,
    rq: float = 80,
    nps: int | None = 10,
    segment: str = "top",
    true_value: float = 10_000,
    success_days_ago: int | None = 5,
    now: datetime = NOW,
    **fields,
):
    """A contact at an account in `segment`, with an RQ, a latest NPS answer and a recent go-live."""
    account = make_account(workspace, status="customer")
    AccountValue.objects.create(
        workspace=workspace,
        account=account,
        rank=1,
        cumulative_share=0.1,
        segment=segment,
        quadrant="champion",
        true_value=true_value,
        computed_at=now,
    )
    contact = make_contact(workspace, account=account, owner=owner, **fields)
    RelationshipScore.objects.create(
        workspace=workspace, kind="contact", contact=contact, score=rq, computed_at=now
    )
    if nps is not None:
        NpsResponse.objects.create(
            workspace=workspace, contact=contact, account=account, score=nps, at=now - timedelta(days=40)
        )
    if success_days_ago is not None:
        success_moment_record(
            workspace=workspace, actor=None, contact=contact, at=now - timedelta(days=success_days_ago)
        )
    return contact
