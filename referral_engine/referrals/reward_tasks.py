"""Background job of rewards: find the workspaces with work, call the service; no rules of its own."""

from django.utils import timezone
from django_tasks import task

from referral_engine.referrals.reward_selectors import workspaces_with_rewards_to_release
from referral_engine.referrals.rewards import reward_release_due


@task()
def release_held_rewards() -> int:
    """Release the approved rewards whose hold period is over, in every workspace (one task each, once)."""
    now = timezone.now()
    return sum(
        reward_release_due(workspace=workspace, now=now)
        for workspace in workspaces_with_rewards_to_release(now=now)
    )
