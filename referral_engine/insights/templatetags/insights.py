"""The value card and the RQ card other apps' pages include: `{% load insights %}{% account_value_card account %}`.

Each tag reads through the insights selectors, scoped to the account's (or contact's) own workspace, with a
couple of queries per page, never per row.
"""

from django import template

from referral_engine.insights import selectors
from referral_engine.insights.models import RelationshipScore

register = template.Library()

PART_LABELS = (
    ("Engagement", "engagement"),
    ("Buying circle", "breadth"),
    ("Sentiment (NPS)", "sentiment"),
    ("Responsiveness", "responsiveness"),
    ("Reciprocity", "reciprocity"),
)


def _parts(rq: RelationshipScore | None, *, kinds: tuple[str, ...]) -> list[tuple[str, float | None]]:
    if rq is None:
        return []
    return [(label, getattr(rq, name)) for label, name in PART_LABELS if name in kinds]


@register.inclusion_tag("insights/_value_card.html")
def account_value_card(account) -> dict:
    workspace = account.workspace
    _, value = selectors.account_value_get(workspace=workspace, account_id=account.pk)
    rq = selectors.relationship_score_of(workspace=workspace, account=account)
    settings = selectors.value_settings_get(workspace=workspace)
    return {
        "value": value,
        "rq": rq,
        "rq_parts": _parts(rq, kinds=("engagement", "breadth", "sentiment", "responsiveness")),
        "run": selectors.insights_run_get(workspace=workspace),
        "currency": workspace.currency,
        "horizon": f"{settings.horizon} {settings.get_horizon_unit_display().lower()}",
    }


@register.inclusion_tag("insights/_rq_card.html")
def contact_rq_card(contact) -> dict:
    _, rq, history = selectors.contact_rq_get(workspace=contact.workspace, contact_id=contact.pk, weeks=12)
    return {
        "rq": rq,
        "rq_parts": _parts(rq, kinds=("engagement", "sentiment", "responsiveness")),
        "history": history,
    }
