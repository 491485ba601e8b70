"""The back office (django-unfold), scoped to the workspaces a staff user runs.

Superusers see everything. Any other staff user sees, adds, changes and deletes only rows of the workspaces where
they are an active owner or admin. The role decides, not Django's per-model permissions: a firm's owner should not
need someone to hand out forty permissions before the back office is of use, and a permission granted for one
firm must never open another's rows. Foreign-key choices and autocomplete answers are limited the same way, and a
row may point only at rows of its own workspace (the database refuses the rest too, see core/db.py).
"""

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from unfold.admin import ModelAdmin, StackedInline, TabularInline
from unfold.contrib.filters.admin import AutocompleteSelectFilter
from unfold.contrib.filters.forms import AutocompleteDropdownForm
from unfold.forms import PaginationInlineFormSet
from unfold.paginator import InfinitePaginator

from referral_engine.workspaces.models import Membership, Role, User, Workspace

MANAGER_ROLES = (Role.OWNER, Role.ADMIN)
_ROLES_ATTR = "_back_office_roles"


def is_superuser(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_superuser)


def managed_roles(request: HttpRequest) -> dict[int, str] | None:
    """The workspaces this request's user runs, as {workspace id: role}; None for a superuser (every workspace).

    Read once per request: every permission check, form field and list filter of a page asks for it.
    """
    if is_superuser(request):
        return None
    roles = getattr(request, _ROLES_ATTR, None)
    if roles is None:
        user = request.user
        roles = {}
        if user.is_authenticated and user.is_active and user.is_staff:
            roles = dict(
                Membership.objects.filter(user=user, is_active=True, role__in=MANAGER_ROLES).values_list(
                    "workspace_id", "role"
                )
            )
        setattr(request, _ROLES_ATTR, roles)
    return roles


def has_workspace_field(model: type[models.Model]) -> bool:
    return any(field.name == "workspace" for field in model._meta.concrete_fields)


def scope_to_workspaces(queryset: QuerySet, *, workspace_ids: Iterable[int]) -> QuerySet:
    """Only the rows of these workspaces. Fails closed: a model with no known way to a workspace gives nothing."""
    workspace_ids = list(workspace_ids)
    model = queryset.model
    if model is Workspace:
        return queryset.filter(pk__in=workspace_ids)
    if model is User:
        # A person is visible to the managers of any workspace they belong to.
        members = Membership.objects.filter(workspace_id__in=workspace_ids).values("user_id")
        return queryset.filter(pk__in=members)
    if has_workspace_field(model):
        return queryset.filter(workspace_id__in=workspace_ids)
    return queryset.none()


class _ScopedAutocompleteDropdownForm(AutocompleteDropdownForm):
    def __init__(self, request: HttpRequest, name: str, *args, **kwargs):
        super().__init__(request, name, *args, **kwargs)
        roles = managed_roles(request)
        if roles is not None:
            field = self.fields[name]
            field.queryset = scope_to_workspaces(field.queryset.all(), workspace_ids=roles)


class WorkspaceAutocompleteFilter(AutocompleteSelectFilter):
    """Unfold's autocomplete list filter, scoped: the stock one labels the chosen value from an unscoped
    queryset, so an id put in the URL would print another firm's row."""

    form_class = _ScopedAutocompleteDropdownForm


class WorkspaceOwnedForm(forms.ModelForm):
    """Refuses a row in a workspace the user does not run, and references into another workspace.

    The database would refuse a cross-workspace reference as well, but as an integrity error (a server error);
    here it is a message next to the field.
    """

    # Set by the admin on the form class it builds for each request (modelform_factory makes a new class).
    admin_request: HttpRequest | None = None

    def _target_workspace_id(self, cleaned: dict[str, Any]) -> int | None:
        workspace = cleaned.get("workspace")
        if isinstance(workspace, Workspace):
            return workspace.pk
        return getattr(self.instance, "workspace_id", None)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        workspace_id = self._target_workspace_id(cleaned)
        if workspace_id is None:
            return cleaned
        roles = managed_roles(self.admin_request) if self.admin_request is not None else None
        if roles is not None and workspace_id not in roles:
            field = (
                "workspace" if "workspace" in self.fields and not self.fields["workspace"].disabled else None
            )
            self.add_error(field, "You do not manage this workspace.")
            return cleaned
        for name, value in list(cleaned.items()):
            other = getattr(value, "workspace_id", None) if isinstance(value, models.Model) else None
            if other is not None and other != workspace_id:
                self.add_error(name, "Choose a record of the same workspace.")
        return cleaned


class WorkspaceScopeMixin:
    """Permissions, querysets and foreign-key choices from the user's role in each workspace."""

    def workspace_id_of(self, obj: models.Model) -> int | None:
        return obj.workspace_id

    def role_allows(self, request: HttpRequest, obj: models.Model | None) -> bool:
        roles = managed_roles(request)
        if not roles:
            return False
        return obj is None or self.workspace_id_of(obj) in roles

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        roles = managed_roles(request)
        return queryset if roles is None else scope_to_workspaces(queryset, workspace_ids=roles)

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        roles = managed_roles(request)
        if field is not None and roles is not None:
            field.queryset = scope_to_workspaces(field.queryset, workspace_ids=roles)
        return field


class WorkspaceScopedAdmin(WorkspaceScopeMixin, ModelAdmin):
    """Base for the admin of every model that carries a workspace."""

    form = WorkspaceOwnedForm
    # Range and autocomplete filters have inputs; one submit button applies them together.
    list_filter_submit = True
    warn_unsaved_form = True

    def has_module_permission(self, request: HttpRequest) -> bool:
        if is_superuser(request):
            return super().has_module_permission(request)
        return self.role_allows(request, None)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        if is_superuser(request):
            return super().has_view_permission(request, obj)
        return self.role_allows(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        if is_superuser(request):
            return super().has_add_permission(request)
        return self.role_allows(request, None)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if is_superuser(request):
            return super().has_change_permission(request, obj)
        return self.role_allows(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if is_superuser(request):
            return super().has_delete_permission(request, obj)
        return self.role_allows(request, obj)

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.admin_request = request
        return form

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        if "workspace" in initial or not has_workspace_field(self.model):
            return initial
        roles = managed_roles(request)
        current = getattr(request, "workspace", None)
        if current is not None and (roles is None or current.pk in roles):
            initial["workspace"] = current.pk
        elif roles and len(roles) == 1:
            initial["workspace"] = next(iter(roles))
        return initial

    def _single_workspace(self, request: HttpRequest) -> bool:
        roles = managed_roles(request)
        return roles is not None and len(roles) == 1

    def get_list_display(self, request: HttpRequest):
        columns = super().get_list_display(request)
        # Someone who runs one firm learns nothing from a workspace column or filter.
        if self._single_workspace(request):
            columns = [column for column in columns if column != "workspace"]
        return columns

    def get_list_filter(self, request: HttpRequest):
        filters = super().get_list_filter(request)
        if self._single_workspace(request):
            filters = [f for f in filters if not (isinstance(f, tuple | list) and f[0] == "workspace")]
            filters = [f for f in filters if f != "workspace"]
        return filters


class LargeTable:
    """For tables that grow to millions of rows: no COUNT(*) over the table, only previous and next pages."""

    paginator = InfinitePaginator
    show_full_result_count = False
    list_disable_select_all = True
    list_per_page = 50
    # Facet counts are one COUNT per filter choice over the whole table.
    show_facets = admin.ShowFacets.NEVER


class WorkspaceInlineFormSet(PaginationInlineFormSet):
    """A row added inline belongs to the parent row's workspace; nobody chooses it."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if self.fk.name != "workspace" and "workspace" in form.fields and form.instance.pk is None:
            # Read when the form is cleaned, not now: on an add page the forms are built before the parent's
            # own form has been validated, so its workspace is not known yet. Django calls a callable initial.
            parent = self.instance
            form.initial["workspace"] = lambda: parent.workspace_id
        return form


class WorkspaceInlineMixin(WorkspaceScopeMixin):
    form = WorkspaceOwnedForm
    formset = WorkspaceInlineFormSet
    extra = 0

    def workspace_id_of(self, obj: models.Model) -> int | None:
        # The obj an inline's permission checks receive is the parent row.
        return obj.pk if isinstance(obj, Workspace) else obj.workspace_id

    def get_fields(self, request: HttpRequest, obj=None):
        fields = list(super().get_fields(request, obj))
        # The workspace stays in the form, hidden, so the per-workspace unique constraints are validated (Django
        # skips a constraint on a field the form leaves out), unless the inline hangs off the workspace itself.
        if (
            has_workspace_field(self.model)
            and self.parent_model is not Workspace
            and "workspace" not in fields
        ):
            fields.append("workspace")
        return fields

    def get_formset(self, request: HttpRequest, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.admin_request = request
        field = formset.form.base_fields.get("workspace")
        if field is not None and formset.fk.name != "workspace":
            # Disabled: a posted value is ignored in favour of the parent's (set per form by the formset).
            field.disabled = True
            field.widget = forms.HiddenInput()
        return formset

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        if is_superuser(request):
            return super().has_view_permission(request, obj)
        return self.role_allows(request, obj)

    def has_add_permission(self, request: HttpRequest, obj) -> bool:
        if is_superuser(request):
            return super().has_add_permission(request, obj)
        return self.role_allows(request, obj)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if is_superuser(request):
            return super().has_change_permission(request, obj)
        return self.role_allows(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if is_superuser(request):
            return super().has_delete_permission(request, obj)
        return self.role_allows(request, obj)


class WorkspaceTabularInline(WorkspaceInlineMixin, TabularInline):
    pass


class WorkspaceStackedInline(WorkspaceInlineMixin, StackedInline):
    pass


def member_column(field: str, description: str) -> Callable[[models.Model], str]:
    """A list column showing the person behind a membership foreign key (select_related `<field>__user`)."""

    @admin.display(description=description, ordering=f"{field}__user__full_name")
    def column(obj: models.Model) -> str:
        membership = getattr(obj, field)
        return membership.user.get_full_name() if membership is not None else "—"

    column.__name__ = f"{field}_person"
    return column
