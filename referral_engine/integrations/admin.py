from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import action, display

from referral_engine.core.admin import (
    LargeTable,
    WorkspaceAutocompleteFilter,
    WorkspaceOwnedForm,
    WorkspaceScopedAdmin,
)
from referral_engine.integrations.models import OutboundEmail, WebhookDelivery, WebhookEndpoint, WebhookEvent
from referral_engine.integrations.services import (
    clean_endpoint_fields,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_update,
    webhook_test_send,
)

DELIVERY_COLOURS = {"pending": "warning", "delivered": "success", "failed": "danger"}


class WebhookEndpointForm(WorkspaceOwnedForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookEndpoint
        fields = ("workspace", "url", "description", "events", "is_active")

    def clean(self):
        cleaned = super().clean()
        # The service's rules, shown next to the fields; the service checks them again when it saves.
        try:
            clean_endpoint_fields(url=cleaned.get("url", ""), events=cleaned.get("events") or [])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                if field in self.fields and field not in self.errors:
                    self.add_error(field, errors)
        return cleaned


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(WorkspaceScopedAdmin):
    form = WebhookEndpointForm
    list_display = ("url", "description", "event_list", "is_active", "workspace", "created_at")
    list_filter = ("is_active", ("workspace", WorkspaceAutocompleteFilter))
    list_select_related = ("workspace",)
    search_fields = ("url", "description")
    autocomplete_fields = ("workspace",)
    readonly_fields = ("secret",)
    actions = ["send_test"]
    actions_detail = ["send_test_detail"]

    def get_fields(self, request: HttpRequest, obj=None):
        fields = ["workspace", "url", "description", "events", "is_active"]
        # The secret exists once the endpoint does; owners copy it from here into their receiver.
        return [*fields, "secret"] if obj is not None else fields

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return ("secret", "workspace") if obj is not None else ("secret",)

    @display(description="Events")
    def event_list(self, obj: WebhookEndpoint) -> str:
        return ", ".join(obj.events)

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form, change: bool) -> None:
        data = form.cleaned_data
        if change:
            webhook_endpoint_update(
                endpoint=obj,
                url=data["url"],
                events=list(data["events"]),
                description=data.get("description", ""),
                is_active=data.get("is_active", True),
            )
        else:
            created = webhook_endpoint_create(
                workspace=data["workspace"],
                url=data["url"],
                events=list(data["events"]),
                description=data.get("description", ""),
                is_active=data.get("is_active", True),
            )
            obj.pk = created.pk
            obj.secret = created.secret

    def delete_model(self, request: HttpRequest, obj: WebhookEndpoint) -> None:
        webhook_endpoint_delete(endpoint=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for endpoint in queryset:
            webhook_endpoint_delete(endpoint=endpoint)

    @action(description="Send test event")
    def send_test(self, request: HttpRequest, queryset: QuerySet) -> None:
        for endpoint in queryset.select_related("workspace"):
            webhook_test_send(endpoint=endpoint)
        self.message_user(request, "Test events queued; see the delivery log.", messages.SUCCESS)

    @action(description="Send test event", url_path="send-test")
    def send_test_detail(self, request: HttpRequest, object_id: str):
        from django.shortcuts import redirect

        endpoint = self.get_queryset(request).filter(pk=object_id).first()
        if endpoint is None or not self.has_change_permission(request, endpoint):
            self.message_user(request, "No such endpoint.", messages.ERROR)
        else:
            webhook_test_send(endpoint=endpoint)
            self.message_user(request, "Test event queued; see the delivery log.", messages.SUCCESS)
        return redirect("admin:integrations_webhookendpoint_change", object_id)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(LargeTable, WorkspaceScopedAdmin):
    list_display = (
        "event",
        "endpoint",
        "status_label",
        "attempts",
        "response_code",
        "next_attempt_at",
        "delivered_at",
        "workspace",
    )
    list_filter = (
        ("status", ChoicesDropdownFilter),
        "event",
        ("workspace", WorkspaceAutocompleteFilter),
    )
    list_select_related = ("endpoint", "workspace")
    search_fields = ("event_id", "endpoint__url")
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Deliveries are written by events and the worker only; the admin shows the log.
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @display(description="Status", ordering="status", label=DELIVERY_COLOURS)
    def status_label(self, obj: WebhookDelivery) -> str:
        return obj.status


@admin.register(OutboundEmail)
class OutboundEmailAdmin(LargeTable, WorkspaceScopedAdmin):
    """The e-mail log: what the engine sent or tried to send, to whom, and why it failed."""

    list_display = ("subject", "to", "kind", "status_label", "attempts", "sent_at", "workspace")
    list_filter = (("status", ChoicesDropdownFilter), "kind", ("workspace", WorkspaceAutocompleteFilter))
    list_select_related = ("workspace",)
    search_fields = ("to", "subject", "dedupe_key")
    readonly_fields = [field.name for field in OutboundEmail._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # E-mails are written by the services and the worker only; the admin shows the log.
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @display(
        description="Status",
        ordering="status",
        label={"pending": "warning", "sent": "success", "failed": "danger"},
    )
    def status_label(self, obj: OutboundEmail) -> str:
        return obj.status
