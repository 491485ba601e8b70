"""Background jobs of insights: find the work, call the service; no rules of their own."""

from django_tasks import task

from referral_engine.insights.programme_services import programme_figures_refresh, programme_figures_warm
from referral_engine.insights.services import insights_refresh, workspaces_changed_since_refresh
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


@task()
def refresh_changed_workspaces() -> int:
    """Figures follow the changes: a workspace whose touchpoints, purchases, answers or referrals changed since
    its last refresh is refreshed again (at most once an hour, services.REFRESH_AFTER_CHANGES_EVERY)."""
    due = workspaces_changed_since_refresh()
    for workspace in Workspace.objects.filter(pk__in=due).order_by("id"):
        insights_refresh(workspace=workspace)
    return len(due)


@task()
def refresh_programme_figures() -> dict[str, int]:
    """Every half hour: the stored programme figures of slow workspaces recomputed for the default period."""
    return programme_figures_refresh()


@task()
def warm_programme_figures() -> int:
    """Nightly: every other workspace's programme figures computed once, stored if they have become slow."""
    return programme_figures_warm()
