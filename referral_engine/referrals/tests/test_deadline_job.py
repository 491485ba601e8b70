from datetime import timedelta

from django.utils import timezone

from referral_engine.core.testing import make_account
from referral_engine.engagement.models import Task
from referral_engine.integrations.schedule import registered
from referral_engine.referrals.services import referral_create
from referral_engine.referrals.tasks import check_first_contact_deadlines


def _overdue_referral(workspace, owner, source_employee):
    return referral_create(
        workspace=workspace,
        actor=owner,
        source_kind="employee",
        source_employee=source_employee,
        referred_account=make_account(workspace, name=f"Late {workspace.slug}"),
        owner=owner,
        received_at=timezone.now() - timedelta(days=10),
    )


def test_the_deadline_job_alerts_every_workspace_once_however_often_it_runs(firm):
    acme = _overdue_referral(firm.workspace, firm.bob, firm.alice)
    globex = _overdue_referral(firm.other_workspace, firm.dave, firm.dave)

    first = check_first_contact_deadlines.call()
    second = check_first_contact_deadlines.call()

    assert first == 2 and second == 0
    alerts = Task.objects.filter(dedupe_key__contains=":overdue:")
    assert sorted(alerts.values_list("referral_id", "assignee_id")) == sorted(
        [(acme.pk, firm.bob.pk), (globex.pk, firm.dave.pk)]
    )


def test_the_deadline_job_is_on_the_workers_schedule():
    paths = {job.task_path for job in registered()}
    assert "referral_engine.referrals.tasks.check_first_contact_deadlines" in paths
