from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from unfold.contrib.filters.admin import (
    DropdownFilter,
    RangeDateTimeFilter,
    RangeNumericFilter,
)
from unfold.decorators import display

from referral_engine.core.admin import LargeTable, WorkspaceAutocompleteFilter, WorkspaceScopedAdmin
from referral_engine.feedback.models import NpsResponse, SurveyInvitation, SurveyRound

CATEGORY_COLOURS = {"promoter": "success", "passive": "warning", "detractor": "danger"}
# Reichheld (2003): 9-10 promoter, 7-8 passive, 0-6 detractor.
CATEGORY_SCORES = {"promoter": (9, 10), "passive": (7, 8), "detractor": (0, 6)}


class NpsCategoryFilter(DropdownFilter):
    title = "category"
    parameter_name = "category"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [(name, name.capitalize()) for name in CATEGORY_SCORES]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        scores = CATEGORY_SCORES.get(self.value() or "")
        return queryset.filter(score__range=scores) if scores else queryset


@admin.register(SurveyRound)
class SurveyRoundAdmin(LargeTable, WorkspaceScopedAdmin):
    """Rounds are read here, not written: the survey service sends them (Insights → NPS → New survey round)."""

    list_display = ("name", "audience_description", "sent_at", "invited_count", "status", "workspace")
    list_filter = (
        "status",
        ("sent_at", RangeDateTimeFilter),
        ("workspace", WorkspaceAutocompleteFilter),
    )
    list_select_related = ("workspace",)
    search_fields = ("name",)
    search_help_text = "Name of the round"
    autocomplete_fields = ("workspace", "account", "created_by")
    readonly_fields = ("skipped",)
    date_hierarchy = "sent_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(LargeTable, WorkspaceScopedAdmin):
    """Invitations are read here, not written: the survey service creates them with the personal link's token,
    of which only a digest is kept (never shown)."""

    list_display = ("contact", "round", "sent_at", "expires_at", "answered_at", "workspace")
    list_filter = (
        ("sent_at", RangeDateTimeFilter),
        ("answered_at", admin.EmptyFieldListFilter),
        ("contact", WorkspaceAutocompleteFilter),
        ("workspace", WorkspaceAutocompleteFilter),
    )
    list_select_related = ("contact", "round", "workspace")
    search_fields = ("contact__last_name", "contact__email")
    search_help_text = "Contact's last name or e-mail address"
    autocomplete_fields = ("workspace", "contact", "round")
    exclude = ("token_digest",)
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Autocomplete answers print "Survey for <contact>". (The list then skips list_select_related because
        # the queryset already selects related rows, hence the same tuple.)
        return super().get_queryset(request).select_related(*self.list_select_related)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(NpsResponse)
class NpsResponseAdmin(LargeTable, WorkspaceScopedAdmin):
    list_display = ("contact", "account", "score", "category_label", "referral_candidate", "at", "workspace")
    list_filter = (
        NpsCategoryFilter,
        ("score", RangeNumericFilter),
        ("at", RangeDateTimeFilter),
        ("account", WorkspaceAutocompleteFilter),
        ("workspace", WorkspaceAutocompleteFilter),
    )
    list_select_related = ("contact", "account", "workspace")
    search_fields = ("contact__last_name", "contact__email", "comment")
    search_help_text = "Contact's last name, e-mail address or comment"
    autocomplete_fields = ("workspace", "contact", "account", "invitation")
    date_hierarchy = "at"

    @display(description="Category", label=CATEGORY_COLOURS)
    def category_label(self, obj: NpsResponse) -> str:
        return obj.category
