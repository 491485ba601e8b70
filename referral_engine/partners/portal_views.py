"""The partner portal: a partner refers someone and follows the referrals they made — nothing else of the firm."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from referral_engine.core.errors import Conflict
from referral_engine.core.web import add_service_error
from referral_engine.partners.models import Partner
from referral_engine.partners.portal_forms import PortalReferralForm
from referral_engine.partners.portal_services import portal_referral_create
from referral_engine.referrals.selectors import referral_list_for_partner
from referral_engine.workspaces.access import partner_required

REFERRALS_SHOWN = 200


def _partner_of(request: HttpRequest) -> Partner | None:
    try:
        return request.membership.partner
    except Partner.DoesNotExist:
        return None


@partner_required
def portal(request: HttpRequest) -> HttpResponse:
    partner = _partner_of(request)
    if partner is None:
        return render(request, "partners/portal_unlinked.html")
    form = PortalReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            referral = portal_referral_create(partner=partner, actor=request.membership, **form.cleaned_data)
        except (ValidationError, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                f"Thank you! {referral.referred_account.name} is with {request.workspace.name} now; "
                "you will see here how it goes.",
            )
            return redirect("portal")
    referrals = referral_list_for_partner(partner=partner).order_by("-received_at", "-id")[:REFERRALS_SHOWN]
    return render(request, "partners/portal.html", {"partner": partner, "form": form, "referrals": referrals})
