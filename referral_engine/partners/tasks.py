"""Background jobs of partners: find the work, call a service; no rules of their own."""

from django.utils import timezone
from django_tasks import task

from referral_engine.partners.ledger import neglected_partner_nudges_create
from referral_engine.referrals.models import Referral, ReferralStatus
from referral_engine.workspaces.models import Workspace


@task()
def nudge_neglected_partners() -> int:
    """Daily: a task on Today for each valuable partner who has received nothing from us for a while."""
    now = timezone.now()
    with_partner_wins = Referral.objects.filter(source_partner__isnull=False, status=ReferralStatus.WON)
    workspaces = Workspace.objects.filter(pk__in=with_partner_wins.values("workspace_id")).order_by("id")
    return sum(neglected_partner_nudges_create(workspace=w, now=now) for w in workspaces.iterator())
