from django.contrib import admin
from django.core.exceptions import ValidationError
from unfold.contrib.filters.admin import (
    BooleanRadioFilter,
    ChoicesDropdownFilter,
    RangeDateFilter,
    RangeDateTimeFilter,
)
from unfold.decorators import display

from referral_engine.core.admin import (
    LargeTable,
    WorkspaceAutocompleteFilter,
    WorkspaceOwnedForm,
    WorkspaceScopedAdmin,
    member_column,
)
from referral_engine.engagement.message_templates import wording_check
from referral_engine.engagement.models import Ask, MessageTemplate, Task

OUTCOME_COLOURS = {
    "pending": "info",
    "referral_given": "success",
    "maybe_later": "warning",
    "declined": "danger",
    "not_right_time": "warning",
}
TASK_COLOURS = {"open": "info", "done": "success", "snoozed": "warning", "cancelled": "danger"}


@admin.register(Ask)
class AskAdmin(LargeTable, WorkspaceScopedAdmin):
    list_display = (
        "at",
        member_column("asker", "Asked by"),
        "asked",
        "channel",
        "dedicated_meeting",
        "outcome_label",
        "referral_id",
        "workspace",
    )
    list_filter = (
        ("outcome", ChoicesDropdownFilter),
        ("channel", ChoicesDropdownFilter),
        ("dedicated_meeting", BooleanRadioFilter),
        ("at", RangeDateTimeFilter),
        ("asker", WorkspaceAutocompleteFilter),
        ("workspace", WorkspaceAutocompleteFilter),
    )
    list_select_related = ("asker__user", "contact", "partner", "workspace")
    search_fields = ("contact__last_name", "contact__email", "partner__name", "note")
    search_help_text = "Name of the person asked, or note"
    autocomplete_fields = ("workspace", "asker", "contact", "partner", "referral")
    date_hierarchy = "at"

    @display(description="Asked")
    def asked(self, obj: Ask) -> str:
        return str(obj.contact or obj.partner)

    @display(description="Outcome", ordering="outcome", label=OUTCOME_COLOURS)
    def outcome_label(self, obj: Ask) -> str:
        return obj.outcome


@admin.register(Task)
class TaskAdmin(LargeTable, WorkspaceScopedAdmin):
    list_display = (
        "title",
        "kind",
        "due",
        "status_label",
        member_column("assignee", "Assignee"),
        "about",
        "workspace",
    )
    list_filter = (
        ("status", ChoicesDropdownFilter),
        ("kind", ChoicesDropdownFilter),
        ("due", RangeDateFilter),
        ("assignee", WorkspaceAutocompleteFilter),
        ("workspace", WorkspaceAutocompleteFilter),
    )
    list_select_related = ("assignee__user", "account", "contact", "partner", "workspace")
    search_fields = ("title", "details")
    search_help_text = "Title or details"
    autocomplete_fields = ("workspace", "assignee", "account", "contact", "partner", "referral")
    date_hierarchy = "due"
    fieldsets = (
        (None, {"fields": ("workspace", "kind", "title", "details", "due", "assignee")}),
        ("State", {"fields": ("status", "completed_at")}),
        ("About", {"fields": ("account", "contact", "partner", "referral")}),
        ("Engine", {"fields": ("dedupe_key",), "classes": ("collapse",)}),
    )

    @display(description="About")
    def about(self, obj: Task) -> str:
        if obj.contact or obj.account or obj.partner:
            return str(obj.contact or obj.account or obj.partner)
        # The referral's own label needs four more joins; its number is enough to find it.
        return f"Referral #{obj.referral_id}" if obj.referral_id else "—"

    @display(description="Status", ordering="status", label=TASK_COLOURS)
    def status_label(self, obj: Task) -> str:
        return obj.status


class MessageTemplateForm(WorkspaceOwnedForm):
    """The same check as message_template_save: unknown blanks or unpaired braces are refused."""

    class Meta:
        model = MessageTemplate
        fields = ("workspace", "key", "subject", "body")

    def clean(self):
        cleaned = super().clean()
        try:
            wording_check(subject=cleaned.get("subject") or "", body=cleaned.get("body") or "")
        except ValidationError as exc:
            self.add_error(None, exc)
        return cleaned


@admin.register(MessageTemplate)
class MessageTemplateAdmin(WorkspaceScopedAdmin):
    form = MessageTemplateForm
    list_display = ("key", "subject", member_column("edited_by", "Edited by"), "updated_at", "workspace")
    list_filter = (("key", ChoicesDropdownFilter), ("workspace", WorkspaceAutocompleteFilter))
    list_select_related = ("edited_by__user", "workspace")
    search_fields = ("subject", "body")
    search_help_text = "Subject or message"
    autocomplete_fields = ("workspace",)
