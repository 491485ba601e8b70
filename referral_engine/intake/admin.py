from django.contrib import admin
from django.http import HttpRequest
from unfold.decorators import display

from referral_engine.core.admin import LargeTable, WorkspaceAutocompleteFilter, WorkspaceScopedAdmin
from referral_engine.intake.models import IntakeAttempt, ReferralLink


@admin.register(ReferralLink)
class ReferralLinkAdmin(WorkspaceScopedAdmin):
    """Links are given and revoked from the referrer's page, the profile, the portal and the API (the services
    keep one active link per referrer); the back office shows them."""

    list_display = ("code", "referrer_label", "owner", "is_active", "revoked_at", "workspace", "created_at")
    list_filter = ("is_active", ("workspace", WorkspaceAutocompleteFilter))
    list_select_related = ("workspace", "contact", "partner", "employee__user", "owner__user")
    search_fields = (
        "code",
        "contact__first_name",
        "contact__last_name",
        "partner__name",
        "employee__user__email",
    )
    readonly_fields = [field.name for field in ReferralLink._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @display(description="Referrer")
    def referrer_label(self, obj: ReferralLink) -> str:
        return str(obj.referrer)


@admin.register(IntakeAttempt)
class IntakeAttemptAdmin(LargeTable, WorkspaceScopedAdmin):
    """Referrals taken through public links, as the rate limits count them (the address only as a digest)."""

    list_display = ("link", "at", "ip_digest", "workspace")
    list_filter = (("workspace", WorkspaceAutocompleteFilter),)
    list_select_related = ("link__contact", "link__partner", "link__employee__user", "workspace")
    search_fields = ("link__code",)
    readonly_fields = [field.name for field in IntakeAttempt._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
