"""Settings → Update e-mails: owners and admins reword the e-mails sent to referrers who chose e-mail updates,
with a preview, and can go back to the built-in wording. Views parse, call a selector or a service, and render."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from referral_engine.core.web import add_service_error
from referral_engine.engagement import selectors, services
from referral_engine.engagement.forms import MessageTemplateForm
from referral_engine.engagement.message_templates import (
    PLACEHOLDERS,
    SAMPLE_VALUES,
    Wording,
    text_errors,
    wording_fill_in,
)
from referral_engine.workspaces.access import manager_required


def _sample_values(request: HttpRequest) -> dict[str, str]:
    membership = request.membership
    return {
        **SAMPLE_VALUES,
        "firm_name": request.workspace.name,
        "owner_name": membership.user.get_full_name() or request.workspace.name,
    }


def _preview(request: HttpRequest, key: str, subject: str, body: str) -> dict:
    """The wording filled in with sample values, or what stops it from being filled in."""
    problems = text_errors(subject) + text_errors(body)
    if problems:
        return {"preview_errors": list(dict.fromkeys(problems))}
    subject, body = wording_fill_in(
        Wording(key=key, subject=subject, body=body, is_default=False), _sample_values(request)
    )
    return {"preview_subject": subject, "preview_body": body}


@manager_required
def message_template_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "engagement/message_templates.html",
        {"wordings": selectors.message_template_list(workspace=request.workspace)},
    )


def _edit_page(
    request: HttpRequest, wording: Wording, form: MessageTemplateForm, status: int = 200
) -> HttpResponse:
    subject = form["subject"].value() or ""
    body = form["body"].value() or ""
    context = {
        "wording": wording,
        "form": form,
        "placeholders": PLACEHOLDERS,
        **_preview(request, wording.key, subject, body),
    }
    return render(request, "engagement/message_template_edit.html", context, status=status)


@manager_required
def message_template_edit(request: HttpRequest, key: str) -> HttpResponse:
    wording = selectors.message_template_get(workspace=request.workspace, key=key)
    if request.method != "POST":
        form = MessageTemplateForm(initial={"subject": wording.subject, "body": wording.body})
        return _edit_page(request, wording, form)
    form = MessageTemplateForm(request.POST)
    if "preview" in request.POST:
        # Looking, not saving: the page comes back with the preview of what was typed.
        form.is_valid()
        return _edit_page(request, wording, form)
    if form.is_valid():
        try:
            services.message_template_save(
                workspace=request.workspace,
                actor=request.membership,
                key=key,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Saved the wording of “{wording.label}”.")
            return redirect("message_template_edit", key=key)
    return _edit_page(request, wording, form, status=400)


@manager_required
@require_POST
def message_template_preview(request: HttpRequest, key: str) -> HttpResponse:
    """The preview alone, for htmx as the wording is typed."""
    wording = selectors.message_template_get(workspace=request.workspace, key=key)
    context = _preview(request, wording.key, request.POST.get("subject", ""), request.POST.get("body", ""))
    return render(request, "engagement/_message_preview.html", context)


@manager_required
@require_POST
def message_template_reset(request: HttpRequest, key: str) -> HttpResponse:
    wording = selectors.message_template_get(workspace=request.workspace, key=key)
    services.message_template_reset(workspace=request.workspace, actor=request.membership, key=key)
    messages.success(request, f"“{wording.label}” is back to the built-in wording.")
    return redirect("message_template_edit", key=key)
