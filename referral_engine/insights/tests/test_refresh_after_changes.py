"""Figures follow the changes: the 15-minute job refreshes a workspace whose inputs changed since its last refresh."""

from datetime import timedelta

from django.utils import timezone

from referral_engine.core.testing import make_account, make_contact
from referral_engine.insights.models import InsightsRun
from referral_engine.insights.services import insights_refresh, workspaces_changed_since_refresh
from referral_engine.insights.tasks import refresh_changed_workspaces
from referral_engine.relationships.models import Touchpoint


def test_a_workspace_is_refreshed_again_only_after_its_inputs_change_and_at_most_hourly(firm):
    acme, globex = firm.workspace, firm.other_workspace
    account = make_account(acme, name="Initech", status="customer")
    contact = make_contact(acme, first_name="Ann", account=account)

    # Never refreshed and something to value: due. Globex has nothing of its own yet: not due.
    assert workspaces_changed_since_refresh() == [acme.pk]

    insights_refresh(workspace=acme)
    refreshed_at = InsightsRun.objects.get(workspace=acme).updated_at
    later = refreshed_at + timedelta(hours=2)
    # Nothing changed since: not due, however much later.
    assert workspaces_changed_since_refresh(now=later) == []

    Touchpoint.objects.create(
        workspace=acme,
        account=account,
        contact=contact,
        kind="call",
        channel="phone",
        direction="out",
        at=timezone.now(),
    )
    # Changed, but refreshed less than an hour ago: it waits; two hours on, it is due.
    assert workspaces_changed_since_refresh(now=refreshed_at + timedelta(minutes=30)) == []
    assert workspaces_changed_since_refresh(now=later) == [acme.pk]
    assert globex.pk not in workspaces_changed_since_refresh(now=later)


def test_the_job_refreshes_the_changed_workspaces(firm):
    make_account(firm.workspace, name="Initech", status="customer")
    assert not InsightsRun.objects.filter(workspace=firm.workspace).exists()

    assert refresh_changed_workspaces.call() == 1
    assert InsightsRun.objects.filter(workspace=firm.workspace).exists()
    # Just refreshed: the next run does nothing.
    assert refresh_changed_workspaces.call() == 0
