"""Background jobs of referrals: find the work, call a service; no rules of their own."""

from django.utils import timezone
from django_tasks import task

from referral_engine.referrals.deadlines import referral_overdue_alerts_create
from referral_engine.referrals.selectors import workspaces_with_overdue_referrals


@task()
def check_first_contact_deadlines() -> int:
    """Alert the owners (and their leads) of referrals past their first-contact deadline, in every workspace."""
    now = timezone.now()
    return sum(
        referral_overdue_alerts_create(workspace=workspace, now=now)
        for workspace in workspaces_with_overdue_referrals(now=now)
    )
