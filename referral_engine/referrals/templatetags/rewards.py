"""`{% load rewards %}{% my_rewards %}`: the signed-in employee's own rewards (on their profile page)."""

from django import template

from referral_engine.referrals import reward_selectors as selectors

register = template.Library()
SHOWN = 50


@register.inclusion_tag("rewards/_my_rewards.html", takes_context=True)
def my_rewards(context) -> dict:
    request = context["request"]
    membership = getattr(request, "membership", None)
    if membership is None or not membership.is_employee:
        return {"rewards": []}
    today = selectors.workspace_today(workspace=membership.workspace)
    rewards = selectors.reward_list_for_employee(membership=membership).order_by("-created_at", "-id")[:SHOWN]
    return {
        "rewards": selectors.reward_rows(rewards, today=today, for_referrer=True),
        "currency": membership.workspace.currency,
    }


@register.inclusion_tag("rewards/_referral_rewards.html", takes_context=True)
def referral_rewards(context, referral) -> dict:
    """The rewards of one referral, on its page (employees only; the page is scoped to the workspace)."""
    request = context["request"]
    membership = getattr(request, "membership", None)
    if membership is None or not membership.is_employee or referral.workspace_id != membership.workspace_id:
        return {"rewards": []}
    today = selectors.workspace_today(workspace=membership.workspace)
    rewards = selectors.reward_list(workspace=membership.workspace, referral_id=referral.pk).order_by("id")
    return {"rewards": selectors.reward_rows(rewards, today=today), "request": request}
