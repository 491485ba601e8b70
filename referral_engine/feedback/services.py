"""Writes for NPS answers."""

from django.db import transaction
from django.utils import timezone

from referral_engine.core.validation import (
    apply_changes,
    check_fields,
    check_related,
    clean_and_save,
    delete_or_conflict,
    raise_if,
)
from referral_engine.feedback.models import NpsResponse
from referral_engine.workspaces.models import Membership, Workspace

NPS_RESPONSE_FIELDS = ("contact", "account", "score", "comment", "at")
NPS_RESPONSE_RELATIONS = {"contact": "contact", "account": "account"}


def _nps_response_check(response: NpsResponse) -> None:
    errors: dict = {}
    if response.contact_id is None:
        errors["contact"] = ["An answer needs the contact who gave it."]
    # Reichheld (2003): the answer is on a 0-10 scale.
    if response.score is None or not 0 <= response.score <= 10:
        errors["score"] = ["The score is a whole number from 0 to 10."]
    raise_if(errors)


@transaction.atomic
def nps_response_create(*, workspace: Workspace, actor: Membership | None, **fields) -> NpsResponse:
    """Record an answer. The account defaults to the contact's account, so NPS by account needs no join later."""
    check_fields(allowed=NPS_RESPONSE_FIELDS, given=fields, entity="nps_response_create")
    check_related(workspace=workspace, values=fields, relations=NPS_RESPONSE_RELATIONS)
    if fields.get("at") is None:
        fields["at"] = timezone.now()
    contact = fields.get("contact")
    if contact is not None and fields.get("account") is None and contact.account_id is not None:
        fields.pop("account", None)
        fields["account_id"] = contact.account_id
    response = NpsResponse(workspace=workspace, **fields)
    _nps_response_check(response)
    return clean_and_save(response)


@transaction.atomic
def nps_response_update(*, instance: NpsResponse, actor: Membership | None, **changes) -> NpsResponse:
    check_fields(allowed=NPS_RESPONSE_FIELDS, given=changes, entity="nps_response_update")
    check_related(workspace=instance.workspace, values=changes, relations=NPS_RESPONSE_RELATIONS)
    changed = apply_changes(instance, changes)
    if not changed:
        return instance
    _nps_response_check(instance)
    return clean_and_save(instance, update_fields=changed)


@transaction.atomic
def nps_response_delete(*, instance: NpsResponse, actor: Membership | None) -> None:
    delete_or_conflict(instance, message="This answer cannot be deleted.")
