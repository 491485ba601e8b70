from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import display
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from referral_engine.core.admin import (
    WorkspaceAutocompleteFilter,
    WorkspaceOwnedForm,
    WorkspaceScopedAdmin,
    WorkspaceTabularInline,
    is_superuser,
    managed_roles,
    member_column,
)
from referral_engine.workspaces.models import ApiToken, Invitation, Membership, Role, User, Workspace
from referral_engine.workspaces.services import invitation_revoke, token_create, token_revoke

ROLE_COLOURS = {"owner": "primary", "admin": "info", "member": "success", "partner": "warning"}


class MembershipForm(WorkspaceOwnedForm):
    """Only an owner of the workspace (or a superuser) makes someone an owner or changes an owner's membership,
    so an admin cannot promote themselves past the person who runs the firm."""

    def clean(self):
        cleaned = super().clean()
        request = self.admin_request
        roles = managed_roles(request) if request is not None else None
        workspace = cleaned.get("workspace")
        workspace_id = workspace.pk if isinstance(workspace, Workspace) else self.instance.workspace_id
        if roles is None or workspace_id is None:
            return cleaned
        touches_owner = cleaned.get("role") == Role.OWNER or (
            self.instance.pk is not None and self.initial.get("role") == Role.OWNER
        )
        if touches_owner and roles.get(workspace_id) != Role.OWNER:
            self.add_error(
                "role" if "role" in self.fields else None, "Only an owner may grant or change ownership."
            )
        return cleaned


class UserEmailMixin:
    def clean_email(self):
        # The manager stores e-mail addresses in lower case; sign-in and uniqueness rely on it.
        return User.objects.normalize_email(self.cleaned_data["email"]).strip().lower()


class BackOfficeUserChangeForm(UserEmailMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"
        field_classes = {}


class BackOfficeUserCreationForm(UserEmailMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("email", "full_name")
        field_classes = {}


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    """People who sign in. Managers of a firm see its people but cannot change accounts: a person may belong to
    other firms too, so passwords, e-mail addresses and staff flags stay with the superusers."""

    form = BackOfficeUserChangeForm
    add_form = BackOfficeUserCreationForm
    change_password_form = AdminPasswordChangeForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("full_name",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("email", "full_name", "is_active", "is_staff", "is_superuser", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("email", "full_name")
    search_help_text = "E-mail address or name"
    ordering = ("email",)
    readonly_fields = ("last_login", "date_joined")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        roles = managed_roles(request)
        if roles is None:
            return queryset
        members = Membership.objects.filter(workspace_id__in=list(roles)).values("user_id")
        return queryset.filter(pk__in=members)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return (
            super().has_module_permission(request) if is_superuser(request) else bool(managed_roles(request))
        )

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        if is_superuser(request):
            return super().has_view_permission(request, obj)
        if not managed_roles(request):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_superuser(request) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_superuser(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_superuser(request) and super().has_delete_permission(request, obj)


# Unfold's documented way to style the auth group admin: unregister Django's and register it on unfold's base.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    pass


class MembershipInline(WorkspaceTabularInline):
    model = Membership
    form = MembershipForm
    fields = ("user", "role", "title", "team", "lead", "is_active")
    autocomplete_fields = ("user", "lead")
    # A firm may employ hundreds: show them a page at a time.
    per_page = 20
    tab = True


@admin.register(Workspace)
class WorkspaceAdmin(WorkspaceScopedAdmin):
    list_display = ("name", "slug", "currency", "timezone", "created_at")
    search_fields = ("name", "slug")
    ordering = ("name",)
    inlines = (MembershipInline,)
    prepopulated_fields = {"slug": ("name",)}

    def workspace_id_of(self, obj: Workspace) -> int:
        return obj.pk

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_superuser(request) and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Deleting a firm removes every row it owns (possibly millions): never from a list page.
        return is_superuser(request) and super().has_delete_permission(request, obj)


@admin.register(Membership)
class MembershipAdmin(WorkspaceScopedAdmin):
    form = MembershipForm
    list_display = ("user", "workspace", "role_label", "title", "team", "is_active")
    list_filter = (
        ("role", ChoicesDropdownFilter),
        "is_active",
        ("workspace", WorkspaceAutocompleteFilter),
    )
    list_select_related = ("user", "workspace")
    search_fields = ("user__email", "user__full_name", "title", "team")
    search_help_text = "E-mail address, name, title or team"
    autocomplete_fields = ("workspace", "user", "lead")
    ordering = ("workspace__name", "user__email")

    @display(description="Role", ordering="role", label=ROLE_COLOURS)
    def role_label(self, obj: Membership) -> str:
        return obj.role

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Every choice and autocomplete answer prints "person (role, workspace)".
        return super().get_queryset(request).select_related(*self.list_select_related)

    def _may_touch(self, request: HttpRequest, obj: Membership | None) -> bool:
        roles = managed_roles(request)
        return (
            roles is None
            or obj is None
            or obj.role != Role.OWNER
            or roles.get(obj.workspace_id) == Role.OWNER
        )

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._may_touch(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self._may_touch(request, obj)


class ApiTokenAddForm(WorkspaceOwnedForm):
    class Meta:
        model = ApiToken
        fields = ("membership", "name")

    def clean_membership(self) -> Membership:
        # token_create refuses an inactive membership; say so beside the field rather than fail on save.
        membership = self.cleaned_data["membership"]
        if not membership.is_active:
            raise ValidationError("This membership is not active.")
        return membership


@admin.register(ApiToken)
class ApiTokenAdmin(WorkspaceScopedAdmin):
    """API tokens. Only a digest is stored, so the token itself is shown once, right after it is created."""

    list_display = (
        "name",
        "prefix_hint",
        member_column("membership", "Acts as"),
        "workspace",
        "created_at",
        "last_used_at",
        "state",
    )
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), ("workspace", WorkspaceAutocompleteFilter))
    list_select_related = ("membership__user", "workspace")
    search_fields = ("name", "prefix", "membership__user__email")
    search_help_text = "Name, first characters or holder's e-mail address"
    autocomplete_fields = ("membership",)
    actions = ("revoke",)

    def get_fields(self, request: HttpRequest, obj=None):
        if obj is None:
            return ("membership", "name")
        return ("name", "membership", "workspace", "prefix_hint", "created_at", "last_used_at", "revoked_at")

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if obj is None:
            return ()
        return ("membership", "workspace", "prefix_hint", "created_at", "last_used_at", "revoked_at")

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    @display(description="Token")
    def prefix_hint(self, obj: ApiToken) -> str:
        # The first characters only: enough to recognise a token, useless to use one.
        return f"{obj.prefix}…"

    @display(description="State", label={"active": "success", "revoked": "danger"})
    def state(self, obj: ApiToken) -> str:
        return "revoked" if obj.revoked_at else "active"

    def save_model(self, request: HttpRequest, obj: ApiToken, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        token, raw = token_create(membership=form.cleaned_data["membership"], name=form.cleaned_data["name"])
        # The admin goes on to log and redirect with obj, so it becomes the row the service created.
        for field in ApiToken._meta.concrete_fields:
            setattr(obj, field.attname, getattr(token, field.attname))
        obj._state.adding = False
        messages.success(
            request,
            f"The new API token is {raw} — copy it now: it is stored only as a digest and will not be shown again.",
        )

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            token_revoke(token=token)
        self.message_user(request, f"Revoked {len(tokens)} token(s).", messages.SUCCESS)


@admin.register(Invitation)
class InvitationAdmin(WorkspaceScopedAdmin):
    """Invitations are read and revoked here. They are sent from the workspace's settings page, the one place
    that e-mails the personal link (whose token is kept only as a digest, never shown)."""

    list_display = (
        "email",
        "role",
        "workspace",
        member_column("invited_by", "Invited by"),
        "expires_at",
        "state",
    )
    list_filter = (
        ("role", ChoicesDropdownFilter),
        ("accepted_at", admin.EmptyFieldListFilter),
        ("revoked_at", admin.EmptyFieldListFilter),
        ("workspace", WorkspaceAutocompleteFilter),
    )
    list_select_related = ("invited_by__user", "workspace")
    search_fields = ("email",)
    exclude = ("digest",)
    actions = ("revoke",)

    @display(description="State", label={"pending": "info", "accepted": "success", "closed": "danger"})
    def state(self, obj: Invitation) -> str:
        if obj.accepted_at:
            return "accepted"
        return "pending" if obj.is_pending() else "closed"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    @admin.action(description="Revoke the selected invitations", permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        # The service records who revoked: the signed-in person's own membership of each invitation's firm.
        actors = {
            m.workspace_id: m
            for m in Membership.objects.filter(
                user=request.user, is_active=True, role__in=(Role.OWNER, Role.ADMIN)
            )
        }
        revoked = refused = 0
        for invitation in queryset.filter(accepted_at__isnull=True, revoked_at__isnull=True):
            actor = actors.get(invitation.workspace_id)
            try:
                if actor is None:
                    raise PermissionDenied
                invitation_revoke(invitation=invitation, actor=actor)
                revoked += 1
            except PermissionDenied:
                refused += 1
        self.message_user(request, f"Revoked {revoked} invitation(s).", messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                f"{refused} invitation(s) left alone: only an owner or admin of their workspace may revoke them.",
                messages.WARNING,
            )
