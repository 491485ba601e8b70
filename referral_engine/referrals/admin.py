from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from unfold.contrib.filters.admin import (
    ChoicesDropdownFilter,
    DropdownFilter,
    RangeDateTimeFilter,
    RangeNumericFilter,
)
from unfold.decorators import display

from referral_engine.core.admin import (
    LargeTable,
    WorkspaceAutocompleteFilter,
    WorkspaceScopedAdmin,
    WorkspaceTabularInline,
    member_column,
)
from referral_engine.referrals.models import Referral, Reward, RewardProgramme, RewardRule

STATUS_COLOURS = {
    "received": "info",
    "contacted": "info",
    "meeting": "primary",
    "proposal": "warning",
    "won": "success",
    "lost": "danger",
}
REWARD_COLOURS = {"proposed": "info", "approved": "primary", "paid": "success", "declined": "danger"}
# Everything Referral.__str__ reads, so a list or an autocomplete answer costs one query, not one per row.
REFERRAL_RELATED = (
    "referred_account",
    "source_contact",
    "source_partner",
    "source_employee__user",
    "source_employee__workspace",
    "source_event",
)


class TierFilter(DropdownFilter):
    # Fixed choices: the default filter would scan the whole table for its distinct values.
    title = "tier"
    parameter_name = "tier"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [("1", "Tier 1 (direct)"), ("2", "Tier 2 (through a chain)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(tier=int(self.value())) if self.value() in ("1", "2") else queryset


class RewardInline(WorkspaceTabularInline):
    model = Reward
    fields = ("kind", "amount", "status", "note", "approved_by", "approved_at", "paid_at")
    autocomplete_fields = ("approved_by",)
    tab = True


@admin.register(Referral)
class ReferralAdmin(LargeTable, WorkspaceScopedAdmin):
    list_display = (
        "referred_account",
        "source",
        "source_kind",
        "status_label",
        "tier",
        "received_at",
        "first_contact_due",
        "won_value",
        member_column("owner", "Owner"),
        "workspace",
    )
    list_filter = (
        ("status", ChoicesDropdownFilter),
        ("source_kind", ChoicesDropdownFilter),
        TierFilter,
        ("received_at", RangeDateTimeFilter),
        ("won_value", RangeNumericFilter),
        ("owner", WorkspaceAutocompleteFilter),
        ("source_partner", WorkspaceAutocompleteFilter),
        ("workspace", WorkspaceAutocompleteFilter),
    )
    list_select_related = (*REFERRAL_RELATED, "owner__user", "workspace")
    search_fields = (
        "referred_account__name",
        "source_name",
        "source_contact__last_name",
        "source_partner__name",
    )
    search_help_text = "Referred account, or the referrer's name"
    autocomplete_fields = (
        "workspace",
        "source_contact",
        "source_partner",
        "source_employee",
        "source_event",
        "referred_account",
        "referred_contact",
        "owner",
        "parent",
    )
    date_hierarchy = "received_at"
    inlines = (RewardInline,)
    fieldsets = (
        (None, {"fields": ("workspace", "referred_account", "referred_contact", "owner", "story")}),
        (
            "Source",
            {
                "fields": (
                    "source_kind",
                    "source_contact",
                    "source_partner",
                    "source_employee",
                    "source_event",
                    "source_name",
                    "tier",
                    "parent",
                )
            },
        ),
        (
            "Pipeline",
            {
                "fields": (
                    "status",
                    "received_at",
                    "first_contact_due",
                    "contacted_at",
                    "meeting_at",
                    "proposal_at",
                    "closed_at",
                    "won_value",
                    "lost_reason",
                )
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Here, not only on the list: autocomplete answers print __str__ too. (The list then skips
        # list_select_related because the queryset already selects related rows, hence the same tuple.)
        return super().get_queryset(request).select_related(*self.list_select_related)

    @display(description="Referred by")
    def source(self, obj: Referral) -> str:
        if obj.source_employee is not None:
            return obj.source_employee.user.get_full_name()
        return str(obj.source_contact or obj.source_partner or obj.source_event or obj.source_name or "—")

    @display(description="Status", ordering="status", label=STATUS_COLOURS)
    def status_label(self, obj: Referral) -> str:
        return obj.status


@admin.register(Reward)
class RewardAdmin(WorkspaceScopedAdmin):
    list_display = (
        "referral_account",
        "kind",
        "amount",
        "status_label",
        member_column("approved_by", "Approved by"),
        "approved_at",
        "paid_at",
        "workspace",
    )
    list_filter = (
        ("status", ChoicesDropdownFilter),
        ("kind", ChoicesDropdownFilter),
        ("workspace", WorkspaceAutocompleteFilter),
    )
    list_select_related = ("referral__referred_account", "approved_by__user", "workspace")
    search_fields = ("referral__referred_account__name", "note")
    search_help_text = "Referred account or note"
    autocomplete_fields = ("workspace", "referral", "rule", "approved_by", "declined_by")
    date_hierarchy = "created_at"

    @display(description="Referral", ordering="referral__referred_account__name")
    def referral_account(self, obj: Reward) -> str:
        return str(obj.referral.referred_account)

    @display(description="Status", ordering="status", label=REWARD_COLOURS)
    def status_label(self, obj: Reward) -> str:
        return obj.status


# Rewards: the programme and its rules (issue 4, item 6); the product's own page is /referrals/rewards/settings/.


@admin.register(RewardProgramme)
class RewardProgrammeAdmin(WorkspaceScopedAdmin):
    list_display = ("workspace", "enabled", "yearly_budget", "hold_days")
    list_select_related = ("workspace",)
    autocomplete_fields = ("workspace",)
    search_fields = ("workspace__name",)


@admin.register(RewardRule)
class RewardRuleAdmin(WorkspaceScopedAdmin):
    list_display = ("name", "kind", "basis", "amount", "percent", "hold_days", "is_active", "workspace")
    list_filter = (("kind", ChoicesDropdownFilter), "is_active", ("workspace", WorkspaceAutocompleteFilter))
    list_select_related = ("workspace",)
    autocomplete_fields = ("workspace",)
    search_fields = ("name",)
