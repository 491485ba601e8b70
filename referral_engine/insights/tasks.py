"""Background jobs of insights: find the work, call the service; no rules of their own."""

from django_tasks import task

from referral_engine.insights.services import insights_refresh
from referral_engine.workspaces.models import Workspace


@task()
def refresh_every_workspace() -> int:
    """The nightly refresh: value, CRV and RQ of every workspace, one transaction each."""
    refreshed = 0
    for workspace in Workspace.objects.order_by("id").iterator():
        insights_refresh(workspace=workspace)
        refreshed += 1
    return refreshed


@task()
def refresh_workspace(workspace_id: int) -> None:
    """A refresh a manager asked for; runs in the worker so the request returns at once."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is not None:
        insights_refresh(workspace=workspace)
