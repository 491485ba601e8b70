"""`{% load journeys %}{% reminders_card %}`: the signed-in employee's digest and calendar choices (profile page)."""

from django import template
from django.utils import timezone

from referral_engine.journeys import selectors

register = template.Library()


@register.inclusion_tag("journeys/_reminders_card.html", takes_context=True)
def reminders_card(context) -> dict:
    request = context["request"]
    membership = getattr(request, "membership", None)
    if membership is None or not membership.is_employee:
        return {"shown": False}
    return {
        "shown": True,
        "preference": selectors.reminder_preference_get(membership=membership),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("journeys/_project_end_card.html", takes_context=True)
def project_end_card(context, account) -> dict:
    """On an account's page: "the project ended" — the manual trigger of the end-of-project journeys."""
    request = context["request"]
    return {
        "account": account,
        "today": timezone.localdate(),
        "ends": selectors.project_end_list(workspace=request.workspace, account_id=account.pk)[:3],
        "csrf_token": context.get("csrf_token"),
    }
