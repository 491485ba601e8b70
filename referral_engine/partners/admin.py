from django.contrib import admin
from unfold.contrib.filters.admin import (
    BooleanRadioFilter,
    ChoicesDropdownFilter,
    RangeDateTimeFilter,
)
from unfold.decorators import display

from referral_engine.core.admin import (
    LargeTable,
    WorkspaceAutocompleteFilter,
    WorkspaceScopedAdmin,
    WorkspaceTabularInline,
    member_column,
)
from referral_engine.partners.models import (
    Attendance,
    Event,
    GroupMembership,
    NetworkingGroup,
    Partner,
    PartnerProgramme,
    ReferralGiven,
)


@admin.register(NetworkingGroup)
class NetworkingGroupAdmin(WorkspaceScopedAdmin):
    list_display = ("name", "kind", "meets", "workspace")
    list_filter = (("kind", ChoicesDropdownFilter), ("workspace", WorkspaceAutocompleteFilter))
    list_select_related = ("workspace",)
    search_fields = ("name",)
    autocomplete_fields = ("workspace",)


@admin.register(Partner)
class PartnerAdmin(WorkspaceScopedAdmin):
    list_display = (
        "name",
        "company",
        "profession",
        "email",
        "networking_group",
        member_column("owner", "Owner"),
        "do_not_contact",
        "workspace",
    )
    list_filter = (
        ("kind", ChoicesDropdownFilter),
        ("do_not_contact", BooleanRadioFilter),
        ("networking_group", WorkspaceAutocompleteFilter),
        ("owner", WorkspaceAutocompleteFilter),
        ("workspace", WorkspaceAutocompleteFilter),
    )
    list_select_related = ("networking_group", "owner__user", "workspace")
    search_fields = ("name", "company", "email", "profession")
    search_help_text = "Name, company, e-mail address or profession"
    autocomplete_fields = ("workspace", "networking_group", "owner", "portal_membership")
    fieldsets = (
        (None, {"fields": ("workspace", "kind", "name", "company", "profession", "email", "phone")}),
        (
            "Relationship",
            {"fields": ("target_market", "networking_group", "owner", "do_not_contact", "email_updates")},
        ),
        ("Partner portal", {"fields": ("portal_membership",)}),
    )


class AttendanceInline(WorkspaceTabularInline):
    model = Attendance
    fields = ("employee", "contact", "partner")
    autocomplete_fields = ("employee", "contact", "partner")
    per_page = 20
    tab = True


@admin.register(Event)
class EventAdmin(WorkspaceScopedAdmin):
    list_display = ("name", "kind", "starts_at", "location", "networking_group", "workspace")
    list_filter = (
        ("kind", ChoicesDropdownFilter),
        ("starts_at", RangeDateTimeFilter),
        ("networking_group", WorkspaceAutocompleteFilter),
        ("workspace", WorkspaceAutocompleteFilter),
    )
    list_select_related = ("networking_group", "workspace")
    search_fields = ("name", "location")
    search_help_text = "Name or location"
    autocomplete_fields = ("workspace", "networking_group")
    date_hierarchy = "starts_at"
    inlines = (AttendanceInline,)


@admin.register(Attendance)
class AttendanceAdmin(LargeTable, WorkspaceScopedAdmin):
    list_display = ("event", "attendee", "workspace")
    list_filter = (("event", WorkspaceAutocompleteFilter), ("workspace", WorkspaceAutocompleteFilter))
    list_select_related = ("event", "employee__user", "contact", "partner", "workspace")
    search_fields = ("event__name", "contact__last_name", "partner__name", "employee__user__full_name")
    search_help_text = "Event or attendee's name"
    autocomplete_fields = ("workspace", "event", "employee", "contact", "partner")

    @display(description="Attendee")
    def attendee(self, obj: Attendance) -> str:
        if obj.employee is not None:
            return obj.employee.user.get_full_name()
        return str(obj.contact or obj.partner)


@admin.register(ReferralGiven)
class ReferralGivenAdmin(LargeTable, WorkspaceScopedAdmin):
    list_display = ("partner", "account", "contact", "at", "status", "won_value", "thanked_at", "workspace")
    list_filter = (("status", ChoicesDropdownFilter), ("workspace", WorkspaceAutocompleteFilter))
    list_select_related = ("partner", "account", "contact", "workspace")
    search_fields = ("partner__name", "account__name", "contact__last_name")
    autocomplete_fields = ("workspace", "partner", "contact", "account", "given_by")


@admin.register(GroupMembership)
class GroupMembershipAdmin(WorkspaceScopedAdmin):
    list_display = ("group", "partner", "employee", "workspace")
    list_select_related = ("group", "partner", "employee__user", "workspace")
    search_fields = ("group__name", "partner__name")
    autocomplete_fields = ("workspace", "group", "partner", "employee")


@admin.register(PartnerProgramme)
class PartnerProgrammeAdmin(WorkspaceScopedAdmin):
    list_display = ("workspace", "nudge_after_days", "valuable_partners")
    autocomplete_fields = ("workspace",)
