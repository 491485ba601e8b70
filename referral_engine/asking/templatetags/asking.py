"""What other apps' pages include: `{% load asking %}{% ask_list_today %}` on Today and
`{% contact_ask_profile contact %}` on a contact's page. A few queries per page, never per row."""

from django import template
from django.utils import timezone

from referral_engine.asking import selectors
from referral_engine.asking.models import SuccessKind
from referral_engine.asking.scripts import script_fill

register = template.Library()


def today_context(request) -> dict:
    now = timezone.now()
    week = selectors.week_of(timezone.localdate(now))
    suggestions = list(
        selectors.ask_list(workspace=request.workspace, week=week, employee_id=request.membership.pk)
    )
    library = selectors.ask_script_library(workspace=request.workspace)
    employee_name = request.user.get_short_name()
    for suggestion in suggestions:
        script = library[suggestion.situation]
        contact = suggestion.contact
        suggestion.script_title = script.title
        suggestion.script_text = script_fill(
            script.body,
            first_name=contact.first_name,
            company=contact.account.name if contact.account else "you",
            employee=employee_name,
            firm=request.workspace.name,
        )
    return {"suggestions": suggestions, "week": week, "request": request}


@register.inclusion_tag("asking/_today.html", takes_context=True)
def ask_list_today(context) -> dict:
    request = context["request"]
    return {**today_context(request), "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("asking/_contact_profile.html", takes_context=True)
def contact_ask_profile(context, contact) -> dict:
    now = timezone.now()
    workspace = contact.workspace
    checks = selectors.contact_profile_checks(workspace=workspace, contact=contact, now=now)
    listed = selectors.contact_listed_this_week(
        workspace=workspace, contact_id=contact.pk, week=selectors.week_of(timezone.localdate(now))
    )
    return {
        "contact": contact,
        "checks": checks,
        "qualifies": all(check.passed for check in checks),
        "listed": listed,
        "moments": list(selectors.success_moment_list(workspace=workspace, contact_id=contact.pk)[:3]),
        "success_kinds": SuccessKind.choices,
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }
