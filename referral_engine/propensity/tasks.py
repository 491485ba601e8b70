"""Background jobs of the propensity model: find the work, call the service; no rules of their own."""

from django_tasks import task

from referral_engine.propensity.services import propensity_refresh
from referral_engine.workspaces.models import Workspace


@task()
def retrain_every_workspace() -> int:
    """The weekly retrain: train on each workspace's history, then score its customers' contacts."""
    trained = 0
    for workspace in Workspace.objects.order_by("id").iterator():
        propensity_refresh(workspace=workspace)
        trained += 1
    return trained
