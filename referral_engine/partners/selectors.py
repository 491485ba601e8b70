"""Reads for referral partners, always scoped to one workspace."""

from django.db.models import Q, QuerySet

from referral_engine.core.selectors import get_in_workspace, search_terms
from referral_engine.partners.models import NetworkingGroup, Partner
from referral_engine.workspaces.models import Workspace

PARTNER_RELATED = ("networking_group", "owner__user")


def networking_group_list(*, workspace: Workspace) -> QuerySet[NetworkingGroup]:
    """The workspace's networking groups by name: the only ones a referral or touchpoint form offers."""
    return NetworkingGroup.objects.filter(workspace=workspace).order_by("name", "id")


def partner_list(
    *,
    workspace: Workspace,
    profession: str | None = None,
    networking_group_id: int | None = None,
    q: str | None = None,
) -> QuerySet[Partner]:
    """Partners of a workspace; `q` matches every word against the name, company, e-mail or profession."""
    partners = Partner.objects.filter(workspace=workspace).select_related(*PARTNER_RELATED)
    if profession:
        partners = partners.filter(profession__iexact=profession)
    if networking_group_id is not None:
        partners = partners.filter(networking_group_id=networking_group_id)
    for term in search_terms(q):
        partners = partners.filter(
            Q(name__icontains=term)
            | Q(company__icontains=term)
            | Q(email__icontains=term)
            | Q(profession__icontains=term)
        )
    return partners


def partner_get(*, workspace: Workspace, id: int) -> Partner:
    return get_in_workspace(Partner.objects.select_related(*PARTNER_RELATED), workspace=workspace, id=id)


def event_get(*, workspace: Workspace, id: int):
    """One event of the workspace (appended for the referral form's event picker)."""
    from referral_engine.partners.models import Event

    return get_in_workspace(Event.objects.select_related("networking_group"), workspace=workspace, id=id)


def partner_for_membership(*, membership) -> Partner | None:
    """The partner a portal sign-in (a membership with role partner) belongs to, if any."""
    return Partner.objects.filter(workspace_id=membership.workspace_id, portal_membership=membership).first()


def partner_professions(*, workspace: Workspace) -> list[str]:
    """The professions partners of the workspace have, for the partner list's filter (appended for the list)."""
    professions = (
        Partner.objects.filter(workspace=workspace)
        .exclude(profession="")
        .order_by("profession")
        .values_list("profession", flat=True)
        .distinct()
    )
    return list(professions[:200])
