"""{% refer_to_partner_card contact=... %}: the one-click "Refer to a partner" card for a contact's or account's page."""

from django import template

from referral_engine.partners.models import Partner

register = template.Library()
PARTNERS_OFFERED = 300


@register.inclusion_tag("partners/_refer_to_partner.html", takes_context=True)
def refer_to_partner_card(context, contact=None, account=None) -> dict:
    request = context["request"]
    membership = getattr(request, "membership", None)
    target = contact or account
    if membership is None or not membership.is_employee or target is None:
        return {"partners": []}
    partners = Partner.objects.filter(workspace=request.workspace).only("id", "name", "profession")
    return {
        "partners": list(partners.order_by("name", "id")[:PARTNERS_OFFERED]),
        "target": target,
        "kind": "contact" if contact is not None else "account",
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
