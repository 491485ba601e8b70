"""`{% referral_link_card %}`: a referrer's personal link with a copy button, for the pages that show it.

    {% load intake %}
    {% referral_link_card contact=contact %}          a contact's page (employees)
    {% referral_link_card partner=partner %}          a partner's page (employees)
    {% referral_link_card employee=request.membership mine=True %}   the profile page
    {% referral_link_card partner=partner mine=True %}               the partner portal

Reading the link here keeps each page's own view unchanged.
"""

from django import template
from django.conf import settings
from django.urls import reverse

from referral_engine.intake.models import ReferrerKind
from referral_engine.intake.selectors import referral_link_of

register = template.Library()


@register.inclusion_tag("intake/_link_card.html", takes_context=True)
def referral_link_card(context, *, contact=None, partner=None, employee=None, mine=False) -> dict:
    request = context["request"]
    workspace = request.workspace
    link = referral_link_of(workspace=workspace, contact=contact, partner=partner, employee=employee)
    if contact is not None:
        kind, referrer = ReferrerKind.CONTACT, contact
    elif partner is not None:
        kind, referrer = ReferrerKind.PARTNER, partner
    else:
        kind, referrer = ReferrerKind.EMPLOYEE, employee
    membership = request.membership
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "link": link,
        "url": f"{settings.SITE_URL}{reverse('referral_link_form', args=[link.code])}" if link else "",
        "kind": kind,
        "referrer": referrer,
        "mine": mine,
        "card_title": "Your personal referral link" if mine else "Personal referral link",
        "can_manage": membership is not None and membership.is_employee,
        "next": request.get_full_path(),
    }
