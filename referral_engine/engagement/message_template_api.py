"""/message-templates: the wording of the update e-mails to referrers (docs/updates-and-webhooks.md).

Every employee may read it; owners and admins change it. Each workspace has its own; a key is one of
referral_contacted, referral_meeting, referral_proposal, referral_won, referral_lost.
"""

from ninja import Router, Status
from ninja.errors import AuthorizationError

from referral_engine.core.api import employee_auth, workspace_of
from referral_engine.engagement import selectors, services
from referral_engine.engagement.schemas import MessageTemplateIn, MessageTemplateOut

router = Router(tags=["message templates"], auth=employee_auth)


def _managers_only(request) -> None:
    if not request.auth.can_manage:
        raise AuthorizationError(message="Only an owner or an admin may change the wording of e-mails.")


def _out(wording) -> dict:
    return {
        "key": wording.key,
        "label": wording.label,
        "subject": wording.subject,
        "body": wording.body,
        "is_default": wording.is_default,
    }


@router.get("", response=list[MessageTemplateOut])
def message_template_list(request):
    """Every e-mail the workspace can reword, with the wording in use."""
    return [_out(w) for w in selectors.message_template_list(workspace=workspace_of(request))]


@router.get("/{key}", response=MessageTemplateOut)
def message_template_get(request, key: str):
    """The wording in use for one e-mail: the workspace's own, else the built-in one."""
    return _out(selectors.message_template_get(workspace=workspace_of(request), key=key))


@router.put("/{key}", response=MessageTemplateOut)
def message_template_save(request, key: str, payload: MessageTemplateIn):
    """Reword one e-mail (owners and admins). Unknown blanks or unpaired braces are 422 errors on the field."""
    _managers_only(request)
    workspace = workspace_of(request)
    selectors.message_template_get(workspace=workspace, key=key)  # an unknown key is a 404
    services.message_template_save(workspace=workspace, actor=request.auth, key=key, **payload.model_dump())
    return _out(selectors.message_template_get(workspace=workspace, key=key))


@router.delete("/{key}", response={204: None})
def message_template_reset(request, key: str):
    """Go back to the built-in wording of one e-mail (owners and admins)."""
    _managers_only(request)
    workspace = workspace_of(request)
    selectors.message_template_get(workspace=workspace, key=key)
    services.message_template_reset(workspace=workspace, actor=request.auth, key=key)
    return Status(204, None)
