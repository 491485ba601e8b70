from django.contrib import admin
from unfold.contrib.filters.admin import (
    BooleanRadioFilter,
    ChoicesDropdownFilter,
    RangeDateFilter,
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
from referral_engine.relationships.models import Account, Contact, ContactLink, Purchase, Touchpoint

STATUS_COLOURS = {"prospect": "info", "customer": "success", "churned": "danger"}


class ContactInline(WorkspaceTabularInline):
    model = Contact
    fk_name = "account"
    fields = ("first_name", "last_name", "email", "title", "role", "owner", "do_not_contact")
    autocomplete_fields = ("owner",)
    per_page = 10
    tab = True


class PurchaseInline(WorkspaceTabularInline):
    model = Purchase
    fields = ("date", "amount", "margin", "description")
    ordering = ("-date", "-id")
    per_page = 10
    tab = True


@admin.register(Account)
class AccountAdmin(LargeTable, WorkspaceScopedAdmin):
    list_display = (
        "name",
        "status_label",
        "industry",
        "size",
        member_column("owner", "Owner"),
        "won_at",
        "workspace",
    )
    list_filter = (
        ("status", ChoicesDropdownFilter),
        ("size", ChoicesDropdownFilter),
        ("owner", WorkspaceAutocompleteFilter),
        ("won_at", RangeDateFilter),
        ("workspace", WorkspaceAutocompleteFilter),
    )
    list_select_related = ("owner__user", "workspace")
    search_fields = ("name", "domain")
    search_help_text = "Name or domain"
    autocomplete_fields = ("workspace", "owner")
    inlines = (ContactInline, PurchaseInline)
    fieldsets = (
        (None, {"fields": ("workspace", "name", "domain", "industry", "size", "owner")}),
        ("Customer", {"fields": ("status", "won_at", "churned_at", "needs")}),
    )

    @display(description="Status", ordering="status", label=STATUS_COLOURS)
    def status_label(self, obj: Account) -> str:
        return obj.status


@admin.register(Contact)
class ContactAdmin(LargeTable, WorkspaceScopedAdmin):
    list_display = (
        "__str__",
        "email",
        "account",
        "role",
        "title",
        member_column("owner", "Owner"),
        "do_not_contact",
        "workspace",
    )
    list_filter = (
        ("role", ChoicesDropdownFilter),
        ("do_not_contact", BooleanRadioFilter),
        ("account", WorkspaceAutocompleteFilter),
        ("owner", WorkspaceAutocompleteFilter),
        ("workspace", WorkspaceAutocompleteFilter),
    )
    list_select_related = ("account", "owner__user", "workspace")
    search_fields = ("first_name", "last_name", "email")
    search_help_text = "Name or e-mail address"
    autocomplete_fields = ("workspace", "account", "owner")
    fieldsets = (
        (None, {"fields": ("workspace", "first_name", "last_name", "email", "phone", "title", "birthday")}),
        ("At the firm", {"fields": ("account", "role", "owner", "do_not_contact", "email_updates")}),
    )


@admin.register(ContactLink)
class ContactLinkAdmin(LargeTable, WorkspaceScopedAdmin):
    list_display = ("from_contact", "kind", "to_contact", "workspace")
    list_filter = (
        ("kind", ChoicesDropdownFilter),
        ("from_contact", WorkspaceAutocompleteFilter),
        ("to_contact", WorkspaceAutocompleteFilter),
        ("workspace", WorkspaceAutocompleteFilter),
    )
    list_select_related = ("from_contact", "to_contact", "workspace")
    search_fields = ("from_contact__last_name", "to_contact__last_name")
    search_help_text = "Last name of either contact"
    autocomplete_fields = ("workspace", "from_contact", "to_contact")


@admin.register(Purchase)
class PurchaseAdmin(LargeTable, WorkspaceScopedAdmin):
    list_display = ("account", "date", "amount", "margin", "description", "workspace")
    list_filter = (
        ("date", RangeDateFilter),
        ("amount", RangeNumericFilter),
        ("account", WorkspaceAutocompleteFilter),
        ("workspace", WorkspaceAutocompleteFilter),
    )
    list_select_related = ("account", "workspace")
    search_fields = ("account__name", "description")
    search_help_text = "Account name or description"
    autocomplete_fields = ("workspace", "account")
    date_hierarchy = "date"


@admin.register(Touchpoint)
class TouchpointAdmin(LargeTable, WorkspaceScopedAdmin):
    list_display = (
        "at",
        "kind",
        "channel",
        "direction",
        "counterpart",
        member_column("employee", "Employee"),
        "minutes",
        "workspace",
    )
    list_filter = (
        ("kind", ChoicesDropdownFilter),
        ("channel", ChoicesDropdownFilter),
        ("direction", ChoicesDropdownFilter),
        ("at", RangeDateTimeFilter),
        ("employee", WorkspaceAutocompleteFilter),
        ("workspace", WorkspaceAutocompleteFilter),
    )
    list_select_related = ("contact", "account", "partner", "employee__user", "workspace")
    search_fields = ("summary", "contact__last_name", "account__name", "partner__name")
    search_help_text = "Summary, contact's last name, account or partner"
    autocomplete_fields = ("workspace", "employee", "contact", "account", "partner", "event")
    date_hierarchy = "at"
    fieldsets = (
        (None, {"fields": ("workspace", "kind", "channel", "direction", "at", "minutes", "employee")}),
        ("With", {"fields": ("contact", "account", "partner", "event")}),
        (None, {"fields": ("summary",)}),
    )

    @display(description="With")
    def counterpart(self, obj: Touchpoint) -> str:
        return str(obj.contact or obj.partner or obj.account or "—")
