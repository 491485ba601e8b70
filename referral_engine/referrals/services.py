"""Writes for referrals: intake and moving through the pipeline."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from referral_engine.core.errors import field_error
from referral_engine.core.validation import (
    EMPLOYEE,
    apply_changes,
    check_fields,
    check_related,
    clean_and_save,
    delete_or_conflict,
    raise_if,
)
from referral_engine.referrals.models import (
    STAGE_FIELDS,
    STATUS_STAGE_FIELD,
    Referral,
    ReferralStatus,
    SourceKind,
)
from referral_engine.relationships.services import account_create
from referral_engine.workspaces.models import Membership, Workspace

# Respond promptly (seed 000). A later issue counts working days instead of calendar days.
FIRST_CONTACT_WITHIN = timedelta(days=1)

REFERRAL_FIELDS = (
    "source_kind",
    "source_contact",
    "source_partner",
    "source_employee",
    "source_event",
    "source_name",
    "referred_account",
    "referred_contact",
    "owner",
    "received_at",
    "first_contact_due",
    "parent",
    "story",
)
# Fields an update may also touch once a referral is closed.
REFERRAL_UPDATE_FIELDS = (*REFERRAL_FIELDS, "won_value", "lost_reason")
REFERRAL_RELATIONS = {
    "source_contact": "contact",
    "source_partner": "partner",
    "source_employee": EMPLOYEE,
    "source_event": "event",
    "referred_account": "account",
    "referred_contact": "contact",
    "owner": EMPLOYEE,
    "parent": "referral",
}
SOURCE_FIELD = {
    SourceKind.CUSTOMER: ("source_contact", "A customer referral needs the contact who referred it."),
    SourceKind.PARTNER: ("source_partner", "A partner referral needs the partner who referred it."),
    SourceKind.EMPLOYEE: ("source_employee", "An employee referral needs the employee who referred it."),
    SourceKind.EVENT: ("source_event", "An event referral needs the event it came from."),
}
STAGE_LABEL = {
    "received_at": "received",
    "contacted_at": "contacted",
    "meeting_at": "met",
    "proposal_at": "sent a proposal",
    "closed_at": "closed",
}


def _referral_check(referral: Referral) -> None:
    errors: dict = {}
    # The source record matching the kind must be there (the model's referral_source_matches_kind).
    if referral.source_kind not in SourceKind.values:
        errors["source_kind"] = [f"Choose one of: {', '.join(SourceKind.values)}."]
    else:
        needed = SOURCE_FIELD.get(referral.source_kind)
        if needed and getattr(referral, f"{needed[0]}_id") is None:
            errors[needed[0]] = [needed[1]]
    if referral.referred_account_id is None:
        errors["referred_account"] = ["A referral needs the account that was referred."]
    if referral.parent_id is not None and referral.pk is not None and referral.parent_id == referral.pk:
        errors["parent"] = ["A referral cannot be its own parent."]
    if (
        referral.first_contact_due
        and referral.received_at
        and referral.first_contact_due < referral.received_at
    ):
        errors["first_contact_due"] = ["The first contact cannot be due before the referral was received."]
    stages = [(name, getattr(referral, name)) for name in STAGE_FIELDS if getattr(referral, name) is not None]
    for (earlier, earlier_at), (later, later_at) in zip(stages, stages[1:], strict=False):
        if later_at < earlier_at:
            errors.setdefault(later, []).append(
                f"This date is before the referral was {STAGE_LABEL[earlier]} ({earlier_at:%Y-%m-%d %H:%M})."
            )
    raise_if(errors)


@transaction.atomic
def referral_create(
    *, workspace: Workspace, actor: Membership | None, referred_account_name: str = "", **fields
) -> Referral:
    """Record a referral. It starts as received, tier 2 when it came through an earlier referral (`parent`).

    Without a `referred_account`, `referred_account_name` creates a new prospect account for it (the partner
    portal and the API let a referrer name a business they cannot look up).
    """
    check_fields(allowed=REFERRAL_FIELDS, given=fields, entity="referral_create")
    check_related(workspace=workspace, values=fields, relations=REFERRAL_RELATIONS)
    referred_account_name = (referred_account_name or "").strip()
    if fields.get("referred_account") is None:
        if not referred_account_name:
            raise field_error("referred_account", "A referral needs the account that was referred.")
        fields["referred_account"] = account_create(
            workspace=workspace, actor=actor, name=referred_account_name
        )
    if fields.get("received_at") is None:
        fields["received_at"] = timezone.now()
    if fields.get("first_contact_due") is None:
        fields["first_contact_due"] = fields["received_at"] + FIRST_CONTACT_WITHIN
    referral = Referral(workspace=workspace, status=ReferralStatus.RECEIVED, **fields)
    referral.tier = 2 if referral.parent_id is not None else 1
    _referral_check(referral)
    return clean_and_save(referral)


@transaction.atomic
def referral_update(*, instance: Referral, actor: Membership | None, **changes) -> Referral:
    """Edit a referral. A new `status` moves it through the pipeline (see referral_move) at `status_at`
    (default now), with `won_value` and `lost_reason` going along when it closes."""
    status = changes.pop("status", None)
    status_at = changes.pop("status_at", None)
    if status_at is not None and (status is None or status == instance.status):
        raise field_error("status_at", "Send the new status this time is for.")
    if status is not None and status != instance.status:
        try:
            instance = referral_move(
                referral=instance,
                actor=actor,
                status=status,
                at=status_at,
                won_value=changes.pop("won_value", None),
                lost_reason=changes.pop("lost_reason", "") or "",
            )
        except ValidationError as exc:
            # Here the stage time is called status_at; name it so the caller can find its field.
            errors = exc.message_dict
            if "at" in errors:
                errors["status_at"] = errors.pop("at")
            raise ValidationError(errors) from exc
    check_fields(allowed=REFERRAL_UPDATE_FIELDS, given=changes, entity="referral_update")
    check_related(workspace=instance.workspace, values=changes, relations=REFERRAL_RELATIONS)
    if "lost_reason" in changes and changes["lost_reason"] is None:
        changes["lost_reason"] = ""
    changed = apply_changes(instance, changes)
    if not changed:
        return instance
    if "parent" in changed:
        instance.tier = 2 if instance.parent_id is not None else 1
        changed.append("tier")
    errors: dict = {}
    if instance.status == ReferralStatus.WON and instance.won_value is None:
        errors["won_value"] = ["A won referral needs the value it was won for."]
    if instance.status == ReferralStatus.LOST and not instance.lost_reason.strip():
        errors["lost_reason"] = ["Say why the referral was lost."]
    raise_if(errors)
    _referral_check(instance)
    return clean_and_save(instance, update_fields=changed)


@transaction.atomic
def referral_move(
    *,
    referral: Referral,
    actor: Membership | None,
    status: str,
    at: datetime | None = None,
    won_value: Decimal | None = None,
    lost_reason: str = "",
) -> Referral:
    """Move a referral to `status`, stamping that stage's time (`at`, default now).

    A stage may be skipped, but its time may not be earlier than a stage already recorded before it. Moving back
    (a mistake, or a deal reopened) clears the later stages, so the pipeline never shows a stage it has left.
    """
    if status not in ReferralStatus.values:
        raise field_error("status", f"Choose one of: {', '.join(ReferralStatus.values)}.")
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise field_error("at", "Give the time with its time zone.")
    stage = STATUS_STAGE_FIELD[ReferralStatus(status)]
    position = STAGE_FIELDS.index(stage)
    errors: dict = {}
    for earlier in STAGE_FIELDS[:position]:
        earlier_at = getattr(referral, earlier)
        if earlier_at is not None and at < earlier_at:
            errors.setdefault("at", []).append(
                f"This date is before the referral was {STAGE_LABEL[earlier]} ({earlier_at:%Y-%m-%d %H:%M})."
            )
    lost_reason = (lost_reason or "").strip()
    if status == ReferralStatus.WON:
        if won_value is None:
            errors["won_value"] = ["A won referral needs the value it was won for."]
        elif won_value < 0:
            errors["won_value"] = ["The won value cannot be negative."]
    if status == ReferralStatus.LOST and not lost_reason:
        errors["lost_reason"] = ["Say why the referral was lost."]
    if errors:
        raise ValidationError(errors)

    changed = ["status", stage]
    referral.status = status
    setattr(referral, stage, at)
    for later in STAGE_FIELDS[position + 1 :]:
        if getattr(referral, later) is not None:
            setattr(referral, later, None)
            changed.append(later)
    referral.won_value = won_value if status == ReferralStatus.WON else None
    referral.lost_reason = lost_reason if status == ReferralStatus.LOST else ""
    changed += ["won_value", "lost_reason"]
    return clean_and_save(referral, update_fields=changed)


@transaction.atomic
def referral_delete(*, instance: Referral, actor: Membership | None) -> None:
    delete_or_conflict(instance, message="This referral cannot be deleted.")
